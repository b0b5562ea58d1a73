import { describe, expect, it } from 'vitest';
import { anyValueToJson, Attributes } from '../../src/core/otlp/attributes.js';
import { mapSpan, type SpanVerdict } from '../../src/core/otlp/genai-span.js';
import type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from '../../src/core/otlp/otlp-types.js';
import { planTraceCapture, rejectionMessage } from '../../src/core/otlp/trace-plan.js';

/*
 * Spans as the instrumentations in use record them, in OTLP/JSON's shape (what the HTTP adapter
 * hands the mapping for either encoding).
 */

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function value(v: unknown): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(value) } };
  if (v !== null && typeof v === 'object') return { kvlistValue: { values: attrs(v as Record<string, unknown>) } };
  return {};
}

function attrs(o: Record<string, unknown>): OtlpKeyValue[] {
  return Object.entries(o).map(([key, v]) => ({ key, value: value(v) }));
}

function span(attributes: Record<string, unknown>, more: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: TRACE,
    spanId: SPAN,
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: '1764072000000000000',
    endTimeUnixNano: '1764072001234567000',
    attributes: attrs(attributes),
    ...more,
  };
}

const event = (name: string, attributes: Record<string, unknown>) => ({
  name,
  timeUnixNano: '1764072000500000000',
  attributes: attrs(attributes),
});

const resource = new Attributes(attrs({ 'service.name': 'support-bot', 'tollgate.metadata.region': 'eu' }));

function item(verdict: SpanVerdict) {
  if (verdict.kind !== 'item') throw new Error(`expected an item, got ${JSON.stringify(verdict)}`);
  return verdict.item;
}

const CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
};

describe('GenAI spans in the current conventions', () => {
  const input = [
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: ' call_1', response: 'rainy, 57°F' }] },
  ];
  const output = [{ role: 'assistant', parts: [{ type: 'text', content: 'It is rainy, 57°F.' }], finish_reason: 'stop' }];
  const expectedInput = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { location: 'Paris' } } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'rainy, 57°F' },
  ];

  it('maps messages recorded as JSON strings (the JS and Python SDKs) to chat messages, with model, usage and settings', () => {
    const it = item(
      mapSpan(
        span({
          ...CHAT,
          'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a weather bot.' }]),
          'gen_ai.input.messages': JSON.stringify(input),
          'gen_ai.output.messages': JSON.stringify(output),
          'gen_ai.usage.input_tokens': 42,
          'gen_ai.usage.output_tokens': 9,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.request.max_tokens': 200,
          'gen_ai.response.id': 'chatcmpl-123',
          'gen_ai.conversation.id': 'conv-9',
        }),
        resource,
      ),
    );
    expect(it).toEqual({
      input: expectedInput,
      output: { role: 'assistant', content: 'It is rainy, 57°F.' },
      model: 'gpt-4o',
      model_version: 'gpt-4o-2024-08-06',
      external_id: `otlp:${TRACE}:${SPAN}`,
      metadata: {
        region: 'eu',
        source: 'otlp',
        service_name: 'support-bot',
        operation: 'chat',
        provider: 'openai',
        trace_id: TRACE,
        span_id: SPAN,
        span_name: 'chat gpt-4o',
        response_id: 'chatcmpl-123',
        conversation_id: 'conv-9',
        usage: { input_tokens: 42, output_tokens: 9 },
        finish_reasons: ['stop'],
        latency_ms: 1234.567,
        request: { temperature: 0.2, max_tokens: 200 },
      },
    });
  });

  it('reads the same messages recorded in structured form', () => {
    const structured = item(
      mapSpan(
        span({
          ...CHAT,
          'gen_ai.system_instructions': [{ type: 'text', content: 'You are a weather bot.' }],
          'gen_ai.input.messages': input,
          'gen_ai.output.messages': output,
        }),
        resource,
      ),
    );
    expect(structured.input).toEqual(expectedInput);
    expect(structured.output).toEqual({ role: 'assistant', content: 'It is rainy, 57°F.' });
  });

  it('keeps a tool call answer as the output, its arguments parsed so policies can route on them', () => {
    const out = item(
      mapSpan(
        span({
          ...CHAT,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'refund order 7' }] }]),
          'gen_ai.output.messages': JSON.stringify([
            {
              role: 'assistant',
              parts: [{ type: 'tool_call', id: 'c1', name: 'refund', arguments: '{"order": 7, "amount": 820}' }],
              finish_reason: 'tool_calls',
            },
          ]),
        }),
        resource,
      ),
    );
    expect(out.output).toEqual({
      role: 'assistant',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'refund', arguments: { order: 7, amount: 820 } } }],
    });
    expect(out.metadata.finish_reasons).toEqual(['tool_calls']);
  });

  it('keeps several choices, and media parts as sent beside the text', () => {
    const out = item(
      mapSpan(
        span({
          ...CHAT,
          'gen_ai.input.messages': JSON.stringify([
            {
              role: 'user',
              parts: [
                { type: 'text', content: 'What is in this picture?' },
                { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
              ],
            },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'A cat.' }], finish_reason: 'stop' },
            { role: 'assistant', parts: [{ type: 'text', content: 'A small cat.' }], finish_reason: 'length' },
          ]),
        }),
        resource,
      ),
    );
    expect(out.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
        ],
      },
    ]);
    expect(out.output).toEqual({
      choices: [
        { role: 'assistant', content: 'A cat.' },
        { role: 'assistant', content: 'A small cat.' },
      ],
    });
    expect(out.metadata.finish_reasons).toEqual(['stop', 'length']);
  });

  it('reads the messages from the inference details event when a SDK puts them there', () => {
    const out = item(
      mapSpan(
        span(CHAT, {
          events: [
            event('gen_ai.client.inference.operation.details', {
              'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
              'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' }],
            }),
          ],
        }),
        resource,
      ),
    );
    expect(out).toMatchObject({ input: [{ role: 'user', content: 'hi' }], output: { role: 'assistant', content: 'hello' } });
    expect(out.metadata.finish_reasons).toEqual(['stop']);
  });
});

