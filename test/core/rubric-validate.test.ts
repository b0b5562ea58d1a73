import { describe, expect, it } from 'vitest';
import { validateRubric } from '../../src/core/rubric/rubric-validate.js';
import { isTollgateError, type TollgateError } from '../../src/core/errors.js';
import { EXAMPLE_RUBRIC } from '../support/examples.js';

interface Problem {
  path: string;
  message: string;
}

function refusal(doc: unknown): TollgateError {
  try {
    validateRubric(doc);
  } catch (err) {
    if (isTollgateError(err)) return err;
    throw err;
  }
  throw new Error('expected validateRubric to throw');
}

function problems(doc: unknown): Problem[] {
  const err = refusal(doc);
  expect(err.code).toBe('TG_INVALID_RUBRIC');
  expect(err.status).toBe(422);
  return (err.details as { errors: Problem[] }).errors;
}

const criterion = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  key: 'c',
  scale: { type: 'boolean' },
  ...overrides,
});
const one = (overrides: Record<string, unknown>): Problem[] => problems({ criteria: [criterion(overrides)] });
const scaleOf = (scale: unknown): unknown => validateRubric({ criteria: [criterion({ scale })] }).criteria[0]?.scale;

describe('validateRubric: the example rubric', () => {
  it('validates and fills required', () => {
    expect(validateRubric(EXAMPLE_RUBRIC)).toEqual({
      criteria: [
        { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
        { key: 'policy_compliant', label: 'Policy compliant', scale: { type: 'boolean' }, required: false },
      ],
    });
  });
});

describe('validateRubric: document', () => {
  it('accepts no criteria', () => {
    expect(validateRubric({ criteria: [] })).toEqual({ criteria: [] });
  });

  it('refuses non-objects, a missing criteria array and unknown fields', () => {
    expect(problems('x')).toEqual([{ path: '', message: 'rubric must be an object with a "criteria" array' }]);
    expect(problems({})).toEqual([{ path: 'criteria', message: 'must be an array' }]);
    expect(problems({ criteria: [], weights: {} })).toEqual([{ path: 'weights', message: 'unknown field' }]);
  });

  it('allows 100 criteria and refuses 101', () => {
    const many = (n: number): unknown[] => Array.from({ length: n }, (_, i) => criterion({ key: `c${i}` }));
    expect(validateRubric({ criteria: many(100) }).criteria).toHaveLength(100);
    expect(problems({ criteria: many(101) })).toEqual([{ path: 'criteria', message: 'must have at most 100 criteria, got 101' }]);
  });
});

describe('validateRubric: criteria', () => {
  it('requires an object', () => {
    expect(problems({ criteria: [null] })).toEqual([{ path: 'criteria[0]', message: 'criterion must be an object' }]);
  });

  it('checks keys: pattern and uniqueness', () => {
    for (const key of ['Accuracy', '1st', '_x', '', 'a-b', 'a'.repeat(65), 3, undefined]) {
      expect(one({ key })[0]?.path).toBe('criteria[0].key');
    }
    expect(validateRubric({ criteria: [criterion({ key: `a${'b'.repeat(63)}` })] }).criteria[0]?.key).toHaveLength(64);
    expect(problems({ criteria: [criterion({ key: 'a' }), criterion({ key: 'a' })] })).toEqual([
      { path: 'criteria[1].key', message: 'duplicate criterion key "a" (first used at criteria[0])' },
    ]);
  });

  it('defaults label to the key and refuses an empty one', () => {
    expect(validateRubric({ criteria: [criterion({ key: 'tone' })] }).criteria[0]?.label).toBe('tone');
    expect(one({ label: '' })).toEqual([{ path: 'criteria[0].label', message: 'must be a non-empty string' }]);
    expect(one({ label: 5 })).toEqual([{ path: 'criteria[0].label', message: 'must be a non-empty string' }]);
  });

  it('keeps a description, checks required, refuses unknown fields', () => {
    const [c] = validateRubric({ criteria: [criterion({ description: 'Is it right?', required: true })] }).criteria;
    expect(c).toEqual({ key: 'c', label: 'c', description: 'Is it right?', required: true, scale: { type: 'boolean' } });
    expect(one({ description: 1 })).toEqual([{ path: 'criteria[0].description', message: 'must be a string' }]);
    expect(one({ required: 'yes' })).toEqual([{ path: 'criteria[0].required', message: 'must be true or false' }]);
    expect(one({ required: null })).toEqual([{ path: 'criteria[0].required', message: 'must be true or false' }]);
    expect(one({ weight: 2 })).toEqual([{ path: 'criteria[0].weight', message: 'unknown field' }]);
  });
});

describe('validateRubric: scales', () => {
  it('requires a scale with a known type', () => {
    expect(one({ scale: undefined })).toEqual([{ path: 'criteria[0].scale', message: 'must be an object with a "type"' }]);
    expect(one({ scale: { type: 'stars' } })).toEqual([
      { path: 'criteria[0].scale.type', message: 'must be one of "likert", "boolean", "categorical", "numeric", "labels", "spans"' },
    ]);
    expect(one({ scale: { type: 'toString' } })[0]?.path).toBe('criteria[0].scale.type');
  });

  it('likert: integers, min < max, span at most 100, optional labels', () => {
    expect(scaleOf({ type: 'likert', min: 0, max: 100 })).toEqual({ type: 'likert', min: 0, max: 100 });
    expect(scaleOf({ type: 'likert', min: -2, max: 2, labels: { '-2': 'Awful', '2': 'Great' } })).toEqual({
      type: 'likert',
      min: -2,
      max: 2,
      labels: { '-2': 'Awful', '2': 'Great' },
    });
    expect(one({ scale: { type: 'likert', min: 1.5, max: 5 } })).toEqual([
      { path: 'criteria[0].scale.min', message: 'must be an integer' },
    ]);
    expect(one({ scale: { type: 'likert', min: 1 } })).toEqual([{ path: 'criteria[0].scale.max', message: 'must be an integer' }]);
    expect(one({ scale: { type: 'likert', min: 5, max: 5 } })).toEqual([
      { path: 'criteria[0].scale.max', message: 'must be greater than min (5)' },
    ]);
    expect(one({ scale: { type: 'likert', min: 0, max: 101 } })).toEqual([
      { path: 'criteria[0].scale.max', message: 'must be at most 100 above min' },
    ]);
    expect(one({ scale: { type: 'likert', min: 1, max: 5, labels: { '6': 'x', '1.5': 'y', '2': '' } } })).toEqual([
      // Integer-like keys iterate first in JavaScript objects.
      { path: 'criteria[0].scale.labels.2', message: 'must be a non-empty string' },
      { path: 'criteria[0].scale.labels.6', message: 'must be a scale point from 1 to 5' },
      { path: 'criteria[0].scale.labels.1.5', message: 'must be a scale point from 1 to 5' },
    ]);
    expect(one({ scale: { type: 'likert', min: 1, max: 5, labels: [] } })[0]?.path).toBe('criteria[0].scale.labels');
    expect(one({ scale: { type: 'likert', min: 1, max: 5, step: 1 } })).toEqual([
      { path: 'criteria[0].scale.step', message: 'unknown field' },
    ]);
  });

  it('boolean: no other fields', () => {
    expect(scaleOf({ type: 'boolean' })).toEqual({ type: 'boolean' });
    expect(one({ scale: { type: 'boolean', min: 0 } })).toEqual([{ path: 'criteria[0].scale.min', message: 'unknown field' }]);
  });

  it('categorical: 1 to 100 unique non-empty strings', () => {
    expect(scaleOf({ type: 'categorical', options: ['low', 'high'] })).toEqual({
      type: 'categorical',
      options: ['low', 'high'],
    });
    const options = (n: number): string[] => Array.from({ length: n }, (_, i) => `o${i}`);
    expect(scaleOf({ type: 'categorical', options: options(100) })).toMatchObject({ options: options(100) });
    for (const bad of [[], options(101), 'low', undefined]) {
      expect(one({ scale: { type: 'categorical', options: bad } })).toEqual([
        { path: 'criteria[0].scale.options', message: 'must be an array of 1 to 100 strings' },
      ]);
    }
    expect(one({ scale: { type: 'categorical', options: ['a', '', 'a', 3] } })).toEqual([
      { path: 'criteria[0].scale.options[1]', message: 'must be a non-empty string' },
      { path: 'criteria[0].scale.options[2]', message: 'duplicate option "a"' },
      { path: 'criteria[0].scale.options[3]', message: 'must be a non-empty string' },
    ]);
  });

  it('numeric: finite bounds, min < max, optional positive step', () => {
    expect(scaleOf({ type: 'numeric', min: 0, max: 1 })).toEqual({ type: 'numeric', min: 0, max: 1 });
    expect(scaleOf({ type: 'numeric', min: -1.5, max: 1.5, step: 0.25 })).toEqual({
      type: 'numeric',
      min: -1.5,
      max: 1.5,
      step: 0.25,
    });
    expect(one({ scale: { type: 'numeric', min: 'a', max: 1 } })).toEqual([
      { path: 'criteria[0].scale.min', message: 'must be a finite number' },
    ]);
    expect(one({ scale: { type: 'numeric', min: 0, max: Number.POSITIVE_INFINITY } })).toEqual([
      { path: 'criteria[0].scale.max', message: 'must be a finite number' },
    ]);
    expect(one({ scale: { type: 'numeric', min: 2, max: 1 } })).toEqual([
      { path: 'criteria[0].scale.max', message: 'must be greater than min (2)' },
    ]);
    for (const step of [0, -1, '1', null]) {
      expect(one({ scale: { type: 'numeric', min: 0, max: 1, step } })).toEqual([
        { path: 'criteria[0].scale.step', message: 'must be a number greater than 0' },
      ]);
    }
  });
});

describe('validateRubric: reporting', () => {
  it('collects every problem and summarizes the first', () => {
    const err = refusal({
      criteria: [
        { key: 'Bad', scale: { type: 'likert', min: 3, max: 1 } },
        { key: 'ok', label: '', scale: { type: 'categorical', options: [] } },
      ],
    });
    expect(err.message).toBe('criteria[0].key: must be 1-64 characters of a-z, 0-9 or "_", starting with a letter (and 3 more problems)');
    expect((err.details as { errors: Problem[] }).errors.map((p) => p.path)).toEqual([
      'criteria[0].key',
      'criteria[0].scale.max',
      'criteria[1].label',
      'criteria[1].scale.options',
    ]);
  });
});
