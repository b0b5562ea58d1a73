import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { Criterion, CriterionScale, RubricDocument, Scores } from '../types.js';
import { summarizeProblems, type RubricProblem } from './rubric-validate.js';

// Steps like 0.1 are not exact in binary; this absorbs the rounding of (value - min) / step.
const STEP_TOLERANCE = 1e-9;
const MAX_LISTED_OPTIONS = 10;

/** A short rendering of what the client sent, for error messages. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'an object';
  return String(value);
}

function onStepGrid(value: number, min: number, step: number): boolean {
  const steps = (value - min) / step;
  return Math.abs(steps - Math.round(steps)) <= STEP_TOLERANCE * Math.max(1, Math.abs(steps));
}

/** Why `value` does not fit `scale`, or null when it does. */
function scaleProblem(scale: CriterionScale, value: unknown): string | null {
  switch (scale.type) {
    case 'likert':
      return typeof value === 'number' && Number.isInteger(value) && value >= scale.min && value <= scale.max
        ? null
        : `must be an integer from ${scale.min} to ${scale.max}, got ${shown(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be true or false, got ${shown(value)}`;
    case 'categorical': {
      if (typeof value === 'string' && scale.options.includes(value)) return null;
      const listed = scale.options.slice(0, MAX_LISTED_OPTIONS).map((o) => JSON.stringify(o));
      if (scale.options.length > MAX_LISTED_OPTIONS) listed.push('…');
      return `must be one of ${listed.join(', ')}, got ${shown(value)}`;
    }
    case 'numeric': {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < scale.min || value > scale.max) {
        return `must be a number from ${scale.min} to ${scale.max}, got ${shown(value)}`;
      }
      if (scale.step !== undefined && !onStepGrid(value, scale.min, scale.step)) {
        return `must be ${scale.min} plus a multiple of ${scale.step}, got ${shown(value)}`;
      }
      return null;
    }
  }
}

function isScoreValue(value: unknown): value is boolean | number | string {
  return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string';
}

/**
 * Checks a reviewer's scores against the rubric, reporting every problem at once. A `null`
 * score counts as not given, so clients may send a cleared optional field.
 */
export function validateScores(rubric: RubricDocument, scores: unknown): Scores {
  const problems: RubricProblem[] = [];
  const result: Scores = {};
  if (!isRecord(scores)) {
    problems.push({ path: 'scores', message: 'must be an object keyed by criterion' });
  } else {
    const byKey = new Map<string, Criterion>(rubric.criteria.map((c) => [c.key, c]));
    for (const key of Object.keys(scores)) {
      if (!byKey.has(key)) problems.push({ path: `scores.${key}`, message: 'unknown criterion' });
    }
    for (const criterion of rubric.criteria) {
      const path = `scores.${criterion.key}`;
      // Own properties only: a criterion named `constructor` must not read the prototype.
      const value = Object.hasOwn(scores, criterion.key) ? scores[criterion.key] : undefined;
      if (value === undefined || value === null) {
        if (criterion.required === true) problems.push({ path, message: 'is required' });
        continue;
      }
      const problem = scaleProblem(criterion.scale, value);
      if (problem !== null) problems.push({ path, message: problem });
      else if (isScoreValue(value)) result[criterion.key] = value;
    }
  }
  if (problems.length > 0) {
    throw new TollgateError('TG_INVALID_JUDGMENT', summarizeProblems(problems, 'invalid scores'), { errors: problems });
  }
  return result;
}