describe('GenAI spans in the older conventions', () => {
  it('reads the per-message events (gen_ai.*.message, gen_ai.choice) of semantic conventions up to 1.36', () => {
    const out = item(
      mapSpan(
        span(
          { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
          {
            events: [
              event('gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'Be brief.' }),
              event('gen_ai.user.message', { 'gen_ai.system': 'openai', content: 'Refund order 7' }),
              event('gen_ai.assistant.message', {
                tool_calls: JSON.stringify([{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"order":7}' } }]),
              }),
              event('gen_ai.tool.message', { content: '{"amount": 820}', id: 'c1' }),
              event('gen_ai.choice', {
                index: 0,
                finish_reason: 'stop',
                message: JSON.stringify({ role: 'assistant', content: 'Refunded $820.' }),
              }),
            ],
          },
        ),
        resource,
      ),
    );
    expect(out.input).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Refund order 7' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: { order: 7 } } }] },
      { role: 'tool', content: '{"amount": 820}', tool_call_id: 'c1' },
    ]);
    expect(out.output).toEqual({ role: 'assistant', content: 'Refunded $820.' });
    expect(out).toMatchObject({ model: 'gpt-4o-mini', metadata: { provider: 'openai', finish_reasons: ['stop'] } });
    expect(out.model_version).toBeUndefined();
  });

  it('reads event bodies sent as one JSON attribute (gen_ai.event.content, as the Azure SDKs do)', () => {
    const out = item(
      mapSpan(
        span(
          { 'gen_ai.system': 'az.ai.inference', 'gen_ai.operation.name': 'chat' },
          {
            events: [
              event('gen_ai.user.message', { 'gen_ai.event.content': JSON.stringify({ role: 'user', content: 'hi' }) }),
              event('gen_ai.choice', {
                'gen_ai.event.content': JSON.stringify({ index: 0, finish_reason: 'stop', message: { content: 'hello' } }),
              }),
            ],
          },
        ),
        resource,
      ),
    );
    expect(out).toMatchObject({ input: [{ role: 'user', content: 'hi' }], output: { role: 'assistant', content: 'hello' } });
    expect(out.metadata.finish_reasons).toEqual(['stop']);
  });

  it("reads OpenLLMetry's indexed attributes, with tool calls and the older usage names", () => {
    const out = item(
      mapSpan(
        span({
          'gen_ai.system': 'openai',
          'llm.request.type': 'chat',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.prompt.0.role': 'system',
          'gen_ai.prompt.0.content': 'Be brief.',
          'gen_ai.prompt.1.role': 'user',
          'gen_ai.prompt.1.content': 'Refund order 7',
          'gen_ai.completion.0.role': 'assistant',
          'gen_ai.completion.0.finish_reason': 'tool_calls',
          'gen_ai.completion.0.tool_calls.0.id': 'c1',
          'gen_ai.completion.0.tool_calls.0.name': 'refund',
          'gen_ai.completion.0.tool_calls.0.arguments': '{"order": 7}',
          'gen_ai.usage.prompt_tokens': 20,
          'gen_ai.usage.completion_tokens': 5,
        }),
        resource,
      ),
    );
    expect(out).toMatchObject({
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Refund order 7' },
      ],
      output: { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'refund', arguments: { order: 7 } } }] },
      metadata: { operation: 'chat', usage: { input_tokens: 20, output_tokens: 5 }, finish_reasons: ['tool_calls'] },
    });
  });

  it('reads gen_ai.prompt / gen_ai.completion, as JSON messages or as plain text', () => {
    const asJson = item(
      mapSpan(
        span({
          'gen_ai.system': 'openai',
          'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'hi' }]),
          'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: 'hello' }]),
        }),
        resource,
      ),
    );
    expect(asJson).toMatchObject({ input: [{ role: 'user', content: 'hi' }], output: { role: 'assistant', content: 'hello' } });
    const asText = item(
      mapSpan(
        span(
          { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'text_completion' },
          {
            events: [
              event('gen_ai.content.prompt', { 'gen_ai.prompt': 'Once upon a time' }),
              event('gen_ai.content.completion', { 'gen_ai.completion': ' there was a cat.' }),
            ],
          },
        ),
        resource,
      ),
    );
    expect(asText).toMatchObject({ input: 'Once upon a time', output: ' there was a cat.', metadata: { operation: 'text_completion' } });
  });
});

