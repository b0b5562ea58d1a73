import { describe, expect, it } from 'vitest';
import { answerFor, type DecidedItem } from '../../src/core/proxy/answer.js';
import { capturedFacts, completionFromItem, requestParams, storable } from '../../src/core/proxy/capture.js';
import {
  ChatStreamAccumulator,
  completionChunks,
  completionMessage,
  correctedMessage,
  sseEvent,
  withMessage,
  type Completion,
} from '../../src/core/proxy/chat.js';
import { keyEnvAllowed, readProxySettings } from '../../src/core/proxy/settings.js';
import type { JsonObject } from '../../src/core/types.js';

const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({
  id: 'c-1',
  object: 'chat.completion.chunk',
  created: 7,
  model: 'm-1',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const completion = (message: JsonObject, finish = 'stop'): Completion => ({
  id: 'c-1',
  object: 'chat.completion',
  created: 7,
  model: 'm-1',
  choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
});

describe('ChatStreamAccumulator', () => {
  it('adds content deltas up, keeps the finish reason and the usage chunk', () => {
    const acc = new ChatStreamAccumulator();
    for (const c of [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')])
      acc.add(c);
    acc.add({ ...chunk({}), choices: [], usage: { total_tokens: 5 } });
    expect(acc.finished).toBe(true);
    expect(acc.completion('asked')).toEqual({
      id: 'c-1',
      object: 'chat.completion',
      created: 7,
      model: 'm-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop', logprobs: null }],
      usage: { total_tokens: 5 },
    });
  });

  it('assembles parallel tool calls by index, whatever order their pieces arrive in', () => {
    const acc = new ChatStreamAccumulator();
    acc.add(
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'two', arguments: '' } }],
      }),
    );
    acc.add(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'one', arguments: '{"x"' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }));
    acc.add(chunk({}, 'tool_calls'));
    expect(acc.message()).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'a', type: 'function', function: { name: 'one', arguments: '{"x":1}' } },
        { id: 'b', type: 'function', function: { name: 'two', arguments: '{}' } },
      ],
    });
  });

  it('counts what is not a chunk, keeps an error event, and knows a stream cut off before its end', () => {
    const acc = new ChatStreamAccumulator();
    acc.add(undefined);
    acc.add(chunk({ content: 'par' }));
    acc.add({ error: { message: 'overloaded' } });
    expect(acc.malformed).toBe(1);
    expect(acc.error).toEqual({ message: 'overloaded' });
    expect(acc.finished).toBe(false);
    expect(acc.message()).toEqual({ role: 'assistant', content: 'par' });
  });
});

describe('replaying a completion as a stream', () => {
  it('gives chunks that add up to the same message and finish, with usage only when asked', () => {
    const messages: JsonObject[] = [
      { role: 'assistant', content: 'Hello there' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'one', arguments: '{"x":1}' } },
          { id: 'b', type: 'function', function: { name: 'two', arguments: '{}' } },
        ],
      },
    ];
    for (const message of messages) {
      const finish = message['content'] === null ? 'tool_calls' : 'stop';
      const c = completion(message, finish);
      const acc = new ChatStreamAccumulator();
      const chunks = completionChunks(c, true);
      for (const ch of chunks) acc.add(JSON.parse(JSON.stringify(ch)));
      expect(acc.message()).toEqual(message);
      expect(acc.finishReason).toBe(finish);
      expect(acc.usage).toEqual(c['usage']);
      expect(completionChunks(c, false).some((ch) => 'usage' in ch)).toBe(false);
    }
  });

  it('writes multi-line data as several data lines', () => {
    expect(sseEvent('a\nb')).toBe('data: a\ndata: b\n\n');
    expect(sseEvent('{}', 'error')).toBe('event: error\ndata: {}\n\n');
  });
});

describe('corrections', () => {
  it('turn a string into the reply text, dropping the tool calls the person did not keep', () => {
    expect(correctedMessage('Sorry, a person will call you.')).toEqual({ role: 'assistant', content: 'Sorry, a person will call you.' });
  });

  it('take content and tool calls from an object, serializing object arguments', () => {
    expect(correctedMessage({ tool_calls: [{ function: { name: 'refund', arguments: { amount: 10 } } }] })).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_tollgate_0', type: 'function', function: { name: 'refund', arguments: '{"amount":10}' } }],
    });
    expect(correctedMessage({ role: 'assistant', content: 'ok', tool_calls: [] })).toEqual({ role: 'assistant', content: 'ok' });
    expect(correctedMessage({ verdict: 'x' })).toEqual({ role: 'assistant', content: '{"verdict":"x"}' });
  });

  it('set a finish reason that matches the new message', () => {
    const calls = completion({ role: 'assistant', content: null, tool_calls: [] }, 'tool_calls');
    expect(withMessage(calls, { role: 'assistant', content: 'text' }).choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'text' }, finish_reason: 'stop', logprobs: null },
    ]);
    const text = completion({ role: 'assistant', content: 'long' }, 'length');
    expect(completionMessage(withMessage(text, { role: 'assistant', content: 'short' }))).toEqual({ role: 'assistant', content: 'short' });
    const toCall = withMessage(text, correctedMessage({ tool_calls: [{ function: { name: 'f', arguments: '{}' } }] }));
    expect((toCall.choices as JsonObject[])[0]!['finish_reason']).toBe('tool_calls');
  });
});

