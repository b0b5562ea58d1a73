import { isTollgateError } from '../../errors.js';
import { percentileInterval } from '../quantile.js';
import { checkBootstrapOptions, type BootstrapInterval, type BootstrapOptions } from '../bootstrap.js';
import { createRandom } from '../random.js';
import type { Rating } from '../ratings.js';
import { undefinedStatistic } from '../stats-errors.js';

export type UnitBootstrapOptions = BootstrapOptions;
export type UnitBootstrapInterval = BootstrapInterval;

/** Bounded like Krippendorff's bootstrap: each resample recomputes the statistic in full. */
export const UNIT_BOOTSTRAP_MAX_SAMPLES = 20_000;

/**
 * Percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) for any agreement statistic of
 * reliability data, resampling whole units with replacement as krippendorffAlphaBootstrap does:
 * a unit's ratings are dependent, the units are the sampled objects. A unit drawn twice enters
 * the resample twice under distinct ids. Resamples where the statistic is undefined (for example
 * a kappa whose resample shows one category only, or one rater only) are skipped and counted.
 * Units are taken in id order, so the interval does not depend on the order of the rows.
 *
 * Generic, so slower than the Krippendorff-specific one: samples × the statistic's own cost.
 */
export function bootstrapByUnits(
  ratings: readonly Rating[],
  statistic: (resample: Rating[]) => number,
  options: UnitBootstrapOptions,
): UnitBootstrapInterval {
  const { samples, level } = checkBootstrapOptions(options, UNIT_BOOTSTRAP_MAX_SAMPLES);

  const byUnit = new Map<string, Rating[]>();
  for (const r of ratings) {
    const list = byUnit.get(r.unit);
    if (list === undefined) byUnit.set(r.unit, [r]);
    else list.push(r);
  }
  // Sorted by unit id, so the same ratings in another row order give the same interval.
  const units = [...byUnit.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, list]) => list);
  if (units.length < 2) throw undefinedStatistic('a bootstrap interval needs at least two units', { units: units.length });

  const rng = createRandom(options.seed);
  const values = new Float64Array(samples);
  let defined = 0;
  for (let s = 0; s < samples; s++) {
    const resample: Rating[] = [];
    for (let i = 0; i < units.length; i++) {
      const unit = units[rng.nextInt(units.length)]!;
      for (const r of unit) resample.push({ unit: `${i}`, rater: r.rater, value: r.value });
    }
    try {
      values[defined++] = statistic(resample);
    } catch (err) {
      // The full sample was accepted before resampling, so a refusal here is the resample's
      // shape (Cohen's kappa when a draw holds one rater's units only), not bad input.
      if (!isTollgateError(err) || (err.code !== 'TG_STATS_UNDEFINED' && err.code !== 'TG_STATS_INVALID_INPUT')) throw err;
      defined--;
    }
  }
  if (defined === 0) throw undefinedStatistic('the statistic was undefined on every bootstrap resample', { samples });
  const { low, high } = percentileInterval(values.subarray(0, defined).sort(), level);
  return { ciLow: low, ciHigh: high, ciLevel: level, samples, seed: options.seed, skippedSamples: samples - defined };
}
