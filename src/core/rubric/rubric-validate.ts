import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { Criterion, CriterionScale, LabelOption, RubricDocument } from '../types.js';

export const MAX_CRITERIA = 100;
export const MAX_LIKERT_SPAN = 100;
export const MAX_OPTIONS = 100;
const CRITERION_KEY = /^[a-z][a-z0-9_]{0,63}$/;

const RUBRIC_KEYS: ReadonlySet<string> = new Set(['criteria']);
const CRITERION_KEYS: ReadonlySet<string> = new Set(['key', 'label', 'description', 'required', 'scale']);
const SCALE_KEYS: Readonly<Record<CriterionScale['type'], ReadonlySet<string>>> = {
  likert: new Set(['type', 'min', 'max', 'labels']),
  boolean: new Set(['type']),
  categorical: new Set(['type', 'options']),
  numeric: new Set(['type', 'min', 'max', 'step']),
  labels: new Set(['type', 'options', 'multiple']),
  spans: new Set(['type', 'target', 'labels']),
};

export interface RubricProblem {
  path: string;
  message: string;
}

function isScaleType(value: unknown): value is CriterionScale['type'] {
  return typeof value === 'string' && Object.hasOwn(SCALE_KEYS, value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

class Problems {
  readonly list: RubricProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, at: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.add(at === '' ? key : `${at}.${key}`, 'unknown field');
    }
  }
}

function readLabels(value: unknown, min: number, max: number, at: string, problems: Problems): Record<string, string> | undefined {
  if (!isRecord(value)) {
    problems.add(at, 'must be an object mapping scale points to labels');
    return undefined;
  }
  const labels: Record<string, string> = {};
  for (const [point, label] of Object.entries(value)) {
    const n = Number(point);
    if (!/^-?(?:0|[1-9][0-9]*)$/.test(point) || n < min || n > max) {
      problems.add(`${at}.${point}`, `must be a scale point from ${min} to ${max}`);
    } else if (typeof label !== 'string' || label === '') {
      problems.add(`${at}.${point}`, 'must be a non-empty string');
    } else {
      labels[point] = label;
    }
  }
  return labels;
}

function readLikert(raw: Record<string, unknown>, at: string, problems: Problems): CriterionScale | undefined {
  const { min, max, labels } = raw;
  const before = problems.list.length;
  if (typeof min !== 'number' || !Number.isInteger(min)) problems.add(`${at}.min`, 'must be an integer');
  if (typeof max !== 'number' || !Number.isInteger(max)) problems.add(`${at}.max`, 'must be an integer');
  if (problems.list.length > before || typeof min !== 'number' || typeof max !== 'number') return undefined;
  if (min >= max) problems.add(`${at}.max`, `must be greater than min (${min})`);
  else if (max - min > MAX_LIKERT_SPAN) problems.add(`${at}.max`, `must be at most ${MAX_LIKERT_SPAN} above min`);
  if (labels === undefined) return { type: 'likert', min, max };
  const read = readLabels(labels, min, max, `${at}.labels`, problems);
  return read === undefined ? undefined : { type: 'likert', min, max, labels: read };
}

function readCategorical(raw: Record<string, unknown>, at: string, problems: Problems): CriterionScale | undefined {
  const { options } = raw;
  if (!Array.isArray(options) || options.length === 0 || options.length > MAX_OPTIONS) {
    problems.add(`${at}.options`, `must be an array of 1 to ${MAX_OPTIONS} strings`);
    return undefined;
  }
  const seen = new Set<string>();
  options.forEach((option: unknown, i) => {
    if (typeof option !== 'string' || option === '') problems.add(`${at}.options[${i}]`, 'must be a non-empty string');
    else if (seen.has(option)) problems.add(`${at}.options[${i}]`, `duplicate option "${option}"`);
    else seen.add(option);
  });
  return { type: 'categorical', options: [...seen] };
}

function readNumeric(raw: Record<string, unknown>, at: string, problems: Problems): CriterionScale | undefined {
  const { min, max, step } = raw;
  if (!isFiniteNumber(min)) problems.add(`${at}.min`, 'must be a finite number');
  if (!isFiniteNumber(max)) problems.add(`${at}.max`, 'must be a finite number');
  else if (isFiniteNumber(min) && min >= max) problems.add(`${at}.max`, `must be greater than min (${min})`);
  if (step !== undefined && !(isFiniteNumber(step) && step > 0)) {
    problems.add(`${at}.step`, 'must be a number greater than 0');
  }
  if (!isFiniteNumber(min) || !isFiniteNumber(max)) return undefined;
  return isFiniteNumber(step) ? { type: 'numeric', min, max, step } : { type: 'numeric', min, max };
}

function readLabelOptions(raw: Record<string, unknown>, at: string, problems: Problems): CriterionScale | undefined {
  const { options, multiple } = raw;
  if (multiple !== undefined && typeof multiple !== 'boolean') problems.add(`${at}.multiple`, 'must be true or false');
  if (!Array.isArray(options) || options.length === 0 || options.length > MAX_OPTIONS) {
    problems.add(`${at}.options`, `must be an array of 1 to ${MAX_OPTIONS} labels (strings or {value, description})`);
    return undefined;
  }
  const seen = new Set<string>();
  const read: LabelOption[] = [];
  options.forEach((option: unknown, i) => {
    const value = typeof option === 'string' ? option : isRecord(option) ? option['value'] : undefined;
    const description = isRecord(option) ? option['description'] : undefined;
    if (isRecord(option)) problems.unknownKeys(option, new Set(['value', 'description']), `${at}.options[${i}]`);
    if (typeof value !== 'string' || value === '') problems.add(`${at}.options[${i}]`, 'must be a non-empty label');
    else if (seen.has(value)) problems.add(`${at}.options[${i}]`, `duplicate label "${value}"`);
    else if (description !== undefined && typeof description !== 'string')
      problems.add(`${at}.options[${i}].description`, 'must be a string');
    else {
      seen.add(value);
      read.push(typeof description === 'string' ? { value, description } : { value });
    }
  });
  return { type: 'labels', options: read, ...(multiple === true ? { multiple: true } : {}) };
}

