import type {
  ConditionTrace,
  ConsensusConfig,
  Decision,
  HoldTerms,
  ItemFacts,
  MatchedRule,
  PolicyDocument,
  QueueConfigs,
  RoutingAction,
  TrustRequirementSpec,
} from '../types.js';
import { compileCondition } from './condition-compile.js';
import { evaluateCompiled } from './condition-evaluate.js';
import { explainCondition } from './condition-explain.js';
import type { CompiledCondition } from './condition-types.js';
import { FactsView } from './item-path.js';
import { DEFAULT_HOLD_FALLBACK, DEFAULT_HOLD_TIMEOUT_SECONDS, DEFAULT_OVERLAP, defaultQueueFor } from './policy-validate.js';
import type { BudgetLimits, RuleBudget } from './rule-budget.js';
import { DEFAULT_CONSENSUS } from '../review/consensus.js';
import { eitherDrawn, sampleDraw } from './sampling.js';

export interface CompiledRule {
  readonly name: string;
  readonly action: RoutingAction;
  readonly priority: number;
  readonly overlap: number;
  readonly queue: string;
  readonly when: CompiledCondition | undefined;
  readonly sample: number | undefined;
  readonly hold: HoldTerms | null;
  readonly budget: BudgetLimits | undefined;
  readonly trust: TrustRequirementSpec | null;
}

/** Names of the trust rules whose evaluator currently holds the people's trust (see TrustRequirementSpec). */
export type TrustedRules = ReadonlySet<string>;
const NONE_TRUSTED: TrustedRules = new Set();

export interface CompiledPolicy {
  readonly version: number;
  readonly seed: string;
  readonly defaultAction: RoutingAction;
  readonly rules: readonly CompiledRule[];
  readonly queues: QueueConfigs;
  /** Capped rules by name; empty when no rule has a budget (captures then skip the counters). */
  readonly budgets: ReadonlyMap<string, BudgetLimits>;
  readonly consensus: ConsensusConfig;
  /** Some rule reads the item's `novelty`: capture computes it only for such policies. */
  readonly usesNovelty: boolean;
}

function readsRoot(condition: CompiledCondition | undefined, root: string): boolean {
  if (condition === undefined) return false;
  switch (condition.kind) {
    case 'leaf':
      return condition.path.root === root;
    case 'not':
      return readsRoot(condition.child, root);
    default:
      return condition.children.some((c) => readsRoot(c, root));
  }
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
      hold:
        rule.action === 'hold'
          ? { timeout_seconds: rule.timeout_seconds ?? DEFAULT_HOLD_TIMEOUT_SECONDS, on_timeout: rule.on_timeout ?? DEFAULT_HOLD_FALLBACK }
          : null,
      budget:
        rule.max_per_hour === undefined && rule.max_per_day === undefined
          ? undefined
          : {
              ...(rule.max_per_hour === undefined ? {} : { perHour: rule.max_per_hour }),
              ...(rule.max_per_day === undefined ? {} : { perDay: rule.max_per_day }),
            },
      trust: rule.trust ?? null,
    };
  });
  const budgets = new Map(rules.flatMap((r) => (r.budget === undefined ? [] : [[r.name, r.budget] as const])));
  return {
    version,
    seed: doc.seed ?? '',
    defaultAction: doc.default_action ?? 'pass',
    rules,
    queues: doc.queues ?? {},
    budgets,
    consensus: doc.consensus ?? DEFAULT_CONSENSUS,
    usesNovelty: rules.some((r) => readsRoot(r.when, 'novelty')),
  };
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

/** Chance that `rule` matches these facts: 0 or 1 from its condition, times its sample rate. */
function matchProbability(rule: CompiledRule, view: FactsView): number {
  if (rule.when !== undefined && !evaluateCompiled(rule.when, view).result) return 0;
  return rule.sample ?? 1;
}

/**
 * The inclusion probability of one item in human review. Sampling draws are independent per
 * rule (each hashes the rule name), so rules combine as independent events. An item goes to a
 * person when some review or hold rule matches, or when no rule at all matches and the
 * policy's default action is not `pass`.
 */
export function reviewProbability(
  policy: CompiledPolicy,
  facts: ItemFacts,
  budget?: RuleBudget,
  trusted: TrustedRules = NONE_TRUSTED,
): number {
  const view = new FactsView(facts);
  let anyReviewRule = 0;
  let anyPassRule = 0;
  // A trusted rule's audit draw is independent of the others and applies only to items that pass.
  let auditShare = 0;
  for (const rule of policy.rules) {
    if (rule.trust !== null && !trusted.has(rule.name)) continue;
    const p = matchProbability(rule, view);
    if (rule.trust !== null && p > 0) auditShare = Math.max(auditShare, rule.trust.audit_sample);
    // A rule over its budget routes nothing now: it acts as a pass rule until its window ends.
    if (rule.action === 'pass' || (budget !== undefined && !budget.allows(rule.name))) anyPassRule = eitherDrawn(anyPassRule, p);
    else anyReviewRule = eitherDrawn(anyReviewRule, p);
  }
  const base = policy.defaultAction === 'pass' ? anyReviewRule : eitherDrawn(anyReviewRule, 1 - anyPassRule);
  return eitherDrawn(base, auditShare);
}

