import { TollgateError } from '../errors.js';
import type { Interval } from '../stats/ratings.js';
import { wilsonInterval } from '../stats/reviewer/wilson-interval.js';
import { ACTIONS, type ItemFacts, type MatchedRule, type OutcomeStatus, type RoutingAction } from '../types.js';
import { evaluatePolicy, type CompiledPolicy } from './policy-evaluate.js';

/**
 * Policy backtest: replays a candidate policy over stored items and compares its routing with
 * the routing the items actually got (the decision stored at capture time). Pure and
 * incremental: `add` folds one item into running counts and keeps nothing of it but, for at
 * most MAX_MISSED_EXAMPLES known failures, the id. The store can stream millions of items
 * through it in constant memory (plus one small record per calendar day in the range).
 *
 * The big caveat, repeated in every report's `caveats`: recall of known failures can only be
 * measured on failures humans found, and humans almost only see what the current policy chose
 * to show them. Failures the current policy passed are mostly invisible, so the comparison is
 * biased towards the current policy (whose recall is near 1 by construction) and says nothing
 * about failures that neither policy routes.
 */

/** A stored item as the backtest reads it: the policy-visible facts plus what happened to it. */
export interface BacktestItem extends ItemFacts {
  /** Capture time, epoch milliseconds. */
  created_at: number;
  /** The routing the policy in force at capture time gave the item (the "current" policy). */
  decision: { action: RoutingAction; required_reviews: number; matched_rules: { name: string }[] };
  outcome_status: OutcomeStatus;
}

export interface BacktestOptions {
  /**
   * Minutes east of UTC used to cut the per-day buckets (e.g. 120 for UTC+2, -300 for UTC-5);
   * default 0. An integer in [-1440, 1440].
   */
  timeZoneOffsetMinutes?: number;
}

/** Routing totals of one policy over all items. */
export interface BacktestPolicyTotals {
  /** Items sent to a person: action `review` or `hold`. */
  routed: number;
  /** Items with action `hold` (a subset of `routed`). */
  held: number;
  /** Σ required_reviews over routed items: the reviewer workload in tasks. */
  reviewTasks: number;
  /** routed / items; null when there are no items. */
  share: number | null;
  /** Items no rule matched, so the policy's default action applied. */
  unmatched: number;
}

export interface BacktestCandidateTotals extends BacktestPolicyTotals {
  /**
   * Σ decision.review_probability: the expected number of routed items over the candidate's
   * sampling draws. Equals `routed` for a policy without sampled rules; with sampled rules,
   * `routed` is one (deterministic) draw and this is its expectation.
   */
  expectedRouted: number;
}

export interface BacktestRuleReport {
  name: string;
  action: RoutingAction;
  priority: number;
  /** Items the rule matched (for a sampled rule: matched its condition and was drawn). */
  matched: number;
  /**
   * Items where it was the lead rule: among the matched rules with the final action, the first
   * (in document order) with the highest priority, as evaluatePolicy picks the queue.
   */
  decisive: number;
  /** Items sent to a person by this rule alone: no other review/hold rule matched. 0 for pass rules. */
  onlyRule: number;
}

export interface BacktestDay {
  /** YYYY-MM-DD, in UTC shifted by timeZoneOffsetMinutes. */
  day: string;
  items: number;
  candidateRouted: number;
  currentRouted: number;
  candidateTasks: number;
  currentTasks: number;
}

export interface BacktestRecall {
  /** caught / total. */
  rate: number;
  /** 95% Wilson score interval of the rate. */
  interval: Interval;
}

/** Items humans found wrong: outcome_status `rejected` or `corrected`. */
export interface BacktestKnownFailures {
  total: number;
  /** Known failures the candidate would route to a person. */
  candidateCaught: number;
  /** Known failures whose stored decision routed them (normally all; sampling and other paths aside). */
  currentCaught: number;
  /** Caught by the candidate but not by the current policy. */
  candidateOnly: number;
  /** Caught by the current policy but not by the candidate. */
  currentOnly: number;
  /** Σ review_probability of the candidate over known failures: expected catches over its sampling draws. */
  candidateExpectedCaught: number;
  /** null when total = 0. */
  candidateRecall: BacktestRecall | null;
  /** null when total = 0. */
  currentRecall: BacktestRecall | null;
  /** Up to MAX_MISSED_EXAMPLES ids of known failures the candidate would pass, first added first. */
  missedByCandidate: string[];
}

