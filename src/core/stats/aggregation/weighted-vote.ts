import type { RatingValue } from '../ratings.js';
import { reviewerAgreement } from '../reviewer/reviewer-accuracy.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import {
  applyTieRule,
  assertArray,
  type CategoryOptions,
  categorySet,
  compareIds,
  type LabelCount,
  type LabelJudgment,
  labelKey,
  resolveTieRule,
  type TieRule,
  validateJudgments,
} from './majority-vote.js';

/** A reviewer's track record: `correct` of `total` scored judgments (for example from `reviewerAccuracy`). */
export interface AccuracyRecord {
  reviewer: string;
  correct: number;
  total: number;
}

export interface WeightedVoteOptions extends CategoryOptions {
  ties?: TieRule;
  /** Explicit weight per reviewer; every reviewer in the judgments must have one. Overrides `accuracy`. */
  weights?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /**
   * Track records to derive log-odds weights from. A reviewer without a record gets the prior
   * accuracy 1/K and so weight 0. Without `weights` or `accuracy`, each reviewer's agreement with the
   * other reviewers' consensus (`reviewerAgreement`) stands in for accuracy.
   */
  accuracy?: readonly AccuracyRecord[];
}

export type WeightSource = 'supplied' | 'accuracy' | 'peer-agreement';

export interface ReviewerWeight {
  reviewer: string;
  weight: number;
  /** The smoothed accuracy the weight was derived from, or null for supplied weights. */
  accuracy: number | null;
}

export interface LabelScore {
  label: RatingValue;
  score: number;
}

export interface WeightedVoteItem {
  item: string;
  label: RatingValue | null;
  labels: RatingValue[];
  /** Labels whose score ties the top score (relative tolerance 1e-9), in category order; empty when there is no tie. */
  tied: RatingValue[];
  /** Raw vote counts per label that received a vote, in category order. */
  votes: LabelCount[];
  /** Summed weight per category (every category, in category order; a category without votes scores 0). */
  scores: LabelScore[];
  total: number;
  /** Fraction of the item's judgments that voted for `label`, or null when there is no single winner. */
  share: number | null;
}

export interface WeightedVoteResult {
  items: WeightedVoteItem[];
  /** Weight used for each reviewer, in code-unit order of reviewer ids. */
  weights: ReviewerWeight[];
  source: WeightSource;
  /** Number of categories K used in the log-odds weights. */
  categories: number;
}

// Scores are sums of logs; ties are decided with a relative tolerance so that the same weights
// added in a different grouping (0.1 + 0.2 vs 0.3) still count as tied.
const TIE_TOLERANCE = 1e-9;

/**
 * Log-odds weight of a reviewer with accuracy a among K categories: log(a(K − 1)/(1 − a)).
 *
 * For two categories this is the optimal weight of Nitzan & Paroush (1982, "Optimal decision rules
 * in uncertain dichotomous choice situations", International Economic Review 23(2):289-297; also
 * Shapley & Grofman 1984): with independent reviewers, weighted majority with w = log(a/(1 − a))
 * maximises the probability of a correct collective decision. For K categories under the symmetric
 * error model (a wrong answer is equally likely to be any of the K − 1 other labels), a vote for l
 * multiplies the likelihood of "truth = l" by a and of each other label by (1 − a)/(K − 1), so the
 * log-likelihood ratio a vote adds is log(a(K − 1)/(1 − a)); summing these per label and taking the
 * maximum is the MAP decision under a uniform prior. The weight is 0 at chance (a = 1/K) and
 * negative below it (the vote is evidence against its label).
 */
export function logOddsWeight(accuracy: number, categories: number): number {
  if (!Number.isInteger(categories) || categories < 2)
    throw undefinedStatistic('log-odds weights need at least two categories', { categories });
  if (!(accuracy > 0 && accuracy < 1)) throw invalidStatsInput('accuracy must be strictly between 0 and 1 (smooth it first)', { accuracy });
  return Math.log(accuracy) + Math.log(categories - 1) - Math.log1p(-accuracy);
}

/**
 * Accuracy smoothed by a Beta(1, K − 1) prior: (correct + 1) / (total + K). The prior mean is chance
 * level 1/K, so a reviewer with no record gets weight 0, and the estimate never reaches 0 or 1, so
 * the weight stays finite (a perfect record of n gives (n + 1)/(n + K), not 1).
 */
export function smoothedAccuracy(correct: number, total: number, categories: number): number {
  if (!Number.isInteger(total) || total < 0 || !Number.isInteger(correct) || correct < 0 || correct > total) {
    throw invalidStatsInput('an accuracy record needs integers 0 ≤ correct ≤ total', { correct, total });
  }
  return (correct + 1) / (total + categories);
}

function readWeights(weights: ReadonlyMap<string, number> | Readonly<Record<string, number>>): (reviewer: string) => number | undefined {
  if (weights instanceof Map) {
    const map = weights as ReadonlyMap<string, number>;
    return (r) => map.get(r);
  }
  if (typeof weights !== 'object' || weights === null) throw invalidStatsInput('weights must be a Map or an object of reviewer → weight');
  const record = weights as Readonly<Record<string, number>>;
  return (r) => (Object.hasOwn(record, r) ? record[r] : undefined);
}

