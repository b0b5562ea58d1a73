import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tollgate, TollgateApiError, TollgateConnectionError, type FetchLike } from '../../packages/sdk/src/index.js';
import { parseRetryAfter } from '../../packages/sdk/src/transport.js';
import { connectionError, POLICY, recordingFetch, startSdkServer, type SdkServer } from './support.js';

const realFetch: FetchLike = (url, init) => fetch(url, init);
const unavailable = () =>
  new Response(JSON.stringify({ error: { code: 'TG_STORE_UNAVAILABLE', message: 'the store is not answering' } }), {
    status: 503,
    headers: { 'content-type': 'application/json' },
  });

describe('TypeScript SDK retries', () => {
  let s: SdkServer;
  let projectId: string;
  let ingestKey: string;
  beforeAll(async () => {
    s = await startSdkServer();
    projectId = (await s.admin.projects.create({ name: 'retries', policy: POLICY })).id;
    ingestKey = await s.key('ingest', projectId);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** A client whose first `failures` matching requests fail the way `fail` says, then go through. */
  function flaky(
    match: (method: string, url: string) => boolean,
    failures: number,
    fail: (url: string, init: RequestInit) => Promise<Response>,
    key = ingestKey,
  ) {
    let left = failures;
    const rec = recordingFetch((url, init) => {
      if (left > 0 && match(init.method ?? 'GET', url)) {
        left--;
        return fail(url, init);
      }
      return realFetch(url, init);
    });
    const client = new Tollgate({ baseUrl: s.server.url, apiKey: key, fetch: rec.fetch, retries: 3, retryBaseDelayMs: 1 });
    return { client, calls: rec.calls };
  }
  const captures = (method: string, url: string) => method === 'POST' && url.endsWith('/items');
  async function countItems(externalId: string) {
    let n = 0;
    for await (const item of s.admin.items.list(projectId)) if (item.external_id === externalId) n++;
    return n;
  }

  it('retries a capture after two 503s and stores it once, under one generated external_id', async () => {
    const { client, calls } = flaky(captures, 2, () => Promise.resolve(unavailable()));
    const item = await client.items.capture(projectId, { input: 'q', output: 'a' });
    expect(item.created).toBe(true);
    expect(calls).toHaveLength(3);
    const ids = new Set(calls.map((c) => (c.body as { external_id: string }).external_id));
    expect(ids).toEqual(new Set([item.external_id]));
    expect(await countItems(item.external_id!)).toBe(1);
  });

  it('retries a capture whose answers were lost to connection resets: the server stored it once', async () => {
    // The request reaches the server and commits; only the answer is lost, twice.
    const { client, calls } = flaky(captures, 2, async (url, init) => {
      await realFetch(url, init);
      throw connectionError('ECONNRESET');
    });
    const item = await client.items.capture(projectId, { input: 'q', output: 'reset', external_id: 'mine-1' });
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => (c.body as { external_id: string }).external_id === 'mine-1')).toBe(true);
    expect(item).toMatchObject({ external_id: 'mine-1', created: false });
    expect(await countItems('mine-1')).toBe(1);
  });

  it('gives up after the configured retries with a TollgateConnectionError', async () => {
    const { client, calls } = flaky(captures, 10, () => Promise.reject(connectionError('ECONNRESET')));
    const err = await client.items.capture(projectId, { input: 'q', output: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateConnectionError);
    expect((err as Error).message).toContain('4 attempt(s)');
    expect(calls).toHaveLength(4);
  });

  it('does not retry a non-idempotent POST after an ambiguous failure, but does after a 429', async () => {
    const creates = (method: string, url: string) => method === 'POST' && url.endsWith('/v1/projects');
    const admin503 = flaky(creates, 1, () => Promise.resolve(unavailable()), await s.key('admin'));
    expect(await admin503.client.projects.create({ name: 'no retry' }).catch((e: unknown) => e)).toMatchObject({
      status: 503,
      code: 'TG_STORE_UNAVAILABLE',
      attempts: 1,
    });
    expect(admin503.calls).toHaveLength(1);

    const reset = flaky(creates, 1, () => Promise.reject(connectionError('ECONNRESET')), await s.key('admin'));
    expect(await reset.client.projects.create({ name: 'no retry' }).catch((e: unknown) => e)).toBeInstanceOf(TollgateConnectionError);
    expect(reset.calls).toHaveLength(1);

    // A 429 was refused before anything happened, so even a create is sent again, after Retry-After.
    const limited = flaky(
      creates,
      1,
      () =>
        Promise.resolve(
          new Response(JSON.stringify({ error: { code: 'TG_RATE_LIMITED', message: 'slow down' } }), {
            status: 429,
            headers: { 'retry-after': '1' },
          }),
        ),
      await s.key('admin'),
    );
    const started = Date.now();
    const project = await limited.client.projects.create({ name: 'after 429' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(limited.calls).toHaveLength(2);
    expect(project.name).toBe('after 429');
  });

  it('retries any request whose connection was refused (nothing reached a server)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const rec = recordingFetch();
    const client = new Tollgate({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'tg_x', fetch: rec.fetch, retries: 2, retryBaseDelayMs: 1 });
    const err = await client.projects.create({ name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateConnectionError);
    expect(String((err as Error).message)).toMatch(/ECONNREFUSED/);
    expect(rec.calls).toHaveLength(3);
  });

  it('times out a silent request per attempt, and retries GETs', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const rec = recordingFetch(hang);
    const client = new Tollgate({
      baseUrl: s.server.url,
      apiKey: ingestKey,
      fetch: rec.fetch,
      timeoutMs: 50,
      retries: 1,
      retryBaseDelayMs: 1,
    });
    const err = await client.projects.get(projectId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateConnectionError);
    expect((err as Error).message).toContain('no answer within 50 ms');
    expect(rec.calls).toHaveLength(2);
  });

  it('a judgment whose answer was lost is retried and recognised as the caller’s own', async () => {
    const reviewerKey = await s.key('reviewer', projectId);
    const judgments = (method: string, url: string) => method === 'POST' && url.endsWith('/judgments');
    const ingest = new Tollgate({ baseUrl: s.server.url, apiKey: ingestKey });
    const lostAnswer = async (url: string, init: RequestInit) => {
      const res = await realFetch(url, init);
      expect(res.status).toBe(201);
      throw connectionError('ECONNRESET');
    };

    // With the claimed task: retried, the 409 TG_TASK_ALREADY_DONE reconciled into the judgment.
    const item = await ingest.items.capture(projectId, { input: 'q', output: 'a', metadata: { kind: 'review' } });
    const { client, calls } = flaky(judgments, 1, lostAnswer, reviewerKey);
    const claimed = await client.tasks.claim(projectId);
    expect(claimed?.item.id).toBe(item.id);
    const judged = await client.tasks.judge(claimed!.task, { verdict: 'correct', correction: 'better' });
    expect(judged).toMatchObject({
      judgment: { task_id: claimed!.task.id, verdict: 'correct' },
      outcome: { status: 'corrected', output: 'better' },
    });
    expect(calls.filter((c) => judgments(c.method, c.url))).toHaveLength(2);

    // With only the id: not retried, the connection error surfaces.
    await ingest.items.capture(projectId, { input: 'q2', output: 'a2', metadata: { kind: 'review' } });
    const second = flaky(judgments, 1, lostAnswer, reviewerKey);
    const next = await second.client.tasks.claim(projectId);
    const err = await second.client.tasks.judge(next!.task.id, { verdict: 'approve' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateConnectionError);
    expect(second.calls.filter((c) => judgments(c.method, c.url))).toHaveLength(1);

    // A retry that finds the task done by someone else (here: a lease owner that is not the judge) is not passed off as yours.
    await ingest.items.capture(projectId, { input: 'q3', output: 'a3', metadata: { kind: 'review' } });
    const third = flaky(judgments, 1, lostAnswer, reviewerKey);
    const last = await third.client.tasks.claim(projectId);
    const notMine = await third.client.tasks
      .judge({ ...last!.task, lease_owner: 'key:someone-else' }, { verdict: 'approve' })
      .catch((e: unknown) => e);
    expect(notMine).toMatchObject({ code: 'TG_TASK_ALREADY_DONE', attempts: 2 });
  });

  it('guard keeps polling through failed polls (a server restarting) until the outcome comes', async () => {
    const polls = (method: string, url: string) => method === 'GET' && url.includes('/outcome');
    let left = 3;
    const rec = recordingFetch((url, init) => {
      if (left > 0 && polls(init.method ?? 'GET', url)) {
        left--;
        return Promise.reject(connectionError('ECONNREFUSED'));
      }
      return realFetch(url, init);
    });
    const client = new Tollgate({ baseUrl: s.server.url, apiKey: ingestKey, fetch: rec.fetch, retries: 0, retryBaseDelayMs: 1 });
    const r = await client.guard(projectId, { input: 'q', output: 'go', metadata: { kind: 'quick-approve' } });
    expect(r).toMatchObject({ output: 'go', outcome: { status: 'timed_out', fallback: 'approve' } });
    expect(rec.calls.filter((c) => polls(c.method, c.url)).length).toBeGreaterThanOrEqual(4);
  });

  it('generates v4 UUIDs for external_id even where crypto.randomUUID is missing (pages served over http)', async () => {
    const sent: string[] = [];
    const echo: FetchLike = (_url, init) => {
      const body = JSON.parse(init.body as string) as { external_id: string };
      sent.push(body.external_id);
      return Promise.resolve(new Response(JSON.stringify({ ...body, created: true }), { status: 201 }));
    };
    const client = new Tollgate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'tg_x', fetch: echo });
    const own = Object.getOwnPropertyDescriptor(globalThis.crypto, 'randomUUID');
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      await client.items.capture('p', { input: 'q', output: 'a' });
      await client.items.capture('p', { input: 'q', output: 'a' });
    } finally {
      if (own) Object.defineProperty(globalThis.crypto, 'randomUUID', own);
      else delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    await client.items.capture('p', { input: 'q', output: 'a' });
    expect(sent).toHaveLength(3);
    for (const id of sent) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(sent).size).toBe(3);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(new TollgateApiError(400, 'TG_X', 'm', null).withItemIndex(7)).toMatchObject({ code: 'TG_X', itemIndex: 7, message: 'TG_X: m' });
  });
});
