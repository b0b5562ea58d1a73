import { normalQuantile } from '../distributions/normal.js';
import type { Interval } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';

export interface WilsonOptions {
  /** Two-sided confidence level in (0, 1); default 0.95. */
  level?: number;
  /** Use the continuity-corrected score interval (Newcombe 1998, method 4); default false. */
  continuityCorrection?: boolean;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927, "Probable inference, the law of
 * succession, and statistical inference", JASA 22:209-212), optionally with the continuity
 * correction in the closed form given by Newcombe (1998, "Two-sided confidence intervals for the
 * single proportion: comparison of seven methods", Stat Med 17:857-872, methods 3 and 4).
 *
 * Chosen over the Wald interval because it stays inside [0, 1], never has zero width at 0/n or n/n,
 * and its coverage stays close to nominal for small samples (Newcombe 1998; Agresti & Coull 1998).
 * `trials` = 0 has no proportion and throws TG_STATS_UNDEFINED.
 */
export function wilsonInterval(successes: number, trials: number, options: WilsonOptions = {}): Interval {
  const level = options.level ?? 0.95;
  if (!Number.isInteger(trials) || trials < 0) throw invalidStatsInput('trials must be a non-negative integer', { trials });
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw invalidStatsInput('successes must be an integer between 0 and trials', { successes, trials });
  }
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw invalidStatsInput('level must be strictly between 0 and 1', { level });
  if (trials === 0) throw undefinedStatistic('a proportion of zero trials has no confidence interval', { successes, trials });

  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const n = trials;
  const x = successes;
  const failures = n - x;
  const denom = 2 * (n + z2);
  let low: number;
  let high: number;
  if (options.continuityCorrection === true) {
    // Newcombe (1998) eqs for method 4 written in counts: 4p(nq ± 1) = 4x(n − x)/n ± 4x/n.
    // The limits are set to 0 at x = 0 and to 1 at x = n, as Newcombe prescribes.
    const spread = (4 * x * failures) / n;
    low = x === 0 ? 0 : (2 * x + z2 - 1 - z * Math.sqrt(z2 - 2 - 1 / n + spread + (4 * x) / n)) / denom;
    high = x === n ? 1 : (2 * x + z2 + 1 + z * Math.sqrt(z2 + 2 - 1 / n + spread - (4 * x) / n)) / denom;
  } else {
    // Centre and half-width from counts, (2x + z² ± z√(z² + 4x(n − x)/n)) / 2(n + z²), which avoids
    // forming p and q separately; the endpoints at 0/n and n/n are exact rather than ±1e-17.
    const half = z * Math.sqrt(z2 + (4 * x * failures) / n);
    low = x === 0 ? 0 : (2 * x + z2 - half) / denom;
    high = x === n ? 1 : (2 * x + z2 + half) / denom;
  }
  return { low: Math.min(Math.max(low, 0), 1), high: Math.min(Math.max(high, 0), 1), level };
}
