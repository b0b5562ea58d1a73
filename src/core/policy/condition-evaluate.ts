import { TollgateError } from '../errors.js';
import { OPERATORS, type Condition, type ConditionTrace, type ItemFacts, type JsonValue, type Operator } from '../types.js';
import { compilePath, FactsView, pathProblem, type CompiledPath } from './item-path.js';

export const MAX_CONDITION_DEPTH = 20;
export const MAX_PATTERN_LENGTH = 1000;
// `g` and `y` are excluded because they make `RegExp.test` stateful across items.
const ALLOWED_FLAGS = 'imsu';
// Deeper operator values are refused so equality checks cannot exhaust the stack.
const MAX_VALUE_DEPTH = 32;

export interface ConditionProblem {
  path: string;
  message: string;
}

export interface OperatorTest {
  readonly operator: Operator;
  readonly expected: JsonValue;
  readonly test: (actual: JsonValue | undefined) => boolean;
}

export type CompiledCondition =
  | { readonly kind: 'all'; readonly children: readonly CompiledCondition[] }
  | { readonly kind: 'any'; readonly children: readonly CompiledCondition[] }
  | { readonly kind: 'not'; readonly child: CompiledCondition }
  | { readonly kind: 'leaf'; readonly path: CompiledPath; readonly tests: readonly OperatorTest[] };

export interface ConditionResult {
  result: boolean;
  /** The leaf comparisons actually evaluated; `all`/`any` stop at the first decisive child. */
  traces: ConditionTrace[];
}

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);
const NEVER: CompiledCondition = { kind: 'any', children: [] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOperator(key: string): key is Operator {
  return OPERATOR_SET.has(key);
}

/** A JSON copy of `value`, or undefined when it is not JSON (or nests deeper than `maxDepth`). */
export function toJsonValue(value: unknown, maxDepth = MAX_VALUE_DEPTH): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (maxDepth <= 0) return undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const copy = toJsonValue(item, maxDepth - 1);
      if (copy === undefined) return undefined;
      out.push(copy);
    }
    return out;
  }
  if (!isRecord(value)) return undefined;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value)) {
    const copy = toJsonValue(item, maxDepth - 1);
    if (copy === undefined) return undefined;
    out[key] = copy;
  }
  return out;
}

