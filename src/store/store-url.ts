import path from 'node:path';

export type StoreTarget = { dialect: 'sqlite'; filename: string } | { dialect: 'postgres'; connectionString: string };

export const DEFAULT_SQLITE_FILE = path.join('data', 'tollgate.sqlite');

/**
 * `TOLLGATE_DATABASE_URL` accepts a PostgreSQL URL, a `sqlite:` URL (`sqlite:./x.db`,
 * `sqlite:///abs/x.db`, `sqlite::memory:`) or a bare file path. Unset means a SQLite file in
 * `data/` under the working directory, so a fresh clone runs with no other service.
 */
export function parseStoreUrl(url: string | undefined, cwd: string): StoreTarget {
  const raw = url?.trim();
  if (!raw) return { dialect: 'sqlite', filename: path.resolve(cwd, DEFAULT_SQLITE_FILE) };
  if (/^postgres(ql)?:\/\//i.test(raw)) return { dialect: 'postgres', connectionString: raw };
  if (/^sqlite:/i.test(raw)) {
    let rest = raw.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest === ':memory:') return { dialect: 'sqlite', filename: ':memory:' };
    return { dialect: 'sqlite', filename: path.resolve(cwd, rest) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new Error(
      `TOLLGATE_DATABASE_URL: unsupported scheme in "${raw.replace(/\/\/[^@]*@/, '//***@')}"; use postgres://, sqlite: or a file path`,
    );
  }
  if (raw === ':memory:') return { dialect: 'sqlite', filename: ':memory:' };
  return { dialect: 'sqlite', filename: path.resolve(cwd, raw) };
}

/** A URL safe to log: credentials masked. */
export function describeStoreTarget(target: StoreTarget): string {
  if (target.dialect === 'sqlite') return `sqlite:${target.filename}`;
  return target.connectionString.replace(/\/\/([^:@/]*)(:[^@/]*)?@/, '//$1:***@');
}
