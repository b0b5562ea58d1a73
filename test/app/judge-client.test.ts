import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgeClient, MemoryJudgeSpend, type JudgeClientOptions } from '../../src/app/judge-client.js';
import { judgeResponseFormat, renderJudgeMessages } from '../../src/core/evals/judge-prompt.js';
import type { ChatMessageOut, JudgeSpec } from '../../src/core/evals/judge-types.js';
import type { Criterion } from '../../src/core/types.js';
import { FAKE_COMPLETION_TOKENS, startFakeJudge, type FakeJudge } from '../support/fake-judge.js';

const KEY = 'proj-1/helpfulness-judge';
const NOW = Date.UTC(2026, 2, 14, 23, 30);
const TODAY = '2026-03-14';

const helpfulness: Criterion = { key: 'helpfulness', label: 'Helpfulness', scale: { type: 'likert', min: 1, max: 5 } };
const grounded: Criterion = { key: 'grounded', label: 'Grounded', scale: { type: 'boolean' } };

let judge: FakeJudge;

beforeAll(async () => {
  judge = await startFakeJudge({ requireKey: 'sk-judge-test' });
});
afterAll(async () => {
  await judge.close();
});

function specFor(overrides: Partial<JudgeSpec> = {}): JudgeSpec {
  return {
    endpoint: judge.url,
    model: 'judge-small',
    api_key_env: 'JUDGE_API_KEY',
    criterion: 'helpfulness',
    prompt: null,
    pass_at: 4,
    timeout_ms: 2_000,
    retries: 2,
    concurrency: 4,
    max_tokens: 300,
    temperature: 0,
    price: null,
    daily_budget: null,
    cache: false,
    ...overrides,
  };
}

function client(overrides: Partial<JudgeClientOptions> = {}): JudgeClient {
  return new JudgeClient({
    clock: () => NOW,
    readEnv: (name) => (name === 'JUDGE_API_KEY' ? 'sk-judge-test' : undefined),
    allowlist: 'default',
    spend: new MemoryJudgeSpend(),
    ...overrides,
  });
}

/** Messages whose output carries a marker for the fake judge; unique per test so nothing is shared by accident. */
let serial = 0;
function messagesWith(output: string, criterion: Criterion = helpfulness, spec: JudgeSpec = specFor()): ChatMessageOut[] {
  serial++;
  return renderJudgeMessages(spec, { criterion, guidelines: null, input: `question ${serial}`, output, reference: null });
}

/** Requests the fake judge received for these messages. */
function received(messages: ChatMessageOut[]) {
  const text = messages[1]?.content;
  return judge.requests.filter((r) => (r.body?.['messages'] as ChatMessageOut[] | undefined)?.[1]?.content === text);
}

