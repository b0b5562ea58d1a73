import type { Rating } from '../ratings.js';
import { undefinedStatistic } from '../stats-errors.js';
import { buildRatingTable } from './rating-table.js';

export interface PercentAgreementResult {
  /** Mean share of agreeing rater pairs per unit, in [0, 1]. */
  value: number;
  /** Units used: those with at least two non-missing ratings. */
  units: number;
  /** Distinct raters with at least one rating in a used unit. */
  raters: number;
}

/**
 * Percent agreement (chance-uncorrected). For each unit with m ≥ 2 non-missing ratings, the
 * share of its m(m−1)/2 rater pairs that gave the same category, Σ_c n_c(n_c−1) / (m(m−1));
 * the value is the mean of that share over the units, each unit weighted equally. With two
 * raters this is the share of units on which they agree; with a fixed number of raters it is
 * Fleiss's (1971) P̄. Units with fewer than two ratings carry no pair and are skipped.
 * Throws `TG_STATS_UNDEFINED` when no unit has two ratings.
 */
export function percentAgreement(ratings: readonly Rating[]): PercentAgreementResult {
  const table = buildRatingTable(ratings);
  let sum = 0;
  let used = 0;
  const raters = new Set<number>();
  for (const unit of table.units) {
    const m = unit.ratings.length;
    if (m < 2) continue;
    const counts = new Map<number, number>();
    for (const { rater, category } of unit.ratings) {
      counts.set(category, (counts.get(category) ?? 0) + 1);
      raters.add(rater);
    }
    let agreeingPairs = 0;
    for (const n of counts.values()) agreeingPairs += n * (n - 1);
    sum += agreeingPairs / (m * (m - 1));
    used += 1;
  }
  if (used === 0) throw undefinedStatistic('percent agreement needs at least one unit with two or more non-missing ratings');
  return { value: sum / used, units: used, raters: raters.size };
}
