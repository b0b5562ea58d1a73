import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { returnExpiredLeases } from '../../src/app/review-service.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

/**
 * Leases with a hand-moved clock: who may act on a task and when, and what a refused action
 * leaves behind (nothing). Every store-visible effect is checked through the API and the store.
 */
const POLICY = { rules: [{ name: 'all', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 }] };
const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true }] };
const LEASE_S = 60;
const GOOD = { verdict: 'approve', scores: { accuracy: 4 } };

interface TaskJson {
  id: string;
  item_id: string;
  status: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

describe.each(DIALECTS)('task leases (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;
  let alice: string;
  let bob: string;
  let itemId: string;

  const claim = (key: string, body: object = { lease_seconds: LEASE_S }) =>
    api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, body);
  const claimTask = async (key: string): Promise<TaskJson> => {
    const res = await claim(key);
    expect(res.statusCode).toBe(200);
    return res.json<{ task: TaskJson }>().task;
  };
  const detail = async () =>
    (await api.call('GET', `/v1/items/${itemId}`, admin)).json<{ outcome: { status: string }; tasks: TaskJson[]; judgments: unknown[] }>();
  const auditActions = async (subjectId: string) =>
    (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${subjectId}`, admin)).json<{
      events: { action: string; actor: string; before: unknown }[];
    }>().events;
  const judgmentRows = async () =>
    Number(
      (
        await t.store.db
          .selectFrom('judgments')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('project_id', '=', projectId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const expectError = (res: { statusCode: number; json: () => unknown }, status: number, code: string) => {
    expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
    expect(res.json()).toMatchObject({ error: { code } });
  };

  // One store and app per dialect; each test gets its own project, reviewers and item.
  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  beforeEach(async () => {
    const res = await api.call('POST', '/v1/projects', admin, { name: 'Leases', policy: POLICY, rubric: RUBRIC });
    expect(res.statusCode).toBe(201);
    projectId = res.json<{ id: string }>().id;
    alice = await api.key('reviewer', projectId);
    bob = await api.key('reviewer', projectId);
    const ingest = await api.key('ingest', projectId);
    const item = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q', output: 'a', confidence: 0.1 });
    expect(item.statusCode).toBe(201);
    itemId = item.json<{ id: string }>().id;
  });

  it('returns an expired lease to the queue, audits it, and lets another reviewer claim it', async () => {
    const a = await claimTask(alice);
    expect(a.lease_expires_at).toBe(new Date(t.clock() + LEASE_S * 1000).toISOString());
    // Still leased one millisecond before expiry: nobody else gets it.
    t.clock.advance(LEASE_S * 1000 - 1);
    expect((await claim(bob)).statusCode).toBe(204);
    t.clock.advance(1);
    const b = await claimTask(bob);
    expect(b.id).toBe(a.id);
    expect(b.lease_owner).not.toBe(a.lease_owner);
    const events = await auditActions(a.id);
    expect(events.map((e) => e.action)).toEqual(['task.claimed', 'task.lease_expired', 'task.claimed']);
    expect(events[1]).toMatchObject({ actor: 'system', before: { lease_owner: a.lease_owner } });
    const task = (await detail()).tasks[0];
    expect(task).toMatchObject({ status: 'claimed', lease_owner: b.lease_owner });
  });

  it('refuses a late judgment from the original holder and changes nothing, leaving the new holder intact', async () => {
    const a = await claimTask(alice);
    t.clock.advance(LEASE_S * 1000 + 1);
    const b = await claimTask(bob);
    expect(b.id).toBe(a.id);
    const auditBefore = (await auditActions(itemId)).length;

    const late = await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD);
    expectError(late, 409, 'TG_TASK_LEASE_EXPIRED');
    expect(late.json<{ error: { message: string } }>().error.message).toMatch(/expired/);

    expect(await judgmentRows()).toBe(0);
    const d = await detail();
    expect(d.outcome.status).toBe('pending');
    expect(d.judgments).toHaveLength(0);
    expect(d.tasks).toHaveLength(1);
    expect(d.tasks[0]).toMatchObject({ id: a.id, status: 'claimed', lease_owner: b.lease_owner, lease_expires_at: b.lease_expires_at });
    expect(await auditActions(itemId)).toHaveLength(auditBefore);

    // Renewing or releasing late is refused the same way.
    expectError(await api.call('POST', `/v1/tasks/${a.id}/renew`, alice, {}), 409, 'TG_TASK_LEASE_EXPIRED');
    expectError(await api.call('POST', `/v1/tasks/${a.id}/release`, alice), 409, 'TG_TASK_LEASE_EXPIRED');
    expect((await detail()).tasks[0]).toMatchObject({
      status: 'claimed',
      lease_owner: b.lease_owner,
      lease_expires_at: b.lease_expires_at,
    });

    // The new holder's lease works.
    const ok = await api.call('POST', `/v1/tasks/${b.id}/judgments`, bob, GOOD);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ outcome: { status: 'approved' } });
    expect(await judgmentRows()).toBe(1);
  });

  it('refuses a late judgment while the expired task is still marked as claimed', async () => {
    const a = await claimTask(alice);
    t.clock.advance(LEASE_S * 1000);
    expectError(await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD), 409, 'TG_TASK_LEASE_EXPIRED');
    expect(await judgmentRows()).toBe(0);
    expect((await detail()).outcome.status).toBe('pending');
  });

  it('refuses a late judgment after the sweeper returned the task to the queue', async () => {
    const a = await claimTask(alice);
    t.clock.advance(LEASE_S * 1000 + 1);
    expect(await returnExpiredLeases(t.ctx, projectId)).toBe(1);
    expect((await detail()).tasks[0]).toMatchObject({ status: 'pending', lease_owner: null });
    expectError(await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD), 409, 'TG_TASK_LEASE_EXPIRED');
    expect(await judgmentRows()).toBe(0);
    expect((await detail()).tasks[0]).toMatchObject({ status: 'pending', lease_owner: null });
    // It is in the queue again, for anyone (Alice included: she never judged it).
    expect((await claimTask(alice)).id).toBe(a.id);
  });

  it('renew extends the lease past its original expiry', async () => {
    const a = await claimTask(alice);
    t.clock.advance(50_000);
    const renewed = await api.call('POST', `/v1/tasks/${a.id}/renew`, alice, { lease_seconds: 120 });
    expect(renewed.statusCode).toBe(200);
    const until = t.clock() + 120_000;
    expect(renewed.json()).toMatchObject({ id: a.id, status: 'claimed', lease_expires_at: new Date(until).toISOString() });
    // Past the original expiry (claim + 60 s): still Alice's.
    t.clock.advance(100_000);
    expect((await claim(bob)).statusCode).toBe(204);
    expect((await detail()).tasks[0]).toMatchObject({ status: 'claimed', lease_expires_at: new Date(until).toISOString() });
    const judged = await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD);
    expect(judged.statusCode).toBe(201);
    expect((await auditActions(a.id)).map((e) => e.action)).toEqual(['task.claimed', 'task.renewed']);
  });

  it('renew without a body uses the default lease; renewing an expired lease is refused', async () => {
    const a = await claimTask(alice);
    const res = await api.call('POST', `/v1/tasks/${a.id}/renew`, alice);
    expect(res.statusCode).toBe(200);
    expect(res.json<TaskJson>().lease_expires_at).toBe(new Date(t.clock() + 600_000).toISOString());
    t.clock.advance(600_000);
    expectError(await api.call('POST', `/v1/tasks/${a.id}/renew`, alice, { lease_seconds: 60 }), 409, 'TG_TASK_LEASE_EXPIRED');
  });

  it('release returns the task to the queue at once', async () => {
    const a = await claimTask(alice);
    const rel = await api.call('POST', `/v1/tasks/${a.id}/release`, alice);
    expect(rel.statusCode).toBe(200);
    expect(rel.json()).toMatchObject({ id: a.id, status: 'pending', lease_owner: null, lease_expires_at: null });
    expect((await detail()).tasks[0]).toMatchObject({ status: 'pending', lease_owner: null });
    const b = await claimTask(bob);
    expect(b.id).toBe(a.id);
    // Alice let it go (it did not expire on her): judging it now is "not yours" and records nothing.
    expectError(await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD), 409, 'TG_TASK_NOT_LEASE_HOLDER');
    expect(await judgmentRows()).toBe(0);
    expect((await auditActions(a.id)).map((e) => e.action)).toEqual(['task.claimed', 'task.released', 'task.claimed']);
  });

  it('refuses every lease action from a reviewer who does not hold the lease', async () => {
    const a = await claimTask(alice);
    const before = (await detail()).tasks[0];
    for (const [path, body] of [
      ['judgments', GOOD],
      ['renew', {}],
      ['release', undefined],
    ] as const) {
      const res = await api.call('POST', `/v1/tasks/${a.id}/${path}`, bob, body);
      expectError(res, 409, 'TG_TASK_NOT_LEASE_HOLDER');
      expect(res.json<{ error: { message: string } }>().error.message).toContain(a.id);
    }
    // On a pending task nobody holds, too.
    const ingest = await api.key('ingest', projectId);
    await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q2', output: 'a2', confidence: 0.2 });
    const pending = (
      await t.store.db
        .selectFrom('tasks')
        .select('id')
        .where('project_id', '=', projectId)
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow()
    ).id;
    expectError(await api.call('POST', `/v1/tasks/${pending}/judgments`, bob, GOOD), 409, 'TG_TASK_NOT_LEASE_HOLDER');
    expect(await judgmentRows()).toBe(0);
    expect((await detail()).tasks[0]).toEqual(before);
    expect((await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD)).statusCode).toBe(201);
  });

  it('refuses a second judgment (or renew / release) on a done task', async () => {
    const a = await claimTask(alice);
    expect((await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, GOOD)).statusCode).toBe(201);
    const again = await api.call('POST', `/v1/tasks/${a.id}/judgments`, alice, { verdict: 'reject', scores: { accuracy: 1 } });
    expectError(again, 409, 'TG_TASK_ALREADY_DONE');
    expectError(await api.call('POST', `/v1/tasks/${a.id}/judgments`, bob, GOOD), 409, 'TG_TASK_ALREADY_DONE');
    expectError(await api.call('POST', `/v1/tasks/${a.id}/renew`, alice, {}), 409, 'TG_TASK_ALREADY_DONE');
    expectError(await api.call('POST', `/v1/tasks/${a.id}/release`, alice), 409, 'TG_TASK_ALREADY_DONE');
    expect(await judgmentRows()).toBe(1);
    expect((await detail()).outcome.status).toBe('approved');
    // A done task is not claimable again, even after any lease would have run out.
    t.clock.advance(3_600_000);
    expect((await claim(bob)).statusCode).toBe(204);
  });

  it('answers 404 for an unknown task id', async () => {
    expectError(await api.call('POST', '/v1/tasks/nope/judgments', alice, GOOD), 404, 'TG_TASK_NOT_FOUND');
  });
});
