import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../src/core/policy/policy-validate.js';
import { isTollgateError, type TollgateError } from '../../src/core/errors.js';
import { EXAMPLE_POLICY } from '../support/examples.js';

interface Problem {
  path: string;
  message: string;
}

function refusal(doc: unknown): TollgateError {
  try {
    validatePolicy(doc);
  } catch (err) {
    if (isTollgateError(err)) return err;
    throw err;
  }
  throw new Error('expected validatePolicy to throw');
}

function problems(doc: unknown): Problem[] {
  const err = refusal(doc);
  expect(err.code).toBe('TG_INVALID_POLICY');
  expect(err.status).toBe(422);
  const details = err.details as { errors: Problem[] };
  return details.errors;
}

const rule = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  name: 'r',
  when: { confidence: { lt: 0.5 } },
  action: 'review',
  ...overrides,
});
const oneRule = (overrides: Record<string, unknown>): Problem[] => problems({ rules: [rule(overrides)] });

describe('validatePolicy: the example policy', () => {
  it('validates and fills defaults', () => {
    expect(validatePolicy(EXAMPLE_POLICY)).toEqual({
      rules: [
        {
          name: 'low-confidence',
          when: { confidence: { lt: 0.5 } },
          action: 'review',
          priority: 60,
          overlap: 1,
          queue: 'default',
        },
        {
          name: 'large-refund',
          when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
          action: 'hold',
          priority: 90,
          overlap: 2,
          queue: 'hold',
          // A hold without declared terms waits an hour, then is rejected.
          timeout_seconds: 3600,
          on_timeout: 'reject',
        },
        { name: 'audit-sample', sample: 0.02, action: 'review', priority: 10, overlap: 1, queue: 'default' },
      ],
    });
  });

  it('returns a copy that does not alias the input conditions', () => {
    const doc = structuredClone(EXAMPLE_POLICY);
    const validated = validatePolicy(doc);
    (doc.rules[0]?.when as { confidence: { lt: number } }).confidence.lt = 0.9;
    expect(validated.rules[0]?.when).toEqual({ confidence: { lt: 0.5 } });
  });
});

describe('validatePolicy: document', () => {
  it('accepts an empty rule list, a seed and a default action', () => {
    expect(validatePolicy({ rules: [] })).toEqual({ rules: [] });
    expect(validatePolicy({ rules: [], seed: 's1', default_action: 'review' })).toEqual({
      rules: [],
      seed: 's1',
      default_action: 'review',
    });
  });

  it('refuses non-objects and a missing rules array', () => {
    expect(problems(null)).toEqual([{ path: '', message: 'policy must be an object with a "rules" array' }]);
    expect(problems([])).toHaveLength(1);
    expect(problems({})).toEqual([{ path: 'rules', message: 'must be an array' }]);
    expect(problems({ rules: {} })).toEqual([{ path: 'rules', message: 'must be an array' }]);
  });

  it('refuses bad seed, default action and unknown fields', () => {
    expect(problems({ rules: [], seed: 5, default_action: 'block', colour: 'red' })).toEqual([
      { path: 'colour', message: 'unknown field' },
      { path: 'seed', message: 'must be a string' },
      { path: 'default_action', message: 'must be one of "pass", "review", "hold"' },
    ]);
  });

  it('allows 200 rules and refuses 201', () => {
    const rules = (n: number): unknown[] => Array.from({ length: n }, (_, i) => rule({ name: `r${i}` }));
    expect(validatePolicy({ rules: rules(200) }).rules).toHaveLength(200);
    expect(problems({ rules: rules(201) })).toEqual([{ path: 'rules', message: 'must have at most 200 rules, got 201' }]);
  });
});

