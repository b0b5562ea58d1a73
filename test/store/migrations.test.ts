import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES, migrateToLatest, providerFor } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTestDatabase, DIALECTS, type TestDb } from '../support/stores.js';

/** A project and a passed item as the first schema stored them. */
async function seedOldProjectAndItem(store: Store): Promise<void> {
  await sql`insert into projects (id, name, policy_version, rubric_version, created_at, updated_at) values ('p1', 'old', 1, 1, 1, 1)`.execute(
    store.db,
  );
  await sql`insert into items (id, project_id, input, output, metadata, tags, created_at, decision_action, decision_priority,
    decision_rules, policy_version, required_reviews, outcome_status)
    values ('i1', 'p1', '"in"', '"out"', '{}', '[]', 1, 'pass', 0, '{"matched_rules":[],"queue":null}', 1, 0, 'approved')`.execute(
    store.db,
  );
}

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
    expect([...a.applied, ...b.applied]).toEqual(MIGRATION_NAMES);
    expect(MIGRATION_NAMES[0]).toBe('001-initial');
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

  it('upgrade a store written by an older version without touching its rows', async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.target);
    const migrator = new Migrator({ db: store.db, provider: providerFor(store.dialect) });
    expect((await migrator.migrateTo('001-initial')).error).toBeUndefined();
    await seedOldProjectAndItem(store);

    await sql`insert into tasks (id, project_id, item_id, kind, queue, status, priority, rubric_version, lease_owner, claim_count, created_at, updated_at)
      values ('t1', 'p1', 'i1', 'review', 'default', 'done', 50, 1, 'key:r', 1, 1, 2)`.execute(store.db);
    await sql`insert into judgments (id, task_id, item_id, project_id, reviewer, verdict, scores, rubric_version, created_at)
      values ('j1', 't1', 'i1', 'p1', 'key:r', 'approve', '{"accuracy": 4}', 1, 2)`.execute(store.db);

    expect((await migrateToLatest(store)).applied).toEqual(MIGRATION_NAMES.slice(1));
    // Judgments survive the rebuild that makes the verdict optional, with the new columns empty.
    const judgments = await sql<Record<string, unknown>>`select id, verdict, guideline_version, answer from judgments`.execute(store.db);
    expect(judgments.rows).toEqual([{ id: 'j1', verdict: 'approve', guideline_version: 0, answer: null }]);
    const kinds = await sql<{ kind: string }>`select kind from items`.execute(store.db);
    expect(kinds.rows).toEqual([{ kind: 'output' }]);
    const rows = await sql<{ id: string; review_probability: number | null }>`select id, review_probability from items`.execute(store.db);
    // Old items have no recorded probability: the estimators count them as unknown.
    expect(rows.rows).toEqual([{ id: 'i1', review_probability: null }]);
  });

  it('keep gold answers through the rebuild that makes their verdict optional', async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.target);
    const migrator = new Migrator({ db: store.db, provider: providerFor(store.dialect) });
    expect((await migrator.migrateTo('009-calibration')).error).toBeUndefined();
    await seedOldProjectAndItem(store);
    await sql`insert into gold_answers (item_id, project_id, verdict, scores, note, created_at, created_by)
      values ('i1', 'p1', 'reject', '{"accuracy": 1}', 'agreed', 5, 'key:m')`.execute(store.db);
    expect((await migrateToLatest(store)).applied).toEqual(MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('010-reviewer-quality')));
    const gold = await sql<Record<string, unknown>>`select item_id, verdict, note, answer from gold_answers`.execute(store.db);
    expect(gold.rows).toEqual([{ item_id: 'i1', verdict: 'reject', note: 'agreed', answer: null }]);
    await sql`insert into gold_answers (item_id, project_id, verdict, scores, created_at, created_by, answer)
      values ('i2', 'p1', null, '{}', 6, 'key:m', '{"winner": "a"}')`
      .execute(store.db)
      .catch(() => undefined); // i2 does not exist: the foreign key still holds
    const count = await sql<{ n: number }>`select count(*) as n from gold_answers`.execute(store.db);
    expect(Number(count.rows[0]?.n)).toBe(1);
    const probes = await sql<{ probe_of: string | null }>`select probe_of from items`.execute(store.db);
    expect(probes.rows).toEqual([{ probe_of: null }]);
  });
});