function readSpans(raw: Record<string, unknown>, at: string, problems: Problems): CriterionScale | undefined {
  const { target, labels } = raw;
  if (target !== 'input' && target !== 'output') problems.add(`${at}.target`, 'must be "input" or "output"');
  if (!Array.isArray(labels) || labels.length === 0 || labels.length > MAX_OPTIONS) {
    problems.add(`${at}.labels`, `must be an array of 1 to ${MAX_OPTIONS} span labels`);
    return undefined;
  }
  const seen = new Set<string>();
  labels.forEach((label: unknown, i) => {
    if (typeof label !== 'string' || label === '') problems.add(`${at}.labels[${i}]`, 'must be a non-empty string');
    else if (seen.has(label)) problems.add(`${at}.labels[${i}]`, `duplicate label "${label}"`);
    else seen.add(label);
  });
  if (target !== 'input' && target !== 'output') return undefined;
  return { type: 'spans', target, labels: [...seen] };
}

function readScale(raw: unknown, at: string, problems: Problems): CriterionScale | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object with a "type"');
    return undefined;
  }
  const type = raw['type'];
  if (!isScaleType(type)) {
    problems.add(`${at}.type`, 'must be one of "likert", "boolean", "categorical", "numeric", "labels", "spans"');
    return undefined;
  }
  problems.unknownKeys(raw, SCALE_KEYS[type], at);
  switch (type) {
    case 'likert':
      return readLikert(raw, at, problems);
    case 'boolean':
      return { type: 'boolean' };
    case 'categorical':
      return readCategorical(raw, at, problems);
    case 'numeric':
      return readNumeric(raw, at, problems);
    case 'labels':
      return readLabelOptions(raw, at, problems);
    case 'spans':
      return readSpans(raw, at, problems);
  }
}

function readCriterion(raw: unknown, at: string, keys: Map<string, string>, problems: Problems): Criterion | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'criterion must be an object');
    return undefined;
  }
  const before = problems.list.length;
  problems.unknownKeys(raw, CRITERION_KEYS, at);

  const key = raw['key'];
  if (typeof key !== 'string' || !CRITERION_KEY.test(key)) {
    problems.add(`${at}.key`, 'must be 1-64 characters of a-z, 0-9 or "_", starting with a letter');
  } else if (keys.has(key)) {
    problems.add(`${at}.key`, `duplicate criterion key "${key}" (first used at ${keys.get(key) ?? ''})`);
  } else {
    keys.set(key, at);
  }

  const label = raw['label'];
  if (label !== undefined && (typeof label !== 'string' || label === '')) {
    problems.add(`${at}.label`, 'must be a non-empty string');
  }
  const description = raw['description'];
  if (description !== undefined && typeof description !== 'string') {
    problems.add(`${at}.description`, 'must be a string');
  }
  const required = raw['required'] === undefined ? false : raw['required'];
  if (typeof required !== 'boolean') problems.add(`${at}.required`, 'must be true or false');

  const scale = readScale(raw['scale'], `${at}.scale`, problems);

  if (problems.list.length > before || typeof key !== 'string' || scale === undefined) return undefined;
  const criterion: Criterion = { key, label: typeof label === 'string' ? label : key, scale, required: required === true };
  if (typeof description === 'string') criterion.description = description;
  return criterion;
}

export function summarizeProblems(problems: readonly RubricProblem[], fallback: string): string {
  const first = problems[0];
  if (first === undefined) return fallback;
  const head = first.path === '' ? first.message : `${first.path}: ${first.message}`;
  return problems.length > 1 ? `${head} (and ${problems.length - 1} more problems)` : head;
}

/** Checks a rubric completely, reporting every problem at once; fills `label` and `required`. */
export function validateRubric(doc: unknown): RubricDocument {
  const problems = new Problems();
  const rubric: RubricDocument = { criteria: [] };
  if (!isRecord(doc)) {
    problems.add('', 'rubric must be an object with a "criteria" array');
  } else {
    problems.unknownKeys(doc, RUBRIC_KEYS, '');
    const criteria = doc['criteria'];
    if (!Array.isArray(criteria)) {
      problems.add('criteria', 'must be an array');
    } else {
      if (criteria.length > MAX_CRITERIA) {
        problems.add('criteria', `must have at most ${MAX_CRITERIA} criteria, got ${criteria.length}`);
      }
      const keys = new Map<string, string>();
      criteria.forEach((raw: unknown, i) => {
        const criterion = readCriterion(raw, `criteria[${i}]`, keys, problems);
        if (criterion !== undefined) rubric.criteria.push(criterion);
      });
    }
  }
  if (problems.list.length > 0) {
    throw new TollgateError('TG_INVALID_RUBRIC', summarizeProblems(problems.list, 'invalid rubric'), {
      errors: problems.list,
    });
  }
  return rubric;
}