describe('validatePolicy: rules', () => {
  it('requires a rule to be an object', () => {
    expect(problems({ rules: ['x'] })).toEqual([{ path: 'rules[0]', message: 'rule must be an object' }]);
  });

  it('checks names: present, short, well-formed, unique', () => {
    expect(oneRule({ name: undefined })).toEqual([{ path: 'rules[0].name', message: 'must be a non-empty string' }]);
    expect(oneRule({ name: '' })).toEqual([{ path: 'rules[0].name', message: 'must be a non-empty string' }]);
    expect(oneRule({ name: 'a'.repeat(101) })).toEqual([{ path: 'rules[0].name', message: 'must be at most 100 characters' }]);
    expect(validatePolicy({ rules: [rule({ name: 'A'.repeat(100) })] }).rules[0]?.name).toHaveLength(100);
    expect(oneRule({ name: '-lead' })[0]?.path).toBe('rules[0].name');
    expect(oneRule({ name: 'has space' })[0]?.path).toBe('rules[0].name');
    expect(validatePolicy({ rules: [rule({ name: 'Team.A:v2_x-1' })] }).rules[0]?.name).toBe('Team.A:v2_x-1');
    expect(problems({ rules: [rule({ name: 'dup' }), rule({ name: 'ok' }), rule({ name: 'dup' })] })).toEqual([
      { path: 'rules[2].name', message: 'duplicate rule name "dup" (first used at rules[0])' },
    ]);
  });

  it('needs when or sample, and sample within [0, 1]', () => {
    expect(oneRule({ when: undefined })).toEqual([{ path: 'rules[0]', message: 'rule needs "when", "sample", or both' }]);
    expect(validatePolicy({ rules: [rule({ when: undefined, sample: 0 })] }).rules[0]?.sample).toBe(0);
    expect(validatePolicy({ rules: [rule({ sample: 1 })] }).rules[0]?.sample).toBe(1);
    expect(oneRule({ sample: 1.5 })).toEqual([{ path: 'rules[0].sample', message: 'must be a number from 0 to 1' }]);
    expect(oneRule({ sample: -0.1 })[0]?.path).toBe('rules[0].sample');
    expect(oneRule({ sample: '0.1' })[0]?.path).toBe('rules[0].sample');
  });

  it('checks action', () => {
    expect(oneRule({ action: 'block' })).toEqual([{ path: 'rules[0].action', message: 'must be one of "pass", "review", "hold"' }]);
    expect(oneRule({ action: undefined })[0]?.path).toBe('rules[0].action');
  });

  it('checks priority: integer 0-100, default 50', () => {
    expect(validatePolicy({ rules: [rule({})] }).rules[0]?.priority).toBe(50);
    expect(validatePolicy({ rules: [rule({ priority: 0 })] }).rules[0]?.priority).toBe(0);
    expect(validatePolicy({ rules: [rule({ priority: 100 })] }).rules[0]?.priority).toBe(100);
    for (const priority of [101, -1, 1.5, '5', null]) {
      expect(oneRule({ priority })).toEqual([{ path: 'rules[0].priority', message: 'must be an integer from 0 to 100' }]);
    }
  });

  it('checks overlap: integer 1-10, default 1, refused on pass rules', () => {
    expect(validatePolicy({ rules: [rule({ overlap: 10 })] }).rules[0]?.overlap).toBe(10);
    for (const overlap of [0, 11, 2.5, '2']) {
      expect(oneRule({ overlap })).toEqual([{ path: 'rules[0].overlap', message: 'must be an integer from 1 to 10' }]);
    }
    expect(oneRule({ action: 'pass', overlap: 1 })).toEqual([{ path: 'rules[0].overlap', message: 'not allowed when action is "pass"' }]);
  });

  it('checks queue: pattern, defaults per action, refused on pass rules', () => {
    expect(validatePolicy({ rules: [rule({ queue: 'tier-2_eu' })] }).rules[0]?.queue).toBe('tier-2_eu');
    expect(validatePolicy({ rules: [rule({ action: 'hold' })] }).rules[0]?.queue).toBe('hold');
    expect(validatePolicy({ rules: [rule({ queue: 'q'.repeat(64) })] }).rules[0]?.queue).toHaveLength(64);
    for (const queue of ['Tier', '-x', '', 'q'.repeat(65), 5, 'a b']) {
      expect(oneRule({ queue })[0]?.path).toBe('rules[0].queue');
    }
    expect(oneRule({ action: 'pass', queue: 'x' })).toEqual([{ path: 'rules[0].queue', message: 'not allowed when action is "pass"' }]);
  });

  it('leaves overlap and queue off pass rules', () => {
    expect(validatePolicy({ rules: [rule({ action: 'pass', priority: 70 })] }).rules[0]).toEqual({
      name: 'r',
      when: { confidence: { lt: 0.5 } },
      action: 'pass',
      priority: 70,
    });
  });

  it('keeps a description and refuses a non-string one', () => {
    expect(validatePolicy({ rules: [rule({ description: 'why' })] }).rules[0]?.description).toBe('why');
    expect(oneRule({ description: 3 })).toEqual([{ path: 'rules[0].description', message: 'must be a string' }]);
  });

  it('refuses unknown rule fields', () => {
    expect(oneRule({ severity: 'high' })).toEqual([{ path: 'rules[0].severity', message: 'unknown field' }]);
  });
});

