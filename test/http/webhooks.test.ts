import { Writable } from 'node:stream';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sealAll } from '../../src/app/audit-chain-service.js';
import { createContext, type AppContext } from '../../src/app/context.js';
import { applySlaBreaches } from '../../src/app/sla-service.js';
import { startScheduler } from '../../src/app/scheduler.js';
import { dispatchWebhooks } from '../../src/app/webhook-dispatch.js';
import { WebhookSender, type WebhookSendSettings } from '../../src/app/webhook-sender.js';
import { parseOriginalKey } from '../../src/core/data-protection/original-cipher.js';
import { RETRY_DELAYS_MS } from '../../src/core/webhooks/retry.js';
import { createLogger } from '../../src/server.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApi, type TestApi } from '../support/http.js';
import { createTestDatabase, DIALECTS, manualClock, openTestStore, type DialectName, type TestStore } from '../support/stores.js';
import { startReceiver, verifyWith, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

const POLICY = {
  rules: [
    {
      name: 'refund',
      when: { 'metadata.intent': { eq: 'refund' } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 600,
      on_timeout: 'reject',
    },
    { name: 'unsure', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
  ],
  queues: { default: { sla: [{ seconds: 60 }], on_breach: 'raise_priority' } },
};
const ALL_EVENTS = ['item.routed', 'task.completed', 'item.resolved', 'hold.resolved', 'sla.breached', 'reviewer.paused'];
const REVIEW = { input: 'q', output: 'a', confidence: 0.1 };
const REFUND = { input: 'refund please', output: { name: 'refund', arguments: { amount: 240 } }, metadata: { intent: 'refund' } };
const FAST: WebhookSendSettings = { concurrency: 8, timeoutMs: 3000, allowPrivate: true };

interface Created {
  id: string;
  secret: string;
  status: string;
}
interface DeliveryJson {
  id: string;
  webhook_id: string | null;
  callback_url: string | null;
  event_type: string;
  item_id: string | null;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  attempts: { number: number; trigger: string; status_code: number | null; error: string | null; response_body: string | null }[];
  payload?: { type: string; data: Record<string, unknown> };
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> };

describe.each(DIALECTS)('signed webhooks (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let receiver: WebhookReceiver;
  let sender: WebhookSender;

  /** What the scheduler does each pass, waiting for the sends: seal, dispatch, send what is due. */
  async function pass(s: WebhookSender = sender, ctx: AppContext = t.ctx): Promise<number> {
    await sealAll(ctx.store, ctx.clock());
    await dispatchWebhooks(ctx);
    return s.drain();
  }

  async function newProject(name: string): Promise<string> {
    const res = await api.call('POST', '/v1/projects', admin, { name, policy: POLICY });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function subscribe(projectId: string, events = ALL_EVENTS, path = '/hooks'): Promise<Created> {
    const res = await api.call('POST', `/v1/projects/${projectId}/webhooks`, admin, { url: `${receiver.url}${path}`, events });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Created>();
  }

  async function capture(projectId: string, item: object): Promise<string> {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, admin, item);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function judgeNext(projectId: string, judgment: object): Promise<{ task: string; item: string }> {
    const claimed = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, admin, {});
    expect(claimed.statusCode, claimed.body).toBe(200);
    const { task, item } = claimed.json<{ task: { id: string }; item: { id: string } }>();
    const judged = await api.call('POST', `/v1/tasks/${task.id}/judgments`, admin, judgment);
    expect(judged.statusCode, judged.body).toBe(201);
    return { task: task.id, item: item.id };
  }

  async function deliveries(webhookId: string, query = ''): Promise<DeliveryJson[]> {
    const res = await api.call('GET', `/v1/webhooks/${webhookId}/deliveries${query}`, admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ deliveries: DeliveryJson[] }>().deliveries;
  }

  beforeAll(async () => {
    t = await openTestStore(dialect, { random: () => 0.5 });
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    receiver = await startReceiver();
    sender = new WebhookSender(t.ctx, FAST);
  });
  afterAll(async () => {
    await sender?.stop();
    await receiver?.close();
    await api?.app.close();
    await t?.close();
  });
  afterEach(() => {
    receiver.plan([]);
    receiver.always(null);
  });

  describe('a receiver that fails the first deliveries, then verifies every signature independently', () => {
    let projectId: string;
    let hook: Created;
    const seen = new Set<string>();
    const keyOf = (r: ReceivedRequest) => [r.headers['webhook-id'], r.headers['webhook-timestamp'], r.status].map(String).join(':');
    /** The requests to /hooks not looked at yet. */
    const take = () => {
      const fresh = receiver.received.filter((r) => r.path === '/hooks' && !seen.has(keyOf(r)));
      for (const r of fresh) seen.add(keyOf(r));
      return fresh;
    };

    beforeAll(async () => {
      projectId = await newProject('Webhooks');
      hook = await subscribe(projectId);
      receiver.received.length = 0;
    });

    it('answers the secret once, as whsec_ and 32 bytes, and never again', async () => {
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(hook.status).toBe('active');
      const one = await api.call('GET', `/v1/webhooks/${hook.id}`, admin);
      const list = await api.call('GET', `/v1/projects/${projectId}/webhooks`, admin);
      for (const res of [one, list]) {
        expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain(hook.secret);
        expect(res.body).not.toContain('"secret"');
      }
    });

    it('item.routed: retried with backoff after two failures, same webhook-id, then verified', async () => {
      receiver.plan([500, 503]);
      const itemId = await capture(projectId, REVIEW);
      expect(await pass()).toBe(1);
      let [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ event_type: 'item.routed', status: 'pending', attempt_count: 1, item_id: itemId });
      expect(d!.attempts[0]).toMatchObject({
        number: 1,
        trigger: 'scheduled',
        status_code: 500,
        error: 'HTTP 500',
        response_body: 'no: 500',
      });
      // random() is 0.5 here, so the delays are exactly the schedule's: 5 s, then 30 s.
      expect(Date.parse(d!.next_attempt_at!)).toBe(t.clock() + RETRY_DELAYS_MS[0]!);
      expect(await pass()).toBe(0);

      t.clock.advance(RETRY_DELAYS_MS[0]!);
      expect(await pass()).toBe(1);
      [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ status: 'pending', attempt_count: 2 });
      expect(Date.parse(d!.next_attempt_at!)).toBe(t.clock() + RETRY_DELAYS_MS[1]!);

      t.clock.advance(RETRY_DELAYS_MS[1]! - 1);
      expect(await pass()).toBe(0);
      t.clock.advance(1);
      expect(await pass()).toBe(1);
      [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ status: 'delivered', attempt_count: 3, next_attempt_at: null });
      expect(d!.attempts.map((a) => a.status_code)).toEqual([500, 503, 200]);

      const requests = take();
      expect(requests.map((r) => r.status)).toEqual([500, 503, 200]);
      // One message: the same webhook-id on every attempt, each signed at its own time.
      expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([d!.id]));
      const accepted = requests[2]!;
      expect(accepted.headers['webhook-timestamp']).toBe(String(Math.floor(t.clock() / 1000)));
      expect(accepted.headers['content-type']).toBe('application/json');
      const payload = verifyWith(hook.secret, accepted, t.clock());
      expect(payload).toEqual({
        type: 'item.routed',
        timestamp: expect.any(String),
        data: {
          project_id: projectId,
          item_id: itemId,
          external_id: null,
          kind: 'output',
          decision: { action: 'review', rules: ['unsure'], priority: 50, queue: 'default', policy_version: 1 },
          hold: null,
        },
      });
      // A forged or altered body fails the same verification.
      expect(() => verifyWith(hook.secret, { ...accepted, body: accepted.body.replace('review', 'pass') }, t.clock())).toThrow();
      expect(() => verifyWith(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, accepted, t.clock())).toThrow();
    });

    it('task.completed and item.resolved from a judgment; hold.resolved from a held item decided', async () => {
      const review = await judgeNext(projectId, { verdict: 'approve' });
      const heldId = await capture(projectId, { ...REFUND, external_id: 'run-7/step-2' });
      const held = await judgeNext(projectId, {
        verdict: 'correct',
        correction: { name: 'refund', arguments: { amount: 120 } },
      });
      expect(held.item).toBe(heldId);
      expect(await pass()).toBe(6);
      const bodies = take().map((r) => {
        expect(r.status).toBe(200);
        return verifyWith(hook.secret, r, t.clock()) as { type: string; data: Record<string, unknown> };
      });
      const byType = (type: string, item: string) => bodies.filter((b) => b.type === type && b.data.item_id === item);
      expect(byType('task.completed', review.item)).toEqual([
        expect.objectContaining({
          data: expect.objectContaining({ task_id: review.task, verdict: 'approve', reviewer: expect.stringMatching(/^key:/) }),
        }),
      ]);
      expect(byType('item.resolved', review.item)).toEqual([
        expect.objectContaining({
          data: expect.objectContaining({ outcome: expect.objectContaining({ status: 'approved', output: 'a' }) }),
        }),
      ]);
      expect(byType('item.routed', heldId)[0]!.data).toMatchObject({
        external_id: 'run-7/step-2',
        decision: { action: 'hold', rules: ['refund'], queue: 'hold' },
        hold: { timeout_seconds: 600, on_timeout: 'reject', deadline: expect.any(String) },
      });
      expect(byType('task.completed', heldId)).toHaveLength(1);
      const resolved = byType('hold.resolved', heldId);
      expect(resolved).toHaveLength(1);
      expect(resolved[0]!.data).toEqual({
        project_id: projectId,
        item_id: heldId,
        external_id: 'run-7/step-2',
        decision: { action: 'hold', rules: ['refund'] },
        outcome: {
          status: 'corrected',
          output: { name: 'refund', arguments: { amount: 120 } },
          decided_at: expect.any(String),
          decided_by: expect.stringMatching(/^key:/),
          reason: expect.any(String),
          fallback: null,
        },
      });
      expect(byType('item.resolved', heldId)[0]!.data).toEqual(resolved[0]!.data);
    });

    it('sla.breached from a task past its queue SLA, reviewer.paused from a suspension', async () => {
      const late = await capture(projectId, REVIEW);
      t.clock.advance(61_000);
      expect((await applySlaBreaches(t.ctx)).breached).toBeGreaterThan(0);
      const standing = await api.call('PUT', `/v1/projects/${projectId}/reviewers/key:carol/standing`, admin, {
        status: 'suspended',
        reason: 'too many misses on gold',
      });
      expect(standing.statusCode, standing.body).toBe(200);
      await pass();
      const bodies = take().map((r) => verifyWith(hook.secret, r, t.clock()) as { type: string; data: Record<string, unknown> });
      const breach = bodies.find((b) => b.type === 'sla.breached' && b.data.item_id === late);
      expect(breach?.data).toMatchObject({ queue: 'default', on_breach: 'raise_priority', applied: 'priority_raised', priority: 100 });
      expect(bodies.filter((b) => b.type === 'reviewer.paused')).toEqual([
        expect.objectContaining({
          data: {
            project_id: projectId,
            reviewer: 'key:carol',
            status: 'suspended',
            reason: expect.stringContaining('too many misses'),
            previous_status: null,
          },
        }),
      ]);
      // Reinstating is not a pause.
      await api.call('PUT', `/v1/projects/${projectId}/reviewers/key:carol/standing`, admin, { status: 'active', reason: 'ok' });
      await pass();
      expect(take().filter((r) => bodyOf(r).type === 'reviewer.paused')).toEqual([]);
    });

    it('delivers only the types a webhook subscribes to, and only what happened after it was made', async () => {
      const narrow = await subscribe(projectId, ['hold.resolved'], '/narrow');
      await capture(projectId, REVIEW);
      await judgeNext(projectId, { verdict: 'reject' });
      await pass();
      expect(await deliveries(narrow.id)).toEqual([]);
      await capture(projectId, REFUND);
      await judgeNext(projectId, { verdict: 'approve' });
      await pass();
      expect((await deliveries(narrow.id)).map((d) => d.event_type)).toEqual(['hold.resolved']);
      take();
    });

    it('replays a delivered delivery with the same webhook-id, as a manual attempt', async () => {
      const [latest] = await deliveries(hook.id, '?status=delivered&limit=1');
      t.clock.advance(1000);
      const replay = await api.call('POST', `/v1/webhook-deliveries/${latest!.id}/replay`, admin);
      expect(replay.statusCode, replay.body).toBe(202);
      expect(replay.json<DeliveryJson>()).toMatchObject({ id: latest!.id, status: 'pending' });
      expect(await pass()).toBe(1);
      const [again] = take();
      expect(again!.headers['webhook-id']).toBe(latest!.id);
      verifyWith(hook.secret, again!, t.clock());
      const detail = (await api.call('GET', `/v1/webhook-deliveries/${latest!.id}`, admin)).json<DeliveryJson>();
      expect(detail.status).toBe('delivered');
      expect(detail.attempts.at(-1)).toMatchObject({ trigger: 'manual', status_code: 200 });
      expect(detail.payload?.type).toBe(latest!.event_type);
    });

    it('pages the delivery log newest first with a cursor, and filters it', async () => {
      const all = await deliveries(hook.id, '?limit=200');
      expect(all.length).toBeGreaterThan(5);
      const seenIds: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api.call(
          'GET',
          `/v1/webhooks/${hook.id}/deliveries?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          admin,
        );
        const page = res.json<{ deliveries: DeliveryJson[]; next_cursor: string | null }>();
        seenIds.push(...page.deliveries.map((d) => d.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(seenIds).toEqual(all.map((d) => d.id));
      expect((await deliveries(hook.id, '?event_type=hold.resolved')).every((d) => d.event_type === 'hold.resolved')).toBe(true);
      const bad = await api.call('GET', `/v1/webhooks/${hook.id}/deliveries?cursor=nope`, admin);
      expect(bad.json()).toMatchObject({ error: { code: 'TG_INVALID_CURSOR' } });
    });

    it('sends webhook.test on request, whatever the webhook subscribes to', async () => {
      const res = await api.call('POST', `/v1/webhooks/${hook.id}/test`, admin);
      expect(res.statusCode, res.body).toBe(202);
      await pass();
      const [req] = take();
      expect(verifyWith(hook.secret, req!, t.clock())).toMatchObject({ type: 'webhook.test', data: { webhook_id: hook.id } });
    });
  });

  describe('retries across restarts', () => {
    it('a new server on the same store carries on with the deliveries left pending, and takes over lapsed leases', async () => {
      const projectId = await newProject('Restarts');
      const hook = await subscribe(projectId, ['item.routed'], '/restart');
      receiver.plan([500]);
      await capture(projectId, REVIEW);
      await pass();
      const [first] = await deliveries(hook.id);
      expect(first).toMatchObject({ status: 'pending', attempt_count: 1 });
      await sender.stop();

      // "Restart": a fresh context and sender over the same store, as a new process would have.
      const ctx2 = createContext({ store: t.store, clock: t.clock, newId: uuidv7, logger: pino({ level: 'silent' }), random: () => 0.5 });
      const sender2 = new WebhookSender(ctx2, FAST);
      t.clock.advance(RETRY_DELAYS_MS[0]!);
      expect(await pass(sender2, ctx2)).toBe(1);
      const [after] = await deliveries(hook.id);
      expect(after).toMatchObject({ id: first!.id, status: 'delivered', attempt_count: 2 });

      // A sender that dies mid-attempt leaves a lease; once it lapses another sender sends again.
      await capture(projectId, REVIEW);
      await sealAll(t.store, t.clock());
      await dispatchWebhooks(ctx2);
      const { leaseDueDeliveries } = await import('../../src/store/webhook-repo.js');
      const stranded = await leaseDueDeliveries(t.store, { now: t.clock(), limit: 10, token: 'dead', leaseUntil: t.clock() + 40_000 });
      expect(stranded).toHaveLength(1);
      expect(await sender2.drain()).toBe(0);
      t.clock.advance(40_001);
      expect(await sender2.drain()).toBe(1);
      expect((await deliveries(hook.id))[0]).toMatchObject({ id: stranded[0]!.id, status: 'delivered', attempt_count: 1 });
      await sender2.stop();
      sender = new WebhookSender(t.ctx, FAST);
    });
  });

  describe('pausing after repeated failures', () => {
    it('pauses a webhook failing every attempt for a day, holds its deliveries, resumes, and replays the failed one', async () => {
      const projectId = await newProject('Pausing');
      const hook = await subscribe(projectId, ['item.routed'], '/down');
      receiver.always(500);
      const first = await capture(projectId, REVIEW);
      await pass();
      for (const delay of RETRY_DELAYS_MS) {
        t.clock.advance(delay);
        expect(await pass()).toBe(1);
      }
      const [failed] = await deliveries(hook.id);
      expect(failed).toMatchObject({ item_id: first, status: 'failed', attempt_count: 10, next_attempt_at: null });
      const paused = (await api.call('GET', `/v1/webhooks/${hook.id}`, admin)).json<Record<string, unknown>>();
      expect(paused).toMatchObject({ status: 'paused', failure_streak: 10, paused_reason: expect.stringContaining('10 in a row') });
      const audit = await api.call('GET', `/v1/projects/${projectId}/audit?action=webhook.subscription_paused`, admin);
      expect(audit.json<{ events: { actor: string }[] }>().events).toEqual([expect.objectContaining({ actor: 'system:webhooks' })]);

      // While paused, events still make deliveries, which wait.
      const waiting = await capture(projectId, REVIEW);
      const before = receiver.received.length;
      expect(await pass()).toBe(0);
      expect(receiver.received.length).toBe(before);
      expect((await deliveries(hook.id, '?status=pending')).map((d) => d.item_id)).toEqual([waiting]);

      receiver.always(null);
      const resumed = await api.app.inject({
        method: 'PATCH',
        url: `/v1/webhooks/${hook.id}`,
        headers: { authorization: `Bearer ${admin}` },
        payload: { status: 'active' },
      });
      expect(resumed.statusCode, resumed.body).toBe(200);
      expect(resumed.json()).toMatchObject({ status: 'active', failure_streak: 0, paused_reason: null });
      expect(await pass()).toBe(1);
      expect(receiver.received.at(-1)!.status).toBe(200);

      const replay = await api.call('POST', `/v1/webhook-deliveries/${failed!.id}/replay`, admin);
      expect(replay.statusCode).toBe(202);
      expect(await pass()).toBe(1);
      const detail = (await api.call('GET', `/v1/webhook-deliveries/${failed!.id}`, admin)).json<DeliveryJson>();
      expect(detail).toMatchObject({ status: 'delivered', attempt_count: 11 });
      expect(detail.attempts.at(-1)).toMatchObject({ number: 11, trigger: 'manual', status_code: 200 });
    });

    it('a manager pauses and resumes by hand, audited; a paused webhook still takes replays and tests', async () => {
      const projectId = await newProject('Manual pause');
      const hook = await subscribe(projectId, ['item.routed'], '/manual');
      const patch = (payload: object) =>
        api.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: { authorization: `Bearer ${admin}` }, payload });
      expect((await patch({ status: 'paused' })).json()).toMatchObject({
        status: 'paused',
        paused_reason: expect.stringMatching(/^paused by key:/),
      });
      await capture(projectId, REVIEW);
      expect(await pass()).toBe(0);
      expect((await api.call('POST', `/v1/webhooks/${hook.id}/test`, admin)).statusCode).toBe(202);
      expect(await pass()).toBe(1);
      expect(bodyOf(receiver.received.at(-1)!).type).toBe('webhook.test');
      const changed = await patch({ url: `${receiver.url}/moved`, events: ['item.routed', 'item.resolved'], description: 'moved' });
      expect(changed.json()).toMatchObject({
        url: `${receiver.url}/moved`,
        events: ['item.routed', 'item.resolved'],
        description: 'moved',
      });
      await patch({ status: 'active' });
      expect(await pass()).toBe(1);
      expect(receiver.received.at(-1)!.path).toBe('/moved');
      const actions = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${hook.id}`, admin))
        .json<{ events: { action: string }[] }>()
        .events.map((e) => e.action);
      expect(actions).toEqual([
        'webhook.subscription_created',
        'webhook.subscription_paused',
        'webhook.test_requested',
        'webhook.subscription_updated',
        'webhook.subscription_resumed',
      ]);
    });
  });

  describe('hold callbacks', () => {
    it('a held item names a callback URL; the decision is POSTed there, signed with the project callback secret', async () => {
      const projectId = await newProject('Callbacks');
      const ingest = await api.key('ingest', projectId);
      const sent = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
        ...REFUND,
        external_id: 'agent-run-1',
        callback_url: `${receiver.url}/callback/agent-run-1?token=abc`,
      });
      expect(sent.statusCode, sent.body).toBe(201);
      const heldId = sent.json<{ id: string }>().id;
      // Not held: the answer to the capture is all the caller needs, and nothing is called back.
      await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { ...REVIEW, callback_url: `${receiver.url}/callback/never` });
      const secret = (await api.call('GET', `/v1/projects/${projectId}/webhooks/callback-secret`, admin)).json<{ secret: string }>().secret;
      expect(secret).toMatch(/^whsec_/);
      expect((await api.call('GET', `/v1/projects/${projectId}/webhooks/callback-secret`, ingest)).statusCode).toBe(403);

      receiver.plan([502]);
      await judgeNext(projectId, { verdict: 'approve' });
      const decided = await pass();
      expect(decided).toBe(1);
      t.clock.advance(RETRY_DELAYS_MS[0]!);
      expect(await pass()).toBe(1);
      const calls = receiver.received.filter((r) => r.path.startsWith('/callback/'));
      expect(calls.map((c) => [c.path, c.status])).toEqual([
        ['/callback/agent-run-1?token=abc', 502],
        ['/callback/agent-run-1?token=abc', 200],
      ]);
      expect(verifyWith(secret, calls[1]!, t.clock())).toMatchObject({
        type: 'hold.resolved',
        data: { item_id: heldId, external_id: 'agent-run-1', outcome: { status: 'approved', output: REFUND.output } },
      });
      const log = (await api.call('GET', `/v1/projects/${projectId}/webhooks/callback-deliveries`, admin)).json<{
        deliveries: DeliveryJson[];
      }>();
      expect(log.deliveries).toEqual([
        expect.objectContaining({
          webhook_id: null,
          callback_url: `${receiver.url}/callback/agent-run-1?token=abc`,
          status: 'delivered',
          attempt_count: 2,
        }),
      ]);

      // Rotation: during the grace both secrets sign, so a receiver with either accepts.
      const rotated = await api.call('POST', `/v1/projects/${projectId}/webhooks/callback-secret/rotate`, admin);
      expect(rotated.statusCode, rotated.body).toBe(200);
      const fresh = rotated.json<{ secret: string; previous_secret_expires_at: string }>();
      expect(fresh.secret).not.toBe(secret);
      const replay = await api.call('POST', `/v1/webhook-deliveries/${log.deliveries[0]!.id}/replay`, admin);
      expect(replay.statusCode).toBe(202);
      await pass();
      const last = receiver.received.at(-1)!;
      expect(String(last.headers['webhook-signature']).split(' ')).toHaveLength(2);
      verifyWith(secret, last, t.clock());
      verifyWith(fresh.secret, last, t.clock());
    });

    it('refuses a callback URL that is not http(s), or carries credentials, naming the item of a batch', async () => {
      const projectId = await newProject('Bad callbacks');
      for (const [url, message] of [
        ['ftp://example.com/x', 'http'],
        ['https://user:pw@example.com/x', 'credentials'],
        ['not a url', 'absolute'],
        ['https://example.com/x#frag', 'fragment'],
      ] as const) {
        const res = await api.call('POST', `/v1/projects/${projectId}/items`, admin, { ...REFUND, callback_url: url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: 'TG_VALIDATION_FAILED', message: expect.stringContaining(message) } });
      }
      const batch = await api.call('POST', `/v1/projects/${projectId}/items/batch`, admin, {
        items: [REFUND, { ...REFUND, callback_url: 'gopher://x' }],
      });
      expect(batch.statusCode).toBe(400);
      expect(batch.json()).toMatchObject({ error: { code: 'TG_VALIDATION_FAILED', details: { item_index: 1 } } });
      expect((await api.call('GET', `/v1/projects/${projectId}/items`, admin)).json<{ items: unknown[] }>().items).toEqual([]);
    });

    it('an erased item is sent without its content: payloads are filled from the item at sending time', async () => {
      const projectId = await newProject('Erasure');
      const hook = await subscribe(projectId, ['hold.resolved'], '/erasure');
      receiver.always(500);
      await capture(projectId, { ...REFUND, external_id: 'subject-9' });
      await judgeNext(projectId, { verdict: 'approve' });
      await pass();
      const erased = await api.call('POST', `/v1/projects/${projectId}/erasures`, admin, { external_id: 'subject-9' });
      expect(erased.statusCode, erased.body).toBe(201);
      receiver.always(null);
      t.clock.advance(RETRY_DELAYS_MS[0]!);
      await pass();
      const [req] = receiver.received.filter((r) => r.path === '/erasure' && r.status === 200);
      const body = verifyWith(hook.secret, req!, t.clock()) as { data: { external_id: unknown; outcome: { output: unknown } } };
      expect(body.data.external_id).toBeNull();
      expect(JSON.stringify(body.data.outcome.output)).not.toContain('240');
      const stored = await t.store.db.selectFrom('webhook_deliveries').select('envelope').where('subscription_id', '=', hook.id).execute();
      for (const row of stored) expect(row.envelope).not.toContain('240');
    });
  });

  describe('management', () => {
    it('refuses URLs that are not http(s) or hold credentials, and bad event names', async () => {
      const projectId = await newProject('Refusals');
      for (const body of [
        { url: 'ftp://example.com', events: ['item.routed'] },
        { url: 'https://u:p@example.com/h', events: ['item.routed'] },
        { url: 'https://example.com/h', events: ['item.exploded'] },
        { url: 'https://example.com/h', events: [] },
      ]) {
        const res = await api.call('POST', `/v1/projects/${projectId}/webhooks`, admin, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_VALIDATION_FAILED');
      }
      expect((await api.call('GET', `/v1/projects/${projectId}/webhooks`, admin)).json()).toEqual({ webhooks: [] });
    });

    it('rotates a secret with a grace during which both sign, then only the new one', async () => {
      const projectId = await newProject('Rotation');
      const hook = await subscribe(projectId, ['item.routed'], '/rotation');
      const res = await api.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, admin, { grace_seconds: 60 });
      expect(res.statusCode, res.body).toBe(200);
      const { secret } = res.json<{ secret: string }>();
      await capture(projectId, REVIEW);
      await pass();
      const during = receiver.received.at(-1)!;
      verifyWith(hook.secret, during, t.clock());
      verifyWith(secret, during, t.clock());
      t.clock.advance(61_000);
      await capture(projectId, REVIEW);
      await pass();
      const after = receiver.received.at(-1)!;
      verifyWith(secret, after, t.clock());
      expect(() => verifyWith(hook.secret, after, t.clock())).toThrow();
    });

    it('deletes: nothing more is sent, waiting deliveries are cancelled, the webhook and its log are gone', async () => {
      const projectId = await newProject('Deletion');
      const hook = await subscribe(projectId, ['item.routed'], '/deleted');
      receiver.always(500);
      await capture(projectId, REVIEW);
      await pass();
      const [pending] = await deliveries(hook.id);
      expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, admin)).json()).toMatchObject({ status: 'deleted' });
      receiver.always(null);
      t.clock.advance(RETRY_DELAYS_MS[0]!);
      await capture(projectId, REVIEW);
      expect(await pass()).toBe(0);
      for (const url of [`/v1/webhooks/${hook.id}`, `/v1/webhooks/${hook.id}/deliveries`, `/v1/webhook-deliveries/${pending!.id}`])
        expect((await api.call('GET', url, admin)).json()).toMatchObject({ error: { code: 'TG_NOT_FOUND' } });
      const row = await t.store.db
        .selectFrom('webhook_subscriptions')
        .select(['secret', 'status'])
        .where('id', '=', hook.id)
        .executeTakeFirst();
      expect(row).toEqual({ secret: '', status: 'deleted' });
      const stored = await t.store.db.selectFrom('webhook_deliveries').select('status').where('id', '=', pending!.id).executeTakeFirst();
      expect(stored?.status).toBe('cancelled');
    });

    it('lets managers and admins only, and hides other projects’ webhooks from scoped keys (404)', async () => {
      const a = await newProject('Scope A');
      const b = await newProject('Scope B');
      const hookB = await subscribe(b, ['item.routed'], '/b');
      for (const role of ['reviewer', 'expert', 'viewer', 'ingest'] as const) {
        const key = await api.key(role);
        const res = await api.call('POST', `/v1/projects/${a}/webhooks`, key, { url: 'https://example.com/h', events: ['item.routed'] });
        expect(res.statusCode, role).toBe(403);
        expect((await api.call('GET', `/v1/webhooks/${hookB.id}`, key)).statusCode, role).toBe(403);
      }
      const managerA = await api.key('manager', a);
      for (const [method, url] of [
        ['GET', `/v1/webhooks/${hookB.id}`],
        ['GET', `/v1/webhooks/${hookB.id}/deliveries`],
        ['POST', `/v1/webhooks/${hookB.id}/test`],
        ['POST', `/v1/webhooks/${hookB.id}/rotate-secret`],
        ['DELETE', `/v1/webhooks/${hookB.id}`],
        ['GET', `/v1/projects/${b}/webhooks`],
        ['GET', `/v1/projects/${b}/webhooks/callback-secret`],
      ] as const) {
        const res = await api.call(method, url, managerA);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
      expect((await api.call('GET', `/v1/projects/${a}/webhooks`, managerA)).statusCode).toBe(200);
    });
  });

  describe('private addresses', () => {
    it('refuses to connect to a private address when TOLLGATE_WEBHOOK_ALLOW_PRIVATE is false, even behind a name; allows listed ranges', async () => {
      const projectId = await newProject('SSRF');
      const hook = await subscribe(projectId, ['item.routed'], '/private');
      const named = await api.call('POST', `/v1/projects/${projectId}/webhooks`, admin, {
        url: `${receiver.url.replace('127.0.0.1', 'localhost')}/private-by-name`,
        events: ['item.routed'],
      });
      const strict = new WebhookSender(t.ctx, { ...FAST, allowPrivate: false });
      const before = receiver.received.length;
      await capture(projectId, REVIEW);
      await pass(strict);
      await strict.stop();
      expect(receiver.received.length).toBe(before);
      const [refused] = await deliveries(hook.id);
      expect(refused!.attempts[0]!.error).toMatch(/not allowed.*private IP address/);
      const [byName] = await deliveries(named.json<{ id: string }>().id);
      expect(byName!.attempts[0]!.error).toMatch(/not allowed.*private IP address/);

      // (Deleted: whether "localhost" is tried as ::1 or 127.0.0.1 first is the resolver's business.)
      await api.call('DELETE', `/v1/webhooks/${named.json<{ id: string }>().id}`, admin);
      const listed = new WebhookSender(t.ctx, { ...FAST, allowPrivate: ['127.0.0.0/8', '::1'] });
      t.clock.advance(RETRY_DELAYS_MS[0]!);
      expect(await pass(listed)).toBe(1);
      await listed.stop();
      expect((await deliveries(hook.id))[0]!.status).toBe('delivered');
    });
  });

  describe('the scheduler', () => {
    it('dispatches and sends on its pass without waiting for receivers, and stops cleanly', async () => {
      const projectId = await newProject('Scheduler');
      const hook = await subscribe(projectId, ['item.routed'], '/scheduled');
      await capture(projectId, REVIEW);
      const start = receiver.received.length;
      const scheduler = startScheduler(t.ctx, { intervalMs: 60_000, logger: pino({ level: 'silent' }), webhooks: FAST });
      await scheduler.runOnce();
      const until = Date.now() + 5000;
      const arrived = () => receiver.received.slice(start).find((r) => r.path === '/scheduled');
      while (arrived() === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await scheduler.stop();
      const req = arrived();
      expect(req).toBeDefined();
      verifyWith(hook.secret, req!, t.clock());
    });
  });
});

