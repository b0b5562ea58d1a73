import type { ConditionTrace, Decision, ItemFacts, MatchedRule, PolicyDocument, RoutingAction } from '../types.js';
import { compileCondition } from './condition-compile.js';
import { evaluateCompiled } from './condition-evaluate.js';
import { explainCondition } from './condition-explain.js';
import type { CompiledCondition } from './condition-types.js';
import { FactsView } from './item-path.js';
import { DEFAULT_OVERLAP, defaultQueueFor } from './policy-validate.js';
import { sampleDraw } from './sampling.js';

export interface CompiledRule {
  readonly name: string;
  readonly action: RoutingAction;
  readonly priority: number;
  readonly overlap: number;
  readonly queue: string;
  readonly when: CompiledCondition | undefined;
  readonly sample: number | undefined;
}

export interface CompiledPolicy {
  readonly version: number;
  readonly seed: string;
  readonly defaultAction: RoutingAction;
  readonly rules: readonly CompiledRule[];
}

const STRICTNESS: Record<RoutingAction, number> = { pass: 0, review: 1, hold: 2 };
// Traces are stored with the decision; a matched `output.text` must not copy the whole output.
const MAX_TRACE_STRING = 256;

/**
 * Compiles a validated policy once per version. Throws TG_INVALID_POLICY only for a document
 * that skipped `validatePolicy`.
 */
export function compilePolicy(doc: PolicyDocument, version: number): CompiledPolicy {
  const rules = doc.rules.map((rule): CompiledRule => {
    const reviews = rule.action !== 'pass';
    return {
      name: rule.name,
      action: rule.action,
      priority: rule.priority,
      // Pass rules create no review work, so they carry no overlap and no queue.
      overlap: reviews ? (rule.overlap ?? DEFAULT_OVERLAP) : 0,
      queue: reviews ? (rule.queue ?? defaultQueueFor(rule.action)) : '',
      when: rule.when === undefined ? undefined : compileCondition(rule.when),
      sample: rule.sample,
    };
  });
  return { version, seed: doc.seed ?? '', defaultAction: doc.default_action ?? 'pass', rules };
}

function previewTrace(trace: ConditionTrace): ConditionTrace {
  const { actual } = trace;
  if (typeof actual !== 'string' || actual.length <= MAX_TRACE_STRING) return trace;
  return { ...trace, actual: `${actual.slice(0, MAX_TRACE_STRING)}…` };
}

function matchRule(rule: CompiledRule, policy: CompiledPolicy, view: FactsView): MatchedRule | undefined {
  let traces: ConditionTrace[] = [];
  if (rule.when !== undefined) {
    const outcome = evaluateCompiled(rule.when, view);
    if (!outcome.result) return undefined;
    traces = outcome.traces;
  }
  let sampling: string | undefined;
  if (rule.sample !== undefined) {
    // Drawn after `when` so unmatched rules never pay for a hash.
    const draw = sampleDraw(view.facts.id, rule.name, policy.seed);
    if (draw >= rule.sample) return undefined;
    sampling = `sampled at rate ${rule.sample} (draw ${draw.toFixed(4)})`;
  }
  const reasons: string[] = [];
  if (rule.when !== undefined) reasons.push(explainCondition(rule.when, view));
  if (sampling !== undefined) reasons.push(sampling);
  return {
    name: rule.name,
    action: rule.action,
    priority: rule.priority,
    queue: rule.queue,
    overlap: rule.overlap,
    reason: reasons.join(' and '),
    conditions: traces.map(previewTrace),
    sampled: sampling !== undefined,
  };
}

/**
 * Routes one item: every rule is evaluated, the strictest matched action wins, and the work
 * goes to the queue of the highest-priority rule that asked for that action.
 */
export function evaluatePolicy(policy: CompiledPolicy, facts: ItemFacts): Decision {
  const view = new FactsView(facts);
  const matched: MatchedRule[] = [];
  for (const rule of policy.rules) {
    const match = matchRule(rule, policy, view);
    if (match !== undefined) matched.push(match);
  }

  if (matched.length === 0) {
    const action = policy.defaultAction;
    const reviews = action !== 'pass';
    return {
      action,
      priority: 0,
      matched_rules: [],
      policy_version: policy.version,
      required_reviews: reviews ? DEFAULT_OVERLAP : 0,
      queue: reviews ? defaultQueueFor(action) : null,
    };
  }

  let action: RoutingAction = 'pass';
  let priority = 0;
  for (const match of matched) {
    if (STRICTNESS[match.action] > STRICTNESS[action]) action = match.action;
    priority = Math.max(priority, match.priority);
  }
  let lead: MatchedRule | undefined;
  let requiredReviews = 0;
  for (const match of matched) {
    if (match.action !== action) continue;
    // Strictly greater keeps the first rule in document order on ties.
    if (lead === undefined || match.priority > lead.priority) lead = match;
    requiredReviews = Math.max(requiredReviews, match.overlap);
  }
  return {
    action,
    priority,
    matched_rules: matched,
    policy_version: policy.version,
    required_reviews: action === 'pass' ? 0 : requiredReviews,
    queue: action === 'pass' || lead === undefined ? null : lead.queue,
  };
}
