import type { Kysely, Transaction } from 'kysely';
import type { JsonCodec } from './json-codec.js';
import type { Database } from './schema.js';
import type { Store, StoreDialect } from './store.js';

/** What a repository function needs: a query handle (the store's or a transaction's) and the codec. */
export interface Executor {
  readonly db: Kysely<Database>;
  readonly json: JsonCodec;
  readonly dialect: StoreDialect;
}

/** Runs `fn` in one transaction; every write of a state change and its audit event commit together. */
export function inTransaction<T>(store: Store, fn: (tx: Executor) => Promise<T>): Promise<T> {
  return store.db.transaction().execute((trx: Transaction<Database>) => fn({ db: trx, json: store.json, dialect: store.dialect }));
}

/** SQLite caps bound parameters per statement; PostgreSQL at 65,535. Chunk multi-row inserts under both. */
export function chunkRows<T>(rows: readonly T[], columnsPerRow: number, dialect: StoreDialect): T[][] {
  const maxParams = dialect === 'sqlite' ? 32_000 : 60_000;
  const size = Math.max(1, Math.floor(maxParams / columnsPerRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
