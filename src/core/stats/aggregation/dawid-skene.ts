import type { RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { type CategoryOptions, categorySet, compareIds, type LabelJudgment, labelKey, validateJudgments } from './majority-vote.js';

export interface DawidSkeneOptions extends CategoryOptions {
  /** Stop when the largest change of any posterior probability between iterations is below this; default 1e-6. */
  tol?: number;
  /** Upper bound on EM iterations; default 100. */
  maxIterations?: number;
  /**
   * Pseudo-count added to every confusion-matrix cell and every class-prior count in the M-step;
   * default 0.01. It keeps an estimated zero error rate from vetoing a class for good (log 0 = −∞
   * would lock the posterior in), at the cost of a small pull toward uniform rates. 0 gives the
   * plain maximum-likelihood estimates of the paper.
   */
  smoothing?: number;
}

export interface LabelProbability {
  label: RatingValue;
  probability: number;
}

export interface DawidSkeneItem {
  item: string;
  /** P(true label | judgments) for every category, in category order; sums to 1. */
  posterior: LabelProbability[];
  /** Most probable label; ties go to the first in category order. */
  label: RatingValue;
}

export interface DawidSkeneReviewer {
  reviewer: string;
  /** confusion[t][g] = P(reviewer gives labels[g] | true label is labels[t]); each row sums to 1. */
  confusion: number[][];
}

export interface DawidSkeneResult {
  /** The categories in the order used by every matrix and list below. */
  labels: RatingValue[];
  items: DawidSkeneItem[];
  reviewers: DawidSkeneReviewer[];
  classPriors: LabelProbability[];
  /** EM iterations run (one iteration = M-step then E-step). */
  iterations: number;
  converged: boolean;
  /**
   * Log-likelihood of the judgments under the final parameters, Σ_items log Σ_t p_t Π π_t,given
   * (Dawid & Skene 1979, eq. 2.7 without the multinomial coefficients, which do not depend on the
   * parameters). With smoothing > 0 these are the smoothed (MAP-like) parameters.
   */
  logLikelihood: number;
}

/** One item's judgments, aggregated: reviewer index, label index, how many times. */
interface Observation {
  r: number;
  g: number;
  n: number;
}

function validateOptions(options: DawidSkeneOptions): { tol: number; maxIterations: number; smoothing: number } {
  const tol = options.tol ?? 1e-6;
  const maxIterations = options.maxIterations ?? 100;
  const smoothing = options.smoothing ?? 0.01;
  if (typeof tol !== 'number' || !(tol > 0) || !Number.isFinite(tol)) throw invalidStatsInput('tol must be a positive number', { tol });
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw invalidStatsInput('maxIterations must be a positive integer', { maxIterations });
  if (typeof smoothing !== 'number' || !(smoothing >= 0) || !Number.isFinite(smoothing)) {
    throw invalidStatsInput('smoothing must be a non-negative number', { smoothing });
  }
  return { tol, maxIterations, smoothing };
}

/**
 * Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using the EM
 * algorithm", Applied Statistics 28(1):20-28. Each reviewer has a confusion matrix (the probability
 * of each given label for each true label); items' true labels are latent and estimated by EM.
 *
 * - Initialisation: each item's posterior is the share of its judgments per label (the paper's
 *   eq. 3.1, majority-vote soft counts).
 * - M-step: class priors and confusion matrices from the posteriors (eqs. 2.3-2.4), with
 *   `smoothing` pseudo-counts.
 * - E-step: posteriors by Bayes (eq. 2.5), computed in log space and normalised with log-sum-exp,
 *   so long judgment lists cannot underflow.
 * - Stops when no posterior moves by `tol` or more, or after `maxIterations`.
 *
 * Items, reviewers and labels are sorted internally and sums run in that order, so the result does
 * not depend on the order of the input. Repeated judgments by one reviewer on one item are separate
 * observations, as in the paper's data (observer 1 rated each patient three times).
 */
export function dawidSkene(judgments: readonly LabelJudgment[], options: DawidSkeneOptions = {}): DawidSkeneResult {
  validateJudgments(judgments);
  const { tol, maxIterations, smoothing } = validateOptions(options);
  const cats = categorySet(
    judgments.map((j) => j.label),
    options.categories,
  );
  const k = cats.labels.length;
  const itemIds = [...new Set(judgments.map((j) => j.item))].sort(compareIds);
  const reviewerIds = [...new Set(judgments.map((j) => j.reviewer))].sort(compareIds);
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const reviewerIndex = new Map(reviewerIds.map((id, i) => [id, i]));
  const nItems = itemIds.length;
  const nReviewers = reviewerIds.length;

  // counts[i] maps r * k + g → number of times reviewer r gave label g on item i.
  const counts = itemIds.map(() => new Map<number, number>());
  for (const j of judgments) {
    const i = itemIndex.get(j.item) ?? 0;
    const cell = (reviewerIndex.get(j.reviewer) ?? 0) * k + (cats.index.get(labelKey(j.label)) ?? 0);
    const m = counts[i]!;
    m.set(cell, (m.get(cell) ?? 0) + 1);
  }
  const observations: Observation[][] = counts.map((m) =>
    [...m.entries()].sort(([a], [b]) => a - b).map(([cell, n]) => ({ r: Math.floor(cell / k), g: cell % k, n })),
  );

  // Posteriors T[i][t], initialised to each item's label shares.
  let posterior: number[][] = observations.map((obs) => {
    const row = new Array<number>(k).fill(0);
    let total = 0;
    for (const o of obs) {
      row[o.g] = (row[o.g] ?? 0) + o.n;
      total += o.n;
    }
    return row.map((v) => v / total);
  });

  let priors = new Array<number>(k).fill(1 / k);
  let confusion: number[][][] = [];
  let logLikelihood = 0;
  let iterations = 0;
  let converged = false;

  while (iterations < maxIterations) {
    iterations += 1;

    // M-step.
    const priorCounts = new Array<number>(k).fill(smoothing);
    const cells: number[][][] = Array.from({ length: nReviewers }, () =>
      Array.from({ length: k }, () => new Array<number>(k).fill(smoothing)),
    );
    for (let i = 0; i < nItems; i++) {
      const t = posterior[i]!;
      for (let c = 0; c < k; c++) priorCounts[c]! += t[c]!;
      for (const o of observations[i]!) {
        const rows = cells[o.r]!;
        for (let c = 0; c < k; c++) rows[c]![o.g]! += t[c]! * o.n;
      }
    }
    const priorTotal = priorCounts.reduce((a, b) => a + b, 0);
    priors = priorCounts.map((v) => v / priorTotal);
    confusion = cells.map((rows) =>
      rows.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        // A true class with no mass at all (possible only without smoothing) has prior 0, so its
        // row never matters; uniform keeps it a distribution instead of 0/0.
        return total > 0 ? row.map((v) => v / total) : row.map(() => 1 / k);
      }),
    );

    // E-step in log space.
    const logPriors = priors.map((p) => Math.log(p));
    const logConfusion = confusion.map((rows) => rows.map((row) => row.map((p) => Math.log(p))));
    let maxChange = 0;
    logLikelihood = 0;
    const next = observations.map((obs, i) => {
      const logs = logPriors.slice();
      for (const o of obs) {
        const rows = logConfusion[o.r]!;
        for (let c = 0; c < k; c++) logs[c]! += o.n * rows[c]![o.g]!;
      }
      const top = Math.max(...logs);
      if (top === -Infinity) {
        throw undefinedStatistic(`item ${JSON.stringify(itemIds[i])} has zero likelihood under every class; use smoothing > 0`, {
          item: itemIds[i],
        });
      }
      let sum = 0;
      for (const v of logs) sum += Math.exp(v - top);
      const logNorm = top + Math.log(sum);
      logLikelihood += logNorm;
      const row = logs.map((v) => Math.exp(v - logNorm));
      const old = posterior[i]!;
      for (let c = 0; c < k; c++) maxChange = Math.max(maxChange, Math.abs(row[c]! - old[c]!));
      return row;
    });
    posterior = next;
    if (maxChange < tol) {
      converged = true;
      break;
    }
  }

  const items = itemIds.map((item, i): DawidSkeneItem => {
    const row = posterior[i]!;
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c]! > row[best]!) best = c;
    return {
      item,
      posterior: cats.labels.map((label, c) => ({ label, probability: row[c]! })),
      label: cats.labels[best]!,
    };
  });
  return {
    labels: cats.labels,
    items,
    reviewers: reviewerIds.map((reviewer, r) => ({ reviewer, confusion: confusion[r]! })),
    classPriors: cats.labels.map((label, c) => ({ label, probability: priors[c]! })),
    iterations,
    converged,
    logLikelihood,
  };
}
