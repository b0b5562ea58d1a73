import { describe, expect, it } from 'vitest';
import { compileCheck, readCheckSpec, tokenF1, type CheckItem, type CheckResult } from '../../../src/core/evals/index.js';

function check(raw: unknown): (item: CheckItem, reference?: unknown) => CheckResult {
  const read = readCheckSpec(raw);
  if (!('spec' in read)) throw new Error(`invalid spec: ${JSON.stringify(read.problems)}`);
  const compiled = compileCheck(read.spec);
  return (item, reference) => compiled.run(item, reference);
}

const transcript = [
  { role: 'system', content: 'You are the support assistant of Acme Bank.' },
  { role: 'user', content: [{ type: 'text', text: 'My card 4111 1111 1111 1111 was charged twice, reach me at jo.doe@example.com' }] },
];

describe('pii', () => {
  const pii = check({ type: 'pii', target: 'input', detectors: ['email', 'phone', 'payment_card', 'iban'], phone_default_country: 'US' });
  const piiOut = check({ type: 'pii', target: 'output' });

  it('counts findings per detector in a chat transcript, never the values', () => {
    const result = pii({ input: transcript, output: 'We have refunded the second charge.' });
    expect(result).toMatchObject({ status: 'fail', score: 0, label: 'found', found: true });
    expect(result.details).toEqual({ counts: { email: 1, phone: 0, payment_card: 1, iban: 0 }, total: 1 + 1 });
    expect(result.reason).toBe('1 email address and 1 payment card number found in the input');
    expect(JSON.stringify(result)).not.toContain('4111');
    expect(JSON.stringify(result)).not.toContain('jo.doe');
  });

  it('does not report card-like numbers that fail the Luhn check', () => {
    const result = piiOut({ input: 'order status?', output: 'Your order 4111 1111 1111 1112 ships tomorrow.' });
    expect(result).toMatchObject({
      status: 'pass',
      score: 1,
      label: 'clean',
      found: false,
      reason: 'no personal data found in the output',
    });
    expect(piiOut({ input: '', output: 'Card on file: 4111 1111 1111 1111.' }).details['counts']).toMatchObject({ payment_card: 1 });
  });

  it('finds an IBAN and phone numbers', () => {
    const output = {
      role: 'assistant',
      content: 'Transfer to GB82 WEST 1234 5698 7654 32, or call +44 20 7946 0958 or (415) 555-2671.',
    };
    // Without a default country only the international number is a phone number.
    expect(piiOut({ input: '', output }).details['counts']).toEqual({ email: 0, phone: 1, payment_card: 0, iban: 1 });
    const us = check({ type: 'pii', target: 'output', detectors: ['phone', 'iban'], phone_default_country: 'US' });
    const result = us({ input: '', output });
    expect(result.details['counts']).toEqual({ phone: 2, iban: 1 });
    expect(result.reason).toBe('2 phone numbers and 1 IBAN found in the output');
  });

  it('scans a tool call output as policies see it: its JSON text', () => {
    const output = { name: 'send_receipt', arguments: { email: 'jo.doe@example.com' } };
    expect(piiOut({ input: '', output })).toMatchObject({ status: 'fail', reason: '1 email address found in the output' });
  });

  it('is unknown without the targeted text', () => {
    expect(pii({ input: 42, output: 'x' })).toMatchObject({ status: 'unknown', score: null, label: 'no_text' });
  });
});

describe('regex', () => {
  it('fails on matches and counts them', () => {
    const regex = check({ type: 'regex', pattern: 'ticket #\\d+', flags: 'i', target: 'output' });
    const result = regex({ input: '', output: 'See Ticket #123 and ticket #456.' });
    expect(result).toMatchObject({ status: 'fail', label: 'matched', found: true, reason: 'the pattern matched 2 times in the output' });
    expect(result.details).toEqual({ match_count: 2, first_match: { start: 4, end: 15 } });
    expect(regex({ input: '', output: 'No tickets here.' })).toMatchObject({ status: 'pass', label: 'no_match', found: false });
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const regex = check({ type: 'regex', pattern: '(a+)+$', target: 'input' });
    // In V8 `/(a+)+$/.test('a'.repeat(50_000) + '!')` would not finish; RE2 answers at once.
    const result = regex({ input: `${'a'.repeat(50_000)}!`, output: '' });
    expect(result).toMatchObject({ status: 'pass', found: false });
    expect(regex({ input: 'a'.repeat(50_000), output: '' })).toMatchObject({ status: 'fail', details: { match_count: 1 } });
  });
});

