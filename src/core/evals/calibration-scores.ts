import { cohenKappaFromMatrix } from '../stats/agreement/cohen-kappa.js';
import { prepareKrippendorffUnits, tryKrippendorffAlphaFromUnits } from '../stats/agreement/krippendorff-alpha.js';
import { bootstrapKrippendorffUnits } from '../stats/agreement/krippendorff-bootstrap.js';
import type { Rating } from '../stats/ratings.js';
import { definedOrNull } from './calibration-figures.js';
import type { Estimate, ScoreAgreement } from './calibration-types.js';

/**
 * Widest integer range (max − min + 1) for which the weighted kappa's k×k matrix is built; a
 * rubric scale is a handful of points, so a wider range means scores that are not really on one.
 */
export const WEIGHTED_KAPPA_MAX_LEVELS = 101;

export interface ScoreSettings {
  level: 'ordinal' | 'interval';
  samples: number;
  seed: string;
}

/**
 * Krippendorff's alpha with a unit-resampling bootstrap (krippendorff-bootstrap.ts), each pair a
 * unit with two raters. Null when alpha is undefined (no variation at all), and also when every
 * resample is undefined: an estimate without any interval would look more certain than it is.
 */
function alphaEstimate(scored: readonly { evaluator: number; human: number }[], settings: ScoreSettings): Estimate | null {
  const ratings: Rating[] = scored.flatMap((s, i) => [
    { unit: `${i}`, rater: 'evaluator', value: s.evaluator },
    { unit: `${i}`, rater: 'people', value: s.human },
  ]);
  const units = prepareKrippendorffUnits(ratings, { level: settings.level });
  const point = tryKrippendorffAlphaFromUnits(units);
  if (point === null) return null;
  const interval = definedOrNull(() => bootstrapKrippendorffUnits(units, { samples: settings.samples, seed: settings.seed }));
  return interval === null ? null : { value: point.value, low: interval.ciLow, high: interval.ciHigh };
}

/**
 * Quadratic-weighted kappa (Cohen 1968) on an integer scale. The scale counts as integer when
 * every evaluator score is an integer: a judge answers on the criterion's own points, while
 * people's score is a mean of several reviewers and may fall between points, so it is rounded
 * (halves up, Math.round). Levels are every integer from the lowest to the highest score seen,
 * so the weights follow the distance in points even across unused levels; quadratic kappa does
 * not depend on the range itself, since the (k − 1)² in its weights cancels.
 */
function weightedKappaEstimate(scored: readonly { evaluator: number; human: number }[]): Estimate | null {
  if (!scored.every((s) => Number.isInteger(s.evaluator))) return null;
  const rounded = scored.map((s) => [s.evaluator, Math.round(s.human)] as const);
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, b] of rounded) {
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  const k = hi - lo + 1;
  if (k > WEIGHTED_KAPPA_MAX_LEVELS) return null;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const [a, b] of rounded) matrix[a - lo]![b - lo]! += 1;
  return definedOrNull(() => {
    const r = cohenKappaFromMatrix(matrix, { weights: 'quadratic' });
    return { value: r.value, low: r.interval.low, high: r.interval.high };
  });
}

/** The scores section of an agreement report; null with fewer than two scored pairs. */
export function scoreAgreement(scored: readonly { evaluator: number; human: number }[], settings: ScoreSettings): ScoreAgreement | null {
  if (scored.length < 2) return null;
  let difference = 0;
  for (const s of scored) difference += s.evaluator - s.human;
  return {
    n: scored.length,
    alpha: alphaEstimate(scored, settings),
    weighted_kappa: weightedKappaEstimate(scored),
    mean_difference: difference / scored.length,
  };
}
