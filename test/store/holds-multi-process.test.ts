import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, killServers, spawnServer, stopServer, waitHealthy, type ServerProcess } from '../support/server-process.js';
import { startServerPair, type ServerPair } from '../support/server-pair.js';
import { PG_URL } from '../support/stores.js';

/**
 * Holds across real server processes: a caller waiting on one server is woken by a decision
 * taken on another, every timeout is applied once however many schedulers race for it, and a
 * timeout that fell due while no server ran is applied when one starts.
 */
const ADMIN_KEY = 'tg_holds_multi_process_admin_key_0123';
const POLICY = {
  rules: [
    { name: 'slow', when: { 'metadata.kind': { eq: 'slow' } }, action: 'hold', priority: 80, timeout_seconds: 600 },
    { name: 'quick', when: { 'metadata.kind': { eq: 'quick' } }, action: 'hold', priority: 70, timeout_seconds: 1, on_timeout: 'approve' },
    {
      name: 'upward',
      when: { 'metadata.kind': { eq: 'upward' } },
      action: 'hold',
      priority: 60,
      timeout_seconds: 1,
      on_timeout: 'escalate',
    },
    { name: 'overdue', when: { 'metadata.kind': { eq: 'overdue' } }, action: 'review', priority: 40, queue: 'triage' },
  ],
  queues: { triage: { sla: [{ seconds: 1 }], on_breach: 'escalate' } },
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(PG_URL)('holds across two server processes on one PostgreSQL', () => {
  let pair: ServerPair;
  let a: ServerProcess;
  let b: ServerProcess;
  let sql: pg.Client;
  let projectId: string;

  beforeAll(async () => {
    pair = await startServerPair({ TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_SWEEP_INTERVAL_MS: '100' });
    ({ a, b, sql } = pair);
    const res = await call(a.url, 'POST', '/v1/projects', ADMIN_KEY, { name: 'Agents', policy: POLICY });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    projectId = res.json.id;
  }, 60_000);

  afterAll(async () => {
    await pair?.stop();
  }, 30_000);

  it('wakes a caller waiting on one server as soon as a reviewer decides on the other', async () => {
    const item = (
      await call(a.url, 'POST', `/v1/projects/${projectId}/items`, ADMIN_KEY, { input: 'q', output: 'a', metadata: { kind: 'slow' } })
    ).json;
    expect(item.decision.action).toBe('hold');
    const waiting = call(a.url, 'GET', `/v1/items/${item.id}/outcome?wait=30`, ADMIN_KEY).then((r) => ({ ...r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 300));

    const claim = await call(b.url, 'POST', `/v1/projects/${projectId}/tasks/claim`, ADMIN_KEY, {});
    expect(claim.status).toBe(200);
    const judged = await call(b.url, 'POST', `/v1/tasks/${claim.json.task.id}/judgments`, ADMIN_KEY, {
      verdict: 'correct',
      correction: 'b',
    });
    const decidedAt = Date.now();
    expect(judged.status).toBe(201);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'corrected', output: 'b' });
    // LISTEN/NOTIFY, not a poll: the waiting server answers within a fraction of a second.
    expect(answer.at - decidedAt).toBeLessThan(1000);
  });

  it('applies each timeout exactly once while both schedulers race for it', async () => {
    const sent = [...Array.from({ length: 15 }, () => 'quick'), ...Array.from({ length: 15 }, () => 'upward')].map((kind, i) => ({
      input: `q${i}`,
      output: `a${i}`,
      metadata: { kind },
    }));
    const half = Math.floor(sent.length / 2);
    const ids: string[] = [];
    for (const [server, items] of [
      [a, sent.slice(0, half)],
      [b, sent.slice(half)],
    ] as const) {
      const res = await call(server.url, 'POST', `/v1/projects/${projectId}/items/batch`, ADMIN_KEY, { items });
      expect(res.status).toBe(200);
      ids.push(...res.json.items.map((i: { id: string }) => i.id));
    }
    const quick = ids.slice(0, 15);
    const upward = ids.slice(15);

    // Quick holds approve after 1 s; upward holds escalate after 1 s, then reject 1 s later.
    for (const id of ids) {
      const outcome = await until(`outcome of ${id}`, async () => {
        const r = await call(a.url, 'GET', `/v1/items/${id}/outcome?wait=10`, ADMIN_KEY);
        return r.status === 200 ? r.json : undefined;
      });
      expect(outcome.status).toBe('timed_out');
      expect(outcome.fallback).toBe(quick.includes(id) ? 'approve' : 'reject');
    }
    const events = await sql.query<{ action: string; subject_id: string; n: string }>(
      `select action, subject_id, count(*) as n from audit_events
        where subject_id = any($1) and action in ('item.resolved', 'hold.escalated') group by action, subject_id`,
      [ids],
    );
    const count = (action: string, id: string) => Number(events.rows.find((r) => r.action === action && r.subject_id === id)?.n ?? 0);
    for (const id of ids) expect(count('item.resolved', id), id).toBe(1);
    for (const id of upward) expect(count('hold.escalated', id), id).toBe(1);
    for (const id of quick) expect(count('hold.escalated', id), id).toBe(0);
    // An escalated hold has exactly one expert task, cancelled when the second timeout rejected it.
    const expertTasks = await sql.query<{ n: string }>(`select count(*) as n from tasks where item_id = any($1) and queue = 'expert'`, [
      upward,
    ]);
    expect(Number(expertTasks.rows[0]?.n)).toBe(upward.length);
  }, 60_000);

  it('escalates each task that breaches its SLA exactly once', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ input: `s${i}`, output: 'x', metadata: { kind: 'overdue' } }));
    const res = await call(b.url, 'POST', `/v1/projects/${projectId}/items/batch`, ADMIN_KEY, { items });
    expect(res.status).toBe(200);
    const ids: string[] = res.json.items.map((i: { id: string }) => i.id);
    const expertTasks = async () =>
      Number(
        (await sql.query<{ n: string }>(`select count(*) as n from tasks where item_id = any($1) and queue = 'expert'`, [ids])).rows[0]?.n,
      );
    await until('every overdue task escalated', async () => ((await expertTasks()) >= ids.length ? true : undefined));
    // Both schedulers keep running: nothing is escalated twice.
    await new Promise((r) => setTimeout(r, 500));
    expect(await expertTasks()).toBe(ids.length);
    const breaches = await sql.query<{ subject_id: string; n: string }>(
      `select a.subject_id, count(*) as n from audit_events a join tasks t on t.id = a.subject_id
        where t.item_id = any($1) and a.action = 'task.sla_breached' group by a.subject_id`,
      [ids],
    );
    expect(breaches.rows).toHaveLength(ids.length);
    for (const row of breaches.rows) expect(Number(row.n)).toBe(1);
  }, 60_000);
});

