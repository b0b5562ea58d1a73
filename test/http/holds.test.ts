import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDueHolds } from '../../src/app/hold-service.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const TOOL_CALL = { type: 'tool_call', name: 'issue_refund', arguments: { order: 'A-1001', amount: 820 } };
const POLICY = {
  rules: [
    {
      name: 'large-refund',
      when: { 'metadata.amount': { gt: 500 } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 300,
      on_timeout: 'approve',
    },
    {
      name: 'huge-refund',
      when: { 'metadata.amount': { gt: 5000 } },
      action: 'hold',
      priority: 95,
      timeout_seconds: 60,
      on_timeout: 'reject',
    },
    {
      name: 'odd-refund',
      when: { 'metadata.odd': { eq: true } },
      action: 'hold',
      priority: 99,
      timeout_seconds: 120,
      on_timeout: 'escalate',
    },
  ],
};

describe.each(DIALECTS)('holds (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let ingest: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    projectId = (await api.call('POST', '/v1/projects', admin, { name: 'Agent', policy: POLICY })).json().id;
    ingest = await api.key('ingest', projectId);
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  async function hold(metadata: Record<string, unknown>) {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
      input: [{ role: 'user', content: 'I want my money back for order A-1001' }],
      output: TOOL_CALL,
      metadata,
    });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function claimAndJudge(key: string, body: object) {
    const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key);
    expect(claim.statusCode).toBe(200);
    const task = claim.json().task;
    return { task, res: await api.call('POST', `/v1/tasks/${task.id}/judgments`, key, body) };
  }

  it('answers at once with a hold and its terms, and the caller can read the pending outcome', async () => {
    const item = await hold({ amount: 820 });
    expect(item.decision).toMatchObject({ action: 'hold', queue: 'hold', hold: { timeout_seconds: 300, on_timeout: 'approve' } });
    expect(item.hold).toEqual({ deadline: new Date(t.clock() + 300_000).toISOString(), escalated_at: null });
    const now = await api.call('GET', `/v1/items/${item.id}/outcome`, ingest);
    expect(now.statusCode).toBe(202);
    expect(now.json()).toEqual({ item_id: item.id, status: 'pending', hold: item.hold });
  });

  it('wakes a waiting caller as soon as a reviewer decides, with the edited output to use', async () => {
    const item = await hold({ amount: 820 });
    const reviewer = await api.key('reviewer', projectId);
    const started = Date.now();
    const waiting = api.call('GET', `/v1/items/${item.id}/outcome?wait=20`, ingest);
    await new Promise((r) => setTimeout(r, 100));
    const edited = { ...TOOL_CALL, arguments: { order: 'A-1001', amount: 500 } };
    const { res } = await claimAndJudge(reviewer, { verdict: 'correct', correction: edited, comment: 'cap at 500' });
    expect(res.statusCode).toBe(201);
    const answer = await waiting;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ item_id: item.id, status: 'corrected', output: edited, fallback: null });
    expect(answer.json().decided_by).toMatch(/^key:/);
  });

  it('answers 202 pending when the wait ends first', async () => {
    const item = await hold({ amount: 820 });
    const started = Date.now();
    const res = await api.call('GET', `/v1/items/${item.id}/outcome?wait=1`, ingest);
    expect(res.statusCode).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('applies on_timeout approve exactly once, records it, and refuses a late judgment', async () => {
    const item = await hold({ amount: 820 });
    const reviewer = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, { lease_seconds: 3600 })).json();

    t.clock.advance(299_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 0, escalated: 0 });
    t.clock.advance(1_000);
    const waiting = api.call('GET', `/v1/items/${item.id}/outcome?wait=10`, ingest);
    await new Promise((r) => setTimeout(r, 50));
    const [first, second] = await Promise.all([applyDueHolds(t.ctx), applyDueHolds(t.ctx)]);
    expect(first.timedOut + second.timedOut).toBe(1);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 0, escalated: 0 });

    const outcome = (await waiting).json();
    expect(outcome).toMatchObject({ status: 'timed_out', fallback: 'approve', output: TOOL_CALL, decided_by: 'system:hold-timeout' });
    expect(outcome.reason).toContain('300 s');

    const late = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, { verdict: 'reject' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('TG_ITEM_ALREADY_DECIDED');
    const detail = (await api.call('GET', `/v1/items/${item.id}`, admin)).json();
    expect(detail.judgments).toHaveLength(0);
    expect(detail.tasks.map((x: { status: string }) => x.status)).toEqual(['cancelled']);
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${item.id}`, admin)).json();
    const resolved = audit.events.filter((e: { action: string }) => e.action === 'item.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ actor: 'system:hold-timeout', after: { status: 'timed_out', fallback: 'approve' } });
  });

  it('applies on_timeout reject: nothing to use', async () => {
    const item = await hold({ amount: 9000 });
    expect(item.decision.hold).toEqual({ timeout_seconds: 60, on_timeout: 'reject' });
    t.clock.advance(60_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 1, escalated: 0 });
    const outcome = (await api.call('GET', `/v1/items/${item.id}/outcome`, ingest)).json();
    expect(outcome).toMatchObject({ status: 'timed_out', fallback: 'reject', output: null });
  });

  it('escalates to the expert queue on the first timeout and rejects on the second', async () => {
    const item = await hold({ amount: 820, odd: true });
    expect(item.decision.hold).toEqual({ timeout_seconds: 120, on_timeout: 'escalate' });
    t.clock.advance(120_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 0, escalated: 1 });
    const detail = (await api.call('GET', `/v1/items/${item.id}`, admin)).json();
    expect(detail.outcome.status).toBe('pending');
    expect(detail.hold).toEqual({ deadline: new Date(t.clock() + 120_000).toISOString(), escalated_at: new Date(t.clock()).toISOString() });
    expect(detail.tasks.map((x: { queue: string; status: string; priority: number }) => [x.queue, x.status, x.priority])).toEqual([
      ['hold', 'cancelled', 99],
      ['expert', 'pending', 100],
    ]);

    t.clock.advance(119_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 0, escalated: 0 });
    t.clock.advance(1_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 1, escalated: 0 });
    const outcome = (await api.call('GET', `/v1/items/${item.id}/outcome`, ingest)).json();
    expect(outcome).toMatchObject({ status: 'timed_out', fallback: 'reject', output: null });
    expect(outcome.reason).toContain('escalated');
  });

  it('lets an expert decide an escalated hold before its second timeout', async () => {
    const item = await hold({ amount: 820, odd: true });
    t.clock.advance(120_000);
    await applyDueHolds(t.ctx);
    // Reviewers are not served from the expert queue, and may not ask for it.
    const reviewer = await api.key('reviewer', projectId);
    expect((await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).statusCode).toBe(204);
    const refused = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, { queue: 'expert' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('TG_FORBIDDEN');
    const expert = await api.key('expert', projectId);
    const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, expert);
    expect(claim.statusCode).toBe(200);
    expect(claim.json().item.id).toBe(item.id);
    const res = await api.call('POST', `/v1/tasks/${claim.json().task.id}/judgments`, expert, { verdict: 'approve' });
    expect(res.statusCode).toBe(201);
    t.clock.advance(200_000);
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 0, escalated: 0 });
    expect((await api.call('GET', `/v1/items/${item.id}/outcome`, ingest)).json()).toMatchObject({ status: 'approved', output: TOOL_CALL });
  });

  it('refuses bad waits and unknown items, and keeps scoped keys to their project', async () => {
    const item = await hold({ amount: 820 });
    const tooLong = await api.call('GET', `/v1/items/${item.id}/outcome?wait=61`, ingest);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('TG_VALIDATION_FAILED');
    const unknown = await api.call('GET', '/v1/items/nope/outcome?wait=1', ingest);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('TG_ITEM_NOT_FOUND');
    const other = (await api.call('POST', '/v1/projects', admin, { name: 'Other' })).json().id;
    const stranger = await api.key('ingest', other);
    expect((await api.call('GET', `/v1/items/${item.id}/outcome`, stranger)).statusCode).toBe(404);
  });

  it('warns when a policy holds items and nobody may review them', async () => {
    const fresh = (await api.call('POST', '/v1/projects', admin, { name: 'Lonely' })).json().id;
    const saved = await api.call('PUT', `/v1/projects/${fresh}/policy`, admin, POLICY);
    expect(saved.statusCode).toBe(200);
    expect(saved.json().warnings).toEqual([expect.objectContaining({ code: 'TG_NO_REVIEWER' })]);
    // A reviewer of another project does not help; one of this project does.
    await api.key('reviewer', projectId);
    expect((await api.call('PUT', `/v1/projects/${fresh}/policy`, admin, POLICY)).json().warnings).toHaveLength(1);
    await api.key('reviewer', fresh);
    expect((await api.call('PUT', `/v1/projects/${fresh}/policy`, admin, POLICY)).json().warnings).toEqual([]);
    const noHold = { rules: [{ name: 'r', when: { confidence: { lt: 0.5 } }, action: 'review' }] };
    const other = (await api.call('POST', '/v1/projects', admin, { name: 'No holds' })).json().id;
    expect((await api.call('PUT', `/v1/projects/${other}/policy`, admin, noHold)).json().warnings).toEqual([]);
  });

  it('refuses hold terms that cannot work, at save time', async () => {
    const bad = await api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
      rules: [
        { name: 'a', when: { confidence: { lt: 0.5 } }, action: 'review', timeout_seconds: 10 },
        { name: 'b', when: { confidence: { lt: 0.2 } }, action: 'hold', timeout_seconds: 0, on_timeout: 'ignore' },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TG_INVALID_POLICY');
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual([
      'rules[0].timeout_seconds',
      'rules[1].timeout_seconds',
      'rules[1].on_timeout',
    ]);
    const versions = (await api.call('GET', `/v1/projects/${projectId}/policy/versions`, admin)).json();
    expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([1]);
  });

  it('lets go of a long-poll or an event stream whose client hung up', async () => {
    const item = await hold({ amount: 820 });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    const headers = { authorization: `Bearer ${ingest}` };
    for (const path of [`/v1/items/${item.id}/outcome?wait=30`, `/v1/items/${item.id}/events`]) {
      const abort = new AbortController();
      const pending = fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: abort.signal }).then((r) => r.body?.getReader().read());
      await new Promise((r) => setTimeout(r, 200));
      expect(t.ctx.itemEvents.watched).toBe(1);
      abort.abort();
      await pending.catch(() => undefined);
      const deadline = Date.now() + 2000;
      while (t.ctx.itemEvents.watched > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(t.ctx.itemEvents.watched).toBe(0);
    }
  });

  it('streams the item’s state as server-sent events until it is decided', async () => {
    const item = await hold({ amount: 820 });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/v1/items/${item.id}/events`, { headers: { authorization: `Bearer ${ingest}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const nextEvent = async () => {
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) return null;
        text += decoder.decode(value);
      }
      const end = text.indexOf('\n\n');
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      return JSON.parse(
        block
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      );
    };
    const first = await nextEvent();
    expect(first).toMatchObject({
      item_id: item.id,
      outcome: { status: 'pending' },
      tasks: [{ queue: 'hold', status: 'pending' }],
      judgments: 0,
    });

    const reviewer = await api.key('reviewer', projectId);
    const { res: judged } = await claimAndJudge(reviewer, { verdict: 'approve' });
    expect(judged.statusCode).toBe(201);
    const last = await nextEvent();
    expect(last).toMatchObject({ outcome: { status: 'approved', output: TOOL_CALL }, tasks: [{ status: 'done' }], judgments: 1 });
    expect(await nextEvent()).toBeNull();
  });
});
