import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { Condition } from '../types.js';
import { compileOperator, isOperator } from './condition-operators.js';
import type { CompiledCondition, ConditionProblem, OperatorTest } from './condition-types.js';
import { compilePath, pathProblem } from './item-path.js';

export const MAX_CONDITION_DEPTH = 20;

const NEVER: CompiledCondition = { kind: 'any', children: [] };

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