describe.each(DIALECTS)('two servers on one store (%s)', (dialect) => {
  let stores: Store[] = [];
  let drop: () => Promise<void>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await drop?.();
    await receiver?.close();
  });

  /**
   * Two servers: on PostgreSQL, two stores (connection pools) on one database; SQLite has one
   * server, so there the scheduler's pass races the same process's other work on one store.
   */
  async function twoServers(d: DialectName): Promise<AppContext[]> {
    const db = await createTestDatabase(d);
    drop = () => db.drop();
    stores = d === 'sqlite' ? [openStore(db.target)] : [openStore(db.target), openStore(db.target)];
    await migrateToLatest(stores[0]!);
    const clock = manualClock();
    const ctx = (store: Store) => createContext({ store, clock, newId: uuidv7, logger: pino({ level: 'silent' }), random: () => 0.5 });
    return [ctx(stores[0]!), ctx(stores.at(-1)!)];
  }

  it('dispatch and send each event once, however the two race', async () => {
    const [c1, c2] = await twoServers(dialect);
    const api = await testApi(c1!);
    const admin = await api.key('admin');
    const projectId = (await api.call('POST', '/v1/projects', admin, { name: 'Race', policy: POLICY })).json<{ id: string }>().id;
    const hook = (
      await api.call('POST', `/v1/projects/${projectId}/webhooks`, admin, { url: `${receiver.url}/race`, events: ['item.routed'] })
    ).json<Created>();
    const items = await api.call('POST', `/v1/projects/${projectId}/items/batch`, admin, {
      items: Array.from({ length: 40 }, () => REVIEW),
    });
    expect(items.statusCode).toBe(200);
    await sealAll(c1!.store, c1!.clock());
    const made = await Promise.all([
      dispatchWebhooks(c1!, 7),
      dispatchWebhooks(c2!, 7),
      dispatchWebhooks(c1!, 7),
      dispatchWebhooks(c2!, 7),
    ]);
    expect(made.reduce((a, b) => a + b, 0)).toBe(40);
    const senders = [new WebhookSender(c1!, { ...FAST, concurrency: 3 }), new WebhookSender(c2!, { ...FAST, concurrency: 3 })];
    const sent = await Promise.all(senders.map((s) => s.drain()));
    expect(sent[0]! + sent[1]!).toBe(40);
    const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    for (const r of receiver.received) verifyWith(hook.secret, r, c1!.clock());
    await api.app.close();
  });
});

