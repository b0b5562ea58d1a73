import { CompiledQuery } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Executor } from './executor.js';
import type { Database } from './schema.js';

/**
 * Multi-row INSERTs for the capture path, where the query builder's per-row work was a tenth
 * of ingest time. Rows are written in power-of-two groups (1000 = 512 + 256 + … + 8), so the
 * SQL texts repeat and the store's prepared-statement cache (SQLite) and the planner's cache
 * see a handful of statements instead of one per batch size. Still goes through Kysely's
 * connection and transaction, so it commits with everything else.
 */
const MAX_PARAMS: Record<StoreDialect, number> = { sqlite: 32_000, postgres: 60_000 };
const sqlCache = new Map<string, string>();

function insertSql(dialect: StoreDialect, table: string, columns: readonly string[], rowCount: number): string {
  const key = `${dialect}|${table}|${columns.join(',')}|${rowCount}`;
  let text = sqlCache.get(key);
  if (text === undefined) {
    const width = columns.length;
    const tuples: string[] = [];
    for (let r = 0; r < rowCount; r++) {
      const ps = Array.from({ length: width }, (_, c) => (dialect === 'postgres' ? `$${r * width + c + 1}` : '?'));
      tuples.push(`(${ps.join(',')})`);
    }
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`;
    sqlCache.set(key, text);
  }
  return text;
}

/** Largest power of two of rows that fits the dialect's parameter limit. */
function maxGroup(dialect: StoreDialect, width: number): number {
  let g = 1;
  while (g * 2 * width <= MAX_PARAMS[dialect]) g *= 2;
  return g;
}

export async function insertRows<T extends keyof Database>(
  ex: Executor,
  table: T,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const cap = maxGroup(ex.dialect, columns.length);
  let i = 0;
  while (i < rows.length) {
    const remaining = rows.length - i;
    let group = Math.min(cap, 1 << Math.floor(Math.log2(remaining)));
    if (group > remaining) group = remaining;
    const params: unknown[] = [];
    for (let r = i; r < i + group; r++) params.push(...(rows[r] ?? []));
    await ex.db.executeQuery(CompiledQuery.raw(insertSql(ex.dialect, table, columns, group), params));
    i += group;
  }
}
