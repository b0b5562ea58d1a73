import { normalQuantile } from '../distributions/normal.js';
import type { Interval } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';

/**
 * One production item. `reviewProbability` is the probability π_i with which the routing policy sent
 * this item to review, recorded at decision time: 1 for items a deterministic rule always sends,
 * the sampling rate for randomly sampled ones, 0 for items that could never be reviewed.
 * `error` is the reviewer's verdict and is required for reviewed items (ignored otherwise).
 */
export interface RoutedItem {
  reviewProbability: number;
  reviewed: boolean;
  error?: boolean;
  /**
   * How many identical items this entry stands for (default 1). The store counts items by
   * (π, reviewed, error) in SQL, so a window of millions of items arrives as a few groups.
   */
  count?: number;
}

export interface IpwErrorRateOptions {
  /** Confidence level of the normal intervals (default 0.95). */
  level?: number;
}

export interface RateEstimate {
  rate: number;
  standardError: number;
  /** rate ± z·SE, clipped to [0, 1]. */
  interval: Interval;
}

export interface IpwErrorRateResult {
  /** All items passed in. */
  population: number;
  /** Items with π > 0: the population every estimate below describes. */
  covered: number;
  /** Items with π = 0. No design-based estimate can say anything about them; they are excluded. */
  uncovered: number;
  reviewed: number;
  reviewedErrors: number;
  /** Items with π = 1 that were not reviewed (for example still pending). The estimates treat them as unsampled, which biases them; fix the input if this is not 0. */
  unreviewedAtCertainty: number;
  /** Error rate among reviewed items only, with the binomial SE √(p(1−p)/n). Biased whenever π varies with risk. */
  naive: RateEstimate & { reviewed: number };
  /** Horvitz–Thompson: Σ_reviewed y_i/π_i divided by the known covered count. Unbiased; can exceed 1. */
  horvitzThompson: RateEstimate & { estimatedErrors: number };
  /** Hájek: Σ_reviewed y_i/π_i over Σ_reviewed 1/π_i. Slightly biased, usually lower variance, always in [0, 1]. */
  hajek: RateEstimate & { estimatedPopulation: number };
  /** Plain statement of what the estimates cover, for display next to them. */
  coverage: string;
}

function interval(rate: number, se: number, z: number, level: number): Interval {
  return { low: Math.max(0, rate - z * se), high: Math.min(1, rate + z * se), level };
}

/**
 * Model error rate over the whole production stream when only some items were reviewed, each with a
 * known, item-specific inclusion probability π_i (the routing policy's recorded probability of review).
 *
 * The reviewed items are a Poisson sample (independent inclusions with probabilities π_i), so with
 * y_i = 1 for an error and N the number of covered items:
 *
 * - Horvitz & Thompson (1952), "A generalization of sampling without replacement from a finite
 *   universe", JASA 47:663–685: p̂_HT = Σ_s y_i/π_i / N. Under Poisson sampling the joint inclusion
 *   probabilities factorise, so the unbiased variance estimator reduces to
 *   V̂ = Σ_s (1 − π_i)·y_i²/π_i² / N² (Särndal, Swensson & Wretman 1992, "Model Assisted Survey
 *   Sampling", the π estimator and its variance estimator specialised to Poisson sampling).
 * - Hájek (1971) ratio form p̂_H = Σ_s y_i/π_i / Σ_s 1/π_i with the Taylor-linearised variance
 *   V̂ = Σ_s (1 − π_i)·(y_i − p̂_H)²/π_i² / N̂², N̂ = Σ_s 1/π_i (Särndal et al. 1992, the estimator of a
 *   population mean with estimated population size).
 * - The naive reviewed-only rate is reported for contrast: when the policy over-samples risky items
 *   it over-states the stream's error rate.
 *
 * Items with π = 0 are counted in `uncovered` and left out: nothing observed can stand in for them,
 * so every estimate is the error rate of the covered items only. Items with π = 1 are reviewed with
 * certainty and contribute no variance.
 *
 * Errors: π outside [0, 1] or non-finite, `reviewed` not boolean, a reviewed item with π = 0 or
 * without a boolean `error` → TG_STATS_INVALID_INPUT. No items, no covered items or no reviewed
 * items → TG_STATS_UNDEFINED.
 */