/**
 * Items a person judged. Approximated as outcome approved/rejected/corrected on an item the
 * stored decision routed (an outcome on a passed item came from elsewhere, e.g. feedback).
 */
export interface BacktestJudged {
  total: number;
  /** Of those, how many the candidate would also route to a person. */
  candidateRouted: number;
}

/** Items whose stored action was `from` and whose candidate action is `to`. */
export interface BacktestChange {
  from: RoutingAction;
  to: RoutingAction;
  count: number;
}

export interface BacktestReport {
  items: number;
  /** Earliest / latest created_at seen (epoch ms); null when there are no items. */
  from: number | null;
  to: number | null;
  timeZoneOffsetMinutes: number;
  overall: { candidate: BacktestCandidateTotals; current: BacktestPolicyTotals };
  /** One entry per candidate rule, in document order. */
  perRule: BacktestRuleReport[];
  /** One entry per day with at least one item, sorted by day. */
  perDay: BacktestDay[];
  knownFailures: BacktestKnownFailures;
  judged: BacktestJudged;
  /** The stored-action × candidate-action matrix, only the non-zero cells, in (from, to) order pass, review, hold. */
  changes: BacktestChange[];
  /** How to read the figures; the first is the selection bias of known-failure recall. */
  caveats: string[];
}

export interface Backtest {
  /** Replays the candidate on one item and folds the result into the counts; the item is not kept. */
  add(item: BacktestItem): void;
  /** The report for everything added so far; may be called any number of times. */
  report(): BacktestReport;
}

export const MAX_MISSED_EXAMPLES = 20;
const DAY_MS = 86_400_000;
const MAX_OFFSET_MINUTES = 1440;
// The ECMAScript Date range: days outside it have no calendar date to print.
const MAX_TIME_MS = 8.64e15;

export const BACKTEST_CAVEATS: readonly string[] = [
  'Recall of known failures counts only failures humans found, and humans mostly saw the items the current policy routed to them: ' +
    'failures the current policy passed are largely unknown, so the comparison favours the current policy and says nothing about ' +
    'failures neither policy routes.',
  'Current-policy figures come from the decisions stored when each item was captured; if the policy changed during the range, ' +
    '"current" mixes those versions.',
  'Sampled rules in the candidate draw deterministically from the item id, rule name and seed, so the counts are one draw; ' +
    'expectedRouted and candidateExpectedCaught give the expectation over draws.',
  'Judged items are approximated as items with an approved, rejected or corrected outcome that the stored decision routed.',
];

const ACTION_INDEX: Record<RoutingAction, number> = { pass: 0, review: 1, hold: 2 };

interface Totals {
  routed: number;
  held: number;
  reviewTasks: number;
  unmatched: number;
}

interface DayCounts {
  items: number;
  candidateRouted: number;
  currentRouted: number;
  candidateTasks: number;
  currentTasks: number;
}

interface RuleCounts {
  matched: number;
  decisive: number;
  onlyRule: number;
}

function emptyTotals(): Totals {
  return { routed: 0, held: 0, reviewTasks: 0, unmatched: 0 };
}

function readOffset(options: BacktestOptions): number {
  const offset = options.timeZoneOffsetMinutes ?? 0;
  if (!Number.isInteger(offset) || Math.abs(offset) > MAX_OFFSET_MINUTES) {
    throw new TollgateError(
      'TG_VALIDATION_FAILED',
      `timeZoneOffsetMinutes must be an integer in [-${MAX_OFFSET_MINUTES}, ${MAX_OFFSET_MINUTES}]`,
      {
        timeZoneOffsetMinutes: offset,
      },
    );
  }
  return offset;
}

