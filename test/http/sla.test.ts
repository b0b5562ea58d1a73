import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applySlaBreaches } from '../../src/app/sla-service.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const POLICY = {
  rules: [
    { name: 'urgent', when: { 'metadata.level': { eq: 'urgent' } }, action: 'review', priority: 90 },
    { name: 'routine', when: { 'metadata.level': { eq: 'routine' } }, action: 'review', priority: 20 },
    { name: 'triage', when: { 'metadata.level': { eq: 'triage' } }, action: 'review', priority: 40, queue: 'triage' },
  ],
  queues: {
    default: { sla: [{ min_priority: 80, seconds: 600 }, { seconds: 3600 }], on_breach: 'raise_priority' },
    triage: { sla: [{ seconds: 300 }], on_breach: 'escalate' },
  },
};

describe.each(DIALECTS)('queue SLAs (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const res = await api.call('POST', '/v1/projects', admin, { name: 'SLA', policy: POLICY });
    expect(res.statusCode, res.body).toBe(201);
    projectId = res.json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const send = async (level: string) =>
    (await api.call('POST', `/v1/projects/${projectId}/items`, admin, { input: level, output: 'x', metadata: { level } })).json();
  const tasksOf = async (itemId: string) => (await api.call('GET', `/v1/items/${itemId}`, admin)).json().tasks;

  it('gives each task a due time from its queue and priority band', async () => {
    const start = t.clock();
    const urgent = await send('urgent');
    const routine = await send('routine');
    expect((await tasksOf(urgent.id))[0]).toMatchObject({ due_at: new Date(start + 600_000).toISOString(), sla_breached_at: null });
    expect((await tasksOf(routine.id))[0].due_at).toBe(new Date(start + 3_600_000).toISOString());
  });

  it('raises an overdue task to the top of its queue, once', async () => {
    const routine = await send('routine');
    const urgent = await send('urgent');
    t.clock.advance(600_000);
    const [a, b] = await Promise.all([applySlaBreaches(t.ctx), applySlaBreaches(t.ctx)]);
    expect(a.breached + b.breached).toBe(1);
    expect(await applySlaBreaches(t.ctx)).toEqual({ breached: 0 });
    const task = (await tasksOf(urgent.id))[0];
    expect(task).toMatchObject({ priority: 100, status: 'pending', sla_breached_at: new Date(t.clock()).toISOString() });
    expect((await tasksOf(routine.id))[0]).toMatchObject({ priority: 20, sla_breached_at: null });
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${task.id}`, admin)).json();
    expect(audit.events.filter((e: { action: string }) => e.action === 'task.sla_breached')).toEqual([
      expect.objectContaining({ actor: 'system:sla', after: expect.objectContaining({ applied: 'priority_raised', priority: 100 }) }),
    ]);
  });

  it('escalates a waiting task of a queue that says so, and leaves a claimed one with its reviewer', async () => {
    const waiting = await send('triage');
    const worked = await send('triage');
    const reviewer = await api.key('reviewer', projectId);
    // Claims take the oldest first: the first triage item's task.
    const claim = (
      await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, { queue: 'triage', lease_seconds: 3600 })
    ).json();
    expect(claim.item.id).toBe(waiting.id);
    t.clock.advance(300_000);
    expect(await applySlaBreaches(t.ctx)).toEqual({ breached: 2 });

    const held = await tasksOf(waiting.id);
    expect(held).toEqual([expect.objectContaining({ status: 'claimed', queue: 'triage' })]);
    expect(held[0].sla_breached_at).not.toBeNull();
    const escalated = await tasksOf(worked.id);
    expect(escalated.map((x: { queue: string; status: string; kind: string }) => [x.queue, x.status, x.kind])).toEqual([
      ['triage', 'escalated', 'review'],
      ['expert', 'pending', 'escalation'],
    ]);
    const expert = await api.key('expert', projectId);
    const expertRes = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, expert, { queue: 'expert' });
    expect(expertRes.statusCode, expertRes.body).toBe(200);
    const expertClaim = expertRes.json();
    expect(expertClaim.escalation).toMatchObject({ reason: 'sla_breach', by: 'system:sla', from_task_id: escalated[0].id });
  });

  it('reports backlog, oldest age, overdue tasks and breaches per queue', async () => {
    await send('routine');
    t.clock.advance(60_000);
    await send('urgent');
    await send('triage');
    t.clock.advance(700_000);
    await applySlaBreaches(t.ctx);
    const res = await api.call('GET', `/v1/projects/${projectId}/queues`, await api.key('viewer'));
    expect(res.statusCode).toBe(200);
    const byName = Object.fromEntries(res.json().queues.map((q: { queue: string }) => [q.queue, q]));
    expect(byName.default).toMatchObject({ pending: 2, claimed: 0, oldest_pending_seconds: 760, overdue: 1, breached_24h: 1 });
    expect(byName.default.sla).toEqual({
      sla: [
        { min_priority: 80, seconds: 600 },
        { min_priority: 0, seconds: 3600 },
      ],
      on_breach: 'raise_priority',
    });
    expect(byName.triage).toMatchObject({ pending: 0, overdue: 0, breached_24h: 1 });
    expect(byName.expert).toMatchObject({ pending: 1, sla: null });
  });

  it('refuses queue settings that cannot work', async () => {
    const bad = await api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
      rules: [{ name: 'r', when: { confidence: { lt: 0.5 } }, action: 'review', queue: 'typo' }],
      queues: { default: { sla: [{ seconds: 0 }], on_breach: 'panic' }, expert: { sla: [{ seconds: 60 }], on_breach: 'escalate' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual([
      'queues.default.on_breach',
      'queues.default.sla[0].seconds',
      'queues.expert.on_breach',
      'rules[0].queue',
    ]);
  });
});