function reviewerWeights(
  judgments: readonly LabelJudgment[],
  reviewers: readonly string[],
  k: number,
  options: WeightedVoteOptions,
): { source: WeightSource; weights: ReviewerWeight[] } {
  if (options.weights !== undefined) {
    const get = readWeights(options.weights);
    const weights = reviewers.map((reviewer) => {
      const weight = get(reviewer);
      if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        throw invalidStatsInput(`reviewer ${JSON.stringify(reviewer)} has no finite weight`, { reviewer });
      }
      return { reviewer, weight, accuracy: null };
    });
    return { source: 'supplied', weights };
  }
  const records = new Map<string, { correct: number; total: number }>();
  let source: WeightSource;
  if (options.accuracy !== undefined) {
    assertArray(options.accuracy, 'accuracy');
    for (const r of options.accuracy) {
      if (typeof r !== 'object' || r === null || typeof r.reviewer !== 'string')
        throw invalidStatsInput('accuracy entries need a reviewer');
      if (records.has(r.reviewer)) throw invalidStatsInput(`accuracy lists reviewer ${JSON.stringify(r.reviewer)} twice`);
      records.set(r.reviewer, { correct: r.correct, total: r.total });
    }
    source = 'accuracy';
  } else {
    const agreement = reviewerAgreement(judgments.map((j) => ({ reviewer: j.reviewer, item: j.item, value: j.label })));
    for (const a of agreement) records.set(a.reviewer, { correct: a.agreed, total: a.compared });
    source = 'peer-agreement';
  }
  const weights = reviewers.map((reviewer) => {
    const rec = records.get(reviewer) ?? { correct: 0, total: 0 };
    const accuracy = smoothedAccuracy(rec.correct, rec.total, k);
    return { reviewer, weight: logOddsWeight(accuracy, k), accuracy };
  });
  return { source, weights };
}

/**
 * Accuracy-weighted vote per item: each judgment adds its reviewer's weight to its label and the
 * highest total wins (ties handled as in `majorityVote`). Weights are supplied, or log-odds of the
 * reviewer's smoothed accuracy (`logOddsWeight`, `smoothedAccuracy`). Every category is a
 * candidate, so when the only votes come from reviewers worse than chance a label nobody chose can
 * win, as the optimal rule prescribes. Default weights need at least two categories (pass
 * `categories` when only one label was observed); otherwise TG_STATS_UNDEFINED.
 */
export function weightedVote(judgments: readonly LabelJudgment[], options: WeightedVoteOptions = {}): WeightedVoteResult {
  validateJudgments(judgments);
  const rule = resolveTieRule(options.ties);
  const cats = categorySet(
    judgments.map((j) => j.label),
    options.categories,
  );
  const k = cats.labels.length;
  const reviewers = [...new Set(judgments.map((j) => j.reviewer))].sort(compareIds);
  const { source, weights } = reviewerWeights(judgments, reviewers, k, options);
  const weightOf = new Map(weights.map((w) => [w.reviewer, w.weight]));

  const byItem = new Map<string, { reviewer: string; c: number }[]>();
  for (const j of judgments) {
    let list = byItem.get(j.item);
    if (list === undefined) {
      list = [];
      byItem.set(j.item, list);
    }
    list.push({ reviewer: j.reviewer, c: cats.index.get(labelKey(j.label)) ?? 0 });
  }

  const items = [...byItem.keys()].sort(compareIds).map((item): WeightedVoteItem => {
    // Summing in a canonical order makes the floating-point totals independent of input order.
    const list = (byItem.get(item) ?? []).sort((a, b) => compareIds(a.reviewer, b.reviewer) || a.c - b.c);
    const counts = new Array<number>(k).fill(0);
    const scores = new Array<number>(k).fill(0);
    for (const { reviewer, c } of list) {
      counts[c] = (counts[c] ?? 0) + 1;
      scores[c] = (scores[c] ?? 0) + (weightOf.get(reviewer) ?? 0);
    }
    const best = Math.max(...scores);
    const tolerance = TIE_TOLERANCE * Math.max(1, Math.abs(best));
    const top = cats.labels.filter((_, c) => (scores[c] ?? 0) >= best - tolerance);
    const decision = applyTieRule(top, rule);
    const votes: LabelCount[] = [];
    cats.labels.forEach((label, c) => {
      const count = counts[c] ?? 0;
      if (count > 0) votes.push({ label, count });
    });
    const winner = decision.label === null ? undefined : cats.index.get(labelKey(decision.label));
    return {
      item,
      ...decision,
      votes,
      scores: cats.labels.map((label, c) => ({ label, score: scores[c] ?? 0 })),
      total: list.length,
      share: winner === undefined ? null : (counts[winner] ?? 0) / list.length,
    };
  });
  return { items, weights, source, categories: k };
}