/** Structural JSON equality: key order does not matter, array order does. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (x === undefined || y === undefined || !jsonEqual(x, y)) return false;
    }
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined || !Object.hasOwn(b, key) || !jsonEqual(x, y)) return false;
  }
  return true;
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

function compileOperator(operator: Operator, value: unknown, at: string, problems: ConditionProblem[]): OperatorTest | undefined {
  const fail = (message: string): undefined => {
    problems.push({ path: at, message });
    return undefined;
  };
  switch (operator) {
    case 'eq':
    case 'ne':
    case 'contains': {
      const expected = toJsonValue(value);
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
      const expected = toJsonValue(value);
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
      const expected = toJsonValue(value);
      if (regex === undefined || expected === undefined) return undefined;
      return { operator, expected, test: (a) => typeof a === 'string' && regex.test(a) };
    }
    case 'exists': {
      if (typeof value !== 'boolean') return fail('must be true or false');
      return { operator, expected: value, test: (a) => (a !== undefined && a !== null) === value };
    }
  }
}

function compileLeaf(path: string, operators: unknown, at: string, problems: ConditionProblem[]): CompiledCondition {
  const problem = pathProblem(path);
  if (problem !== null) problems.push({ path: at, message: problem });
  if (!isRecord(operators)) {
    problems.push({ path: at, message: 'must be an operator object like {"eq": ...}' });
    return NEVER;
  }
  const keys = Object.keys(operators);
  if (keys.length === 0) problems.push({ path: at, message: 'must have at least one operator' });
  const tests: OperatorTest[] = [];
  for (const key of keys) {
    if (!isOperator(key)) {
      problems.push({ path: at, message: `unknown operator "${key}"` });
      continue;
    }
    const test = compileOperator(key, operators[key], `${at}.${key}`, problems);
    if (test !== undefined) tests.push(test);
  }
  return { kind: 'leaf', path: compilePath(path), tests };
}

function compileEntry(key: string, value: unknown, at: string, depth: number, problems: ConditionProblem[]): CompiledCondition {
  const here = key === '' ? at : `${at}.${key}`;
  if (key === 'all' || key === 'any') {
    if (!Array.isArray(value)) {
      problems.push({ path: here, message: `"${key}" must be an array of conditions` });
      return NEVER;
    }
    if (value.length === 0) problems.push({ path: here, message: `"${key}" must not be empty` });
    const children = value.map((item, i) => compileNode(item, `${here}[${i}]`, depth + 1, problems));
    return { kind: key, children };
  }
  if (key === 'not') {
    if (!isRecord(value)) {
      problems.push({ path: here, message: '"not" must be a condition object' });
      return NEVER;
    }
    return { kind: 'not', child: compileNode(value, here, depth + 1, problems) };
  }
  return compileLeaf(key, value, here, problems);
}

function compileNode(cond: unknown, at: string, depth: number, problems: ConditionProblem[]): CompiledCondition {
  if (depth > MAX_CONDITION_DEPTH) {
    problems.push({ path: at, message: `conditions nest deeper than ${MAX_CONDITION_DEPTH} levels` });
    return NEVER;
  }
  if (!isRecord(cond)) {
    problems.push({ path: at, message: 'condition must be an object' });
    return NEVER;
  }
  const keys = Object.keys(cond);
  if (keys.length === 0) {
    problems.push({ path: at, message: 'condition must not be empty' });
    return NEVER;
  }
  const parts = keys.map((key) => compileEntry(key, cond[key], at, depth, problems));
  // Several keys in one object are an implicit `all`.
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : { kind: 'all', children: parts };
}

/**
 * Compiles `cond`, appending every problem found (at paths under `at`) to `problems`.
 * Returns undefined when `cond` had any problem, so a half-valid condition is never used.
 */
export function checkCondition(cond: unknown, at: string, problems: ConditionProblem[]): CompiledCondition | undefined {
  const before = problems.length;
  const compiled = compileNode(cond, at, 1, problems);
  return problems.length === before ? compiled : undefined;
}

/** Compiles once (paths split, regexes built) so evaluation does no parsing. */
export function compileCondition(cond: Condition): CompiledCondition {
  const problems: ConditionProblem[] = [];
  const compiled = checkCondition(cond, 'when', problems);
  if (compiled === undefined) {
    const first = problems[0];
    const message = first === undefined ? 'invalid condition' : `${first.path}: ${first.message}`;
    throw new TollgateError('TG_INVALID_POLICY', message, { errors: problems });
  }
  return compiled;
}

function run(node: CompiledCondition, view: FactsView, traces: ConditionTrace[]): boolean {
  switch (node.kind) {
    case 'all':
      for (const child of node.children) if (!run(child, view, traces)) return false;
      return true;
    case 'any':
      for (const child of node.children) if (run(child, view, traces)) return true;
      return false;
    case 'not':
      return !run(node.child, view, traces);
    case 'leaf': {
      const actual = view.resolve(node.path);
      for (const { operator, expected, test } of node.tests) {
        const result = test(actual);
        traces.push({ path: node.path.path, operator, expected, actual, result });
        if (!result) return false;
      }
      return true;
    }
  }
}

function asView(facts: ItemFacts | FactsView): FactsView {
  return facts instanceof FactsView ? facts : new FactsView(facts);
}

export function evaluateCompiled(compiled: CompiledCondition, facts: ItemFacts | FactsView): ConditionResult {
  const traces: ConditionTrace[] = [];
  const result = run(compiled, asView(facts), traces);
  return { result, traces };
}

/** Convenience for one-off checks; hot paths should compile once and use `evaluateCompiled`. */
export function evaluateCondition(cond: Condition, facts: ItemFacts | FactsView): ConditionResult {
  return evaluateCompiled(compileCondition(cond), facts);
}

