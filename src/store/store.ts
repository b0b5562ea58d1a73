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
  close(): Promise<void>;
}

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
  return { db, dialect: 'sqlite', json: createJsonCodec('sqlite'), close: () => db.destroy() };
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
  return { db, dialect: 'postgres', json: createJsonCodec('postgres'), close: () => db.destroy() };
}
