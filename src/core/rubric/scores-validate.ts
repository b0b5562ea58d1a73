import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { Criterion, CriterionScale, RubricDocument, ScoreValue, Scores } from '../types.js';
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

/** The texts span criteria point into; without them (no item at hand) spans are checked by shape only. */
export interface ScoreTexts {
  input: string;
  output: string;
}

export const MAX_SPANS = 1000;

function labelsProblem(scale: Extract<CriterionScale, { type: 'labels' }>, value: unknown): string | null {
  const allowed = new Set(scale.options.map((o) => o.value));
  const list = () =>
    scale.options
      .slice(0, MAX_LISTED_OPTIONS)
      .map((o) => JSON.stringify(o.value))
      .join(', ') + (scale.options.length > MAX_LISTED_OPTIONS ? ', …' : '');
  if (scale.multiple === true) {
    if (!Array.isArray(value)) return `must be an array of labels (${list()}), got ${shown(value)}`;
    const seen = new Set<string>();
    for (const v of value as unknown[]) {
      if (typeof v !== 'string' || !allowed.has(v)) return `unknown label ${shown(v)}: use ${list()}`;
      if (seen.has(v)) return `label ${shown(v)} is given twice`;
      seen.add(v);
    }
    return null;
  }
  return typeof value === 'string' && allowed.has(value) ? null : `must be one of ${list()}, got ${shown(value)}`;
}

function spansProblem(scale: Extract<CriterionScale, { type: 'spans' }>, value: unknown, texts: ScoreTexts | undefined): string | null {
  if (!Array.isArray(value)) return `must be an array of spans {start, end, label}, got ${shown(value)}`;
  if (value.length > MAX_SPANS) return `must have at most ${MAX_SPANS} spans`;
  const length = texts === undefined ? undefined : (scale.target === 'input' ? texts.input : texts.output).length;
  for (const [i, span] of (value as unknown[]).entries()) {
    if (!isRecord(span)) return `span ${i} must be an object {start, end, label}`;
    const { start, end, label } = span;
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) return `span ${i}: start must be an integer of at least 0`;
    if (typeof end !== 'number' || !Number.isInteger(end) || end <= start)
      return `span ${i}: end must be an integer greater than start (${start})`;
    if (length !== undefined && end > length)
      return `span ${i} ends at ${end}, past the end of the ${scale.target} text (${length} characters)`;
    if (typeof label !== 'string' || !scale.labels.includes(label))
      return `span ${i}: unknown label ${shown(label)}: use ${scale.labels.map((l) => JSON.stringify(l)).join(', ')}`;
    for (const key of Object.keys(span))
      if (key !== 'start' && key !== 'end' && key !== 'label') return `span ${i}: unknown field "${key}"`;
  }
  return null;
}

/** Why `value` does not fit `scale`, or null when it does. */
function scaleProblem(scale: CriterionScale, value: unknown, texts?: ScoreTexts): string | null {
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
    case 'labels':
      return labelsProblem(scale, value);
    case 'spans':
      return spansProblem(scale, value, texts);
  }
}

/** A copy, so later changes to the client's object cannot reach a stored judgment. */
function copyScore(value: ScoreValue): ScoreValue {
  if (!Array.isArray(value)) return value;
  return (value as unknown[]).map((v) => (isRecord(v) ? { start: v['start'], end: v['end'], label: v['label'] } : v)) as ScoreValue;
}

/**
 * Checks a reviewer's scores against the rubric, reporting every problem at once. A `null`
 * score counts as not given, so clients may send a cleared optional field. `optional`: the
 * rubric's required criteria are not demanded (a comparison or ranking is answered by its
 * preference; scores there are extra, and a rubric written for single outputs would otherwise
 * make it impossible to answer).
 */
export function validateScores(rubric: RubricDocument, scores: unknown, texts?: ScoreTexts, opts: { optional?: boolean } = {}): Scores {
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
        if (criterion.required === true && opts.optional !== true) problems.push({ path, message: 'is required' });
        continue;
      }
      const problem = scaleProblem(criterion.scale, value, texts);
      if (problem !== null) problems.push({ path, message: problem });
      // Checked above against the scale, so the value has the scale's shape.
      else result[criterion.key] = copyScore(value as ScoreValue);
    }
  }
  if (problems.length > 0) {
    throw new TollgateError('TG_INVALID_JUDGMENT', summarizeProblems(problems, 'invalid scores'), { errors: problems });
  }
  return result;
}