describe('secrets stay out of logs and storage', () => {
  it('logs no secret at trace level through a whole lifecycle; with an encryption key they are stored sealed', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const key = parseOriginalKey(Buffer.alloc(32, 7).toString('base64'));
    const t = await openTestStore('sqlite', { originalKey: key });
    const logger = createLogger('trace', sink);
    const ctx = createContext({ store: t.store, clock: t.clock, newId: uuidv7, logger, originalKey: key });
    const { buildApp } = await import('../../src/http/app.js');
    const app = await buildApp({ ctx, version: 'test', logRequests: true, authFailuresPerMinute: 0 });
    const receiver = await startReceiver();
    try {
      const { createKey } = await import('../../src/app/key-service.js');
      const { ROOT } = await import('../support/http.js');
      const admin = (await createKey(ctx, ROOT, { role: 'admin' })).key;
      const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
        app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, ...(payload === undefined ? {} : { payload }) });
      const projectId = (await call('POST', '/v1/projects', { name: 'Quiet', policy: POLICY })).json<{ id: string }>().id;
      const created = (
        await call('POST', `/v1/projects/${projectId}/webhooks`, { url: `${receiver.url}/q?token=sekrit-token`, events: ALL_EVENTS })
      ).json<Created>();
      const rotated = (await call('POST', `/v1/webhooks/${created.id}/rotate-secret`, {})).json<Created>();
      const callback = (await call('GET', `/v1/projects/${projectId}/webhooks/callback-secret`)).json<{ secret: string }>();
      await call('POST', `/v1/projects/${projectId}/items`, REVIEW);
      receiver.plan([500]);
      const sender = new WebhookSender(ctx, FAST, logger);
      await sealAll(t.store, t.clock());
      await dispatchWebhooks(ctx);
      await sender.drain();
      // And a careless log line that hands the logger a secret-bearing object.
      logger.info({ secret: rotated.secret, webhook: { secret: callback.secret } }, 'careless');
      await sender.stop();

      const text = lines.join('');
      expect(text).toContain('careless');
      for (const secret of [created.secret, rotated.secret, callback.secret]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice('whsec_'.length));
      }
      const rows = await t.store.db.selectFrom('webhook_subscriptions').select(['secret', 'previous_secret']).execute();
      const stored = [
        ...rows.flatMap((r) => [r.secret, r.previous_secret ?? '']),
        ...(await t.store.db.selectFrom('webhook_callback_secrets').select('secret').execute()).map((r) => r.secret),
      ];
      for (const s of stored.filter((x) => x !== '')) expect(s).toMatch(/^sealed:/);
      const audit = JSON.stringify(await t.store.db.selectFrom('audit_events').selectAll().execute());
      for (const secret of [created.secret, rotated.secret, callback.secret]) expect(audit).not.toContain(secret);
      // URLs often carry tokens: the trail keeps their origin and a digest.
      expect(audit).not.toContain('sekrit-token');
      expect(receiver.received).toHaveLength(1);
      verifyWith(rotated.secret, receiver.received[0]!, t.clock());
    } finally {
      await receiver.close();
      await app.close();
      await t.close();
    }
  });
});
