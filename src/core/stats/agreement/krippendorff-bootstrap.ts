import { percentileInterval } from '../quantile.js';
import { createRandom, seedText, type RandomSeed } from '../random.js';
import type { Rating } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import {
  krippendorffAlphaFromUnits,
  prepareKrippendorffUnits,
  tryKrippendorffAlphaFromUnits,
  type KrippendorffAlphaOptions,
  type KrippendorffAlphaResult,
  type KrippendorffUnits,
} from './krippendorff-alpha.js';

export interface KrippendorffBootstrapOptions {
  /** Number of resamples; at least 1000 is advisable for a 95% percentile interval. */
  samples: number;
  /** The same seed (number or string; 42 and '42' are the same seed) always gives the same interval. */
  seed: RandomSeed;
  /** Confidence level in (0, 1); default 0.95. */
  level?: number;
}

export interface KrippendorffBootstrapInterval {
  ciLow: number;
  ciHigh: number;
  ciLevel: number;
  /** Resamples requested. */
  samples: number;
  seed: RandomSeed;
  /** Resamples on which alpha was undefined (no variation) and that were left out of the interval. */
  skippedSamples: number;
}

export type KrippendorffBootstrapResult = KrippendorffAlphaResult & KrippendorffBootstrapInterval;

/** Upper bound on resamples, so one request cannot occupy the process indefinitely. */
export const KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES = 100_000;

function checkOptions(options: KrippendorffBootstrapOptions): { samples: number; level: number } {
  if (typeof options !== 'object' || options === null) throw invalidStatsInput('bootstrap options are required');
  const { samples, level = 0.95 } = options;
  if (!Number.isInteger(samples) || samples < 1 || samples > KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES) {
    throw invalidStatsInput(`samples must be an integer from 1 to ${KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES} (got ${String(samples)})`, {
      samples,
    });
  }
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw invalidStatsInput(`level must be a number strictly between 0 and 1 (got ${String(level)})`, { level });
  }
  seedText(options.seed);
  return { samples, level };
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
