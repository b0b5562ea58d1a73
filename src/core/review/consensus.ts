import { isRecord } from '../json.js';
import {
  CONSENSUS_RULES,
  type ConsensusConfig,
  type ConsensusRule,
  type ItemOutput,
  type OutcomeStatus,
  type Scores,
  type Verdict,
} from '../types.js';
import type { ConditionProblem } from '../policy/condition-types.js';

/**
 * How several reviewers' judgments become one outcome:
 * - `conservative` (the default): any rejection rejects, otherwise any correction corrects;
 * - `majority`: the verdict most reviewers gave, when one leads;
 * - `unanimous`: the verdict everyone gave;
 * - `weighted`: the verdict with the most weight, each reviewer weighing their measured
 *   agreement with peers.
 * When the rule finds no winner (a split verdict), or scores of a criterion lie further apart
 * than `max_score_spread` allows, an expert adjudicates.
 */
export const DEFAULT_CONSENSUS: ConsensusConfig = { rule: 'conservative' };

export interface ConsensusJudgment {
  reviewer: string;
  verdict: Verdict;
  scores: Scores;
  correction: ItemOutput | null;
  created_at: number;
}

export type ConsensusResult =
  | { kind: 'resolved'; status: Exclude<OutcomeStatus, 'pending' | 'timed_out'>; output: ItemOutput | null; reason: string }
  | { kind: 'adjudicate'; reason: string };

const VERDICT_ORDER: Verdict[] = ['reject', 'correct', 'approve'];

function outcomeOf(verdict: Verdict, original: ItemOutput, ordered: readonly ConsensusJudgment[]) {
  if (verdict === 'reject') return { status: 'rejected' as const, output: null };
  if (verdict === 'approve') return { status: 'approved' as const, output: original };
  // The latest correction: a later reviewer saw the same item and chose to change it.
  const latest = ordered.filter((j) => j.verdict === 'correct').at(-1);
  return { status: 'corrected' as const, output: latest?.correction ?? original };
}

function tally(judgments: readonly ConsensusJudgment[], weight: (reviewer: string) => number): Map<Verdict, number> {
  const t = new Map<Verdict, number>();
  for (const j of judgments) t.set(j.verdict, (t.get(j.verdict) ?? 0) + weight(j.reviewer));
  return t;
}

function describe(t: Map<Verdict, number>, digits = 0): string {
  return VERDICT_ORDER.filter((v) => t.has(v))
    .map((v) => `${v} ${(t.get(v) ?? 0).toFixed(digits)}`)
    .join(', ');
}

/**
 * The outcome once `required` judgments are in, by the project's consensus rule; null while
 * some are missing. `weights` (reviewer → weight) is used by the `weighted` rule; a reviewer
 * without one weighs 1.
 */
export function resolveByConsensus(
  config: ConsensusConfig,
  required: number,
  original: ItemOutput,
  judgments: readonly ConsensusJudgment[],
  weights?: ReadonlyMap<string, number>,
): ConsensusResult | null {
  if (judgments.length === 0 || judgments.length < required) return null;
  const ordered = [...judgments].sort((a, b) => a.created_at - b.created_at);
  const n = ordered.length;

  for (const [criterion, spread] of Object.entries(config.max_score_spread ?? {})) {
    const values = ordered.map((j) => j.scores[criterion]).filter((v): v is number => typeof v === 'number');
    if (values.length >= 2 && Math.max(...values) - Math.min(...values) > spread) {
      return {
        kind: 'adjudicate',
        reason: `scores for ${criterion} range from ${Math.min(...values)} to ${Math.max(...values)}, more than ${spread} apart`,
      };
    }
  }

  if (config.rule === 'conservative') {
    const rejects = ordered.filter((j) => j.verdict === 'reject').length;
    const corrections = ordered.filter((j) => j.verdict === 'correct').length;
    if (rejects > 0)
      return { kind: 'resolved', ...outcomeOf('reject', original, ordered), reason: `${rejects} of ${n} reviewer(s) rejected` };
    if (corrections > 0) {
      const latest = ordered.filter((j) => j.verdict === 'correct').at(-1);
      return {
        kind: 'resolved',
        ...outcomeOf('correct', original, ordered),
        reason: `${corrections} of ${n} reviewer(s) corrected; latest correction by ${latest?.reviewer ?? 'unknown'}`,
      };
    }
    return { kind: 'resolved', ...outcomeOf('approve', original, ordered), reason: `${n} of ${n} reviewer(s) approved` };
  }

  if (config.rule === 'unanimous') {
    const first = ordered[0]!.verdict;
    if (ordered.every((j) => j.verdict === first)) {
      return { kind: 'resolved', ...outcomeOf(first, original, ordered), reason: `unanimous: ${n} of ${n} reviewer(s) said ${first}` };
    }
    return { kind: 'adjudicate', reason: `not unanimous (${describe(tally(ordered, () => 1))})` };
  }

  const weighted = config.rule === 'weighted';
  // Without a record a reviewer weighs what a reviewer at chance would (a third, for three verdicts).
  const t = tally(ordered, (r) => (weighted ? (weights?.get(r) ?? 1 / 3) : 1));
  const top = Math.max(...t.values());
  const leaders = [...t.entries()].filter(([, w]) => Math.abs(w - top) <= 1e-9 * Math.max(1, top)).map(([v]) => v);
  const counts = describe(t, weighted ? 2 : 0);
  if (leaders.length !== 1 || top <= 0) return { kind: 'adjudicate', reason: `split verdict (${counts})` };
  const winner = leaders[0]!;
  return { kind: 'resolved', ...outcomeOf(winner, original, ordered), reason: `${config.rule}: ${winner} (${counts})` };
}

/** Reads the policy's `consensus` section; problems are added with their paths. */
export function readConsensus(raw: unknown, problems: ConditionProblem[]): ConsensusConfig | undefined {
  if (!isRecord(raw)) {
    problems.push({ path: 'consensus', message: 'must be an object {rule, max_score_spread?}' });
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (key !== 'rule' && key !== 'max_score_spread') problems.push({ path: `consensus.${key}`, message: 'unknown field' });
  const rule = raw['rule'];
  if (!(CONSENSUS_RULES as readonly unknown[]).includes(rule)) {
    problems.push({ path: 'consensus.rule', message: `must be one of ${CONSENSUS_RULES.map((r) => `"${r}"`).join(', ')}` });
  }
  const spread = raw['max_score_spread'];
  const out: Record<string, number> = {};
  if (spread !== undefined) {
    if (!isRecord(spread)) problems.push({ path: 'consensus.max_score_spread', message: 'must be an object of criterion key → number' });
    else {
      for (const [k, v] of Object.entries(spread)) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          problems.push({ path: `consensus.max_score_spread.${k}`, message: 'must be a number of at least 0' });
        else out[k] = v;
      }
    }
  }
  if (!(CONSENSUS_RULES as readonly unknown[]).includes(rule)) return undefined;
  return { rule: rule as ConsensusRule, ...(spread === undefined ? {} : { max_score_spread: out }) };
}