describe('JudgeClient', () => {
  it('scores an output, sending the key, the settings and the response format, and counts the cost', async () => {
    const spend = new MemoryJudgeSpend();
    const spec = specFor({ price: { input_per_million: 1, output_per_million: 2 } });
    const messages = messagesWith('Your parcel ships tomorrow.');
    const result = await client({ spend }).judge(KEY, spec, helpfulness, messages);

    const [request, ...more] = received(messages);
    expect(more).toEqual([]);
    expect(request?.authorization).toBe('Bearer sk-judge-test');
    expect(request?.body).toEqual({
      model: 'judge-small',
      messages,
      temperature: 0,
      max_tokens: 300,
      response_format: judgeResponseFormat(helpfulness),
    });
    const promptTokens = Math.round((messages[0]!.content.length + messages[1]!.content.length) / 4);
    const cost = (promptTokens * 1 + FAKE_COMPLETION_TOKENS * 2) / 1e6;
    expect(result).toMatchObject({ status: 'ok', score: 5, label: null, reason: null, cached: false, attempts: 1 });
    expect(result.explanation).toBe('The output meets the criterion.');
    expect(result.cost).toBeCloseTo(cost, 12);
    expect(await spend.spent(KEY, TODAY)).toBeCloseTo(cost, 12);
    expect(await spend.spent('proj-2/other', TODAY)).toBe(0);
  });

  it('reads a low score and a boolean criterion', async () => {
    const c = client();
    expect(await c.judge(KEY, specFor(), helpfulness, messagesWith('This is WRONG.'))).toMatchObject({ status: 'ok', score: 1 });
    expect(await c.judge(KEY, specFor(), grounded, messagesWith('Grounded.', grounded))).toMatchObject({
      status: 'ok',
      score: 1,
      label: 'true',
    });
    expect(await c.judge(KEY, specFor(), grounded, messagesWith('WRONG', grounded))).toMatchObject({
      status: 'ok',
      score: 0,
      label: 'false',
    });
    // No price: the answer's cost is unknown, not zero.
    expect((await c.judge(KEY, specFor(), helpfulness, messagesWith('fine'))).cost).toBeNull();
  });

  it('answers an identical request from the cache, without a second request', async () => {
    const c = client();
    const spec = specFor({ cache: true, price: { input_per_million: 1, output_per_million: 1 } });
    const messages = messagesWith('Cache me.');
    const first = await c.judge(KEY, spec, helpfulness, messages);
    const second = await c.judge(KEY, spec, helpfulness, messages);
    expect(first).toMatchObject({ status: 'ok', cached: false, attempts: 1 });
    expect(second).toMatchObject({ status: 'ok', score: first.score, explanation: first.explanation, cached: true, cost: 0, attempts: 0 });
    expect(second.latency_ms).toBeLessThan(20);
    expect(received(messages)).toHaveLength(1);

    // Another evaluator, another model, or a judge without caching asks again.
    await c.judge('proj-2/helpfulness-judge', spec, helpfulness, messages);
    await c.judge(KEY, { ...spec, model: 'judge-large' }, helpfulness, messages);
    await c.judge(KEY, { ...spec, cache: false }, helpfulness, messages);
    expect(received(messages)).toHaveLength(4);
  });

  it('does not cache a malformed answer, which is unknown at once and still costs', async () => {
    const spend = new MemoryJudgeSpend();
    const c = client({ spend });
    const spec = specFor({ cache: true, price: { input_per_million: 1, output_per_million: 1 } });
    const messages = messagesWith('[[malformed]]');
    const result = await c.judge(KEY, spec, helpfulness, messages);
    expect(result).toMatchObject({ status: 'unknown', score: null, reason: 'answer is not JSON', attempts: 1, cached: false });
    expect(result.cost).toBeGreaterThan(0);
    expect(await spend.spent(KEY, TODAY)).toBe(result.cost);
    await c.judge(KEY, spec, helpfulness, messages);
    expect(received(messages)).toHaveLength(2);
  });

  it('reports a score off the scale as unknown', async () => {
    const result = await client().judge(KEY, specFor(), helpfulness, messagesWith('[[score:7]]'));
    expect(result).toMatchObject({ status: 'unknown', reason: 'score 7 is outside 1..5', attempts: 1 });
  });

  it('retries a server error `retries` times, then gives up', async () => {
    const messages = messagesWith('[[fail:500]]');
    const result = await client().judge(KEY, specFor({ retries: 2 }), helpfulness, messages);
    expect(result).toMatchObject({ status: 'unknown', reason: 'judge endpoint answered HTTP 500', attempts: 3, cost: 0 });
    expect(received(messages)).toHaveLength(3);
    // Backoff of 100 and 200 ms between the attempts.
    expect(result.latency_ms).toBeGreaterThanOrEqual(290);
  });

  it('succeeds on the second attempt after a transient 503', async () => {
    const messages = messagesWith('[[flaky:503]]');
    const result = await client().judge(KEY, specFor(), helpfulness, messages);
    expect(result).toMatchObject({ status: 'ok', score: 5, attempts: 2 });
    expect(received(messages)).toHaveLength(2);
  });

  it('retries 429 but not other client errors', async () => {
    const limited = messagesWith('[[flaky:429]]');
    expect(await client().judge(KEY, specFor(), helpfulness, limited)).toMatchObject({ status: 'ok', attempts: 2 });
    const refused = messagesWith('[[fail:400]]');
    expect(await client().judge(KEY, specFor(), helpfulness, refused)).toMatchObject({
      status: 'unknown',
      reason: 'judge endpoint answered HTTP 400',
      attempts: 1,
    });
    expect(received(refused)).toHaveLength(1);
  });

  it('treats a wrong key at the endpoint as an unknown, not retried', async () => {
    const c = client({ readEnv: () => 'sk-wrong' });
    const messages = messagesWith('fine');
    expect(await c.judge(KEY, specFor(), helpfulness, messages)).toMatchObject({
      status: 'unknown',
      reason: 'judge endpoint answered HTTP 401',
    });
    expect(received(messages)).toHaveLength(1);
  });

  it('gives up on an attempt after timeout_ms, retrying it', async () => {
    const messages = messagesWith('[[slow:600]]');
    const started = performance.now();
    const result = await client().judge(KEY, specFor({ timeout_ms: 100, retries: 1 }), helpfulness, messages);
    expect(result).toMatchObject({ status: 'unknown', reason: 'judge endpoint did not answer within 100 ms', attempts: 2 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(received(messages)).toHaveLength(2);
  });

  it('answers unknown promptly when the latency budget runs out mid-request', async () => {
    const started = performance.now();
    const result = await client().judge(KEY, specFor(), helpfulness, messagesWith('[[slow:1500]]'), { budgetMs: 150 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ status: 'unknown', reason: 'latency budget exceeded (150ms)', attempts: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it('does not start a retry it could not finish within the budget', async () => {
    // Attempt 1 fails at once; the 100 ms backoff would end past a 50 ms budget.
    const result = await client().judge(KEY, specFor(), helpfulness, messagesWith('[[fail:503]]'), { budgetMs: 50 });
    expect(result).toMatchObject({ status: 'unknown', reason: 'judge endpoint answered HTTP 503', attempts: 1 });
  });

  it('keeps at most `concurrency` requests in flight per evaluator', async () => {
    const counting = await startFakeJudge();
    try {
      const c = client();
      const spec = specFor({ endpoint: counting.url, api_key_env: null, concurrency: 2 });
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => c.judge(KEY, spec, helpfulness, messagesWith(`[[slow:150]] #${i}`))),
      );
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(counting.requests).toHaveLength(5);
      expect(counting.peakInFlight()).toBe(2);
      // Three rounds of 150 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(440);
    } finally {
      await counting.close();
    }
  });

  it('counts waiting for a free slot against the latency budget', async () => {
    const c = client();
    const spec = specFor({ concurrency: 1 });
    const busy = c.judge(KEY, spec, helpfulness, messagesWith('[[slow:500]]'));
    const started = performance.now();
    const waiting = messagesWith('fine');
    const result = await c.judge(KEY, spec, helpfulness, waiting, { budgetMs: 100 });
    expect(result).toMatchObject({ status: 'unknown', reason: 'latency budget exceeded (100ms)', attempts: 0 });
    expect(performance.now() - started).toBeLessThan(400);
    expect(received(waiting)).toHaveLength(0);
    expect(await busy).toMatchObject({ status: 'ok' });
    // The slot is free again, and the timed-out waiter did not take it.
    expect(await c.judge(KEY, spec, helpfulness, messagesWith('fine'), { budgetMs: 1000 })).toMatchObject({ status: 'ok' });
  });

  it('stops calling once the day’s budget is spent, and starts again the next UTC day', async () => {
    const spend = new MemoryJudgeSpend();
    let now = NOW;
    const c = client({ spend, clock: () => now });
    const spec = specFor({ price: { input_per_million: 1, output_per_million: 1 }, daily_budget: 0.01 });
    await spend.record(KEY, TODAY, 0.01);
    const messages = messagesWith('fine');
    expect(await c.judge(KEY, spec, helpfulness, messages)).toMatchObject({
      status: 'unknown',
      reason: 'daily cost budget reached',
      attempts: 0,
    });
    expect(received(messages)).toHaveLength(0);
    // Another evaluator has its own budget.
    expect(await c.judge('proj-1/other-judge', spec, helpfulness, messages)).toMatchObject({ status: 'ok' });
    now += 60 * 60 * 1000;
    expect(await c.judge(KEY, spec, helpfulness, messages)).toMatchObject({ status: 'ok' });
    expect(await spend.spent(KEY, '2026-03-15')).toBeGreaterThan(0);
  });

  it('throws TG_JUDGE_CREDENTIAL_MISSING for a key the server does not have or allow, without calling', async () => {
    const before = judge.requests.length;
    const unset = client({ readEnv: () => undefined });
    await expect(unset.judge(KEY, specFor(), helpfulness, messagesWith('fine'))).rejects.toMatchObject({
      code: 'TG_JUDGE_CREDENTIAL_MISSING',
      message: expect.stringContaining('JUDGE_API_KEY is not set'),
    });
    const blank = client({ readEnv: () => '  ' });
    await expect(blank.judge(KEY, specFor(), helpfulness, messagesWith('fine'))).rejects.toMatchObject({
      code: 'TG_JUDGE_CREDENTIAL_MISSING',
    });
    const secret = client({ readEnv: () => 'postgres://…' });
    await expect(secret.judge(KEY, specFor({ api_key_env: 'DATABASE_URL' }), helpfulness, messagesWith('fine'))).rejects.toMatchObject({
      code: 'TG_JUDGE_CREDENTIAL_MISSING',
      message: expect.stringContaining('DATABASE_URL'),
    });
    const listed = client({ allowlist: ['OTHER_API_KEY'] });
    await expect(listed.judge(KEY, specFor(), helpfulness, messagesWith('fine'))).rejects.toMatchObject({
      code: 'TG_JUDGE_CREDENTIAL_MISSING',
    });
    expect(judge.requests.length).toBe(before);
  });

  it('reports an unreachable endpoint as unknown after retrying', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await client().judge(
      KEY,
      specFor({ endpoint: `http://127.0.0.1:${port}/v1`, api_key_env: null, retries: 1 }),
      helpfulness,
      messagesWith('fine'),
    );
    expect(result).toMatchObject({ status: 'unknown', attempts: 2 });
    expect(result.reason).toMatch(/^judge endpoint could not be reached: .*ECONNREFUSED/);
  });
});

describe('MemoryJudgeSpend', () => {
  it('adds up per key and day, forgetting past days', async () => {
    const spend = new MemoryJudgeSpend();
    await spend.record('a', '2026-03-14', 0.5);
    await spend.record('a', '2026-03-14', 0.25);
    await spend.record('b', '2026-03-14', 1);
    expect(await spend.spent('a', '2026-03-14')).toBe(0.75);
    expect(await spend.spent('a', '2026-03-15')).toBe(0);
    await spend.record('a', '2026-03-15', 0.1);
    await spend.record('a', '2026-03-14', 5);
    expect(await spend.spent('a', '2026-03-15')).toBe(0.1);
    expect(await spend.spent('b', '2026-03-15')).toBe(0);
  });
});
