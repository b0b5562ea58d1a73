import { seedText, type RandomSeed } from './random.js';
import { invalidStatsInput } from './stats-errors.js';

export interface BootstrapOptions {
  /** Number of resamples; at least 1000 is advisable for a 95% percentile interval. */
  samples: number;
  /** The same seed (number or string; 42 and '42' are the same seed) always gives the same interval. */
  seed: RandomSeed;
  /** Confidence level in (0, 1); default 0.95. */
  level?: number;
}

export interface BootstrapInterval {
  ciLow: number;
  ciHigh: number;
  ciLevel: number;
  /** Resamples requested. */
  samples: number;
  seed: RandomSeed;
  /** Resamples on which the statistic was undefined, left out of the interval. */
  skippedSamples: number;
}

/** Checks bootstrap options against a cap on resamples, so one request cannot occupy the process indefinitely. */
export function checkBootstrapOptions(options: BootstrapOptions, maxSamples: number): { samples: number; level: number } {
  if (typeof options !== 'object' || options === null) throw invalidStatsInput('bootstrap options are required');
  const { samples, level = 0.95 } = options;
  if (!Number.isInteger(samples) || samples < 1 || samples > maxSamples) {
    throw invalidStatsInput(`samples must be an integer from 1 to ${maxSamples} (got ${String(samples)})`, { samples });
  }
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw invalidStatsInput(`level must be a number strictly between 0 and 1 (got ${String(level)})`, { level });
  }
  seedText(options.seed);
  return { samples, level };
}
