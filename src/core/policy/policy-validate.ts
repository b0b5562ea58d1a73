import { TollgateError } from '../errors.js';
import { isRecord, toJsonValue } from '../json.js';
import {
  ACTIONS,
  HOLD_FALLBACKS,
  type Condition,
  type HoldFallback,
  type PolicyDocument,
  type PolicyRule,
  type RoutingAction,
  type TrustRequirementSpec,
} from '../types.js';
import { checkCondition } from './condition-compile.js';
import { BUILT_IN_QUEUES, readQueueConfigs } from './queue-sla.js';
import { readConsensus } from '../review/consensus.js';
import { readQuality } from '../review/quality.js';
import type { ConditionProblem } from './condition-types.js';

export const MAX_RULES = 200;
export const MAX_RULE_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const DEFAULT_PRIORITY = 50;
export const DEFAULT_OVERLAP = 1;
/**
 * A hold with no declared timeout still ends: an hour, then rejected. Rejecting is the safe
 * fallback for the actions people hold (refunds, emails, tool calls): nothing happens unseen.
 */
export const DEFAULT_HOLD_TIMEOUT_SECONDS = 3600;
export const DEFAULT_HOLD_FALLBACK: HoldFallback = 'reject';
export const MAX_HOLD_TIMEOUT_SECONDS = 7 * 24 * 3600;
export const MAX_BUDGET = 10_000_000;
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// Generous: it only has to admit every condition that passes the nesting limit.
const MAX_CONDITION_JSON_DEPTH = 256;

const DOCUMENT_KEYS: ReadonlySet<string> = new Set(['rules', 'seed', 'default_action', 'queues', 'consensus', 'quality']);
const RULE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'description',
  'when',
  'sample',
  'action',
  'priority',
  'overlap',
  'queue',
  'timeout_seconds',
  'on_timeout',
  'max_per_hour',
  'max_per_day',
  'trust',
]);
const TRUST_KEYS: ReadonlySet<string> = new Set(['evaluator', 'min_kappa', 'min_checks', 'window_days', 'audit_sample', 'audit_queue']);
export const DEFAULT_TRUST = { min_kappa: 0.6, min_checks: 50, window_days: 30, audit_sample: 0.05, audit_queue: 'default' } as const;
const EVALUATOR_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function defaultQueueFor(action: RoutingAction): string {
  return action === 'hold' ? 'hold' : 'default';
}

function isAction(value: unknown): value is RoutingAction {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

function isHoldFallback(value: unknown): value is HoldFallback {
  return typeof value === 'string' && (HOLD_FALLBACKS as readonly string[]).includes(value);
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

const ACTION_LIST = ACTIONS.map((a) => `"${a}"`).join(', ');

class Problems {
  readonly list: ConditionProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, at: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.add(at === '' ? key : `${at}.${key}`, 'unknown field');
    }
  }
}

function readName(value: unknown, at: string, problems: Problems): string | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.add(at, 'must be a non-empty string');
  } else if (value.length > MAX_RULE_NAME_LENGTH) {
    problems.add(at, `must be at most ${MAX_RULE_NAME_LENGTH} characters`);
  } else if (!RULE_NAME.test(value)) {
    problems.add(at, 'must start with a letter or digit and contain only letters, digits, "_", ".", ":" and "-"');
  } else {
    return value;
  }
  return undefined;
}

function readWhen(value: unknown, at: string, problems: Problems): Condition | undefined {
  if (checkCondition(value, at, problems.list) === undefined) return undefined;
  // A copy, so later mutation of the caller's object cannot change a stored policy.
  const copy = toJsonValue(value, MAX_CONDITION_JSON_DEPTH);
  return typeof copy === 'object' && copy !== null && !Array.isArray(copy) ? copy : undefined;
}