export function ipwErrorRate(items: readonly RoutedItem[], options: IpwErrorRateOptions = {}): IpwErrorRateResult {
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw invalidStatsInput('confidence level must lie in (0, 1)', { level });
  if (items.length === 0) throw undefinedStatistic('no items: the error rate of an empty stream is undefined');

  let covered = 0;
  let uncovered = 0;
  let reviewed = 0;
  let reviewedErrors = 0;
  let unreviewedAtCertainty = 0;
  let weightedErrors = 0; // Σ_s y/π
  let weightSum = 0; // Σ_s 1/π
  let htVarianceNumerator = 0; // Σ_s (1−π) y / π²   (y² = y for 0/1 outcomes)
  let population = 0;
  items.forEach((item, index) => {
    const n = item?.count ?? 1;
    if (!Number.isInteger(n) || n < 0) throw invalidStatsInput('count must be a non-negative integer', { index, count: n });
    population += n;
    const pi = item?.reviewProbability;
    if (typeof pi !== 'number' || !Number.isFinite(pi) || pi < 0 || pi > 1) {
      throw invalidStatsInput('reviewProbability must be a number in [0, 1]', { index, reviewProbability: pi });
    }
    if (typeof item.reviewed !== 'boolean') throw invalidStatsInput('reviewed must be a boolean', { index });
    if (pi === 0) {
      if (item.reviewed) throw invalidStatsInput('an item with review probability 0 cannot have been reviewed', { index });
      uncovered += n;
      return;
    }
    covered += n;
    if (!item.reviewed) {
      if (pi === 1) unreviewedAtCertainty += n;
      return;
    }
    if (typeof item.error !== 'boolean') throw invalidStatsInput('a reviewed item needs a boolean error verdict', { index });
    reviewed += n;
    weightSum += n / pi;
    if (item.error) {
      reviewedErrors += n;
      weightedErrors += n / pi;
      htVarianceNumerator += (n * (1 - pi)) / (pi * pi);
    }
  });
  if (covered === 0) throw undefinedStatistic('every item has review probability 0: nothing can be estimated', { uncovered });
  if (reviewed === 0) throw undefinedStatistic('no item was reviewed, so there is no error information', { covered });

  const z = normalQuantile(0.5 + level / 2);

  const naiveRate = reviewedErrors / reviewed;
  const naiveSe = Math.sqrt((naiveRate * (1 - naiveRate)) / reviewed);

  const htRate = weightedErrors / covered;
  const htSe = Math.sqrt(htVarianceNumerator) / covered;

  const hajekRate = weightedErrors / weightSum;
  // Second pass over the reviewed items for the residuals y − p̂_H.
  let hajekVarianceNumerator = 0;
  for (const item of items) {
    const pi = item.reviewProbability;
    if (pi === 0 || !item.reviewed) continue;
    const residual = (item.error ? 1 : 0) - hajekRate;
    hajekVarianceNumerator += ((item.count ?? 1) * (1 - pi) * residual * residual) / (pi * pi);
  }
  const hajekSe = Math.sqrt(hajekVarianceNumerator) / weightSum;

  const coverage =
    uncovered === 0
      ? `Estimates cover all ${covered} items.`
      : `Estimates cover the ${covered} items that had a non-zero chance of review; ${uncovered} items with review probability 0 are not represented.`;

  return {
    population,
    covered,
    uncovered,
    reviewed,
    reviewedErrors,
    unreviewedAtCertainty,
    naive: { rate: naiveRate, standardError: naiveSe, interval: interval(naiveRate, naiveSe, z, level), reviewed },
    horvitzThompson: { rate: htRate, standardError: htSe, interval: interval(htRate, htSe, z, level), estimatedErrors: weightedErrors },
    hajek: { rate: hajekRate, standardError: hajekSe, interval: interval(hajekRate, hajekSe, z, level), estimatedPopulation: weightSum },
    coverage,
  };
}
