import { describe, expect, it } from 'vitest';
import { validateRubric } from '../../src/core/rubric/rubric-validate.js';
import { validateScores } from '../../src/core/rubric/scores-validate.js';
import { isTollgateError, type TollgateError } from '../../src/core/errors.js';
import { EXAMPLE_RUBRIC } from '../support/examples.js';

const EXAMPLE = validateRubric(EXAMPLE_RUBRIC);

const FULL = validateRubric({
  criteria: [
    { key: 'accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
    { key: 'safe', scale: { type: 'boolean' } },
    { key: 'severity', scale: { type: 'categorical', options: ['low', 'medium', 'high'] } },
    { key: 'score', scale: { type: 'numeric', min: 0, max: 1, step: 0.1 } },
    { key: 'offset', scale: { type: 'numeric', min: 0.5, max: 10, step: 1.5 } },
    { key: 'free', scale: { type: 'numeric', min: -1, max: 1 } },
    { key: 'constructor', scale: { type: 'boolean' } },
  ],
});

interface Problem {
  path: string;
  message: string;
}

function refusal(rubric: typeof FULL, scores: unknown): TollgateError {
  try {
    validateScores(rubric, scores);
  } catch (err) {
    if (isTollgateError(err)) return err;
    throw err;
  }
  throw new Error('expected validateScores to throw');
}

function problems(scores: unknown, rubric = FULL): Problem[] {
  const err = refusal(rubric, scores);
  expect(err.code).toBe('TG_INVALID_JUDGMENT');
  expect(err.status).toBe(422);
  return (err.details as { errors: Problem[] }).errors;
}

describe('validateScores: the example rubric', () => {
  it('accepts a full and a minimal set of scores', () => {
    expect(validateScores(EXAMPLE, { accuracy: 4, policy_compliant: true })).toEqual({
      accuracy: 4,
      policy_compliant: true,
    });
    expect(validateScores(EXAMPLE, { accuracy: 1 })).toEqual({ accuracy: 1 });
  });

  it('refuses an out-of-range accuracy with the documented message', () => {
    const err = refusal(EXAMPLE, { accuracy: 7 });
    expect(err.message).toBe('scores.accuracy: must be an integer from 1 to 5, got 7');
    expect(err.details).toEqual({
      errors: [{ path: 'scores.accuracy', message: 'must be an integer from 1 to 5, got 7' }],
    });
  });

  it('requires accuracy', () => {
    expect(problems({ policy_compliant: false }, EXAMPLE)).toEqual([{ path: 'scores.accuracy', message: 'is required' }]);
    expect(problems({ accuracy: null }, EXAMPLE)).toEqual([{ path: 'scores.accuracy', message: 'is required' }]);
  });
});

describe('validateScores: shape', () => {
  it('requires an object', () => {
    for (const scores of [null, [], 'x', 3]) {
      expect(problems(scores)).toEqual([{ path: 'scores', message: 'must be an object keyed by criterion' }]);
    }
  });

  it('refuses unknown criteria', () => {
    expect(problems({ accuracy: 3, tone: 2 })).toEqual([{ path: 'scores.tone', message: 'unknown criterion' }]);
  });

  it('treats null optional scores as not given', () => {
    expect(validateScores(FULL, { accuracy: 3, safe: null })).toEqual({ accuracy: 3 });
  });

  it('reads only own properties', () => {
    expect(validateScores(FULL, { accuracy: 3 })).toEqual({ accuracy: 3 });
    expect(validateScores(FULL, { accuracy: 3, constructor: true })).toEqual({ accuracy: 3, constructor: true });
  });

  it('returns the scores in rubric order', () => {
    expect(Object.keys(validateScores(FULL, { score: 0.5, safe: false, accuracy: 2 }))).toEqual(['accuracy', 'safe', 'score']);
  });
});

describe('validateScores: scales', () => {
  it('likert: integers within range', () => {
    expect(validateScores(FULL, { accuracy: 5 }).accuracy).toBe(5);
    const cases: [unknown, string][] = [
      [0, 'must be an integer from 1 to 5, got 0'],
      [6, 'must be an integer from 1 to 5, got 6'],
      [2.5, 'must be an integer from 1 to 5, got 2.5'],
      ['3', 'must be an integer from 1 to 5, got "3"'],
      [true, 'must be an integer from 1 to 5, got true'],
    ];
    for (const [accuracy, message] of cases) {
      expect(problems({ accuracy })).toEqual([{ path: 'scores.accuracy', message }]);
    }
  });

  it('boolean: true or false only', () => {
    expect(validateScores(FULL, { accuracy: 1, safe: false }).safe).toBe(false);
    expect(problems({ accuracy: 1, safe: 'yes' })).toEqual([{ path: 'scores.safe', message: 'must be true or false, got "yes"' }]);
    expect(problems({ accuracy: 1, safe: 0 })[0]?.message).toBe('must be true or false, got 0');
  });

  it('categorical: one of the options, case-sensitive', () => {
    expect(validateScores(FULL, { accuracy: 1, severity: 'high' }).severity).toBe('high');
    expect(problems({ accuracy: 1, severity: 'High' })).toEqual([
      { path: 'scores.severity', message: 'must be one of "low", "medium", "high", got "High"' },
    ]);
    expect(problems({ accuracy: 1, severity: ['low'] })[0]?.message).toBe('must be one of "low", "medium", "high", got an array');
  });

  it('categorical: long option lists are shortened in messages', () => {
    const rubric = validateRubric({
      criteria: [{ key: 'pick', scale: { type: 'categorical', options: Array.from({ length: 30 }, (_, i) => `o${i}`) } }],
    });
    const [problem] = problems({ pick: 'nope' }, rubric);
    expect(problem?.message).toBe('must be one of "o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", …, got "nope"');
  });

  it('numeric: finite, in range, and on the step grid despite float error', () => {
    expect(validateScores(FULL, { accuracy: 1, score: 0.3 }).score).toBe(0.3);
    expect(validateScores(FULL, { accuracy: 1, score: 0.7 }).score).toBe(0.7);
    expect(validateScores(FULL, { accuracy: 1, score: 1 }).score).toBe(1);
    expect(validateScores(FULL, { accuracy: 1, score: 0.1 + 0.2 }).score).toBeCloseTo(0.3);
    expect(validateScores(FULL, { accuracy: 1, offset: 9.5 }).offset).toBe(9.5);
    expect(validateScores(FULL, { accuracy: 1, free: -0.123 }).free).toBe(-0.123);
    expect(problems({ accuracy: 1, score: 0.35 })).toEqual([
      { path: 'scores.score', message: 'must be 0 plus a multiple of 0.1, got 0.35' },
    ]);
    expect(problems({ accuracy: 1, offset: 1.5 })).toEqual([
      { path: 'scores.offset', message: 'must be 0.5 plus a multiple of 1.5, got 1.5' },
    ]);
    expect(problems({ accuracy: 1, score: 1.1 })).toEqual([{ path: 'scores.score', message: 'must be a number from 0 to 1, got 1.1' }]);
    expect(problems({ accuracy: 1, free: -2 })[0]?.message).toBe('must be a number from -1 to 1, got -2');
    expect(problems({ accuracy: 1, free: '0.5' })[0]?.message).toBe('must be a number from -1 to 1, got "0.5"');
    expect(problems({ accuracy: 1, free: Number.NaN })[0]?.message).toBe('must be a number from -1 to 1, got NaN');
  });
});

describe('validateScores: reporting', () => {
  it('collects every problem and summarizes the first', () => {
    const err = refusal(FULL, { safe: 'no', severity: 'x', extra: 1 });
    expect(err.message).toBe('scores.extra: unknown criterion (and 3 more problems)');
    expect((err.details as { errors: Problem[] }).errors).toEqual([
      { path: 'scores.extra', message: 'unknown criterion' },
      { path: 'scores.accuracy', message: 'is required' },
      { path: 'scores.safe', message: 'must be true or false, got "no"' },
      { path: 'scores.severity', message: 'must be one of "low", "medium", "high", got "x"' },
    ]);
  });
});