describe('which spans become items', () => {
  const content = {
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'q' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'a' }] }]),
  };

  it('ignores spans that are not GenAI, and GenAI operations that are not a model answering', () => {
    expect(mapSpan(span({ 'http.request.method': 'GET', 'url.path': '/orders' }), resource)).toEqual({ kind: 'not_genai' });
    expect(mapSpan(span({ ...CHAT, ...content, 'gen_ai.operation.name': 'embeddings' }), resource)).toEqual({
      kind: 'other_operation',
      operation: 'embeddings',
    });
    expect(mapSpan(span({ ...CHAT, ...content, 'gen_ai.operation.name': 'execute_tool' }), resource)).toMatchObject({
      kind: 'other_operation',
    });
    expect(mapSpan(span({ ...CHAT, ...content, 'gen_ai.operation.name': 'invoke_agent' }), resource)).toMatchObject({
      kind: 'other_operation',
    });
    expect(mapSpan(span({ 'gen_ai.system': 'openai', 'llm.request.type': 'embedding' }), resource)).toMatchObject({
      kind: 'other_operation',
      operation: 'embeddings',
    });
  });

  it('skips a model call recorded without its output (content capture off)', () => {
    expect(mapSpan(span({ ...CHAT, 'gen_ai.usage.input_tokens': 3 }), resource)).toEqual({ kind: 'no_content' });
    expect(mapSpan(span({ ...CHAT, 'gen_ai.output.messages': '[]' }), resource)).toEqual({ kind: 'no_content' });
    expect(mapSpan(span({ ...CHAT, 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [] }]) }), resource)).toEqual({
      kind: 'no_content',
    });
  });

  it('captures an answer whose prompt was not recorded, with an empty input', () => {
    expect(item(mapSpan(span({ ...CHAT, 'gen_ai.output.messages': content['gen_ai.output.messages'] }), resource)).input).toEqual([]);
  });

  it('keeps truncated (unparsable) content as text rather than losing it', () => {
    const out = item(
      mapSpan(span({ ...CHAT, 'gen_ai.input.messages': '[{"role": "user", "parts": [{"ty', 'gen_ai.output.messages': '[{"ro' }), resource),
    );
    expect(out).toMatchObject({ input: '[{"role": "user", "parts": [{"ty', output: '[{"ro' });
  });

  it('refuses a GenAI span without valid ids, and a confidence outside [0, 1]', () => {
    expect(mapSpan(span({ ...CHAT, ...content }, { spanId: '0000000000000000' }), resource)).toMatchObject({ kind: 'invalid' });
    expect(mapSpan(span({ ...CHAT, ...content }, { traceId: 'xyz' }), resource)).toMatchObject({ kind: 'invalid' });
    expect(mapSpan(span({ ...CHAT, ...content, 'tollgate.confidence': 1.5 }), resource)).toEqual({
      kind: 'invalid',
      problem: 'tollgate.confidence must be a number in [0, 1]',
    });
    expect(mapSpan(span({ ...CHAT, ...content, 'tollgate.confidence': 'high' }), resource)).toMatchObject({ kind: 'invalid' });
  });

  it('takes confidence, tags and tollgate.metadata.* from the span, nesting dotted metadata keys', () => {
    const out = item(
      mapSpan(
        span({
          ...CHAT,
          ...content,
          'tollgate.confidence': '0.25',
          'tollgate.tags': ['vip', 'eu'],
          'tollgate.metadata.customer.tier': 'gold',
          'tollgate.metadata.customer.id': 'c-1042',
          'tollgate.metadata.region': 'us',
          'tollgate.metadata.__proto__.polluted': true,
          'tollgate.metadata.source': 'spoofed',
        }),
        resource,
      ),
    );
    expect(out.confidence).toBe(0.25);
    expect(out.tags).toEqual(['vip', 'eu']);
    // The span's metadata beats the resource's; the trace's own facts beat both.
    expect(out.metadata).toMatchObject({ customer: { tier: 'gold', id: 'c-1042' }, region: 'us', source: 'otlp' });
    expect(Object.hasOwn(out.metadata, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
  });

  it('names the model asked for, and the snapshot that answered as its version', () => {
    const base = { ...CHAT, ...content };
    expect(item(mapSpan(span(base), resource))).toMatchObject({ model: 'gpt-4o', model_version: 'gpt-4o-2024-08-06' });
    const same = item(mapSpan(span({ ...base, 'gen_ai.response.model': 'gpt-4o' }), resource));
    expect(same.model).toBe('gpt-4o');
    expect(same.model_version).toBeUndefined();
    const { ['gen_ai.request.model']: _, ...noRequest } = base;
    expect(item(mapSpan(span(noRequest), resource))).toMatchObject({ model: 'gpt-4o-2024-08-06' });
  });

  it('records a failed call as such', () => {
    const out = item(mapSpan(span({ ...CHAT, ...content }, { status: { code: 2, message: 'boom' } }), resource));
    expect(out.metadata.error_type).toBe('error');
    expect(item(mapSpan(span({ ...CHAT, ...content, 'error.type': 'timeout' }), resource)).metadata.error_type).toBe('timeout');
  });
});