// ---- Explanations ---------------------------------------------------------------------------

const PREVIEW_LENGTH = 80;

/** JSON text of `value`, cut at about `budget` characters without serializing the rest. */
function preview(value: JsonValue, budget = PREVIEW_LENGTH): string {
  const out: string[] = [];
  let used = 0;
  const emit = (text: string): boolean => {
    out.push(text);
    used += text.length;
    return used <= budget;
  };
  const walk = (v: JsonValue): boolean => {
    if (typeof v === 'string') return emit(JSON.stringify(v.length > budget ? v.slice(0, budget) : v));
    if (v === null || typeof v !== 'object') return emit(String(v));
    const entries: [string | null, JsonValue][] = Array.isArray(v) ? v.map((item): [null, JsonValue] => [null, item]) : Object.entries(v);
    if (!emit(Array.isArray(v) ? '[' : '{')) return false;
    for (const [i, [key, item]] of entries.entries()) {
      if (i > 0 && !emit(',')) return false;
      if (key !== null && !emit(`${JSON.stringify(key)}:`)) return false;
      if (!walk(item)) return false;
    }
    return emit(Array.isArray(v) ? ']' : '}');
  };
  const complete = walk(value);
  const text = out.join('');
  return complete ? text : `${text.slice(0, budget)}…`;
}

function describeValue(value: JsonValue | undefined): string {
  return value === undefined ? 'missing' : preview(value);
}

function describePattern(expected: JsonValue): string {
  if (typeof expected === 'string') return `/${expected}/`;
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    const { pattern, flags } = expected;
    return `/${typeof pattern === 'string' ? pattern : ''}/${typeof flags === 'string' ? flags : ''}`;
  }
  return preview(expected);
}

function clause(path: string, test: OperatorTest, actual: JsonValue | undefined): string {
  if (test.operator === 'exists') {
    // The presence of the value is the whole story; printing it would only add noise.
    return actual === undefined ? `${path} is missing` : actual === null ? `${path} is null` : `${path} is present`;
  }
  const expected = test.operator === 'matches' ? describePattern(test.expected) : describeValue(test.expected);
  return `${path} ${describeValue(actual)} ${test.operator} ${expected}`;
}

interface Explanation {
  result: boolean;
  text: string;
  /** Whether `text` joins several clauses, so it needs parentheses inside another join. */
  compound: boolean;
}

function wrap(explanation: Explanation): string {
  return explanation.compound ? `(${explanation.text})` : explanation.text;
}

function join(parts: Explanation[], result: boolean, word: string): Explanation {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined) return { ...only, result };
  return { result, text: parts.map(wrap).join(` ${word} `), compound: parts.length > 1 };
}

/** Says why `node` came out as it did: only the clauses that decided the outcome. */
function explain(node: CompiledCondition, view: FactsView): Explanation {
  switch (node.kind) {
    case 'all': {
      const parts: Explanation[] = [];
      for (const child of node.children) {
        const part = explain(child, view);
        if (!part.result) return part;
        parts.push(part);
      }
      return join(parts, true, 'and');
    }
    case 'any': {
      const parts: Explanation[] = [];
      for (const child of node.children) {
        const part = explain(child, view);
        if (part.result) return part;
        parts.push(part);
      }
      return join(parts, false, 'or');
    }
    case 'not': {
      const inner = explain(node.child, view);
      return { result: !inner.result, text: `not (${inner.text})`, compound: false };
    }
    case 'leaf': {
      const actual = view.resolve(node.path);
      const parts: Explanation[] = [];
      for (const test of node.tests) {
        const part = { result: test.test(actual), text: clause(node.path.path, test, actual), compound: false };
        if (!part.result) return part;
        parts.push(part);
      }
      return join(parts, true, 'and');
    }
  }
}

/** A readable reason, e.g. `metadata.intent "refund" eq "refund" and metadata.amount 800 gt 500`. */
export function explainCondition(compiled: CompiledCondition, facts: ItemFacts | FactsView): string {
  return explain(compiled, asView(facts)).text;
}
