import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTestDatabase, DIALECTS, type TestDb } from '../support/stores.js';

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  let db: TestDb;
  let store: Store;
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('apply once, then find nothing to do; two servers starting together apply each once', async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.target);
    const [a, b] = await Promise.all([migrateToLatest(store), migrateToLatest(store)]);
    expect([...a.applied, ...b.applied]).toEqual(['001-initial']);
    expect((await migrateToLatest(store)).applied).toEqual([]);
    const tables = ['projects', 'items', 'tasks', 'judgments', 'api_keys', 'audit_events', 'policy_versions', 'rubric_versions'];
    for (const t of tables) {
      const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db);
      expect(Number(row.rows[0]?.n)).toBe(0);
    }
    if (dialect === 'postgres') {
      const opts = await sql<{ reloptions: string[] | null }>`select reloptions from pg_class where relname = 'tasks'`.execute(store.db);
      expect(opts.rows[0]?.reloptions).toEqual(expect.arrayContaining(['autovacuum_vacuum_scale_factor=0.01']));
    }
  });
});
