import type pg from 'pg';
import { MIGRATION_NAMES } from '../../src/store/migrate.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerPair, type ServerPair } from '../support/server-pair.js';
import { call, type ServerProcess } from '../support/server-process.js';
import { PG_URL } from '../support/stores.js';

/**
 * Two real server processes on one PostgreSQL database, driven over real HTTP: the claim
 * locking must hold across processes (not just across one process's pool), and configuration
 * saved through one server must route the next item taken in by the other.
 */
const ADMIN_KEY = 'tg_multi_process_admin_key_0123456789';
const POLICY = {
  rules: [
    { name: 'double', when: { 'metadata.double': { eq: true } }, action: 'hold', priority: 80, overlap: 2 },
    { name: 'single', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
  ],
};

describe.runIf(PG_URL)('two server processes on one PostgreSQL', () => {
  let pair: ServerPair;
  let a: ServerProcess;
  let b: ServerProcess;
  let sql: pg.Client;
  let projectId: string;

  beforeAll(async () => {
    pair = await startServerPair({ TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_PG_POOL_SIZE: '12' });
    ({ a, b, sql } = pair);
    const res = await call(a.url, 'POST', '/v1/projects', ADMIN_KEY, { name: 'Shared', policy: POLICY });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    projectId = res.json.id;
  }, 60_000);

  afterAll(async () => {
    await pair?.stop();
  }, 30_000);

  it('both servers came up on one schema with one admin key', async () => {
    const keys = await sql.query<{ n: string }>("select count(*) as n from api_keys where name = 'TOLLGATE_ADMIN_KEY'");
    expect(Number(keys.rows[0]?.n)).toBe(1);
    const migrations = await sql.query<{ n: string }>('select count(*) as n from kysely_migration');
    expect(Number(migrations.rows[0]?.n)).toBe(MIGRATION_NAMES.length);
    for (const s of [a, b]) expect((await call(s.url, 'GET', `/v1/projects/${projectId}`, ADMIN_KEY)).status).toBe(200);
  });

  it('24 claimers spread over both servers: every task claimed exactly once, every item resolved', async () => {
    const servers = [a, b];
    // 80 items, half taken in by each server; every 4th needs two distinct reviewers.
    const items = Array.from({ length: 80 }, (_, i) => ({
      input: `q${i}`,
      output: `a${i}`,
      confidence: 0.2,
      metadata: { double: i % 4 === 0 },
      external_id: `mp-${i}`,
    }));
    const [first, second] = await Promise.all([
      call(a.url, 'POST', `/v1/projects/${projectId}/items/batch`, ADMIN_KEY, { items: items.slice(0, 40) }),
      call(b.url, 'POST', `/v1/projects/${projectId}/items/batch`, ADMIN_KEY, { items: items.slice(40) }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const expectedTasks = 60 + 20 * 2;

    const keys: string[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await call(servers[i % 2]!.url, 'POST', '/v1/keys', ADMIN_KEY, {
        role: 'reviewer',
        project_id: projectId,
        name: `r${i}`,
      });
      expect(res.status).toBe(201);
      keys.push(res.json.key);
    }

    const claims: { reviewer: number; task: string; item: string; server: number }[] = [];
    const errors: string[] = [];
    await Promise.all(
      keys.map(async (key, r) => {
        for (let n = 0; n < 60; n++) {
          // Claim on one server, judge on the other: a lease is the store's, not a process's.
          const s = (r + n) % 2;
          const claim = await call(servers[s]!.url, 'POST', `/v1/projects/${projectId}/tasks/claim`, key, {});
          if (claim.status === 204) return;
          if (claim.status !== 200) {
            errors.push(`claim ${claim.status} ${JSON.stringify(claim.json)}`);
            return;
          }
          claims.push({ reviewer: r, task: claim.json.task.id, item: claim.json.item.id, server: s });
          const judged = await call(servers[1 - s]!.url, 'POST', `/v1/tasks/${claim.json.task.id}/judgments`, key, {
            verdict: n % 5 === 0 ? 'reject' : 'approve',
          });
          if (judged.status !== 201) errors.push(`judgment ${judged.status} ${JSON.stringify(judged.json)}`);
        }
        errors.push(`reviewer ${r} never saw 204`);
      }),
    );
    expect(errors).toEqual([]);

    const tasks = (
      await sql.query<{ id: string; status: string; claim_count: number }>(
        'select id, status, claim_count from tasks where project_id = $1',
        [projectId],
      )
    ).rows;
    expect(tasks).toHaveLength(expectedTasks);
    expect(claims).toHaveLength(expectedTasks);
    expect(new Set(claims.map((c) => c.task)).size).toBe(expectedTasks);
    expect(new Set(claims.map((c) => c.task))).toEqual(new Set(tasks.map((t) => t.id)));
    for (const t of tasks) expect(t, `task ${t.id}`).toMatchObject({ status: 'done', claim_count: 1 });
    // Both processes handed out work.
    expect(claims.filter((c) => c.server === 0).length).toBeGreaterThan(0);
    expect(claims.filter((c) => c.server === 1).length).toBeGreaterThan(0);
    // No reviewer twice on one item; every item resolved by its required number of people.
    const pairs = claims.map((c) => `${c.reviewer}|${c.item}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const open = await sql.query('select id from items where project_id = $1 and outcome_status = $2', [projectId, 'pending']);
    expect(open.rows).toEqual([]);
    const short = await sql.query(
      'select i.id from items i left join judgments j on j.item_id = i.id where i.project_id = $1 group by i.id, i.required_reviews having count(distinct j.reviewer) <> i.required_reviews',
      [projectId],
    );
    expect(short.rows).toEqual([]);
  });

  it('a policy saved through server A routes the next item taken in through server B', async () => {
    const ingest = (s: ServerProcess, n: number) =>
      call(s.url, 'POST', `/v1/projects/${projectId}/items`, ADMIN_KEY, {
        input: 'q',
        output: 'a',
        confidence: 0.9,
        external_id: `pol-${n}`,
      });
    const version = (await call(a.url, 'GET', `/v1/projects/${projectId}`, ADMIN_KEY)).json.policy.version as number;
    // B has routed (and cached) the current version.
    const before = await ingest(b, 1);
    expect(before.status).toBe(201);
    expect(before.json.decision).toMatchObject({ action: 'pass', policy_version: version });

    const put = await call(a.url, 'PUT', `/v1/projects/${projectId}/policy`, ADMIN_KEY, {
      rules: [{ name: 'hold-all', when: { confidence: { gte: 0 } }, action: 'hold', priority: 70 }],
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(put.json.version).toBe(version + 1);

    const after = await ingest(b, 2);
    expect(after.status).toBe(201);
    expect(after.json.decision).toMatchObject({ action: 'hold', policy_version: version + 1 });
    expect(after.json.decision.matched_rules.map((r: { name: string }) => r.name)).toEqual(['hold-all']);
    expect((await call(b.url, 'GET', `/v1/projects/${projectId}`, ADMIN_KEY)).json.policy.version).toBe(version + 1);

    // And back the other way: saved through B, used by A.
    const put2 = await call(b.url, 'PUT', `/v1/projects/${projectId}/policy`, ADMIN_KEY, { rules: [] });
    expect(put2.json.version).toBe(version + 2);
    const viaA = await ingest(a, 3);
    expect(viaA.json.decision).toMatchObject({ action: 'pass', policy_version: version + 2 });
  });
});