describe('blocklist', () => {
  const whole = check({ type: 'blocklist', terms: ['guaranteed', 'ass', 'C++'], target: 'output' });
  const substring = check({ type: 'blocklist', terms: ['guaranteed', 'ass'], target: 'output', whole_word: false });

  it('matches whole words by default, any case', () => {
    const output = 'Your class starts Monday. Returns are GUARANTEED!';
    expect(whole({ input: '', output })).toMatchObject({
      status: 'fail',
      label: 'blocked',
      details: { found_terms: ['guaranteed'] },
      reason: '1 blocked term found in the output: "guaranteed"',
    });
    expect(substring({ input: '', output }).details).toEqual({ found_terms: ['guaranteed', 'ass'] });
    expect(whole({ input: '', output: 'We use c++, mostly.' }).details).toEqual({ found_terms: ['C++'] });
    expect(whole({ input: '', output: 'A classy, unguaranteed answer.' })).toMatchObject({ status: 'pass', label: 'clean', found: false });
  });

  it('respects case_sensitive', () => {
    const exact = check({ type: 'blocklist', terms: ['ACME'], target: 'input', case_sensitive: true });
    expect(exact({ input: [{ role: 'user', content: 'is acme open?' }], output: '' }).status).toBe('pass');
    expect(exact({ input: [{ role: 'user', content: 'is ACME open?' }], output: '' }).status).toBe('fail');
  });
});

describe('json_schema', () => {
  const schema = {
    type: 'object',
    properties: { order_id: { type: 'string', pattern: '^ORD-[0-9]{6}$' }, amount: { type: 'number', minimum: 0 } },
    required: ['order_id', 'amount'],
    additionalProperties: false,
  };
  const json = check({ type: 'json_schema', schema });
  const toolCall = (args: string): CheckItem => ({
    input: transcript,
    output: {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: args } }],
    },
  });

  it('validates tool call arguments', () => {
    expect(json(toolCall('{"order_id":"ORD-123456","amount":19.99}'))).toMatchObject({
      status: 'pass',
      score: 1,
      label: 'valid',
      details: { valid: true, source: 'tool_calls', errors: [], error_count: 0 },
      reason: 'the tool call matches the schema',
    });
    const bad = json(toolCall('{"order_id":"123","amount":-5,"note":"rush"}'));
    expect(bad).toMatchObject({ status: 'fail', score: 0, label: 'invalid' });
    expect(bad.details['errors']).toEqual([
      { path: '/tool_calls/0/function/arguments', message: 'must NOT have additional properties: "note"' },
      { path: '/tool_calls/0/function/arguments/order_id', message: 'must match pattern "^ORD-[0-9]{6}$"' },
      { path: '/tool_calls/0/function/arguments/amount', message: 'must be >= 0' },
    ]);
    expect(bad.reason).toBe(
      'the tool call does not match the schema: /tool_calls/0/function/arguments must NOT have additional properties: "note" (and 2 more)',
    );
  });

  it('fails arguments or text that are not JSON, with the reason', () => {
    expect(json(toolCall('{"order_id": "ORD-1'))).toMatchObject({ status: 'fail', label: 'not_json' });
    expect(json(toolCall('{"order_id": "ORD-1')).reason).toMatch(/^the arguments of tool call 0 are not JSON: /);
    expect(json({ input: '', output: 'Sure! Here is the JSON you asked for.' }).reason).toMatch(/^the output text is not JSON: /);
  });

  it('validates a structured output directly, or the text parsed', () => {
    expect(json({ input: '', output: { order_id: 'ORD-000001', amount: 0 } }).details['source']).toBe('output');
    expect(json({ input: '', output: '{"order_id":"ORD-000001","amount":3}' })).toMatchObject({
      status: 'pass',
      details: { source: 'output_text' },
    });
    expect(json({ input: '', output: { role: 'assistant', content: '{"order_id":"ORD-000001"}' } }).details['errors']).toEqual([
      { path: '', message: "must have required property 'amount'" },
    ]);
  });

  it('keeps at most 10 errors and runs schema patterns in linear time', () => {
    const many = check({ type: 'json_schema', schema: { type: 'array', items: { type: 'string', pattern: '^(a+)+$' } } });
    const result = many({ input: '', output: Array.from({ length: 12 }, () => `${'a'.repeat(50_000)}!`) });
    expect((result.details['errors'] as unknown[]).length).toBe(10);
    expect(result.details['error_count']).toBe(12);
  });
});

