import { invalidStatsInput } from '../stats/stats-errors.js';
import { checkPairs, countVerdicts, kappaEstimate } from './calibration-figures.js';
import type { CalibrationPair, TrustRequirement, TrustVerdict } from './calibration-types.js';

function checkRequirement(r: TrustRequirement): void {
  if (typeof r !== 'object' || r === null) throw invalidStatsInput('a trust requirement is required');
  if (typeof r.min_kappa !== 'number' || !(r.min_kappa >= -1 && r.min_kappa <= 1)) {
    throw invalidStatsInput(`min_kappa must be a number from -1 to 1 (got ${String(r.min_kappa)})`, { min_kappa: r.min_kappa });
  }
  if (!Number.isInteger(r.min_checks) || r.min_checks < 0) {
    throw invalidStatsInput(`min_checks must be a whole number ≥ 0 (got ${String(r.min_checks)})`, { min_checks: r.min_checks });
  }
}

/**
 * Two decimals, unless rounding would contradict the decision (0.5996 shown as "0.60" next to
 * "needs ≥ 0.6" and refused): then as many more decimals as it takes.
 */
function formatKappa(kappa: number, threshold: number): string {
  for (let digits = 2; digits <= 6; digits++) {
    const text = kappa.toFixed(digits);
    if (Number(text) >= threshold === kappa >= threshold) return text;
  }
  return String(kappa);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Whether an evaluator may auto-resolve outputs under a policy rule's requirement. The rule is
 * deliberately plain: over every pair given (the caller picks the window, e.g. the latest
 * human checks), at least `min_checks` pairs with a known evaluator status, and the point kappa
 * of their 2×2 table ≥ `min_kappa`. Unknown pairs are not checks: the evaluator did not judge.
 *
 * Point estimate rather than the interval's lower end: `min_kappa` is written against the
 * kappa people see and know from the usual benchmarks (Landis & Koch 1977), and `min_checks`
 * already guards against a kappa from too few checks. Requiring the lower end to clear 0.6 at
 * 50 checks would in practice demand a kappa near 0.8, which nobody setting "0.6" means.
 * `kappa_low` is returned so a console can show how uncertain a passing kappa still is.
 *
 * An undefined kappa (people and evaluator gave every check the same verdict) is not trusted:
 * such data cannot show that the evaluator tells good outputs from bad ones.
 */
export function trustVerdict(recent: readonly CalibrationPair[], requirement: TrustRequirement): TrustVerdict {
  checkRequirement(requirement);
  checkPairs(recent);
  const { confusion, n, unknown } = countVerdicts(recent);
  const kappa = kappaEstimate(confusion);
  const { min_kappa, min_checks } = requirement;
  const needs = `needs ≥ ${min_kappa} on ≥ ${min_checks}`;
  const base = { kappa: kappa?.value ?? null, kappa_low: kappa?.low ?? null, checks: n };

  if (n === 0 || n < min_checks) {
    const unjudged = unknown > 0 ? `; ${unknown} more the evaluator could not judge` : '';
    const count = n === 0 ? 'no human checks' : `only ${plural(n, 'human check')}`;
    return { ...base, trusted: false, reason: `${count} (needs ${min_checks}${unjudged})` };
  }
  if (kappa === null) {
    const verdict = confusion.pass_pass === n ? 'pass' : 'fail';
    return {
      ...base,
      trusted: false,
      reason: `kappa undefined: the evaluator and people gave all ${plural(n, 'human check')} the same verdict (${verdict}), so agreement beyond chance cannot be measured (${needs})`,
    };
  }
  const shown = formatKappa(kappa.value, min_kappa);
  const on = `on ${plural(n, 'human check')}`;
  if (kappa.value >= min_kappa) return { ...base, trusted: true, reason: `kappa ${shown} ${on} (${needs})` };
  return { ...base, trusted: false, reason: `kappa ${shown} is below ${min_kappa} ${on} (${needs})` };
}
