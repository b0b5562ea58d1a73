import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext, type AppContext, type Clock } from '../../src/app/context.js';
import { PasswordHasher } from '../../src/app/passwords.js';
import type { OriginalKey } from '../../src/core/data-protection/original-cipher.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { StoreTarget } from '../../src/store/store-url.js';

/**
 * Every store test runs on SQLite and, when `TOLLGATE_TEST_PG_URL` is set (CI always sets
 * it), on a real PostgreSQL: each test gets a fresh database created from that server.
 */
export const PG_URL = process.env.TOLLGATE_TEST_PG_URL;

if (process.env.CI === 'true' && !PG_URL) {
  throw new Error('CI=true but TOLLGATE_TEST_PG_URL is not set: PostgreSQL tests would silently not run');
}

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDb {
  target: StoreTarget;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDb> {
  if (dialect === 'sqlite') return { target: { dialect: 'sqlite', filename: ':memory:' }, drop: async () => {} };
  if (!PG_URL) throw new Error('TOLLGATE_TEST_PG_URL is not set');
  const name = `tollgate_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    target: { dialect: 'postgres', connectionString: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      // A closed pool's connections finish closing a moment after close() resolves; forcing the
      // drop before they have gone kills them, and pg reports that as an unhandled error.
      for (let i = 0; i < 50; i++) {
        const open = await c.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
        if (Number(open.rows[0]?.n) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A SQLite file rather than :memory:, for tests that open the same store from two places. */
export function sqliteFileTarget(dir: string): StoreTarget {
  return { dialect: 'sqlite', filename: `${dir}/tollgate-${randomBytes(4).toString('hex')}.sqlite` };
}

export type TableName = keyof Database;

/** How many rows a table holds, read straight from the store. */
export async function countRows(store: Store, table: TableName): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface TestStore {
  store: Store;
  ctx: AppContext;
  clock: ManualClock;
  close(): Promise<void>;
}

/** A clock tests move by hand, for leases and expiry without sleeping. */
export interface ManualClock {
  (): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 10, 25, 12, 0, 0)): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => void (now += ms);
  clock.set = (ms) => void (now = ms);
  return clock;
}

export async function openTestStore(
  dialect: DialectName,
  opts: { clock?: Clock; poolSize?: number; random?: () => number; originalKey?: OriginalKey } = {},
): Promise<TestStore> {
  const db = await createTestDatabase(dialect);
  const store = openStore(db.target, { poolSize: opts.poolSize ?? 10 });
  await migrateToLatest(store);
  const clock = manualClock();
  const ctx = createContext({
    store,
    clock: opts.clock ?? clock,
    newId: uuidv7,
    logger: pino({ level: 'silent' }),
    ...(opts.random === undefined ? {} : { random: opts.random }),
    originalKey: opts.originalKey ?? null,
    // The production cost takes ~0.3 s per hash; the format and checks are the same at 2^10.
    passwords: new PasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  return {
    store,
    ctx,
    clock,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
