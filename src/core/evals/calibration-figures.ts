import { isTollgateError } from '../errors.js';
import { cohenKappaFromMatrix } from '../stats/agreement/cohen-kappa.js';
import { wilsonInterval } from '../stats/reviewer/wilson-interval.js';
import { invalidStatsInput } from '../stats/stats-errors.js';
import type { CalibrationConfusion, CalibrationPair, Estimate } from './calibration-types.js';

/**
 * Runs a statistic and turns "undefined for this data" into null. Only TG_STATS_UNDEFINED is
 * absorbed: the pairs are validated first, so an invalid-input error from a statistic would be
 * a bug here and must surface.
 */
export function definedOrNull<T>(compute: () => T): T | null {
  try {
    return compute();
  } catch (err) {
    if (isTollgateError(err) && err.code === 'TG_STATS_UNDEFINED') return null;
    throw err;
  }
}

function isScore(x: unknown): boolean {
  return x === null || (typeof x === 'number' && Number.isFinite(x));
}

/** Rejects malformed pairs up front, naming the item, so a bad row never turns into a silent NaN. */
export function checkPairs(pairs: readonly CalibrationPair[]): void {
  if (!Array.isArray(pairs)) throw invalidStatsInput('pairs must be an array');
  pairs.forEach((p: CalibrationPair | null | undefined, i) => {
    const where = { index: i, item_id: p?.item_id };
    if (typeof p !== 'object' || p === null || typeof p.item_id !== 'string') {
      throw invalidStatsInput(`calibration pair ${i} must be an object with a string item_id`, where);
    }
    const at = `calibration pair ${i} (item "${p.item_id}")`;
    if (typeof p.at !== 'number' || !Number.isFinite(p.at)) throw invalidStatsInput(`${at} needs a finite time`, where);
    if (p.segment !== null && typeof p.segment !== 'string') throw invalidStatsInput(`${at}: segment must be a string or null`, where);
    const status: unknown = p.evaluator?.status;
    if (status !== 'pass' && status !== 'fail' && status !== 'unknown') {
      throw invalidStatsInput(`${at}: evaluator status must be pass, fail or unknown`, where);
    }
    const verdict: unknown = p.human?.verdict;
    if (verdict !== 'pass' && verdict !== 'fail') throw invalidStatsInput(`${at}: human verdict must be pass or fail`, where);
    if (!isScore(p.evaluator.score) || !isScore(p.human.score)) {
      throw invalidStatsInput(`${at}: scores must be finite numbers or null`, where);
    }
  });
}

/** The confusion table of the known pairs, and how many were unknown. */
export function countVerdicts(pairs: readonly CalibrationPair[]): { confusion: CalibrationConfusion; n: number; unknown: number } {
  const confusion: CalibrationConfusion = { pass_pass: 0, pass_fail: 0, fail_pass: 0, fail_fail: 0 };
  let unknown = 0;
  for (const p of pairs) {
    if (p.evaluator.status === 'unknown') unknown++;
    else confusion[`${p.evaluator.status}_${p.human.verdict}`] += 1;
  }
  const n = confusion.pass_pass + confusion.pass_fail + confusion.fail_pass + confusion.fail_fail;
  return { confusion, n, unknown };
}

/** A share with its Wilson 95% interval; null for zero trials. */
export function wilsonEstimate(successes: number, trials: number): Estimate | null {
  if (trials === 0) return null;
  const { low, high } = wilsonInterval(successes, trials);
  return { value: successes / trials, low, high };
}

/** Cohen's kappa of the 2×2 table with its Wald 95% interval; null when undefined (no pairs, or one shared category). */
export function kappaEstimate(c: CalibrationConfusion): Estimate | null {
  return definedOrNull(() => {
    const r = cohenKappaFromMatrix([
      [c.pass_pass, c.pass_fail],
      [c.fail_pass, c.fail_fail],
    ]);
    return { value: r.value, low: r.interval.low, high: r.interval.high };
  });
}