function dayString(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** The lead rule as evaluatePolicy picks it: the first highest-priority match with the final action. */
function leadRule(matched: readonly MatchedRule[], action: RoutingAction): MatchedRule | undefined {
  let lead: MatchedRule | undefined;
  for (const match of matched) {
    if (match.action !== action) continue;
    if (lead === undefined || match.priority > lead.priority) lead = match;
  }
  return lead;
}

function recall(caught: number, total: number): BacktestRecall | null {
  return total === 0 ? null : { rate: caught / total, interval: wilsonInterval(caught, total) };
}

class PolicyBacktest implements Backtest {
  private readonly candidate: CompiledPolicy;
  private readonly offsetMs: number;
  private readonly offsetMinutes: number;
  private readonly ruleIndex = new Map<string, number>();
  private readonly rules: RuleCounts[];
  private readonly days = new Map<number, DayCounts>();
  // changes[from * 3 + to], indices per ACTION_INDEX.
  private readonly changes: number[] = new Array<number>(ACTIONS.length * ACTIONS.length).fill(0);
  private readonly candidateTotals = emptyTotals();
  private readonly currentTotals = emptyTotals();
  private expectedRouted = 0;
  private items = 0;
  private from: number | null = null;
  private to: number | null = null;
  private readonly failures = {
    total: 0,
    candidateCaught: 0,
    currentCaught: 0,
    candidateOnly: 0,
    currentOnly: 0,
    candidateExpectedCaught: 0,
  };
  private readonly missed: string[] = [];
  private judgedTotal = 0;
  private judgedCandidateRouted = 0;

  constructor(candidate: CompiledPolicy, options: BacktestOptions) {
    this.candidate = candidate;
    this.offsetMinutes = readOffset(options);
    this.offsetMs = this.offsetMinutes * 60_000;
    candidate.rules.forEach((rule, i) => this.ruleIndex.set(rule.name, i));
    this.rules = candidate.rules.map(() => ({ matched: 0, decisive: 0, onlyRule: 0 }));
  }

  add(item: BacktestItem): void {
    const createdAt = item.created_at;
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt) || Math.abs(createdAt) > MAX_TIME_MS - DAY_MS) {
      throw new TollgateError('TG_VALIDATION_FAILED', 'created_at must be a finite epoch time in milliseconds', {
        id: item.id,
        created_at: createdAt,
      });
    }
    const stored = item.decision;
    const storedIndex = ACTIONS.indexOf(stored.action);
    if (storedIndex < 0) {
      throw new TollgateError('TG_VALIDATION_FAILED', 'decision.action must be pass, review or hold', {
        id: item.id,
        action: stored.action,
      });
    }

    const decision = evaluatePolicy(this.candidate, item);
    const candidateRouted = decision.action !== 'pass';
    const currentRouted = stored.action !== 'pass';
    const candidateTasks = candidateRouted ? decision.required_reviews : 0;
    const currentTasks = currentRouted ? stored.required_reviews : 0;
    const probability = decision.review_probability ?? (candidateRouted ? 1 : 0);

    this.items += 1;
    if (this.from === null || createdAt < this.from) this.from = createdAt;
    if (this.to === null || createdAt > this.to) this.to = createdAt;

    this.count(this.candidateTotals, decision.action, candidateTasks, decision.matched_rules.length === 0);
    this.count(this.currentTotals, stored.action, currentTasks, stored.matched_rules.length === 0);
    this.expectedRouted += probability;
    this.countRules(decision.matched_rules, decision.action);

    const dayNumber = Math.floor((createdAt + this.offsetMs) / DAY_MS);
    let day = this.days.get(dayNumber);
    if (day === undefined) {
      day = { items: 0, candidateRouted: 0, currentRouted: 0, candidateTasks: 0, currentTasks: 0 };
      this.days.set(dayNumber, day);
    }
    day.items += 1;
    if (candidateRouted) day.candidateRouted += 1;
    if (currentRouted) day.currentRouted += 1;
    day.candidateTasks += candidateTasks;
    day.currentTasks += currentTasks;

    const cell = storedIndex * ACTIONS.length + ACTION_INDEX[decision.action];
    this.changes[cell] = (this.changes[cell] ?? 0) + 1;

    const outcome = item.outcome_status;
    if (outcome === 'rejected' || outcome === 'corrected') {
      const f = this.failures;
      f.total += 1;
      f.candidateExpectedCaught += probability;
      if (candidateRouted) f.candidateCaught += 1;
      if (currentRouted) f.currentCaught += 1;
      if (candidateRouted && !currentRouted) f.candidateOnly += 1;
      if (currentRouted && !candidateRouted) f.currentOnly += 1;
      if (!candidateRouted && this.missed.length < MAX_MISSED_EXAMPLES) this.missed.push(item.id);
    }
    if (currentRouted && (outcome === 'approved' || outcome === 'rejected' || outcome === 'corrected')) {
      this.judgedTotal += 1;
      if (candidateRouted) this.judgedCandidateRouted += 1;
    }
  }

  private count(totals: Totals, action: RoutingAction, tasks: number, unmatched: boolean): void {
    if (action !== 'pass') totals.routed += 1;
    if (action === 'hold') totals.held += 1;
    totals.reviewTasks += tasks;
    if (unmatched) totals.unmatched += 1;
  }

  private countRules(matched: readonly MatchedRule[], action: RoutingAction): void {
    let routing: MatchedRule | undefined;
    let routingRules = 0;
    for (const match of matched) {
      const counts = this.rule(match.name);
      if (counts !== undefined) counts.matched += 1;
      if (match.action !== 'pass') {
        routing = match;
        routingRules += 1;
      }
    }
    const lead = leadRule(matched, action);
    if (lead !== undefined) {
      const counts = this.rule(lead.name);
      if (counts !== undefined) counts.decisive += 1;
    }
    if (routingRules === 1 && routing !== undefined) {
      const counts = this.rule(routing.name);
      if (counts !== undefined) counts.onlyRule += 1;
    }
  }

  private rule(name: string): RuleCounts | undefined {
    const index = this.ruleIndex.get(name);
    return index === undefined ? undefined : this.rules[index];
  }

  report(): BacktestReport {
    const items = this.items;
    const share = (routed: number): number | null => (items === 0 ? null : routed / items);
    const f = this.failures;

    const changes: BacktestChange[] = [];
    ACTIONS.forEach((from, i) => {
      ACTIONS.forEach((to, j) => {
        const count = this.changes[i * ACTIONS.length + j] ?? 0;
        if (count > 0) changes.push({ from, to, count });
      });
    });

    return {
      items,
      from: this.from,
      to: this.to,
      timeZoneOffsetMinutes: this.offsetMinutes,
      overall: {
        candidate: { ...this.candidateTotals, share: share(this.candidateTotals.routed), expectedRouted: this.expectedRouted },
        current: { ...this.currentTotals, share: share(this.currentTotals.routed) },
      },
      perRule: this.candidate.rules.map((rule, i) => {
        const counts = this.rules[i] ?? { matched: 0, decisive: 0, onlyRule: 0 };
        return { name: rule.name, action: rule.action, priority: rule.priority, ...counts };
      }),
      perDay: [...this.days.entries()].sort(([a], [b]) => a - b).map(([dayNumber, counts]) => ({ day: dayString(dayNumber), ...counts })),
      knownFailures: {
        ...f,
        candidateRecall: recall(f.candidateCaught, f.total),
        currentRecall: recall(f.currentCaught, f.total),
        missedByCandidate: [...this.missed],
      },
      judged: { total: this.judgedTotal, candidateRouted: this.judgedCandidateRouted },
      changes,
      caveats: [...BACKTEST_CAVEATS],
    };
  }
}

/** Starts an incremental backtest of `candidate`; feed it items with `add`, read it with `report`. */
export function createBacktest(candidate: CompiledPolicy, options: BacktestOptions = {}): Backtest {
  return new PolicyBacktest(candidate, options);
}

/** Backtests `candidate` over `items` in one call; the iterable is consumed once and not retained. */
export function backtestPolicy(candidate: CompiledPolicy, items: Iterable<BacktestItem>, options: BacktestOptions = {}): BacktestReport {
  const backtest = createBacktest(candidate, options);
  for (const item of items) backtest.add(item);
  return backtest.report();
}
