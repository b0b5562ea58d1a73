import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { alignCounts, sum, type CategoryCounts } from './category-counts.js';

/**
 * Conventional reading of the PSI (Siddiqi 2017, "Intelligent Credit Scoring", 2nd ed., p. 369;
 * the rule of thumb goes back to credit-scoring practice, see Yurdakul 2018, "Statistical
 * properties of population stability index", PhD thesis, Western Michigan University):
 * < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 significant shift. These cut-offs do not depend on
 * sample size, so on small samples they flag noise and on huge samples they miss real shifts.
 */
export type PsiReading = 'stable' | 'moderate' | 'significant';

export const DEFAULT_PSI_BINS = 10;
/** Share substituted for an empty bin so ln(p/q) stays finite; a common choice in scorecard practice. */
export const DEFAULT_PSI_EPSILON = 1e-4;

export interface PsiResult {
  value: number;
  reading: PsiReading;
  /** Observed shares per bin/category (unsmoothed; each sums to 1). */
  referenceShare: number[];
  currentShare: number[];
  /** (c − r)·ln(c/r) per bin on the smoothed shares; non-negative, sums to `value`. */
  contribution: number[];
  epsilon: number;
}

export interface PsiBinnedResult extends PsiResult {
  /**
   * Interior cut points e₁ < … < e_{k−1}; the k bins are (−∞, e₁], (e₁, e₂], …, (e_{k−1}, ∞), so values
   * outside the reference range fall into the outer bins.
   */
  edges: number[];
}

export interface PsiCountsResult extends PsiResult {
  /** Category names when the counts were given as records. */
  categories?: string[];
}

export interface PsiOptions {
  /** Requested number of quantile bins (integer ≥ 2, default 10). Ties in the reference can merge bins. */
  bins?: number;
  /** Share used in place of an empty bin's 0 (0 < ε < 1, default 1e-4). */
  epsilon?: number;
}

export function psiReading(value: number): PsiReading {
  if (value < 0.1) return 'stable';
  return value <= 0.25 ? 'moderate' : 'significant';
}

function checkEpsilon(epsilon: number): number {
  if (!(Number.isFinite(epsilon) && epsilon > 0 && epsilon < 1)) throw invalidStatsInput('epsilon must lie in (0, 1)', { epsilon });
  return epsilon;
}

/**
 * PSI = Σ (c_i − r_i)·ln(c_i/r_i), i.e. the symmetrised Kullback–Leibler divergence between the
 * binned current and reference distributions. A share of exactly 0 is replaced by ε (the other
 * shares are left as they are), which keeps the sum finite and is the usual scorecard convention.
 */
function psiFromShares(referenceShare: number[], currentShare: number[], epsilon: number): PsiResult {
  const contribution = referenceShare.map((r, i) => {
    const rs = r === 0 ? epsilon : r;
    const cs = currentShare[i]! === 0 ? epsilon : currentShare[i]!;
    return (cs - rs) * Math.log(cs / rs);
  });
  const value = sum(contribution);
  return { value, reading: psiReading(value), referenceShare, currentShare, contribution, epsilon };
}

function finiteSorted(values: readonly number[], name: string): Float64Array {
  if (values.length === 0) throw undefinedStatistic(`PSI needs a non-empty ${name} sample`);
  const out = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalidStatsInput(`${name} sample contains a non-finite value`, { index: i, value: v });
    out[i] = v;
  });
  return out.sort();
}

/** Sample quantile by linear interpolation between order statistics (Hyndman & Fan 1996, type 7; R and NumPy default). */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

/** Index of the bin (−∞, e₀], (e₀, e₁], … that holds x: the number of edges strictly below x. */
function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Population stability index of a numeric feature, binned at the reference's quantiles.
 *
 * Cut points are the type-7 quantiles of the reference at 1/k, …, (k−1)/k. Ties in the reference
 * can make cut points coincide; duplicates are dropped, so heavily tied data yield fewer than k
 * bins (the result's `edges` show what was used). A constant reference c gives the single cut c and
 * two bins, (−∞, c] and (c, ∞): a current sample that moves above c is still detected, and one that
 * moves below c is not (use `psiFromCounts` on categories when the feature is really discrete).
 * Current values outside the reference range fall into the outer bins.
 *
 * Empty samples throw TG_STATS_UNDEFINED; non-finite values, bins < 2 and ε ∉ (0,1) throw
 * TG_STATS_INVALID_INPUT. O((n + m) log n).
 */
export function psi(reference: readonly number[], current: readonly number[], options: PsiOptions = {}): PsiBinnedResult {
  const bins = options.bins ?? DEFAULT_PSI_BINS;
  if (!(Number.isInteger(bins) && bins >= 2)) throw invalidStatsInput('bins must be an integer of at least 2', { bins });
  const epsilon = checkEpsilon(options.epsilon ?? DEFAULT_PSI_EPSILON);
  const ref = finiteSorted(reference, 'reference');
  const cur = finiteSorted(current, 'current');

  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const cut = quantile(ref, k / bins);
    if (edges.length === 0 || cut > edges[edges.length - 1]!) edges.push(cut);
  }
  const refCounts = new Array<number>(edges.length + 1).fill(0);
  const curCounts = new Array<number>(edges.length + 1).fill(0);
  for (const x of ref) refCounts[binOf(edges, x)]!++;
  for (const x of cur) curCounts[binOf(edges, x)]!++;
  const result = psiFromShares(
    refCounts.map((c) => c / ref.length),
    curCounts.map((c) => c / cur.length),
    epsilon,
  );
  return { ...result, edges };
}

/**
 * PSI for categorical or pre-binned data, from counts (or weights) per category. Arrays must line
 * up; records are aligned on the union of their keys, a missing key counting as 0.
 * A side whose counts sum to 0 throws TG_STATS_UNDEFINED.
 */
export function psiFromCounts(
  referenceCounts: CategoryCounts,
  currentCounts: CategoryCounts,
  options: Pick<PsiOptions, 'epsilon'> = {},
): PsiCountsResult {
  const epsilon = checkEpsilon(options.epsilon ?? DEFAULT_PSI_EPSILON);
  const { categories, reference, current } = alignCounts(referenceCounts, currentCounts);
  const refTotal = sum(reference);
  const curTotal = sum(current);
  if (refTotal === 0 || curTotal === 0) throw undefinedStatistic('PSI needs positive total counts on both sides', { refTotal, curTotal });
  const result = psiFromShares(
    reference.map((c) => c / refTotal),
    current.map((c) => c / curTotal),
    epsilon,
  );
  return categories === undefined ? result : { ...result, categories };
}
