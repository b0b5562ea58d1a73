import { checkBootstrapOptions, type BootstrapInterval, type BootstrapOptions } from '../bootstrap.js';
import { percentileInterval } from '../quantile.js';
import { createRandom } from '../random.js';
import type { Rating } from '../ratings.js';
import { undefinedStatistic } from '../stats-errors.js';
import {
  krippendorffAlphaFromUnits,
  prepareKrippendorffUnits,
  tryKrippendorffAlphaFromUnits,
  type KrippendorffAlphaOptions,
  type KrippendorffAlphaResult,
  type KrippendorffUnits,
} from './krippendorff-alpha.js';

export type KrippendorffBootstrapOptions = BootstrapOptions;
export type KrippendorffBootstrapInterval = BootstrapInterval;

export type KrippendorffBootstrapResult = KrippendorffAlphaResult & KrippendorffBootstrapInterval;

/** Upper bound on resamples, so one request cannot occupy the process indefinitely. */
export const KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES = 100_000;

function checkOptions(options: KrippendorffBootstrapOptions): { samples: number; level: number } {
  return checkBootstrapOptions(options, KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES);
}

/**
 * Percentile bootstrap interval for Krippendorff's alpha over prepared units (Efron & Tibshirani
 * 1993, "An Introduction to the Bootstrap", ch. 13). Each resample draws as many units as there
 * are pairable units, uniformly with replacement, and recomputes alpha in full (D_o and D_e) on
 * them; a unit drawn twice counts twice.
 *
 * Why units: units are the sampled objects and the raters' values within a unit are dependent,
 * so resampling whole units keeps that dependence and lets both disagreements vary, as in
 * Efron's nonparametric bootstrap. Hayes & Krippendorff (2007, "Answering the call for a
 * standard reliability measure for coding data", Communication Methods and Measures 1(1)) and
 * Krippendorff's "Algorithm for bootstrapping a distribution of α" (2006, rev. 2011) instead
 * draw pairable values from the coincidence matrix and recompute D_o with D_e held at its
 * observed value; Gwet (2015) and Hughes (2022, arXiv:2210.13265) note that this tends to
 * understate the sampling variance, which is why it is not used here.
 *
 * Resamples where alpha is undefined (every drawn value equal) are skipped and counted; the
 * interval is then conditional on alpha being defined. Throws `TG_STATS_UNDEFINED` when every
 * resample is undefined. Cost: samples × (units + values), and samples × V² at the ratio level.
 */
export function bootstrapKrippendorffUnits(units: KrippendorffUnits, options: KrippendorffBootstrapOptions): KrippendorffBootstrapInterval {
  const { samples, level } = checkOptions(options);
  const unitCount = units.unitCount;
  if (unitCount < 2) {
    throw undefinedStatistic('a bootstrap interval for Krippendorff alpha needs at least two pairable units', { units: unitCount });
  }
  const rng = createRandom(options.seed);
  const weights = new Int32Array(unitCount);
  const alphas = new Float64Array(samples);
  let defined = 0;
  for (let s = 0; s < samples; s++) {
    weights.fill(0);
    for (let i = 0; i < unitCount; i++) weights[rng.nextInt(unitCount)]! += 1;
    const core = tryKrippendorffAlphaFromUnits(units, weights);
    if (core !== null) alphas[defined++] = core.value;
  }
  if (defined === 0) {
    throw undefinedStatistic('Krippendorff alpha was undefined on every bootstrap resample', { samples });
  }
  const { low, high } = percentileInterval(alphas.subarray(0, defined).sort(), level);
  return {
    ciLow: low,
    ciHigh: high,
    ciLevel: level,
    samples,
    seed: options.seed,
    skippedSamples: samples - defined,
  };
}

/**
 * Krippendorff's alpha (see krippendorffAlpha) with a seeded percentile bootstrap interval that
 * resamples units (see bootstrapKrippendorffUnits). The same data, options and seed always give
 * the same interval. Throws like krippendorffAlpha, and `TG_STATS_INVALID_INPUT` for bad
 * bootstrap options.
 */
export function krippendorffAlphaBootstrap(
  ratings: readonly Rating[],
  alphaOptions: KrippendorffAlphaOptions,
  bootstrapOptions: KrippendorffBootstrapOptions,
): KrippendorffBootstrapResult {
  checkOptions(bootstrapOptions);
  const units = prepareKrippendorffUnits(ratings, alphaOptions);
  const point = krippendorffAlphaFromUnits(units);
  return { ...point, ...bootstrapKrippendorffUnits(units, bootstrapOptions) };
}
