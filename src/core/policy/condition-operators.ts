import { isRecord, jsonEqual, toJsonValue } from '../json.js';
import { OPERATORS, type JsonValue, type Operator } from '../types.js';
import type { ConditionProblem, OperatorTest } from './condition-types.js';

export const MAX_PATTERN_LENGTH = 1000;
// `g` and `y` are excluded because they make `RegExp.test` stateful across items.
const ALLOWED_FLAGS = 'imsu';
// Deeper operator values are refused so equality checks cannot exhaust the stack.
const MAX_VALUE_DEPTH = 32;

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

export function isOperator(key: string): key is Operator {
  return OPERATOR_SET.has(key);
}

function isPrimitive(value: JsonValue): value is null | boolean | number | string {
  return value === null || typeof value !== 'object';
}

/** -1/0/1 for two numbers or two strings; null when they are not comparable. */
function order(actual: JsonValue | undefined, expected: number | string): number | null {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  return null;
}

const ORDER_HOLDS: Record<'lt' | 'lte' | 'gt' | 'gte', (sign: number) => boolean> = {
  lt: (sign) => sign < 0,
  lte: (sign) => sign <= 0,
  gt: (sign) => sign > 0,
  gte: (sign) => sign >= 0,
};

function membershipTest(list: readonly JsonValue[]): (value: JsonValue) => boolean {
  // Primitives go in a Set so a long `in` list stays O(1) per lookup.
  const primitives = new Set<JsonValue>();
  const structured: JsonValue[] = [];
  for (const item of list) {
    if (isPrimitive(item)) primitives.add(item);
    else structured.push(item);
  }
  return (value) => (isPrimitive(value) ? primitives.has(value) : structured.some((item) => jsonEqual(value, item)));
}

function compileRegex(value: unknown, at: string, problems: ConditionProblem[]): RegExp | undefined {
  let pattern: unknown = value;
  let flags: unknown = '';
  if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      if (key !== 'pattern' && key !== 'flags') problems.push({ path: at, message: `unknown field "${key}"` });
    }
    pattern = value['pattern'];
    flags = value['flags'] === undefined ? '' : value['flags'];
  }
  if (typeof pattern !== 'string') {
    problems.push({ path: at, message: 'must be a pattern string or {"pattern": "...", "flags": "i"}' });
    return undefined;
  }
  if (pattern.length > MAX_PATTERN_LENGTH) {
    problems.push({ path: at, message: `pattern is longer than ${MAX_PATTERN_LENGTH} characters` });
    return undefined;
  }
  if (typeof flags !== 'string' || [...flags].some((f, i) => !ALLOWED_FLAGS.includes(f) || flags.indexOf(f) !== i)) {
    problems.push({ path: at, message: `flags must be distinct letters from "${ALLOWED_FLAGS}"` });
    return undefined;
  }
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problems.push({ path: at, message: `invalid regular expression: ${reason}` });
    return undefined;
  }
}

export function compileOperator(operator: Operator, value: unknown, at: string, problems: ConditionProblem[]): OperatorTest | undefined {
  const fail = (message: string): undefined => {
    problems.push({ path: at, message });
    return undefined;
  };
  switch (operator) {
    case 'eq':
    case 'ne':
    case 'contains': {
      const expected = toJsonValue(value, MAX_VALUE_DEPTH);
      if (expected === undefined) return fail(`must be a JSON value nested at most ${MAX_VALUE_DEPTH} deep`);
      if (operator === 'eq') return { operator, expected, test: (a) => a !== undefined && jsonEqual(a, expected) };
      if (operator === 'ne') return { operator, expected, test: (a) => a === undefined || !jsonEqual(a, expected) };
      return {
        operator,
        expected,
        test: (a) =>
          typeof a === 'string'
            ? typeof expected === 'string' && a.includes(expected)
            : Array.isArray(a) && a.some((item) => jsonEqual(item, expected)),
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
        return fail('must be a number or a string');
      }
      const holds = ORDER_HOLDS[operator];
      return {
        operator,
        expected: value,
        test: (a) => {
          const sign = order(a, value);
          return sign !== null && holds(sign);
        },
      };
    }
    case 'in': {
      const expected = toJsonValue(value, MAX_VALUE_DEPTH);
      if (!Array.isArray(expected)) return fail('must be an array');
      const isMember = membershipTest(expected);
      return {
        operator,
        expected,
        test: (a) => (a === undefined ? false : Array.isArray(a) ? a.some(isMember) : isMember(a)),
      };
    }
    case 'matches': {
      const regex = compileRegex(value, at, problems);
      const expected = toJsonValue(value, MAX_VALUE_DEPTH);
      if (regex === undefined || expected === undefined) return undefined;
      return { operator, expected, test: (a) => typeof a === 'string' && regex.test(a) };
    }
    case 'exists': {
      if (typeof value !== 'boolean') return fail('must be true or false');
      return { operator, expected: value, test: (a) => (a !== undefined && a !== null) === value };
    }
  }
}
