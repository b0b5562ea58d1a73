import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../../src/app/context.js';
import { captureItems } from '../../src/app/ingest-service.js';
import { createProject } from '../../src/app/project-service.js';
import { claimTask } from '../../src/app/review-service.js';
import type { Principal } from '../../src/core/types.js';
import { createJsonCodec } from '../../src/store/json-codec.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';
import { ROOT } from '../support/http.js';
import { createTestDatabase, manualClock, PG_URL, type TestDb } from '../support/stores.js';

/**
 * What a claim costs in round trips on PostgreSQL. The store is built here, over the same
 * driver as the real one, so that Kysely's log sees every statement, BEGIN and COMMIT included.
 */
const POLICY = { rules: [{ name: 'all', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 }] };
const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true }] };

describe.runIf(PG_URL)('claim statements (postgres)', () => {
  let db: TestDb;
  let store: Store;
  let ctx: AppContext;
  let projectId: string;
  const statements: string[] = [];
  const clock = manualClock();
  const reviewer: Principal = { key_id: 'k1', role: 'reviewer', project_id: null, actor: 'key:k1' };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    if (db.target.dialect !== 'postgres') throw new Error('expected a PostgreSQL target');
    const pool = new pg.Pool({
      connectionString: db.target.connectionString,
      // One connection, so every claim after the first finds its prepared statement there.
      max: 1,
      types: { getTypeParser: (oid, format) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format ?? 'text')) },
    });
    const kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => void statements.push(e.query.sql),
    });
    store = {
      db: kysely,
      dialect: 'postgres',
      json: createJsonCodec('postgres'),
      subscribe: () => Promise.resolve(() => Promise.resolve()),
      close: () => kysely.destroy(),
    };
    await migrateToLatest(store);
    ctx = createContext({ store, clock, newId: uuidv7, logger: pino({ level: 'silent' }) });
    projectId = (await createProject(ctx, ROOT, { name: 'Round trips', policy: POLICY, rubric: RUBRIC })).id;
    const items = Array.from({ length: 5 }, (_, i) => ({ input: `q${i}`, output: `a${i}`, confidence: 0.1, external_id: `e${i}` }));
    await captureItems(ctx, ROOT, projectId, items);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('claims, audits and reads the item in one statement once project, rubric and sweep are warm', async () => {
    const first = await claimTask(ctx, reviewer, projectId, {});
    expect(first).not.toBeNull();

    statements.length = 0;
    const second = await claimTask(ctx, reviewer, projectId, {});
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^execute tollgate_claim_\w+\(/);

    // The one statement did the whole claim: task leased, item read, audit event written.
    expect(second?.task).toMatchObject({ status: 'claimed', lease_owner: reviewer.actor, claim_count: 1 });
    expect(second?.item).toMatchObject({ id: second?.task.item_id, project_id: projectId, input: expect.any(String) as string });
    expect(second?.item.decision.action).toBe('review');
    expect(second?.rubric).toMatchObject({ version: 1, document: RUBRIC });
    const audit = await store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'task.claimed')
      .where('subject_id', '=', second?.task.id ?? '')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        project_id: projectId,
        actor: reviewer.actor,
        subject_type: 'task',
        before: null,
        after: { item_id: second?.task.item_id, lease_expires_at: second?.task.lease_expires_at },
        created_at: clock(),
      }),
    ]);
  });

  it('prepares the statement again on a connection that lacks it', async () => {
    await sql`deallocate all`.execute(store.db);
    statements.length = 0;
    const claimed = await claimTask(ctx, reviewer, projectId, {});
    expect(claimed?.task.status).toBe('claimed');
    expect(statements.map((s) => s.split(' ')[0])).toEqual(['execute', 'prepare', 'execute']);
    statements.length = 0;
    await claimTask(ctx, reviewer, projectId, {});
    expect(statements).toHaveLength(1);
  });

  it('filters by queue, and passes values with quotes and backslashes through as data', async () => {
    const odd: Principal = { ...reviewer, key_id: 'k2', actor: "key:o'brien\\'; drop table tasks; --" };
    expect(await claimTask(ctx, odd, projectId, { queue: "no'such\\queue" })).toBeNull();
    const claimed = await claimTask(ctx, odd, projectId, { queue: 'default' });
    expect(claimed?.task).toMatchObject({ queue: 'default', lease_owner: odd.actor });
    const audit = await store.db
      .selectFrom('audit_events')
      .select('actor')
      .where('subject_id', '=', claimed?.task.id ?? '')
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(odd.actor);
  });

  it('sweeps expired leases again once the clock passes the interval, not on every claim', async () => {
    clock.advance(1000);
    statements.length = 0;
    await claimTask(ctx, reviewer, projectId, {});
    const swept = statements.length;
    expect(swept).toBeGreaterThan(1);
    statements.length = 0;
    await claimTask(ctx, reviewer, projectId, {});
    expect(statements).toHaveLength(1);
  });
});
