import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Tollgate,
  TollgateApiError,
  TollgateRejectedError,
  TollgateTimeoutError,
  type ClaimedTask,
  type ItemInput,
} from '../../packages/sdk/src/index.js';
import { POLICY, recordingFetch, sleep, startSdkServer, type SdkServer } from './support.js';

const REFUND = {
  input: [{ role: 'user', content: 'My order A-1001 arrived broken, I want my 240 back' }],
  output: { name: 'issue_refund', arguments: { order: 'A-1001', amount: 240 } },
  model: 'support-agent',
};

describe('TypeScript SDK against a running server', () => {
  let s: SdkServer;
  beforeAll(async () => {
    s = await startSdkServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  /** A fresh project (so no test claims another's task), with an ingest and a reviewer client. */
  async function project(name: string) {
    const created = await s.admin.projects.create({ name, policy: POLICY });
    return {
      id: created.id,
      ingest: await s.client('ingest', created.id),
      reviewer: await s.client('reviewer', created.id),
    };
  }

  /** The reviewer's side of a hold: claim until the held item shows up, then judge it. */
  async function reviewNext(
    reviewer: Tollgate,
    projectId: string,
    judge: (claimed: ClaimedTask) => Parameters<Tollgate['tasks']['judge']>[1],
  ) {
    for (let i = 0; i < 200; i++) {
      const claimed = await reviewer.tasks.claim(projectId);
      if (claimed) return reviewer.tasks.judge(claimed.task, judge(claimed));
      await sleep(25);
    }
    throw new Error('no task showed up');
  }

  it('creates, reads and lists projects', async () => {
    const created = await s.admin.projects.create({ name: 'SDK projects', description: 'made by the SDK' });
    expect(created).toMatchObject({ name: 'SDK projects', description: 'made by the SDK' });
    expect(await s.admin.projects.get(created.id)).toMatchObject({ id: created.id, name: 'SDK projects' });
    expect((await s.admin.projects.list()).map((p) => p.id)).toContain(created.id);
  });

  it('captures an item with a generated external_id, and reads it and its outcome back', async () => {
    const p = await project('capture');
    const sent = await p.ingest.items.capture(p.id, { input: 'hi', output: 'hello', confidence: 0.9 });
    expect(sent).toMatchObject({ created: true, output: 'hello', decision: { action: 'pass' }, outcome: { status: 'approved' } });
    expect(sent.external_id).toMatch(/^[0-9a-f-]{36}$/);

    const again = await p.ingest.items.capture(p.id, { input: 'hi', output: 'hello', external_id: sent.external_id! });
    expect(again).toMatchObject({ id: sent.id, created: false });

    const detail = await s.admin.items.get(sent.id);
    expect(detail).toMatchObject({ id: sent.id, tasks: [], judgments: [] });
    expect(await p.ingest.outcomes.get(sent.id)).toMatchObject({
      item_id: sent.id,
      status: 'approved',
      output: 'hello',
      decided_by: 'policy',
    });

    const listed = [];
    for await (const item of s.admin.items.list(p.id, { limit: 1 })) listed.push(item.id);
    expect(listed).toEqual([sent.id]);
  });

  it('captures a batch larger than the server takes in chunks of 1,000, in order', async () => {
    const p = await project('batch');
    const rec = recordingFetch();
    const ingest = new Tollgate({ baseUrl: s.server.url, apiKey: await s.key('ingest', p.id), fetch: rec.fetch });
    const items: ItemInput[] = Array.from({ length: 2001 }, (_, i) => ({ input: `q${i}`, output: `a${i}`, external_id: `b-${i}` }));
    const results = await ingest.items.captureBatch(p.id, items);
    expect(rec.calls.map((c) => (c.body as { items: unknown[] }).items.length)).toEqual([1000, 1000, 1]);
    expect(results).toHaveLength(2001);
    expect(results.map((r) => r.external_id)).toEqual(items.map((i) => i.external_id));
    expect(results.every((r) => r.created)).toBe(true);

    // Sending the same items again stores nothing new; one bad item is named by its index in the whole array.
    const again = await ingest.items.captureBatch(p.id, items.slice(0, 3), { chunkSize: 2 });
    expect(again.map((r) => r.created)).toEqual([false, false, false]);
    const bad = [...items.slice(0, 1500), { input: 'x', output: 'y', confidence: 7 }];
    const err = await ingest.items.captureBatch(p.id, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateApiError);
    expect(err).toMatchObject({ status: 400, code: 'TG_VALIDATION_FAILED', itemIndex: 1500 });
  });

  it('guard: an output the policy passes comes back at once, as sent', async () => {
    const p = await project('guard-pass');
    const r = await p.ingest.guard(p.id, { input: 'hello', output: 'Hi! How can I help?' });
    expect(r.output).toBe('Hi! How can I help?');
    expect(r.outcome).toMatchObject({ status: 'approved', decided_by: 'policy' });
    const later = await p.ingest.guard(p.id, { input: 'hello', output: 'checked later', metadata: { kind: 'review' } });
    expect(later).toMatchObject({ output: 'checked later', outcome: { status: 'pending' }, item: { decision: { action: 'review' } } });
  });

  it('guard: a held output resolves with the correction a reviewer makes through the SDK meanwhile', async () => {
    const p = await project('guard-correct');
    const corrected = { name: 'issue_refund', arguments: { order: 'A-1001', amount: 120 } };
    const guarded = p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'refund' } });
    const judged = await reviewNext(p.reviewer, p.id, (claimed) => {
      expect(claimed.item.output).toEqual(REFUND.output);
      expect(claimed.task.queue).toBe('hold');
      return { verdict: 'correct', correction: corrected, comment: 'half without photos' };
    });
    expect(judged.outcome.status).toBe('corrected');
    const r = await guarded;
    expect(r.output).toEqual(corrected);
    expect(r.output.arguments.amount).toBe(120); // typed like the output that was sent
    expect(r.outcome).toMatchObject({ status: 'corrected', output: corrected });
    expect(r.item).toMatchObject({ decision: { action: 'hold' }, hold: { deadline: expect.any(String) } });
  });

  it('guard: an approved hold resolves with the output as sent', async () => {
    const p = await project('guard-approve');
    const guarded = p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'refund' } });
    await reviewNext(p.reviewer, p.id, () => ({ verdict: 'approve' }));
    expect(await guarded).toMatchObject({ output: REFUND.output, outcome: { status: 'approved' } });
  });

  it('guard: a rejected hold throws TollgateRejectedError carrying the outcome', async () => {
    const p = await project('guard-reject');
    const guarded = p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'refund' } }).catch((e: unknown) => e);
    await reviewNext(p.reviewer, p.id, () => ({ verdict: 'reject', comment: 'no refunds without a photo' }));
    const err = await guarded;
    expect(err).toBeInstanceOf(TollgateRejectedError);
    expect((err as TollgateRejectedError).outcome).toMatchObject({ status: 'rejected', output: null });
    expect((err as TollgateRejectedError).item.decision.action).toBe('hold');
  });

  it('guard: a hold that times out applies its fallback — reject throws, approve returns the original', async () => {
    const p = await project('guard-timeout');
    const started = Date.now();
    const err = await p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'quick-reject' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateRejectedError);
    expect((err as TollgateRejectedError).outcome).toMatchObject({
      status: 'timed_out',
      fallback: 'reject',
      decided_by: 'system:hold-timeout',
    });
    expect(Date.now() - started).toBeLessThan(10_000);

    const ok = await p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'quick-approve' } });
    expect(ok).toMatchObject({ output: REFUND.output, outcome: { status: 'timed_out', fallback: 'approve' } });
  });

  it('guard: TollgateTimeoutError when the caller’s own budget runs out first; the abort signal stops it at once', async () => {
    const p = await project('guard-budget');
    const started = Date.now();
    const err = await p.ingest.guard(p.id, { ...REFUND, metadata: { kind: 'refund' } }, { waitSeconds: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateTimeoutError);
    const timeout = err as TollgateTimeoutError;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(timeout.pending).toMatchObject({ status: 'pending', hold: { deadline: expect.any(String) } });
    expect(timeout.item?.id).toBe(timeout.itemId);
    // The item is still held; its outcome can be read later.
    expect(await p.ingest.outcomes.get(timeout.itemId)).toMatchObject({ status: 'pending' });

    const abort = new AbortController();
    const reason = new Error('the user left');
    setTimeout(() => abort.abort(reason), 200);
    const aborted = await p.ingest
      .guard(p.id, { ...REFUND, metadata: { kind: 'refund' } }, { signal: abort.signal })
      .catch((e: unknown) => e);
    expect(aborted).toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('long-polls one outcome: 202 pending until the judgment, then the decision', async () => {
    const p = await project('outcomes');
    const item = await p.ingest.items.capture(p.id, { ...REFUND, metadata: { kind: 'refund' } });
    expect(await p.ingest.outcomes.get(item.id)).toMatchObject({
      item_id: item.id,
      status: 'pending',
      hold: { deadline: item.hold!.deadline },
    });
    const waiting = p.ingest.outcomes.get(item.id, { wait: 30 });
    await reviewNext(p.reviewer, p.id, () => ({ verdict: 'approve' }));
    expect(await waiting).toMatchObject({ item_id: item.id, status: 'approved' });
    expect(await p.ingest.outcomes.wait(item.id)).toMatchObject({ status: 'approved' });
  });

  it('claims (null when the queue is empty), renews and releases tasks', async () => {
    const p = await project('tasks');
    expect(await p.reviewer.tasks.claim(p.id)).toBeNull();
    await p.ingest.items.capture(p.id, { input: 'q', output: 'a', metadata: { kind: 'review' } });
    const claimed = await p.reviewer.tasks.claim(p.id, { lease_seconds: 60 });
    expect(claimed).toMatchObject({ task: { status: 'claimed', queue: 'default' }, item: { output: 'a' } });
    const renewed = await p.reviewer.tasks.renew(claimed!.task, { lease_seconds: 120 });
    expect(Date.parse(renewed.lease_expires_at!)).toBeGreaterThan(Date.parse(claimed!.task.lease_expires_at!));
    expect(await p.reviewer.tasks.release(claimed!.task.id)).toMatchObject({ status: 'pending', lease_owner: null });
    const again = await p.reviewer.tasks.claim(p.id);
    expect(again?.task.id).toBe(claimed!.task.id);
    const judged = await p.reviewer.tasks.judge(again!.task.id, { verdict: 'approve', time_spent_ms: 1200 });
    expect(judged).toMatchObject({ judgment: { task_id: again!.task.id, verdict: 'approve' }, outcome: { status: 'approved' } });
  });

  it('surfaces 4xx errors with the server’s code and details, without retrying them', async () => {
    const p = await project('errors');
    const rec = recordingFetch();
    const ingest = new Tollgate({ baseUrl: s.server.url, apiKey: await s.key('ingest', p.id), fetch: rec.fetch, retryBaseDelayMs: 1 });
    const err = await ingest.items.capture(p.id, { input: 'q', output: 'a', confidence: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateApiError);
    expect(err).toMatchObject({ status: 400, code: 'TG_VALIDATION_FAILED', attempts: 1 });
    expect(JSON.stringify((err as TollgateApiError).details)).toContain('confidence');
    expect(rec.calls).toHaveLength(1);

    const missing = await ingest.outcomes.get('00000000-0000-7000-8000-000000000000').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'TG_ITEM_NOT_FOUND' });
    const bad = new Tollgate({ baseUrl: s.server.url, apiKey: 'tg_not-a-key' });
    expect(await bad.projects.list().catch((e: unknown) => e)).toMatchObject({ status: 401, code: 'TG_UNAUTHENTICATED' });
  });

  it('streams a training export record by record from the exports route', async () => {
    const p = await project('exports');
    for (const [i, verdict] of (['approve', 'correct', 'reject'] as const).entries()) {
      await p.ingest.items.capture(p.id, { input: `question ${i}`, output: `answer ${i}`, metadata: { kind: 'review' } });
      const claimed = await p.reviewer.tasks.claim(p.id);
      await p.reviewer.tasks.judge(claimed!.task, verdict === 'correct' ? { verdict, correction: `better answer ${i}` } : { verdict });
    }
    const judgments: Record<string, unknown>[] = [];
    for await (const record of s.admin.exports.stream(p.id, 'judgments')) judgments.push(record);
    expect(judgments).toHaveLength(3);
    expect(judgments.map((j) => j.verdict).sort()).toEqual(['approve', 'correct', 'reject']);

    const corrected: Record<string, unknown>[] = [];
    for await (const record of s.admin.exports.stream(p.id, 'judgments', { verdict: 'correct' })) corrected.push(record);
    expect(corrected).toHaveLength(1);
    expect(JSON.stringify(corrected[0])).toContain('better answer 1');

    const refused = await p.ingest.exports
      .stream(p.id, 'sft')
      .next()
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403, code: 'TG_FORBIDDEN' });
  });

  it('streams the audit export as records, parsed from JSON Lines as they arrive', async () => {
    const p = await project('audit');
    await p.ingest.items.captureBatch(
      p.id,
      Array.from({ length: 30 }, (_, i) => ({ input: `q${i}`, output: `a${i}` })),
    );
    const events = [];
    for await (const e of s.admin.audit.export(p.id)) events.push(e);
    expect(events.length).toBeGreaterThanOrEqual(31);
    expect(events[0]).toMatchObject({ action: 'project.created', subject_id: p.id });
    expect(events.filter((e) => e.action === 'item.captured')).toHaveLength(30);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));

    // Stopping early closes the stream; a filtered export sends the filter.
    let n = 0;
    for await (const _ of s.admin.audit.export(p.id, { action: 'item.captured' })) if (++n === 3) break;
    expect(n).toBe(3);
  });
});