describe('attribute values', () => {
  it('converts every AnyValue kind to JSON, keeping 64-bit integers past 2^53 as text', () => {
    expect(anyValueToJson({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(anyValueToJson({ intValue: '-12' })).toBe(-12);
    expect(anyValueToJson({ doubleValue: Number.NaN })).toBeNull();
    expect(anyValueToJson({ bytesValue: 'AAE=' })).toBe('AAE=');
    expect(anyValueToJson({})).toBeNull();
    expect(anyValueToJson(value({ a: [1, 'x', true, { b: null }] }))).toEqual({ a: [1, 'x', true, { b: null }] });
  });

  it('treats a value nested past the bound as absent instead of recursing into it', () => {
    let deep: OtlpAnyValue = { stringValue: 'x' };
    for (let i = 0; i < 10_000; i++) deep = { arrayValue: { values: [deep] } };
    expect(anyValueToJson(deep)).toBeUndefined();
  });
});

describe('the capture plan', () => {
  const genai = (id: string) =>
    span(
      {
        ...CHAT,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'q' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'a' }] }]),
      },
      { spanId: id },
    );
  const request = (resourceAttributes: Record<string, unknown>, spans: OtlpSpan[]): OtlpTraceRequest['resourceSpans'] => [
    { resource: { attributes: attrs(resourceAttributes) }, scopeSpans: [{ scope: { name: 's' }, spans }] },
  ];

  it('sends each resource to its tollgate.project_id, else the header, else the key’s project', () => {
    const body: OtlpTraceRequest = {
      resourceSpans: [
        ...request({ 'tollgate.project_id': 'p-attr' }, [genai('0000000000000001')])!,
        ...request({}, [genai('0000000000000002'), span({ 'http.request.method': 'GET' })])!,
      ],
    };
    const withHeader = planTraceCapture(body, { headerProject: 'p-header', keyProject: null });
    expect([...withHeader.byProject.keys()]).toEqual(['p-attr', 'p-header']);
    expect(withHeader.spans).toBe(3);
    const scoped = planTraceCapture(body, { headerProject: undefined, keyProject: 'p-key' });
    expect([...scoped.byProject.keys()]).toEqual(['p-attr', 'p-key']);
    const none = planTraceCapture(body, { headerProject: undefined, keyProject: null });
    expect([...none.byProject.keys()]).toEqual(['p-attr']);
    expect(none.rejected).toEqual([
      {
        problem: 'no project: send the x-tollgate-project header or set the tollgate.project_id resource attribute',
        span: `${TRACE}:0000000000000002`,
      },
    ]);
  });

  it('refuses a project attribute that cannot be an id before anything looks it up', () => {
    const plan = planTraceCapture(
      { resourceSpans: request({ 'tollgate.project_id': 'a\u0000b' }, [genai('0000000000000003')]) },
      { headerProject: 'p', keyProject: null },
    );
    expect(plan.byProject.size).toBe(0);
    expect(plan.rejected[0]?.problem).toBe('tollgate.project_id is not a project id');
  });

  it('explains rejections once per problem, and what to do about spans without content', () => {
    const message = rejectionMessage(
      [
        { problem: 'project p1 does not exist, or this key cannot see it', span: 't:1' },
        { problem: 'project p1 does not exist, or this key cannot see it', span: 't:2' },
        { problem: 'tollgate.confidence must be a number in [0, 1]', span: 't:3' },
      ],
      2,
    );
    expect(message).toBe(
      '3 spans rejected: project p1 does not exist, or this key cannot see it (2 spans, e.g. t:1); ' +
        'tollgate.confidence must be a number in [0, 1] (1 span, e.g. t:3); ' +
        '2 GenAI spans recorded no output and became no item: have the instrumentation record message content on spans ' +
        '(OpenTelemetry GenAI instrumentations: OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental and ' +
        'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only)',
    );
    expect(
      rejectionMessage(
        Array.from({ length: 500 }, (_, i) => ({ problem: `problem ${i}`, span: undefined })),
        0,
      ).length,
    ).toBe(2000);
  });
});