describe('a hold timeout that fell due while no server ran', () => {
  let dir: string;
  afterAll(async () => {
    killServers();
    await rm(dir, { recursive: true, force: true });
  });

  it('is applied by the next server to start', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-holds-'));
    // A long interval: only the pass every server makes on start can apply the timeout in time.
    const env = {
      TOLLGATE_DATABASE_URL: path.join(dir, 'tollgate.sqlite'),
      TOLLGATE_ADMIN_KEY: ADMIN_KEY,
      TOLLGATE_SWEEP_INTERVAL_MS: '3600000',
    };
    const first = await spawnServer(env);
    await waitHealthy(first);
    const project = (await call(first.url, 'POST', '/v1/projects', ADMIN_KEY, { name: 'Restart', policy: POLICY })).json;
    const item = (
      await call(first.url, 'POST', `/v1/projects/${project.id}/items`, ADMIN_KEY, { input: 'q', output: 'a', metadata: { kind: 'quick' } })
    ).json;
    expect(item.decision.hold).toEqual({ timeout_seconds: 1, on_timeout: 'approve' });
    await stopServer(first);
    await new Promise((r) => setTimeout(r, 1500));

    const second = await spawnServer(env);
    await waitHealthy(second);
    const answer = await call(second.url, 'GET', `/v1/items/${item.id}/outcome?wait=5`, ADMIN_KEY);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'timed_out', fallback: 'approve', output: 'a' });
    await stopServer(second);
  }, 60_000);
});
