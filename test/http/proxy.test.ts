import { sql } from 'kysely';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { applyDueHolds } from '../../src/app/hold-service.js';
import { ProxyCredentials } from '../../src/app/proxy-credentials.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/server.js';
import { FINGERPRINT, HELLO, MODEL, REFUND_ARGS, startFakeUpstream, type FakeUpstream } from '../support/openai-upstream.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

/**
 * The OpenAI-compatible proxy, end to end: the official `openai` package calls Tollgate's proxy
 * URL with a Tollgate key, against a small OpenAI-compatible upstream started here; each call
 * is captured as an item, routed by the project's policy, and held ones wait for a person.
 */
const SECRET = 'sk-upstream-secret-0123456789abcdef';
const ENV: Record<string, string> = { OPENAI_API_KEY: SECRET };

const HOLD_POLICY = {
  rules: [
    {
      name: 'refunds',
      when: { 'output.tool_calls.0.function.name': { eq: 'issue_refund' } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 600,
      on_timeout: 'reject',
    },
    { name: 'asked-to-hold', when: { 'metadata.hold': { eq: true } }, action: 'hold', priority: 80, timeout_seconds: 600 },
    {
      name: 'lenient-hold',
      when: { 'metadata.hold': { eq: 'lenient' } },
      action: 'hold',
      priority: 70,
      timeout_seconds: 300,
      on_timeout: 'approve',
    },
  ],
};
const REVIEW_POLICY = { rules: [{ name: 'flagged', when: { 'metadata.flag': { eq: true } }, action: 'review', priority: 50 }] };

type ApiError = InstanceType<typeof OpenAI.APIError>;

/** The error an OpenAI client call raised (an APIError), failing the test if it succeeded. */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

interface Item {
  id: string;
  input: unknown;
  output: Record<string, unknown>;
  model: string | null;
  model_version: string | null;
  external_id: string | null;
  metadata: Record<string, unknown>;
  decision: { action: string };
  outcome: { status: string };
}

describe.each(DIALECTS)('the OpenAI-compatible proxy (%s)', (dialect) => {
  let t: TestStore;
  let ctx: AppContext;
  let app: FastifyInstance;
  let api: TestApi;
  let upstream: FakeUpstream;
  let base: string;
  let admin: string;
  let plain: string;
  let held: string;
  let plainKey: string;
  let heldKey: string;
  let reviewer: string;
  const logs: string[] = [];

  beforeAll(async () => {
    t = await openTestStore(dialect);
    upstream = await startFakeUpstream();
    // The server's environment is injected; its log is kept, to show the upstream key is never in it.
    ctx = {
      ...t.ctx,
      logger: createLogger('trace', { write: (line: string) => void logs.push(line) }),
      proxyCredentials: new ProxyCredentials('default', (name) => ENV[name]),
    };
    app = await buildApp({ ctx, version: 'test', authFailuresPerMinute: 0, logRequests: true });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    base = address;
    api = await testApi(ctx);
    admin = await api.key('admin');
    const proxy = { upstream_base_url: upstream.url, api_key_env: 'OPENAI_API_KEY' };
    const created = await api.call('POST', '/v1/projects', admin, { name: 'Assistant', policy: REVIEW_POLICY, proxy });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().proxy).toEqual(proxy);
    plain = created.json().id;
    held = (await api.call('POST', '/v1/projects', admin, { name: 'Agent', policy: HOLD_POLICY, proxy })).json().id;
    plainKey = await api.key('ingest', plain);
    heldKey = await api.key('ingest', held);
    reviewer = await api.key('reviewer', held);
  }, 60_000);

  afterAll(async () => {
    await api?.app.close();
    await app?.close();
    await upstream?.close();
    await t?.close();
  });

  const client = (projectId: string, apiKey: string) =>
    new OpenAI({ baseURL: `${base}/proxy/${projectId}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });

  async function item(id: string): Promise<Item> {
    const res = await api.call('GET', `/v1/items/${id}`, admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Item>();
  }

  async function latestItem(projectId: string): Promise<Item> {
    const res = await api.call('GET', `/v1/projects/${projectId}/items?limit=1`, admin);
    return res.json<{ items: Item[] }>().items[0]!;
  }

  /** The held item once the proxy has captured it (the caller is still waiting). */
  async function heldItem(): Promise<string> {
    for (let i = 0; i < 250; i++) {
      const res = await api.call('GET', `/v1/projects/${held}/items?action=hold&outcome=pending`, admin);
      const found = res.json<{ items: { id: string }[] }>().items[0];
      if (found) return found.id;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no held item appeared');
  }

  async function judge(body: object): Promise<string> {
    const claim = await api.call('POST', `/v1/projects/${held}/tasks/claim`, reviewer);
    expect(claim.statusCode, claim.body).toBe(200);
    const { task, item: claimed } = claim.json<{ task: { id: string }; item: { id: string } }>();
    const res = await api.call('POST', `/v1/tasks/${task.id}/judgments`, reviewer, body);
    expect(res.statusCode, res.body).toBe(201);
    return claimed.id;
  }

  async function auditActions(projectId: string): Promise<{ action: string; after: Record<string, unknown> }[]> {
    const res = await api.call('GET', `/v1/projects/${projectId}/audit`, admin);
    return res.json<{ events: { action: string; after: Record<string, unknown> }[] }>().events;
  }

  it('answers a plain call as the upstream did, with the upstream key sent upstream and the call captured', async () => {
    const before = upstream.calls.length;
    const { data, response } = await client(plain, plainKey)
      .chat.completions.create({
        model: 'gpt-test',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
        temperature: 0.2,
        max_tokens: 50,
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe(HELLO);
    expect(data.model).toBe(MODEL);
    expect(data.usage).toEqual({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
    expect(response.headers.get('x-request-id')).toBe('req-plain');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('99');

    const sent = upstream.calls[before]!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(sent.body).toMatchObject({ model: 'gpt-test', temperature: 0.2, max_tokens: 50 });

    const captured = await item(response.headers.get('x-tollgate-item-id')!);
    expect(response.headers.get('x-tollgate-action')).toBe('pass');
    expect(captured.input).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello there' },
    ]);
    expect(captured.output).toEqual({ role: 'assistant', content: HELLO, refusal: null });
    expect(captured.model).toBe(MODEL);
    expect(captured.model_version).toBe(FINGERPRINT);
    expect(captured.metadata).toMatchObject({
      source: 'proxy',
      requested_model: 'gpt-test',
      stream: false,
      finish_reason: 'stop',
      usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
      params: { temperature: 0.2, max_tokens: 50 },
      upstream: { id: 'chatcmpl-fake-1', system_fingerprint: FINGERPRINT },
    });
    expect(captured.metadata.latency_ms).toEqual(expect.any(Number));
    expect(captured.outcome.status).toBe('approved');
  });

  it('passes a stream on chunk by chunk: the caller reads the first chunk before the upstream has sent the last', async () => {
    const stream = await client(plain, plainKey).chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'gated' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    // The role chunk, then the first piece of content: both arrive while the upstream waits.
    for (let i = 0; i < 2; i++) text += (await iterator.next()).value?.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(upstream.gatedFinished()).toBe(false);
    upstream.release();
    let usage: unknown;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      text += next.value.choices[0]?.delta.content ?? '';
      usage ??= next.value.usage ?? undefined;
    }
    expect(text).toBe(HELLO);
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
    // [DONE] comes after the capture: once the stream has ended, the item is on record.
    const captured = await latestItem(plain);
    expect(captured.output).toEqual({ role: 'assistant', content: HELLO });
    expect(captured.metadata).toMatchObject({
      stream: true,
      finish_reason: 'stop',
      usage: { total_tokens: 21 },
      params: {},
    });
    expect(captured.metadata.ttft_ms).toEqual(expect.any(Number));
  });

  it('adds no latency to a live stream beyond a small constant per chunk', async () => {
    const stream = await client(plain, plainKey).chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'drip' }],
      stream: true,
    });
    const receivedAt: number[] = [];
    for await (const chunk of stream) if (/piece \d/.test(chunk.choices[0]?.delta.content ?? '')) receivedAt.push(performance.now());
    const sent = upstream.sentAt.slice(-5);
    const delays = receivedAt.map((r, i) => r - sent[i]!);
    console.log(
      `proxy (${dialect}): live stream chunk delay upstream write → client read: ${delays.map((d) => d.toFixed(1)).join(', ')} ms`,
    );
    expect(delays).toHaveLength(5);
    // Held back until the end, the first piece would arrive 160 ms late.
    expect(Math.max(...delays)).toBeLessThan(150);
  });

  it('captures tool calls, plain and streamed (the openai helper assembles the streamed one)', async () => {
    const c = client(plain, plainKey);
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'issue_refund',
          parameters: { type: 'object', properties: { order: { type: 'string' }, amount: { type: 'number' } } },
        },
      },
    ];
    const { data, response } = await c.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'refund my order' }], tools, tool_choice: 'auto' })
      .withResponse();
    const call = data.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({ id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: REFUND_ARGS } });
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    const plainItem = await item(response.headers.get('x-tollgate-item-id')!);
    expect(plainItem.output).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: REFUND_ARGS } }],
    });
    expect(plainItem.metadata).toMatchObject({ finish_reason: 'tool_calls', params: { tools: ['issue_refund'], tool_choice: 'auto' } });

    const streamed = await c.chat.completions
      .stream({ model: 'gpt-test', messages: [{ role: 'user', content: 'refund my order' }], tools })
      .finalChatCompletion();
    expect(streamed.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'issue_refund', arguments: REFUND_ARGS } });
    const streamedItem = await latestItem(plain);
    expect(streamedItem.output).toEqual(plainItem.output);
    expect(streamedItem.metadata).toMatchObject({ stream: true, finish_reason: 'tool_calls' });
  });

  it('holds a tool call until a person corrects it, and answers with the correction', async () => {
    const pending = client(held, heldKey)
      .chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'refund order A-1' }] })
      .withResponse();
    const id = await heldItem();
    const captured = await item(id);
    expect(captured.decision.action).toBe('hold');
    expect(captured.output.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: REFUND_ARGS } },
    ]);
    expect(
      await judge({
        verdict: 'correct',
        correction: {
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: { order: 'A-1', amount: 120 } } }],
        },
        comment: 'half without photos',
      }),
    ).toBe(id);
    const { data, response } = await pending;
    expect(data.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: '{"order":"A-1","amount":120}' } },
    ]);
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(data.id).toBe('chatcmpl-fake-1');
    expect(response.headers.get('x-tollgate-item-id')).toBe(id);
    expect(response.headers.get('x-tollgate-outcome')).toBe('corrected');
  });

  it('buffers a stream the policy may hold, and replays the corrected message as a stream', async () => {
    const stream = client(held, heldKey).chat.completions.stream(
      { model: 'gpt-test', messages: [{ role: 'user', content: 'hello, may I get a refund?' }], stream_options: { include_usage: true } },
      { headers: { 'x-tollgate-metadata': JSON.stringify({ hold: true, customer: 'c-17' }) } },
    );
    const id = await heldItem();
    expect((await item(id)).metadata).toMatchObject({ hold: true, customer: 'c-17', source: 'proxy', stream: true });
    await judge({ verdict: 'correct', correction: 'A colleague will call you about the refund today.' });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('A colleague will call you about the refund today.');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.total_tokens).toBe(21);
  });

  it('replays the upstream stream unchanged when a held answer is approved', async () => {
    const streamed = client(held, heldKey).chat.completions.create(
      { model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }], stream: true },
      { headers: { 'x-tollgate-metadata': JSON.stringify({ hold: true }) } },
    );
    await heldItem();
    await judge({ verdict: 'approve' });
    let text = '';
    for await (const chunk of await streamed) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(HELLO);
  });

  it('refuses with 403 tollgate_rejected when a person rejects the answer, and never retries', async () => {
    const caught = apiError(
      client(held, heldKey).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'refund everything' }] }),
    );
    const id = await heldItem();
    await judge({ verdict: 'reject', comment: 'no' });
    const e = await caught;
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(e.status).toBe(403);
    expect(e.code).toBe('tollgate_rejected');
    expect(e.message).toContain(id);
    expect(e.headers?.get('x-should-retry')).toBe('false');
    expect(e.headers?.get('x-tollgate-item-id')).toBe(id);
  });

  it("applies the hold's timeout: reject refuses with tollgate_hold_timeout, approve sends the answer", async () => {
    const rejected = apiError(
      client(held, heldKey).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'refund please' }] }),
    );
    await heldItem();
    t.clock.advance(601_000);
    expect((await applyDueHolds(ctx)).timedOut).toBe(1);
    const err = await rejected;
    expect(err.status).toBe(403);
    expect(err.code).toBe('tollgate_hold_timeout');

    const approved = client(held, heldKey).chat.completions.create(
      { model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] },
      { headers: { 'x-tollgate-metadata': JSON.stringify({ hold: 'lenient' }) } },
    );
    await heldItem();
    t.clock.advance(301_000);
    expect((await applyDueHolds(ctx)).timedOut).toBe(1);
    expect((await approved).choices[0]!.message.content).toBe(HELLO);
  });

  it('passes an upstream error back with its status and body, records it, and captures nothing', async () => {
    const items = (await api.call('GET', `/v1/projects/${plain}/items`, admin)).json<{ items: unknown[] }>().items.length;
    const err = await apiError(
      client(plain, plainKey).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'boom' }] }),
    );
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(500);
    expect(err.code).toBe('upstream_boom');
    expect(err.message).toContain('upstream exploded');
    expect(err.headers?.get('x-request-id')).toBe('req-boom');

    const teapot = await apiError(
      client(plain, plainKey).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'teapot' }] }),
    );
    expect(teapot.status).toBe(418);
    expect(teapot.message).toContain('the upstream answered 418: I am a teapot');

    expect((await api.call('GET', `/v1/projects/${plain}/items`, admin)).json<{ items: unknown[] }>().items.length).toBe(items);
    const failures = (await auditActions(plain)).filter((e) => e.action === 'proxy.upstream_failed');
    expect(failures.map((f) => f.after)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ endpoint: 'chat.completions', status: 500, code: 'upstream_boom', item_id: null, model: 'gpt-test' }),
        expect.objectContaining({ status: 418, code: null }),
      ]),
    );
  });

  it('keeps what arrived when a live stream breaks off, and ends it with an error the client raises', async () => {
    const stream = await client(plain, plainKey).chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'break' }],
      stream: true,
    });
    let text = '';
    const err = await apiError(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Partial answer');
    expect(err.code).toBe('TG_UPSTREAM_UNAVAILABLE');
    const captured = await latestItem(plain);
    expect(captured.output).toEqual({ role: 'assistant', content: 'Partial answer' });
    expect(captured.metadata.incomplete).toMatchObject({ reason: 'upstream_error' });
    const failure = (await auditActions(plain)).find((e) => e.action === 'proxy.upstream_failed' && e.after.item_id === captured.id);
    expect(failure?.after).toMatchObject({ code: 'TG_UPSTREAM_UNAVAILABLE', stream: true });
  });

  it('stops the upstream call when the caller hangs up mid-stream, and keeps what was sent', async () => {
    const abort = new AbortController();
    const cut = upstream.closedEarly();
    const stream = await client(plain, plainKey).chat.completions.create(
      { model: 'gpt-test', messages: [{ role: 'user', content: 'gated, then gone' }], stream: true },
      { signal: abort.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    abort.abort();
    // The openai package ends an aborted stream quietly.
    expect(await iterator.next().catch(() => ({ done: true }))).toMatchObject({ done: true });
    for (let i = 0; i < 250 && upstream.closedEarly() === cut; i++) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.closedEarly()).toBe(cut + 1);
    upstream.release();
    let captured = await latestItem(plain);
    for (let i = 0; i < 250 && captured.metadata.incomplete === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      captured = await latestItem(plain);
    }
    expect(captured.metadata.incomplete).toMatchObject({ reason: 'client_closed' });
    expect(captured.output).toEqual({ role: 'assistant', content: HELLO.slice(0, Math.ceil(HELLO.length / 3)) });
  });

  it('stops waiting for a person when the caller hangs up; the held item stays for the reviewer', async () => {
    const abort = new AbortController();
    const gone = apiError(
      client(held, heldKey).chat.completions.create(
        { model: 'gpt-test', messages: [{ role: 'user', content: 'refund, then gone' }] },
        { signal: abort.signal },
      ),
    );
    const id = await heldItem();
    for (let i = 0; i < 250 && ctx.itemEvents.watched === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ctx.itemEvents.watched).toBe(1);
    abort.abort();
    expect(await gone).toBeInstanceOf(OpenAI.APIUserAbortError);
    for (let i = 0; i < 250 && ctx.itemEvents.watched > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ctx.itemEvents.watched).toBe(0);
    expect((await item(id)).outcome.status).toBe('pending');
    await judge({ verdict: 'approve' });
  });

  it('times out a slow upstream with 504 TG_UPSTREAM_TIMEOUT', async () => {
    const impatient = await buildApp({ ctx, version: 'test', authFailuresPerMinute: 0, proxyTimeouts: { connectMs: 1000, totalMs: 300 } });
    const url = await impatient.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = new OpenAI({ baseURL: `${url}/proxy/${plain}/v1`, apiKey: plainKey, maxRetries: 0 });
      const err = await apiError(c.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'slow' }] }));
      expect(err.status).toBe(504);
      expect(err.code).toBe('TG_UPSTREAM_TIMEOUT');
    } finally {
      await impatient.close();
    }
  });

  it('answers a retry with the same x-tollgate-external-id from the stored item, without calling the model again', async () => {
    const c = client(plain, plainKey);
    const headers = { 'x-tollgate-external-id': 'conv-9/turn-2' };
    const first = await c.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] }, { headers })
      .withResponse();
    const calls = upstream.calls.length;
    const again = await c.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] }, { headers })
      .withResponse();
    expect(upstream.calls.length).toBe(calls);
    expect(again.response.headers.get('x-tollgate-item-id')).toBe(first.response.headers.get('x-tollgate-item-id'));
    expect(again.data.choices[0]!.message.content).toBe(HELLO);
    expect(again.data).toMatchObject({ id: 'chatcmpl-fake-1', model: MODEL, usage: { total_tokens: 21 } });
    const stored = await item(first.response.headers.get('x-tollgate-item-id')!);
    expect(stored.external_id).toBe('conv-9/turn-2');
    let text = '';
    for await (const chunk of await c.chat.completions.create(
      { model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }], stream: true },
      { headers },
    ))
      text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(HELLO);
    expect(upstream.calls.length).toBe(calls);
  });

  it('passes GET /models through with the upstream key', async () => {
    const list = await client(plain, plainKey).models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    expect(upstream.calls.at(-1)).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${SECRET}` } });
  });

  it("refuses in OpenAI's shape, with Tollgate's code: bad key, wrong role, other project, bad request, missing settings or key", async () => {
    const create = (c: OpenAI, body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}, headers: Record<string, string> = {}) =>
      apiError(c.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }], ...body }, { headers }));
    const calls = upstream.calls.length;

    const wrongKey = await create(client(plain, 'tg_not-a-key'));
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrongKey.error).toEqual({
      message: 'invalid or revoked API key',
      type: 'authentication_error',
      param: null,
      code: 'TG_UNAUTHENTICATED',
    });

    const viewer = await create(client(plain, await api.key('viewer', plain)));
    expect(viewer.status).toBe(403);
    expect(viewer.code).toBe('TG_FORBIDDEN');

    const otherProject = await create(client(held, plainKey));
    expect(otherProject.status).toBe(404);
    expect(otherProject.code).toBe('TG_PROJECT_NOT_FOUND');

    const twoChoices = await create(client(plain, plainKey), { n: 2 });
    expect(twoChoices.status).toBe(400);
    expect(twoChoices.error).toMatchObject({ type: 'invalid_request_error', param: 'n', code: 'TG_VALIDATION_FAILED' });

    const noMessages = await create(client(plain, plainKey), { messages: [] });
    expect(noMessages.error).toMatchObject({ param: 'messages', code: 'TG_VALIDATION_FAILED' });

    const reserved = await create(client(plain, plainKey), {}, { 'x-tollgate-metadata': '{"source": "mine"}' });
    expect(reserved.error).toMatchObject({ param: 'x-tollgate-metadata.source', code: 'TG_VALIDATION_FAILED' });
    const notJson = await create(client(plain, plainKey), {}, { 'x-tollgate-metadata': '{"__proto__": {"x": 1}}' });
    expect(notJson.error).toMatchObject({ param: 'x-tollgate-metadata', code: 'TG_VALIDATION_FAILED' });

    const bare = (await api.call('POST', '/v1/projects', admin, { name: 'No proxy' })).json().id as string;
    const unconfigured = await create(client(bare, await api.key('ingest', bare)));
    expect(unconfigured.status).toBe(404);
    expect(unconfigured.code).toBe('TG_PROXY_NOT_CONFIGURED');

    const keyless = (
      await api.call('POST', '/v1/projects', admin, {
        name: 'Unset',
        proxy: { upstream_base_url: upstream.url, api_key_env: 'MISSING_API_KEY' },
      })
    ).json().id as string;
    const missing = await create(client(keyless, await api.key('ingest', keyless)));
    expect(missing.status).toBe(500);
    expect(missing.code).toBe('TG_PROXY_CREDENTIAL_MISSING');
    expect(missing.message).toContain('MISSING_API_KEY is not set');
    expect(missing.headers?.get('x-should-retry')).toBe('false');

    const unknownRoute = await fetch(`${base}/proxy/${plain}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plainKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.json()).toMatchObject({ error: { type: 'not_found_error', code: 'TG_ROUTE_NOT_FOUND' } });
    const malformed = await fetch(`${base}/proxy/${plain}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plainKey}`, 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'TG_MALFORMED_JSON' } });
    // And /v1 keeps its own shape.
    expect((await api.call('GET', '/v1/projects/nope', admin)).json()).toEqual({
      error: { code: 'TG_PROJECT_NOT_FOUND', message: 'project nope not found' },
    });
    expect(upstream.calls.length).toBe(calls);
  });

  it('sets, checks, audits and removes the proxy settings (managers)', async () => {
    const manager = await api.key('manager', plain);
    const put = (body: unknown, key = manager) => api.call('PUT', `/v1/projects/${plain}/proxy`, key, body);
    const bad = await put({ upstream_base_url: 'http://user:pw@example.com/v1', api_key_env: 'DATABASE_URL' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.errors).toEqual([
      { path: 'upstream_base_url', message: expect.stringContaining('must not hold credentials') },
      { path: 'api_key_env', message: expect.stringContaining('"DATABASE_URL" may not be used') },
    ]);
    expect((await put({ upstream_base_url: 'ftp://example.com' })).json().error.code).toBe('TG_INVALID_PROXY_SETTINGS');
    expect((await put({ upstream_base_url: 'http://x/v1', api_key_env: 'TOLLGATE_ADMIN_KEY' })).statusCode).toBe(422);
    expect((await put({ upstream_base_url: 'http://x/v1', api_key_env: 'lower_case' })).statusCode).toBe(422);
    expect((await put({ upstream_base_url: 'http://x/v1' }, await api.key('ingest', plain))).statusCode).toBe(403);

    const keyless = await put({ upstream_base_url: 'http://localhost:11434/v1/' });
    expect(keyless.statusCode, keyless.body).toBe(200);
    expect(keyless.json()).toEqual({ upstream_base_url: 'http://localhost:11434/v1', api_key_env: null });
    expect((await api.call('GET', `/v1/projects/${plain}`, manager)).json().proxy).toEqual(keyless.json());
    expect((await put(null)).json()).toBeNull();
    expect((await api.call('GET', `/v1/projects/${plain}`, manager)).json().proxy).toBeNull();
    const restored = await put({ upstream_base_url: upstream.url, api_key_env: 'OPENAI_API_KEY' });
    expect(restored.statusCode).toBe(200);
    const changes = (await auditActions(plain)).filter((e) => e.action === 'project.proxy_changed').map((e) => e.after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { proxy: { upstream_base_url: 'http://localhost:11434/v1', api_key_env: null } },
        { proxy: null },
        { proxy: { upstream_base_url: upstream.url, api_key_env: 'OPENAI_API_KEY' } },
      ]),
    );
  });

  it('adds little latency to a plain call (median over 40 calls, against calling the upstream directly)', async () => {
    const viaProxy = client(plain, plainKey);
    const direct = new OpenAI({ baseURL: upstream.url, apiKey: SECRET, maxRetries: 0 });
    const body = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hello' }] };
    const time = async (c: OpenAI) => {
      const started = performance.now();
      await c.chat.completions.create(body);
      return performance.now() - started;
    };
    for (let i = 0; i < 5; i++) {
      await time(direct);
      await time(viaProxy);
    }
    const proxied: number[] = [];
    const straight: number[] = [];
    for (let i = 0; i < 40; i++) {
      straight.push(await time(direct));
      proxied.push(await time(viaProxy));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const overhead = median(proxied) - median(straight);
    console.log(
      `proxy (${dialect}): median ${median(straight).toFixed(2)} ms direct, ${median(proxied).toFixed(2)} ms through the proxy: ${overhead.toFixed(2)} ms added (capture included)`,
    );
    expect(overhead).toBeLessThan(100);
  });

  it('never stores or logs the upstream key, nor logs Tollgate keys', async () => {
    const tables =
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(t.store.db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(t.store.db)).rows.map(
            (r) => r.name,
          );
    let dump = '';
    for (const table of tables) dump += JSON.stringify((await sql.raw(`select * from "${table}"`).execute(t.store.db)).rows);
    expect(dump).toContain('OPENAI_API_KEY');
    expect(dump).not.toContain(SECRET);
    const log = logs.join('');
    expect(log).toContain('proxy: upstream call failed');
    expect(log).toContain('/proxy/');
    for (const secret of [SECRET, plainKey, heldKey, admin]) expect(log).not.toContain(secret);
    // The upstream only ever saw its own key: never a Tollgate key.
    for (const call of upstream.calls) expect(call.headers.authorization).toBe(`Bearer ${SECRET}`);
  });
});