function readRule(raw: unknown, at: string, names: Map<string, string>, problems: Problems): PolicyRule | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'rule must be an object');
    return undefined;
  }
  const before = problems.list.length;
  problems.unknownKeys(raw, RULE_KEYS, at);

  const name = readName(raw['name'], `${at}.name`, problems);
  if (name !== undefined) {
    const first = names.get(name);
    if (first !== undefined) problems.add(`${at}.name`, `duplicate rule name "${name}" (first used at ${first})`);
    else names.set(name, at);
  }

  const description = raw['description'];
  if (description !== undefined) {
    if (typeof description !== 'string') problems.add(`${at}.description`, 'must be a string');
    else if (description.length > MAX_DESCRIPTION_LENGTH) {
      problems.add(`${at}.description`, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
    }
  }

  const rawWhen = raw['when'];
  const sample = raw['sample'];
  if (rawWhen === undefined && sample === undefined) problems.add(at, 'rule needs "when", "sample", or both');
  const when = rawWhen === undefined ? undefined : readWhen(rawWhen, `${at}.when`, problems);
  if (sample !== undefined && !(typeof sample === 'number' && sample >= 0 && sample <= 1)) {
    problems.add(`${at}.sample`, 'must be a number from 0 to 1');
  }

  const action = raw['action'];
  if (!isAction(action)) problems.add(`${at}.action`, `must be one of ${ACTION_LIST}`);

  const rawPriority = raw['priority'] === undefined ? DEFAULT_PRIORITY : raw['priority'];
  const priority = isIntegerIn(rawPriority, 0, 100) ? rawPriority : undefined;
  if (priority === undefined) problems.add(`${at}.priority`, 'must be an integer from 0 to 100');

  const overlap = raw['overlap'];
  if (overlap !== undefined) {
    if (action === 'pass') problems.add(`${at}.overlap`, 'not allowed when action is "pass"');
    else if (!isIntegerIn(overlap, 1, 10)) problems.add(`${at}.overlap`, 'must be an integer from 1 to 10');
  }

  const queue = raw['queue'];
  if (queue !== undefined) {
    // A pass rule creates no review work, so a queue on it can only be a mistake.
    if (action === 'pass') problems.add(`${at}.queue`, 'not allowed when action is "pass"');
    else if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
      problems.add(`${at}.queue`, 'must be 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');
    }
  }

  for (const cap of ['max_per_hour', 'max_per_day'] as const) {
    const value = raw[cap];
    if (value === undefined) continue;
    // A pass rule sends nothing to people, so there is nothing to cap.
    if (action === 'pass') problems.add(`${at}.${cap}`, 'not allowed when action is "pass"');
    else if (!isIntegerIn(value, 1, MAX_BUDGET)) problems.add(`${at}.${cap}`, `must be an integer from 1 to ${MAX_BUDGET}`);
  }

  const timeout = raw['timeout_seconds'];
  const onTimeout = raw['on_timeout'];
  if (action !== 'hold') {
    // Only a hold makes a caller wait; a timeout anywhere else would silently do nothing.
    if (timeout !== undefined) problems.add(`${at}.timeout_seconds`, 'only allowed when action is "hold"');
    if (onTimeout !== undefined) problems.add(`${at}.on_timeout`, 'only allowed when action is "hold"');
  } else {
    if (timeout !== undefined && !isIntegerIn(timeout, 1, MAX_HOLD_TIMEOUT_SECONDS)) {
      problems.add(`${at}.timeout_seconds`, `must be an integer from 1 to ${MAX_HOLD_TIMEOUT_SECONDS} (7 days)`);
    }
    if (onTimeout !== undefined && !isHoldFallback(onTimeout)) {
      problems.add(`${at}.on_timeout`, `must be one of ${HOLD_FALLBACKS.map((f) => `"${f}"`).join(', ')}`);
    }
  }

  const trust = raw['trust'] === undefined ? undefined : readTrust(raw['trust'], `${at}.trust`, problems);
  if (raw['trust'] !== undefined) {
    // Trust lets an evaluator stand in for a person's approval: only a pass rule can do that,
    // and a sampled one would mix two draws into the item's review probability.
    if (action !== 'pass') problems.add(`${at}.trust`, 'only allowed when action is "pass"');
    if (sample !== undefined)
      problems.add(`${at}.sample`, 'not allowed with "trust" (use trust.audit_sample for the share people still see)');
  }

  if (problems.list.length > before || name === undefined || !isAction(action) || priority === undefined) {
    return undefined;
  }
  const rule: PolicyRule = { name, action, priority };
  if (trust !== undefined) rule.trust = trust;
  if (typeof description === 'string') rule.description = description;
  if (when !== undefined) rule.when = when;
  if (typeof sample === 'number') rule.sample = sample;
  if (action !== 'pass') {
    rule.overlap = typeof overlap === 'number' ? overlap : DEFAULT_OVERLAP;
    rule.queue = typeof queue === 'string' ? queue : defaultQueueFor(action);
  }
  if (typeof raw['max_per_hour'] === 'number') rule.max_per_hour = raw['max_per_hour'];
  if (typeof raw['max_per_day'] === 'number') rule.max_per_day = raw['max_per_day'];
  if (action === 'hold') {
    rule.timeout_seconds = typeof timeout === 'number' ? timeout : DEFAULT_HOLD_TIMEOUT_SECONDS;
    rule.on_timeout = isHoldFallback(onTimeout) ? onTimeout : DEFAULT_HOLD_FALLBACK;
  }
  return rule;
}

