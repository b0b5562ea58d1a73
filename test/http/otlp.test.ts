import { gzipSync } from 'node:zlib';
import { diag, DiagLogLevel, SpanKind, type Attributes as SpanAttributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs/light.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OTLP_DESCRIPTOR } from '../../src/http/otlp/otlp-descriptor.js';
import { testApi, type TestApi } from '../support/http.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

/*
 * The test: the OpenTelemetry JS SDK, with its own OTLP/HTTP exporters (protobuf and
 * JSON, plain and gzipped), configured the way an application configures them (environment
 * variables), sends GenAI spans to a Tollgate server listening on a real port.
 */

const POLICY = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    {
      name: 'large-refund',
      when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
      action: 'hold',
      priority: 90,
    },
  ],
};

type Protocol = 'protobuf' | 'json';

/** Sets environment variables while `make` runs: the exporters read theirs when constructed. */
function withEnv<T>(env: Record<string, string>, make: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return make();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

interface ExporterOptions {
  key: string;
  project?: string;
  gzip?: boolean;
}

/** An OTLP exporter configured as the docs say: endpoint, headers and compression from the environment. */
function exporter(url: string, protocol: Protocol, opts: ExporterOptions): SpanExporter {
  const headers = [`Authorization=Bearer%20${opts.key}`, ...(opts.project === undefined ? [] : [`x-tollgate-project=${opts.project}`])];
  return withEnv(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/otlp`,
      OTEL_EXPORTER_OTLP_HEADERS: headers.join(','),
      OTEL_EXPORTER_OTLP_COMPRESSION: opts.gzip === true ? 'gzip' : 'none',
    },
    () => (protocol === 'protobuf' ? new ProtobufExporter() : new JsonExporter()),
  );
}

async function send(exp: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exp.export(spans, resolve));
}

const messages = (role: string, text: string) => [{ role, parts: [{ type: 'text', content: text }] }];

/** Spans as GenAI instrumentations record them, made with the real tracer. */
function recordSpans(resource: SpanAttributes, build: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  build(provider.getTracer('opentelemetry.instrumentation.openai_v2', '2.1b0'));
  return memory.getFinishedSpans();
}

/** A chat call in the current conventions: messages as JSON strings (JS attributes are not structured). */
function currentChat(tracer: ReturnType<BasicTracerProvider['getTracer']>, extra: SpanAttributes = {}) {
  const span = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You handle refunds.' }]),
      'gen_ai.input.messages': JSON.stringify(messages('user', 'My blender arrived broken, refund please')),
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [
            { type: 'text', content: 'Refunding now.' },
            { type: 'tool_call', id: 'call_1', name: 'refund', arguments: '{"order":"A-7","amount":820}' },
          ],
          finish_reason: 'tool_calls',
        },
      ]),
      'tollgate.metadata.intent': 'refund',
      'tollgate.metadata.amount': 820,
      ...extra,
    },
  });
  span.end();
}

/** A chat call in the older, event-based conventions. */
function eventChat(tracer: ReturnType<BasicTracerProvider['getTracer']>) {
  const span = tracer.startSpan('chat gpt-4o-mini', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.system': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'tollgate.confidence': 0.3,
    },
  });
  span.addEvent('gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'Be brief.' });
  span.addEvent('gen_ai.user.message', { 'gen_ai.system': 'openai', content: 'Where is my order?' });
  span.addEvent('gen_ai.choice', {
    'gen_ai.system': 'openai',
    index: 0,
    finish_reason: 'stop',
    message: JSON.stringify({ role: 'assistant', content: 'It ships tomorrow.' }),
  });
  span.end();
}

/** What else an instrumented application exports: a server span, an embeddings call, a call recorded without content. */
function otherSpans(tracer: ReturnType<BasicTracerProvider['getTracer']>) {
  tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/orders' } }).end();
  tracer
    .startSpan('embeddings text-embedding-3-small', {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 8 },
    })
    .end();
}

const rpc = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);

/** An item as the API returns it; the assertions check the rest. */
type StoredItem = Record<string, unknown> & {
  id: string;
  model: string | null;
  metadata: Record<string, unknown>;
  decision: { action: string };
  outcome: { status: string };
};

describe.each(DIALECTS)('OpenTelemetry intake (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let url: string;
  let admin: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    url = await api.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await api.key('admin');
    // The exporters report a partial success through the diagnostic logger, as a warning.
    diag.setLogger(
      { error: () => {}, warn: (...args: unknown[]) => warnings.push(args.join(' ')), info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
  });
  afterEach(() => {
    warnings.length = 0;
  });
  afterAll(async () => {
    diag.disable();
    await api?.app.close();
    await t?.close();
  });

  async function project(name: string): Promise<string> {
    const res = await api.call('POST', '/v1/projects', admin, { name, policy: POLICY });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function items(projectId: string): Promise<StoredItem[]> {
    const res = await api.call('GET', `/v1/projects/${projectId}/items?limit=100`, admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: StoredItem[] }>().items;
  }

  describe.each([
    ['protobuf', false],
    ['json', false],
    ['protobuf', true],
    ['json', true],
  ] as const)('the %s exporter (gzip: %s)', (protocol, gzip) => {
    it('turns GenAI spans into items routed by the policy, ignores the rest, and is idempotent on re-export', async () => {
      const p = await project(`${protocol}-${gzip}`);
      const key = await api.key('ingest');
      const spans = recordSpans({ 'service.name': 'support-bot', 'service.version': '1.4.2' }, (tracer) => {
        currentChat(tracer);
        eventChat(tracer);
        otherSpans(tracer);
      });
      expect(spans).toHaveLength(4);
      const exp = exporter(url, protocol, { key, project: p, gzip });

      const result = await send(exp, spans);
      expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
      expect(warnings).toEqual([]);

      const stored = await items(p);
      expect(stored).toHaveLength(2);
      const current = stored.find((i) => i.model === 'gpt-4o')!;
      const chatSpan = spans.find((s) => s.name === 'chat gpt-4o')!;
      const ids = chatSpan.spanContext();
      expect(current).toMatchObject({
        external_id: `otlp:${ids.traceId}:${ids.spanId}`,
        input: [
          { role: 'system', content: 'You handle refunds.' },
          { role: 'user', content: 'My blender arrived broken, refund please' },
        ],
        output: {
          role: 'assistant',
          content: 'Refunding now.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'refund', arguments: { order: 'A-7', amount: 820 } } }],
        },
        model: 'gpt-4o',
        model_version: 'gpt-4o-2024-08-06',
        confidence: null,
        metadata: {
          intent: 'refund',
          amount: 820,
          source: 'otlp',
          service_name: 'support-bot',
          operation: 'chat',
          provider: 'openai',
          trace_id: ids.traceId,
          span_id: ids.spanId,
          span_name: 'chat gpt-4o',
          usage: { input_tokens: 42, output_tokens: 17 },
          finish_reasons: ['tool_calls'],
          request: { temperature: 0.2 },
        },
        // metadata.intent = refund and metadata.amount 820 > 500: held for a person.
        decision: { action: 'hold', matched_rules: [{ name: 'large-refund' }] },
        outcome: { status: 'pending' },
      });
      expect(current.metadata.latency_ms).toBeGreaterThanOrEqual(0);

      const legacy = stored.find((i) => i.model === 'gpt-4o-mini')!;
      expect(legacy).toMatchObject({
        input: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Where is my order?' },
        ],
        output: { role: 'assistant', content: 'It ships tomorrow.' },
        confidence: 0.3,
        metadata: { provider: 'openai', finish_reasons: ['stop'] },
        decision: { action: 'review', matched_rules: [{ name: 'low-confidence' }] },
      });
      expect(await countRows(t.store, 'tasks')).toBeGreaterThanOrEqual(2);

      // Exporters retry on timeouts and 5xx: the same spans again are the same items.
      const again = await send(exp, spans);
      expect(again.code).toBe(ExportResultCode.SUCCESS);
      const after = await items(p);
      expect(after.map((i) => i.id).sort()).toEqual(stored.map((i) => i.id).sort());
      await exp.shutdown();
    });

    it('answers a span for a project that does not exist with a partial success the exporter reports', async () => {
      const p = await project(`partial-${protocol}-${gzip}`);
      const key = await api.key('ingest');
      const good = recordSpans({ 'service.name': 'a' }, (tracer) => currentChat(tracer));
      const lost = recordSpans({ 'service.name': 'b', 'tollgate.project_id': 'no-such-project' }, (tracer) => eventChat(tracer));
      const exp = exporter(url, protocol, { key, project: p, gzip });
      const result = await send(exp, [...good, ...lost]);
      // A partial success is a success to the exporter, which must not retry it; it warns.
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('Partial Success');
      expect(warnings[0]).toContain('project no-such-project does not exist, or this key cannot see it');
      expect(warnings[0]).toMatch(/"rejectedSpans":"?1"?/);
      expect(await items(p)).toHaveLength(1);
      await exp.shutdown();
    });
  });

  it('takes the project from the resource attribute over the header, and from a scoped key without either', async () => {
    const [a, b] = [await project('header'), await project('resource')];
    const key = await api.key('ingest');
    const spans = [
      ...recordSpans({ 'service.name': 'one' }, (tracer) => currentChat(tracer)),
      ...recordSpans({ 'service.name': 'two', 'tollgate.project_id': b }, (tracer) => eventChat(tracer)),
    ];
    const exp = exporter(url, 'protobuf', { key, project: a });
    expect((await send(exp, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await items(a)).map((i) => i.metadata.service_name)).toEqual(['one']);
    expect((await items(b)).map((i) => i.metadata.service_name)).toEqual(['two']);
    await exp.shutdown();

    const c = await project('scoped');
    const scoped = exporter(url, 'json', { key: await api.key('ingest', c) });
    expect(
      (
        await send(
          scoped,
          recordSpans({ 'service.name': 'three' }, (tracer) => currentChat(tracer)),
        )
      ).code,
    ).toBe(ExportResultCode.SUCCESS);
    expect((await items(c)).map((i) => i.metadata.service_name)).toEqual(['three']);
    await scoped.shutdown();
  });

  it('works as an application runs it: a batch processor flushing through the exporter', async () => {
    const p = await project('pipeline');
    const exp = exporter(url, 'protobuf', { key: await api.key('ingest'), project: p, gzip: true });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'batch' }),
      spanProcessors: [new BatchSpanProcessor(exp)],
    });
    const tracer = provider.getTracer('app');
    for (let i = 0; i < 25; i++) currentChat(tracer, { 'tollgate.metadata.n': i, 'tollgate.metadata.amount': 10 });
    await provider.forceFlush();
    await provider.shutdown();
    const stored = await items(p);
    expect(stored).toHaveLength(25);
    expect(stored.every((i) => i.decision.action === 'pass' && i.outcome.status === 'approved')).toBe(true);
  });

  it('refuses a bad key (401), a key that may not send items (403) and an unknown header project (404), none retried', async () => {
    const p = await project('refusals');
    const spans = recordSpans({ 'service.name': 'x' }, (tracer) => currentChat(tracer));
    const cases: [string, string | undefined, number][] = [
      ['tg_not_a_key_at_all_0000000000', p, 401],
      [await api.key('viewer'), p, 403],
      [await api.key('reviewer'), p, 403],
      [await api.key('ingest'), 'no-such-project', 404],
      [await api.key('ingest', await project('other')), p, 404],
    ];
    for (const [key, header, status] of cases) {
      for (const protocol of ['protobuf', 'json'] as const) {
        const exp = exporter(url, protocol, { key, ...(header === undefined ? {} : { project: header }) });
        const result = await send(exp, spans);
        expect(result.code).toBe(ExportResultCode.FAILED);
        expect((result.error as { code?: number }).code).toBe(status);
        await exp.shutdown();
      }
    }
    expect(await items(p)).toEqual([]);
  });

  describe('OTLP/JSON and protobuf by hand, as curl would send them', () => {
    let p: string;
    let key: string;
    beforeAll(async () => {
      p = await project('curl');
      key = await api.key('ingest', p);
    });

    const post = (body: string | Buffer, headers: Record<string, string>, k = key) =>
      fetch(`${url}/otlp/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${k}`, ...headers }, body });

    const json = (attributes: unknown[], ids = { traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'EEE19B7EC3C1B174' }) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'curl' } }] },
            scopeSpans: [
              {
                scope: { name: 'manual' },
                spans: [
                  {
                    ...ids,
                    name: 'chat claude',
                    kind: 3,
                    startTimeUnixNano: 1764072000000000000,
                    endTimeUnixNano: '1764072000750000000',
                    attributes,
                  },
                ],
              },
            ],
          },
        ],
      });

    const structured = [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.provider.name', value: { stringValue: 'anthropic' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'claude-sonnet' } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: 5 } },
      {
        key: 'gen_ai.input.messages',
        value: {
          arrayValue: {
            values: [
              {
                kvlistValue: {
                  values: [
                    { key: 'role', value: { stringValue: 'user' } },
                    {
                      key: 'parts',
                      value: {
                        arrayValue: {
                          values: [
                            {
                              kvlistValue: {
                                values: [
                                  { key: 'type', value: { stringValue: 'text' } },
                                  { key: 'content', value: { stringValue: 'hello' } },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
      { key: 'gen_ai.output.messages', value: { stringValue: JSON.stringify(messages('assistant', 'hi there')) } },
      { key: 'tollgate.confidence', value: { doubleValue: 0.9 } },
    ];

    it('takes structured attributes, upper-case hex ids and numbers for 64-bit integers, and answers {} on full success', async () => {
      const res = await post(json(structured), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({});
      const [stored] = await items(p);
      expect(stored).toMatchObject({
        external_id: 'otlp:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174',
        input: [{ role: 'user', content: 'hello' }],
        output: { role: 'assistant', content: 'hi there' },
        model: 'claude-sonnet',
        confidence: 0.9,
        metadata: { provider: 'anthropic', usage: { output_tokens: 5 }, latency_ms: 750, service_name: 'curl' },
        decision: { action: 'pass' },
      });
    });

    it('answers a partial success in JSON: a rejected span, and a warning for spans without content', async () => {
      const bad = [...structured, { key: 'tollgate.confidence', value: { doubleValue: 7 } }];
      const res = await post(json(bad, { traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8) }), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        partialSuccess: {
          rejectedSpans: '1',
          errorMessage: `1 span rejected: tollgate.confidence must be a number in [0, 1] (1 span, e.g. ${'aa'.repeat(16)}:${'bb'.repeat(8)})`,
        },
      });
      const contentless = structured.filter((a) => !a.key.endsWith('.messages'));
      const warned = await post(json(contentless, { traceId: 'cc'.repeat(16), spanId: 'dd'.repeat(8) }), {
        'content-type': 'application/json',
      });
      const body = (await warned.json()) as { partialSuccess: { rejectedSpans?: string; errorMessage: string } };
      // Nothing rejected: proto3's JSON leaves the zero count out, which readers take as 0.
      expect(body.partialSuccess.rejectedSpans).toBeUndefined();
      expect(body.partialSuccess.errorMessage).toContain('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only');
    });

    it('rejects only the span whose content no store can keep, not the batch around it', async () => {
      const before = (await items(p)).length;
      const nul = structured.map((a) =>
        a.key === 'gen_ai.output.messages' ? { key: a.key, value: { stringValue: JSON.stringify(messages('assistant', 'a\u0000b')) } } : a,
      );
      const body = JSON.parse(json(nul, { traceId: 'ee'.repeat(16), spanId: 'ff'.repeat(8) })) as {
        resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
      };
      const good = JSON.parse(json(structured, { traceId: '12'.repeat(16), spanId: '34'.repeat(8) })) as typeof body;
      const plain = {
        traceId: '56'.repeat(16),
        spanId: '78'.repeat(8),
        name: 'db',
        attributes: [{ key: 'db.statement', value: { stringValue: 'x\u0000y' } }],
      };
      body.resourceSpans[0]!.scopeSpans[0]!.spans.push(good.resourceSpans[0]!.scopeSpans[0]!.spans[0], plain);
      const res = await post(JSON.stringify(body), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
      expect(answer.partialSuccess.rejectedSpans).toBe('1');
      expect(answer.partialSuccess.errorMessage).toContain('output.content contains a NUL character (U+0000)');
      expect((await items(p)).length).toBe(before + 1);
    });

    it('refuses what it cannot decode with 400, other media types with 415, and answers protobuf errors as google.rpc.Status', async () => {
      const malformed = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: { code: 'TG_MALFORMED_JSON' } });
      const notHex = await post(json(structured, { traceId: 'not-hex', spanId: 'EEE19B7EC3C1B174' }), {
        'content-type': 'application/json',
      });
      expect(notHex.status).toBe(400);
      expect(await notHex.json()).toMatchObject({
        error: { code: 'TG_VALIDATION_FAILED', message: expect.stringContaining('must be hex') },
      });
      const wrongType = await post('{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}', {
        'content-type': 'application/json',
      });
      expect(wrongType.status).toBe(400);
      const text = await post('hello', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(await text.json()).toMatchObject({ error: { code: 'TG_UNSUPPORTED_MEDIA_TYPE' } });
      const brotli = await post(json(structured), { 'content-type': 'application/json', 'content-encoding': 'br' });
      expect(brotli.status).toBe(415);

      const garbage = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
      expect(garbage.status).toBe(400);
      expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
      const status = rpc.lookupType('google.rpc.Status').decode(Buffer.from(await garbage.arrayBuffer())) as unknown as {
        code: number;
        message: string;
      };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/^TG_VALIDATION_FAILED: the body is not a protobuf ExportTraceServiceRequest/);
      const unauthenticated = await post(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' }, 'tg_wrong');
      expect(unauthenticated.status).toBe(401);
      const decoded = rpc.lookupType('google.rpc.Status').decode(Buffer.from(await unauthenticated.arrayBuffer())) as unknown as {
        code: number;
        message: string;
      };
      expect(decoded).toMatchObject({ code: 16, message: expect.stringMatching(/^TG_UNAUTHENTICATED: /) });
    });

    it('answers an empty protobuf request with an empty ExportTraceServiceResponse', async () => {
      const res = await post(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it('bounds a gzip body by what it inflates to (413), not by what was sent', async () => {
      const bomb = gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(100_000);
      const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'TG_PAYLOAD_TOO_LARGE' } });
      const broken = await post(Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(broken.status).toBe(400);
    });
  });
});