/**
 * A passing item resolved by a trusted evaluator goes to people anyway with the rule's audit
 * share: the first trust rule in document order draws, so one item is drawn at most once.
 */
function auditDraw(
  policy: CompiledPolicy,
  matched: readonly MatchedRule[],
  itemId: string,
): { match: MatchedRule; queue: string; reason: string } | null {
  for (const match of matched) {
    const rule = policy.rules.find((r) => r.name === match.name);
    if (rule?.trust == null) continue;
    const draw = sampleDraw(itemId, `${rule.name}:audit`, policy.seed);
    if (draw >= rule.trust.audit_sample) return null;
    return {
      match,
      queue: rule.trust.audit_queue,
      reason: `drawn for the audit of ${rule.trust.evaluator} at rate ${rule.trust.audit_sample} (draw ${draw.toFixed(4)})`,
    };
  }
  return null;
}

/**
 * Routes one item: every rule is evaluated, the strictest matched action wins, and the work
 * goes to the queue of the highest-priority rule that asked for that action.
 */
export function evaluatePolicy(
  policy: CompiledPolicy,
  facts: ItemFacts,
  budget?: RuleBudget,
  trusted: TrustedRules = NONE_TRUSTED,
): Decision {
  const view = new FactsView(facts);
  const listed: MatchedRule[] = [];
  // The matches that count: all but those of rules over their review budget.
  const matched: MatchedRule[] = [];
  // Deterministic policies (no sampled rule) need no second pass: the probability is the action.
  let sampled = false;
  for (const rule of policy.rules) {
    if (rule.sample !== undefined || rule.trust !== null) sampled = true;
    const match = matchRule(rule, policy, view);
    if (match === undefined) continue;
    if (rule.trust !== null && !trusted.has(rule.name)) {
      // Listed so the decision shows why the evaluator did not resolve the item.
      listed.push({
        ...match,
        reason: `${match.reason}; evaluator ${rule.trust.evaluator} has not earned the trust to resolve items`,
        untrusted: true,
      });
      continue;
    }
    if (rule.budget !== undefined && budget !== undefined && !budget.allows(rule.name)) {
      listed.push({ ...match, reason: `${match.reason}; ${budget.explain(rule.name)}`, over_budget: true });
      continue;
    }
    listed.push(match);
    matched.push(match);
  }

  if (matched.length === 0 && listed.some((m) => m.over_budget === true)) {
    // Only capped rules matched, all over budget: the item passes (not the default action,
    // which would route what the budget is there to hold back).
    return {
      action: 'pass',
      priority: 0,
      matched_rules: listed,
      policy_version: policy.version,
      required_reviews: 0,
      queue: null,
      review_probability: sampled ? reviewProbability(policy, facts, budget, trusted) : 0,
      hold: null,
    };
  }

  if (matched.length === 0) {
    const action = policy.defaultAction;
    const reviews = action !== 'pass';
    return {
      action,
      priority: 0,
      // Untrusted rules only, if any: listed so the decision shows why no evaluator resolved it.
      matched_rules: listed,
      policy_version: policy.version,
      required_reviews: reviews ? DEFAULT_OVERLAP : 0,
      queue: reviews ? defaultQueueFor(action) : null,
      review_probability: sampled ? reviewProbability(policy, facts, budget, trusted) : reviews ? 1 : 0,
      hold: action === 'hold' ? { timeout_seconds: DEFAULT_HOLD_TIMEOUT_SECONDS, on_timeout: DEFAULT_HOLD_FALLBACK } : null,
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
  // The probability is taken before this item uses any budget: the state it was routed under.
  const probability = sampled ? reviewProbability(policy, facts, budget, trusted) : action === 'pass' ? 0 : 1;
  if (action === 'pass') {
    const audit = auditDraw(policy, matched, facts.id);
    if (audit !== null) {
      return {
        action: 'review',
        priority: audit.match.priority,
        matched_rules: listed.map((m) => (m === audit.match ? { ...m, reason: `${m.reason}; ${audit.reason}`, audit_sampled: true } : m)),
        policy_version: policy.version,
        required_reviews: 1,
        queue: audit.queue,
        review_probability: probability,
        hold: null,
      };
    }
  }
  if (budget !== undefined && action !== 'pass') for (const m of matched) if (m.action === action) budget.use(m.name);
  return {
    action,
    priority,
    matched_rules: listed,
    policy_version: policy.version,
    required_reviews: action === 'pass' ? 0 : requiredReviews,
    queue: action === 'pass' || lead === undefined ? null : lead.queue,
    review_probability: probability,
    // The lead hold rule's terms: the one whose queue the work went to.
    hold: action === 'hold' ? (policy.rules.find((r) => r.name === lead?.name)?.hold ?? null) : null,
  };
}
