import pg from 'pg';
import { killServers, spawnServer, stopServer, waitHealthy, type ServerProcess } from './server-process.js';
import { createTestDatabase, type TestDb } from './stores.js';

/** Two real server processes on one fresh PostgreSQL database, and a direct connection to it. */
export interface ServerPair {
  db: TestDb;
  a: ServerProcess;
  b: ServerProcess;
  sql: pg.Client;
  stop(): Promise<void>;
}

/**
 * Starts both servers at once, so they migrate and bootstrap the admin key together (the
 * scale-out start), with `env` added to each server's environment.
 */
export async function startServerPair(env: Record<string, string>): Promise<ServerPair> {
  const db = await createTestDatabase('postgres');
  if (db.target.dialect !== 'postgres') throw new Error('expected a PostgreSQL target');
  const full = { ...env, TOLLGATE_DATABASE_URL: db.target.connectionString };
  const [a, b] = await Promise.all([spawnServer(full), spawnServer(full)]);
  await Promise.all([waitHealthy(a), waitHealthy(b)]);
  const sql = new pg.Client({ connectionString: db.target.connectionString });
  await sql.connect();
  return {
    db,
    a,
    b,
    sql,
    async stop() {
      await sql.end();
      await Promise.all([a, b].map(stopServer));
      killServers();
      await db.drop();
    },
  };
}
