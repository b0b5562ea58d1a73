import { describe, expect, it } from 'vitest';
import { readCheckSpec, type CheckProblem, type CheckSpec } from '../../../src/core/evals/index.js';

function problems(raw: unknown): CheckProblem[] {
  const read = readCheckSpec(raw);
  if (!('problems' in read)) throw new Error(`expected problems, got ${JSON.stringify(read.spec)}`);
  return read.problems;
}

function spec(raw: unknown): CheckSpec {
  const read = readCheckSpec(raw);
  if (!('spec' in read)) throw new Error(`expected a spec, got ${JSON.stringify(read.problems)}`);
  return read.spec;
}

describe('readCheckSpec', () => {
  it('fills defaults and returns a copy', () => {
    const terms = ['refund guaranteed'];
    const read = spec({ type: 'blocklist', terms, target: 'output' });
    terms.push('later');
    expect(read).toEqual({ type: 'blocklist', terms: ['refund guaranteed'], target: 'output', case_sensitive: false, whole_word: true });
    expect(spec({ type: 'pii', target: 'input' })).toEqual({
      type: 'pii',
      detectors: ['email', 'phone', 'payment_card', 'iban'],
      target: 'input',
    });
    expect(spec({ type: 'refusal' })).toEqual({ type: 'refusal', target: 'output' });
    expect(spec({ type: 'reference', mode: 'token_f1' })).toEqual({ type: 'reference', mode: 'token_f1', threshold: 0.8 });
    expect(spec({ type: 'json_schema', schema: { type: 'object' } })).toEqual({
      type: 'json_schema',
      schema: { type: 'object' },
      target: 'output',
    });
  });

  it('refuses what is not a check', () => {
    expect(problems(null)).toEqual([{ path: '', message: 'must be an object with a "type"' }]);
    expect(problems({ type: 'sentiment' })[0]?.path).toBe('type');
  });

  it('lists every problem of a blocklist at once', () => {
    const terms = ['ok', '', 'OK', 7, 'x'.repeat(201)];
    expect(problems({ type: 'blocklist', terms, target: 'everything', whole_wrod: false, case_sensitive: 'no' })).toEqual([
      { path: 'whole_wrod', message: 'unknown field' },
      { path: 'target', message: 'must be "input" or "output"' },
      { path: 'case_sensitive', message: 'must be true or false' },
      { path: 'terms[1]', message: 'must be a non-blank string' },
      { path: 'terms[2]', message: 'duplicate term "OK" (first at terms[0])' },
      { path: 'terms[3]', message: 'must be a non-blank string' },
      { path: 'terms[4]', message: 'must be at most 200 characters' },
    ]);
    expect(problems({ type: 'blocklist', terms: [], target: 'output' })).toEqual([
      { path: 'terms', message: 'must be an array of 1 to 500 terms' },
    ]);
    expect(problems({ type: 'blocklist', terms: Array.from({ length: 501 }, (_, i) => `t${i}`), target: 'output' })[0]?.path).toBe('terms');
  });

  it('checks regex patterns with the custom PII pattern rules', () => {
    expect(problems({ type: 'regex', pattern: '(?<=id:)\\d+', target: 'output' })[0]?.message).toMatch(/linear-time matcher/);
    expect(problems({ type: 'regex', pattern: 'a*', target: 'output' })).toEqual([
      { path: 'pattern', message: 'can match the empty string' },
    ]);
    expect(problems({ type: 'regex', pattern: 'x', flags: 'gx', target: 'input' })).toEqual([
      { path: 'flags', message: 'unknown flag "g": use only "i", "m", "s", "u"' },
    ]);
    expect(problems({ type: 'regex', pattern: '(', target: 'output' })[0]?.message).toMatch(/^does not compile/);
    expect(spec({ type: 'regex', pattern: 'ticket #\\d+', flags: 'i', target: 'input' })).toEqual({
      type: 'regex',
      pattern: 'ticket #\\d+',
      flags: 'i',
      target: 'input',
    });
  });

  it('checks schemas by compiling them, and refuses backtracking-only patterns inside them', () => {
    expect(problems({ type: 'json_schema', schema: [] })).toEqual([
      { path: 'schema', message: 'must be a JSON Schema object, nested at most 64 deep' },
    ]);
    expect(problems({ type: 'json_schema', schema: { type: 'objekt' } })[0]?.message).toMatch(/^is not a usable JSON Schema/);
    expect(problems({ type: 'json_schema', schema: { $ref: 'https://example.com/s.json' } })[0]?.path).toBe('schema');
    expect(problems({ type: 'json_schema', schema: { type: 'string', pattern: '^(?!admin)' } })[0]?.path).toBe('schema');
    expect(problems({ type: 'json_schema', schema: { type: 'object' }, target: 'input' })).toEqual([
      { path: 'target', message: 'must be "output" (the only target of this check)' },
    ]);
  });

  it('reads PII detectors with the PII library', () => {
    expect(
      problems({ type: 'pii', detectors: ['email', 'ssn', 'email'], phone_default_country: 'US', custom: [], target: 'output' }),
    ).toEqual([
      { path: 'custom', message: 'unknown field' },
      { path: 'detectors[1]', message: 'unknown detector "ssn": use one of "email", "phone", "payment_card", "iban"' },
      { path: 'detectors[2]', message: 'duplicate detector "email" (first at detectors[0])' },
      { path: 'phone_default_country', message: 'only allowed when "detectors" includes "phone"' },
    ]);
    expect(problems({ type: 'pii', detectors: [], target: 'output' })[0]?.path).toBe('detectors');
    expect(spec({ type: 'pii', detectors: ['phone'], phone_default_country: 'DE', target: 'output' })).toEqual({
      type: 'pii',
      detectors: ['phone'],
      phone_default_country: 'DE',
      target: 'output',
    });
  });

  it('checks length bounds and reference thresholds', () => {
    expect(problems({ type: 'length', unit: 'tokens', min: -1, max: 2.5 })).toEqual([
      { path: 'target', message: 'must be "input" or "output"' },
      { path: 'unit', message: 'must be one of "chars", "words", "lines"' },
      { path: 'min', message: 'must be a whole number of 0 or more' },
      { path: 'max', message: 'must be a whole number of 0 or more' },
    ]);
    expect(problems({ type: 'length', unit: 'words', target: 'output' })).toEqual([{ path: '', message: 'must set "min", "max" or both' }]);
    expect(problems({ type: 'length', unit: 'words', target: 'output', min: 10, max: 5 })).toEqual([
      { path: 'max', message: 'must be at least min (10)' },
    ]);
    expect(problems({ type: 'reference', mode: 'exact', threshold: 0.5 })).toEqual([
      { path: 'threshold', message: 'only applies to mode "token_f1": "exact" scores 0 or 1' },
    ]);
    expect(problems({ type: 'reference', mode: 'fuzzy', threshold: 1.5, target: 'output' })).toEqual([
      { path: 'target', message: 'unknown field' },
      { path: 'mode', message: 'must be one of "exact", "normalized", "token_f1"' },
      { path: 'threshold', message: 'must be a number from 0 to 1' },
    ]);
  });
});