function readTrust(raw: unknown, at: string, problems: Problems): TrustRequirementSpec | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object naming the "evaluator"');
    return undefined;
  }
  const before = problems.list.length;
  problems.unknownKeys(raw, TRUST_KEYS, at);
  const evaluator = raw['evaluator'];
  if (typeof evaluator !== 'string' || !EVALUATOR_NAME.test(evaluator))
    problems.add(`${at}.evaluator`, "must name one of the project's evaluators");
  const num = (key: keyof typeof DEFAULT_TRUST, ok: (v: number) => boolean, message: string): number => {
    const v = raw[key] ?? DEFAULT_TRUST[key];
    if (typeof v === 'number' && ok(v)) return v;
    problems.add(`${at}.${key}`, message);
    return 0;
  };
  const minKappa = num('min_kappa', (v) => v > 0 && v <= 1, 'must be a number above 0 and at most 1');
  const minChecks = num('min_checks', (v) => Number.isInteger(v) && v >= 10 && v <= 100_000, 'must be an integer from 10 to 100000');
  const windowDays = num('window_days', (v) => Number.isInteger(v) && v >= 1 && v <= 365, 'must be an integer from 1 to 365');
  // Never zero: without a sample the agreement could no longer be measured on what it resolves.
  const auditSample = num('audit_sample', (v) => v > 0 && v <= 1, 'must be a number above 0 and at most 1');
  const queue = raw['audit_queue'] ?? DEFAULT_TRUST.audit_queue;
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) problems.add(`${at}.audit_queue`, 'must be a queue name');
  if (problems.list.length > before) return undefined;
  return {
    evaluator: evaluator as string,
    min_kappa: minKappa,
    min_checks: minChecks,
    window_days: windowDays,
    audit_sample: auditSample,
    audit_queue: queue as string,
  };
}

/** One line for a list of problems: the first, and how many more. */
export function summarizeProblems(problems: readonly ConditionProblem[]): string {
  const first = problems[0];
  if (first === undefined) return 'invalid policy';
  const head = first.path === '' ? first.message : `${first.path}: ${first.message}`;
  return problems.length > 1 ? `${head} (and ${problems.length - 1} more problems)` : head;
}

/**
 * Checks a policy completely at save time, so routing with it can never fail. Every problem
 * is reported at once (in `details.errors`); the result has every default filled in.
 */
export function validatePolicy(doc: unknown): PolicyDocument {
  const problems = new Problems();
  const policy: PolicyDocument = { rules: [] };

  if (!isRecord(doc)) {
    problems.add('', 'policy must be an object with a "rules" array');
  } else {
    problems.unknownKeys(doc, DOCUMENT_KEYS, '');

    const seed = doc['seed'];
    if (seed !== undefined) {
      if (typeof seed === 'string') policy.seed = seed;
      else problems.add('seed', 'must be a string');
    }

    if (doc['consensus'] !== undefined) {
      const consensus = readConsensus(doc['consensus'], problems.list);
      if (consensus !== undefined) policy.consensus = consensus;
    }

    if (doc['quality'] !== undefined) {
      const quality = readQuality(doc['quality'], problems.list);
      if (quality !== undefined) policy.quality = quality;
    }

    if (doc['queues'] !== undefined) {
      const queues = readQueueConfigs(doc['queues'], problems.list);
      if (queues !== undefined) policy.queues = queues;
    }

    const defaultAction = doc['default_action'];
    if (defaultAction !== undefined) {
      if (isAction(defaultAction)) policy.default_action = defaultAction;
      else problems.add('default_action', `must be one of ${ACTION_LIST}`);
    }

    const rules = doc['rules'];
    if (!Array.isArray(rules)) {
      problems.add('rules', 'must be an array');
    } else {
      if (rules.length > MAX_RULES) problems.add('rules', `must have at most ${MAX_RULES} rules, got ${rules.length}`);
      const names = new Map<string, string>();
      rules.forEach((raw: unknown, i) => {
        const rule = readRule(raw, `rules[${i}]`, names, problems);
        if (rule !== undefined) policy.rules.push(rule);
      });
    }
  }

  // Once queues are declared, a rule sending work to an undeclared one is a typo, not a new queue.
  if (policy.queues !== undefined) {
    const declared = new Set([...BUILT_IN_QUEUES, ...Object.keys(policy.queues)]);
    policy.rules.forEach((rule, i) => {
      if (rule.queue !== undefined && !declared.has(rule.queue)) {
        problems.add(
          `rules[${i}].queue`,
          `unknown queue "${rule.queue}": declare it under "queues" or use ${[...declared].map((q) => `"${q}"`).join(', ')}`,
        );
      }
    });
  }

  if (problems.list.length > 0) {
    throw new TollgateError('TG_INVALID_POLICY', summarizeProblems(problems.list), { errors: problems.list });
  }
  return policy;
}
