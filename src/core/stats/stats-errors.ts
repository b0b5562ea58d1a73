import { TollgateError } from '../errors.js';

/**
 * Statistics never return NaN silently: malformed input and mathematically undefined results
 * are typed errors, so the HTTP adapter answers 422 with a code and the CLI exits 2.
 */
export function invalidStatsInput(message: string, details?: unknown): TollgateError {
  return new TollgateError('TG_STATS_INVALID_INPUT', message, details);
}

/** The statistic has no value for this data (for example no variation, or no pairable values). */
export function undefinedStatistic(message: string, details?: unknown): TollgateError {
  return new TollgateError('TG_STATS_UNDEFINED', message, details);
}