describe('validatePolicy: conditions', () => {
  it('reports condition problems under the rule path', () => {
    const err = refusal({
      rules: [rule({}), rule({ name: 'r2', when: { 'metadata.amount': { greater: 500 } } })],
    });
    expect(err.message).toBe('rules[1].when.metadata.amount: unknown operator "greater"');
    expect(err.details).toEqual({
      errors: [{ path: 'rules[1].when.metadata.amount', message: 'unknown operator "greater"' }],
    });
  });

  it('refuses each kind of bad condition', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ all: {} }, 'rules[0].when.all', /must be an array/],
      [{ any: [] }, 'rules[0].when.any', /must not be empty/],
      [{ not: 'x' }, 'rules[0].when.not', /must be a condition object/],
      [{ confidence: 3 }, 'rules[0].when.confidence', /operator object/],
      [{ '': { eq: 1 } }, 'rules[0].when', /path must not be empty/],
      [{}, 'rules[0].when', /must not be empty/],
      [{ 'input.text': { matches: '[' } }, 'rules[0].when.input.text.matches', /invalid regular expression/],
      [{ 'input.text': { matches: 'x'.repeat(1001) } }, 'rules[0].when.input.text.matches', /longer than 1000/],
      [{ 'input.text': { matches: { pattern: 'x', flags: 'gi' } } }, 'rules[0].when.input.text.matches', /flags/],
      [{ model: { in: 'x' } }, 'rules[0].when.model.in', /must be an array/],
      [{ confidence: { lt: true } }, 'rules[0].when.confidence.lt', /number or a string/],
      [{ model: { exists: 1 } }, 'rules[0].when.model.exists', /true or false/],
      ['always', 'rules[0].when', /must be an object/],
    ];
    for (const [when, path, message] of cases) {
      const [first, ...rest] = oneRule({ when });
      expect(rest).toEqual([]);
      expect(first?.path).toBe(path);
      expect(first?.message).toMatch(message);
    }
  });

  it('refuses nesting deeper than 20', () => {
    let when: unknown = { confidence: { lt: 1 } };
    for (let i = 1; i < 21; i++) when = { not: when };
    const [first] = oneRule({ when });
    expect(first?.message).toBe('conditions nest deeper than 20 levels');
    expect(first?.path).toBe(`rules[0].when${'.not'.repeat(20)}`);
  });

  it('collects problems across rules and summarizes the first', () => {
    const err = refusal({
      seed: 1,
      rules: [
        rule({ name: 'a', action: 'stop' }),
        rule({ name: 'b', when: { confidence: { lt: 'x', below: 1 } }, priority: 500 }),
        { name: 'c', action: 'pass', overlap: 2 },
      ],
    });
    expect(err.message).toBe('seed: must be a string (and 5 more problems)');
    expect((err.details as { errors: Problem[] }).errors.map((p) => p.path)).toEqual([
      'seed',
      'rules[0].action',
      'rules[1].when.confidence',
      'rules[1].priority',
      'rules[2]',
      'rules[2].overlap',
    ]);
  });
});
