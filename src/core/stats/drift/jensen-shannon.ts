import type { RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { alignCounts, sum, type CategoryCounts } from './category-counts.js';

export interface JensenShannonOptions {
  /** Logarithm base (default 2, which puts the distance in [0, 1]; use Math.E for nats as SciPy's default). */
  base?: number;
}

export interface JensenShannonResult {
  /** √JSD, a metric (Endres & Schindelin 2003). In [0, √(ln 2 / ln base)]; [0, 1] for base 2. */
  distance: number;
  /** JSD = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2 (Lin 1991). */
  divergence: number;
  base: number;
  /** Category labels, when given as records or label samples, in the order of the internal vectors. */
  categories?: RatingValue[];
}

function checkBase(base: number): number {
  if (!(Number.isFinite(base) && base > 0 && base !== 1)) throw invalidStatsInput('log base must be positive, finite and not 1', { base });
  return base;
}

/** Σ p·ln(p/m) over p > 0; terms with p = 0 contribute 0 (the limit of x·ln x). */
function halfKl(p: readonly number[], m: readonly number[]): number {
  let total = 0;
  p.forEach((pi, i) => {
    if (pi > 0) total += pi * Math.log(pi / m[i]!);
  });
  return total;
}

function fromVectors(reference: number[], current: number[], base: number): JensenShannonResult {
  const refTotal = sum(reference);
  const curTotal = sum(current);
  if (refTotal === 0 || curTotal === 0)
    throw undefinedStatistic('Jensen–Shannon needs positive total mass on both sides', { refTotal, curTotal });
  const p = reference.map((v) => v / refTotal);
  const q = current.map((v) => v / curTotal);
  const m = p.map((pi, i) => (pi + q[i]!) / 2);
  const nats = (halfKl(p, m) + halfKl(q, m)) / 2;
  // Rounding can push JSD a hair outside [0, ln 2]; its true range is exactly that interval.
  const divergence = Math.min(Math.max(nats, 0), Math.LN2) / Math.log(base);
  return { distance: Math.sqrt(divergence), divergence, base };
}

/**
 * Jensen–Shannon distance between two discrete distributions given as counts or probabilities over
 * the same categories (each side is normalised to sum 1, as scipy.spatial.distance.jensenshannon
 * does). Records are aligned on the union of their keys, a missing key counting as 0.
 * A side with zero total mass throws TG_STATS_UNDEFINED.
 */
export function jensenShannon(reference: CategoryCounts, current: CategoryCounts, options: JensenShannonOptions = {}): JensenShannonResult {
  const base = checkBase(options.base ?? 2);
  const aligned = alignCounts(reference, current);
  const result = fromVectors(aligned.reference, aligned.current, base);
  return aligned.categories === undefined ? result : { ...result, categories: aligned.categories };
}

/**
 * Jensen–Shannon distance between the empirical distributions of two samples of category labels.
 * Labels are compared by value and type (1, '1' and true are different categories). Empty samples
 * throw TG_STATS_UNDEFINED; null/undefined labels throw TG_STATS_INVALID_INPUT.
 */
export function jensenShannonFromLabels(
  reference: readonly RatingValue[],
  current: readonly RatingValue[],
  options: JensenShannonOptions = {},
): JensenShannonResult {
  const base = checkBase(options.base ?? 2);
  if (reference.length === 0 || current.length === 0) throw undefinedStatistic('Jensen–Shannon needs non-empty label samples');
  const index = new Map<RatingValue, number>();
  const tally = (labels: readonly RatingValue[], side: 'reference' | 'current'): Map<number, number> => {
    const counts = new Map<number, number>();
    labels.forEach((label, i) => {
      const kind = typeof label;
      if (kind !== 'string' && kind !== 'number' && kind !== 'boolean')
        throw invalidStatsInput(`${side} label ${i} is not a string, number or boolean`);
      if (kind === 'number' && Number.isNaN(label)) throw invalidStatsInput(`${side} label ${i} is NaN`);
      let k = index.get(label);
      if (k === undefined) {
        k = index.size;
        index.set(label, k);
      }
      counts.set(k, (counts.get(k) ?? 0) + 1);
    });
    return counts;
  };
  const refCounts = tally(reference, 'reference');
  const curCounts = tally(current, 'current');
  const categories = [...index.keys()];
  const result = fromVectors(
    categories.map((_, k) => refCounts.get(k) ?? 0),
    categories.map((_, k) => curCounts.get(k) ?? 0),
    base,
  );
  return { ...result, categories };
}