describe('length', () => {
  it('counts characters as code points, words and lines', () => {
    const chars = check({ type: 'length', unit: 'chars', max: 5, target: 'output' });
    expect(chars({ input: '', output: 'ok 👍🏽' })).toMatchObject({ status: 'pass', details: { length: 5, unit: 'chars', max: 5 } });
    const words = check({ type: 'length', unit: 'words', min: 3, max: 50, target: 'output' });
    expect(words({ input: '', output: 'Refund issued.' })).toMatchObject({
      status: 'fail',
      label: 'too_short',
      reason: 'the output has 2 words, at least 3 allowed',
    });
    const lines = check({ type: 'length', unit: 'lines', max: 2, target: 'input' });
    expect(lines({ input: 'one\ntwo\n', output: '' }).status).toBe('pass');
    expect(lines({ input: 'one\r\ntwo\nthree', output: '' })).toMatchObject({ status: 'fail', label: 'too_long', details: { length: 3 } });
  });
});

describe('refusal', () => {
  const refusal = check({ type: 'refusal' });
  const out = (content: string): CheckItem => ({ input: transcript, output: { role: 'assistant', content } });

  it('detects refusal phrases at the start of the answer or of a sentence', () => {
    expect(refusal(out('I’m sorry, but I can’t help with that request.'))).toMatchObject({
      status: 'fail',
      label: 'refusal',
      found: true,
      details: { source: 'text', phrase: "i'm sorry, but i can't" },
    });
    expect(refusal(out('Thanks for asking. As an AI, I do not have access to your account.')).status).toBe('fail');
    expect(refusal(out('**I cannot assist** with disputes over chat.')).status).toBe('fail');
  });

  it('passes answers that merely contain "sorry" or "can\'t" mid-sentence', () => {
    expect(refusal(out('Sorry for the wait! Your refund of $19.99 was issued today.'))).toMatchObject({
      status: 'pass',
      label: 'answered',
      found: false,
    });
    expect(refusal(out("I'm sorry to hear that. You said I can't log in, so here is a reset link."))).toMatchObject({ status: 'pass' });
  });

  it('reads the refusal field of a chat message', () => {
    const result = refusal({ input: '', output: { role: 'assistant', content: null, refusal: 'I cannot comply with this request.' } });
    expect(result).toMatchObject({ status: 'fail', details: { source: 'refusal_field' } });
    expect(refusal({ input: '', output: { role: 'assistant', content: 'Done.', refusal: null } }).status).toBe('pass');
  });

  it('handles a long run of line breaks without quadratic work', () => {
    expect(refusal(out(`${'\n'.repeat(200_000)}I am unable to do that`)).status).toBe('fail');
  });
});

describe('reference', () => {
  it('computes the SQuAD token F1 worked example', () => {
    // prediction "The cat sat on the mat" → tokens [cat, sat, on, mat] (articles dropped): 4
    // reference "A cat was sitting on a mat" → [cat, was, sitting, on, mat]: 5
    // shared: cat, on, mat = 3; precision 3/4, recall 3/5; F1 = 2·0.75·0.6 / 1.35 = 2/3.
    expect(tokenF1('The cat sat on the mat', 'A cat was sitting on a mat')).toBeCloseTo(2 / 3, 10);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('the', 'Paris')).toBe(0);
    // Multiplicity counts: "paris paris" shares only one "paris" with "paris".
    expect(tokenF1('paris paris', 'paris')).toBeCloseTo(2 / 3, 10);
  });

  it('scores with the threshold and is unknown without a reference', () => {
    const f1 = check({ type: 'reference', mode: 'token_f1', threshold: 0.6 });
    const item = { input: 'Where did the cat sit?', output: 'The cat sat on the mat' };
    expect(f1(item, 'A cat was sitting on a mat')).toMatchObject({ status: 'pass', label: 'match', details: { threshold: 0.6 } });
    expect(check({ type: 'reference', mode: 'token_f1' })(item, 'A cat was sitting on a mat')).toMatchObject({
      status: 'fail',
      label: 'mismatch',
      reason: 'token F1 with the reference is 0.67, below the threshold 0.8',
    });
    expect(f1(item)).toMatchObject({ status: 'unknown', score: null, label: 'no_reference' });
  });

  it('compares exactly or after normalization', () => {
    const exact = check({ type: 'reference', mode: 'exact' });
    const normalized = check({ type: 'reference', mode: 'normalized' });
    const item = { input: '', output: { role: 'assistant', content: '  The capital is   PARIS.' } };
    expect(exact(item, 'the capital is Paris').status).toBe('fail');
    expect(normalized(item, 'the capital is paris')).toMatchObject({ status: 'pass', score: 1 });
    // Structured outputs compare as JSON: key order does not matter.
    expect(exact({ input: '', output: { a: 1, b: [2] } }, { b: [2], a: 1 }).status).toBe('pass');
    // NFKC: full-width letters equal their ASCII forms.
    expect(normalized({ input: '', output: 'ＡＢＣ' }, 'abc').status).toBe('pass');
  });
});
