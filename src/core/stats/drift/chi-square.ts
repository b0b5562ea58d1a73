import { chiSquareSurvival } from '../distributions/gamma.js';
import { undefinedStatistic } from '../stats-errors.js';
import { alignCounts, sum, type CategoryCounts } from './category-counts.js';

export interface ChiSquareHomogeneityResult {
  /** Pearson's X² = Σ (O − E)²/E over both rows, without Yates' continuity correction. */
  statistic: number;
  /** (2 − 1)·(k − 1), k = categories with a non-zero total. */
  df: number;
  pValue: number;
  /** Expected counts under homogeneity, E = row total × column total / grand total, per input category. */
  expected: { reference: number[]; current: number[] };
  /** Number of cells (of 2k) whose expected count is below 5, where the χ² approximation is doubtful (Cochran 1954). */
  lowExpectedCells: number;
  /** Category names when the counts were given as records. */
  categories?: string[];
  /** Categories dropped because both sides count 0 there (they carry no information and would divide by 0). */
  emptyCategories: number;
}

/**
 * Pearson chi-square test of homogeneity (Pearson 1900) for a 2 × k table: do the reference and
 * current counts come from the same categorical distribution? Counts are aligned on the union of
 * categories (records) or by position (arrays); categories empty on both sides are dropped.
 *
 * No continuity correction is applied (R's chisq.test and SciPy's chi2_contingency apply Yates'
 * correction by default when df = 1, so their statistic differs there). `lowExpectedCells` counts
 * cells with E < 5; with many of them, prefer an exact test or merge categories.
 *
 * Degenerate cases: a side with zero total throws TG_STATS_UNDEFINED; a single non-empty category
 * gives X² = 0, df = 0 and p = 1 (χ²₀ is a point mass at 0), as SciPy does.
 */
export function chiSquareHomogeneity(referenceCounts: CategoryCounts, currentCounts: CategoryCounts): ChiSquareHomogeneityResult {
  const { categories, reference, current } = alignCounts(referenceCounts, currentCounts);
  const refTotal = sum(reference);
  const curTotal = sum(current);
  if (refTotal === 0 || curTotal === 0) {
    throw undefinedStatistic('the chi-square test needs positive total counts on both sides', { refTotal, curTotal });
  }
  const grand = refTotal + curTotal;
  const expectedRef: number[] = [];
  const expectedCur: number[] = [];
  let statistic = 0;
  let used = 0;
  let lowExpectedCells = 0;
  reference.forEach((r, i) => {
    const c = current[i]!;
    const column = r + c;
    const er = (column * refTotal) / grand;
    const ec = (column * curTotal) / grand;
    expectedRef.push(er);
    expectedCur.push(ec);
    if (column === 0) return;
    used++;
    statistic += ((r - er) * (r - er)) / er + ((c - ec) * (c - ec)) / ec;
    if (er < 5) lowExpectedCells++;
    if (ec < 5) lowExpectedCells++;
  });
  const df = used - 1;
  const pValue = df === 0 ? 1 : chiSquareSurvival(statistic, df);
  const result: ChiSquareHomogeneityResult = {
    statistic,
    df,
    pValue,
    expected: { reference: expectedRef, current: expectedCur },
    lowExpectedCells,
    emptyCategories: reference.length - used,
  };
  return categories === undefined ? result : { ...result, categories };
}