describe('answerFor', () => {
  const item = (outcome: Partial<DecidedItem['outcome']>, action: 'pass' | 'review' | 'hold' = 'hold'): DecidedItem => ({
    id: 'i-1',
    decision: { action },
    outcome: { status: 'pending', output: null, reason: null, fallback: null, ...outcome },
  });

  it('maps each outcome to what the caller gets', () => {
    expect(answerFor(item({ status: 'approved' }))).toEqual({ kind: 'original' });
    expect(answerFor(item({ status: 'corrected', output: 'better' }))).toEqual({
      kind: 'corrected',
      message: { role: 'assistant', content: 'better' },
    });
    expect(answerFor(item({ status: 'rejected', reason: '1 of 1 rejected' }))).toMatchObject({
      kind: 'refused',
      status: 403,
      code: 'tollgate_rejected',
      message: expect.stringContaining('1 of 1 rejected'),
    });
    expect(answerFor(item({ status: 'timed_out', fallback: 'reject' }))).toMatchObject({ status: 403, code: 'tollgate_hold_timeout' });
    expect(answerFor(item({ status: 'timed_out', fallback: 'approve' }))).toEqual({ kind: 'original' });
    expect(answerFor(item({ status: 'withdrawn' }))).toMatchObject({ status: 403, code: 'tollgate_withdrawn' });
    expect(answerFor(item({ status: 'pending' }))).toMatchObject({ status: 504, code: 'tollgate_hold_timeout' });
    // Review does not change what the caller gets.
    expect(answerFor(item({ status: 'pending' }, 'review'))).toEqual({ kind: 'original' });
  });
});

describe('capture', () => {
  it('describes the call in metadata and keeps only storable text', () => {
    const facts = capturedFacts({
      request: {
        model: 'asked',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0,
        stop: ['\n'],
        tools: [{ type: 'function', function: { name: 'lookup' } }],
        tool_choice: { type: 'function', function: { name: 'lookup' } },
        response_format: { type: 'json_object' },
        stream: true,
      },
      completion: { ...completion({ role: 'assistant', content: 'a\u0000b\uD800' }), system_fingerprint: 'fp' },
      stream: true,
      latencyMs: 12.4,
      ttftMs: 3.6,
      callerMetadata: { intent: 'greeting' },
    });
    expect(facts).toEqual({
      input: [{ role: 'user', content: 'hi' }],
      output: { role: 'assistant', content: 'a\uFFFDb\uFFFD' },
      model: 'm-1',
      model_version: 'fp',
      metadata: {
        intent: 'greeting',
        source: 'proxy',
        requested_model: 'asked',
        stream: true,
        finish_reason: 'stop',
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
        latency_ms: 12,
        ttft_ms: 4,
        params: { temperature: 0, stop: ['\n'], tools: ['lookup'], tool_choice: 'lookup', response_format: 'json_object' },
        upstream: { id: 'c-1', created: 7, system_fingerprint: 'fp' },
      },
    });
  });

  it('keeps an upstream "__proto__" key as a key, and cuts what nests too deep', () => {
    const copy = storable(JSON.parse('{"__proto__": {"polluted": true}, "n": 1e999}')) as JsonObject;
    expect(Object.keys(copy)).toEqual(['__proto__', 'n']);
    expect(copy['n']).toBeNull();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    let deep: unknown = 'end';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(storable(deep)).includes('end')).toBe(false);
  });

  it('rebuilds the completion an item stands for', () => {
    const c = completionFromItem(
      {
        id: 'i-9',
        model: 'm-1',
        created_at: 5_000,
        metadata: { upstream: { id: 'c-1', created: 7, system_fingerprint: null }, usage: { total_tokens: 7 }, finish_reason: 'stop' },
      },
      { role: 'assistant', content: 'x' },
    );
    expect(c).toEqual({
      id: 'c-1',
      object: 'chat.completion',
      created: 7,
      model: 'm-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop', logprobs: null }],
      usage: { total_tokens: 7 },
    });
    expect(requestParams({ model: 'x', messages: [], n: 1, seed: null })).toEqual({ n: 1, seed: null });
  });
});

describe('proxy settings', () => {
  it('normalizes the URL and allows keyless upstreams', () => {
    expect(readProxySettings({ upstream_base_url: 'http://localhost:11434/v1/' }, 'default')).toEqual({
      settings: { upstream_base_url: 'http://localhost:11434/v1', api_key_env: null },
      problems: [],
    });
    expect(readProxySettings(null, 'default')).toEqual({ settings: null, problems: [] });
  });

  it('reports every problem with its path', () => {
    expect(
      readProxySettings({ upstream_base_url: 'notaurl', api_key_env: '1BAD', extra: 1 }, 'default').problems.map((p) => p.path),
    ).toEqual(['extra', 'upstream_base_url', 'api_key_env']);
    expect(readProxySettings({ upstream_base_url: 'https://x/v1?key=1' }, 'default').problems[0]?.message).toContain('no query');
    expect(readProxySettings({}, 'default').problems).toEqual([{ path: 'upstream_base_url', message: 'is required' }]);
  });

  it("allows only the server's credential variables: *_API_KEY by default, never Tollgate's own", () => {
    expect(keyEnvAllowed('OPENAI_API_KEY', 'default')).toBe(true);
    for (const name of ['DATABASE_URL', 'AWS_SECRET_ACCESS_KEY', 'TOLLGATE_ADMIN_API_KEY', 'PGPASSWORD'])
      expect(keyEnvAllowed(name, 'default')).toBe(false);
    expect(keyEnvAllowed('VLLM_TOKEN', ['VLLM_TOKEN'])).toBe(true);
    expect(keyEnvAllowed('OPENAI_API_KEY', ['VLLM_TOKEN'])).toBe(false);
  });
});
