import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { createJsonCodec, type JsonCodec } from './json-codec.js';
import type { Database } from './schema.js';
import type { StoreTarget } from './store-url.js';

import type { StoreDialect } from './dialect.js';

export type { StoreDialect };

/** The one door to the database: only this module knows which engine is behind `db`. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly json: JsonCodec;
  /**
   * Hears what other servers announce on `channel` (PostgreSQL LISTEN/NOTIFY). An embedded
   * SQLite store has one server, so there is nothing to hear and this is a no-op.
   */
  subscribe(channel: string, handlers: ChannelHandlers): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export interface ChannelHandlers {
  message(payload: string): void;
  /** The connection was lost and is back: anything may have been missed, so re-check everything. */
  reset(): void;
  error(err: unknown): void;
}

export type Unsubscribe = () => Promise<void>;

const noSubscription = (): Promise<Unsubscribe> => Promise.resolve(() => Promise.resolve());

export interface OpenStoreOptions {
  /** PostgreSQL pool size; each server process holds at most this many connections. */
  poolSize?: number;
}

export function openStore(target: StoreTarget, options: OpenStoreOptions = {}): Store {
  if (target.dialect === 'sqlite') return openSqlite(target.filename);
  return openPostgres(target.connectionString, options.poolSize ?? 10);
}

function openSqlite(filename: string): Store {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  const database = new SQLite(filename);
  // WAL + synchronous=NORMAL: a commit is durable against a process crash (SIGKILL) because
  // the WAL write reaches the OS before the call returns; only power loss can drop the last
  // commits, which is the documented trade-off for the embedded store.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, dialect: 'sqlite', json: createJsonCodec('sqlite'), subscribe: noSubscription, close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; on the capture path that was a seventh of the time.
 * Statements are reusable in better-sqlite3 once a call returns (Kysely never leaves one
 * iterating), so keep the recently used ones by SQL text.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (stmt) {
        // Re-insert to keep the map in least-recently-used order.
        cache.delete(sqlText);
      } else {
        stmt = database.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}

const PG_INT8_OID = 20;

function parseInt8AsNumber(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === PG_INT8_OID) return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

function openPostgres(connectionString: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Epoch-millisecond BIGINTs fit a double exactly for the next 280,000 years.
    types: { getTypeParser: parseInt8AsNumber },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    json: createJsonCodec('postgres'),
    subscribe: (channel, handlers) => listen(connectionString, channel, handlers),
    close: () => db.destroy(),
  };
}

const RECONNECT_DELAYS_MS = [100, 500, 1000, 2000, 5000];

/**
 * A dedicated connection outside the pool (LISTEN binds a session), re-established with
 * backoff when it drops; after a reconnect `reset` runs, since notifications sent while the
 * connection was down are lost.
 */
async function listen(connectionString: string, channel: string, handlers: ChannelHandlers): Promise<Unsubscribe> {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const scheduleReconnect = (): void => {
    if (closed || timer !== undefined) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]!;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        () => handlers.reset(),
        (err: unknown) => {
          handlers.error(err);
          scheduleReconnect();
        },
      );
    }, delay);
    timer.unref();
  };

  const onDead = (c: pg.Client): void => {
    if (client !== c) return;
    client = undefined;
    c.end().catch(() => {});
    scheduleReconnect();
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on('notification', (n) => {
      if (n.channel === channel) handlers.message(n.payload ?? '');
    });
    c.on('error', (err) => {
      handlers.error(err);
      onDead(c);
    });
    c.on('end', () => onDead(c));
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    attempt = 0;
  };

  await connect();
  return async () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    const c = client;
    client = undefined;
    if (c) await c.end().catch(() => {});
  };
}
