import type { Rating, RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { buildRatingTable, unitCategoryCounts } from './rating-table.js';

export interface FleissCategoryKappa<C> {
  category: C;
  /** Share p_j of all ratings that fall in this category. */
  proportion: number;
  /** κ_j of Fleiss (1971); `null` when undefined (p_j is 0 or 1). */
  value: number | null;
  /** κ_j / SE₀(κ_j), with SE₀ under H0: κ_j = 0; `null` when κ_j is. */
  z: number | null;
}

export interface FleissKappaCountsResult {
  value: number;
  /** N, the number of units. */
  units: number;
  /** n, the number of ratings every unit received. */
  ratersPerUnit: number;
  /** P_i: share of agreeing rater pairs within unit i, in input order. */
  unitAgreement: number[];
  /** P̄: mean of P_i (the observed agreement). */
  meanAgreement: number;
  /** P̄_e = Σ p_j²: agreement expected by chance from the pooled category shares. */
  expectedAgreement: number;
  /** Standard error of κ under H0: κ = 0 (Fleiss, Nee & Landis 1979); for testing, not for an interval. */
  nullStandardError: number;
  /** value / nullStandardError. */
  z: number;
  /** Standard error of each κ_j under H0: κ_j = 0, √(2 / (N n (n − 1))). */
  categoryNullStandardError: number;
  perCategory: FleissCategoryKappa<number>[];
}

export interface FleissKappaResult extends Omit<FleissKappaCountsResult, 'unitAgreement' | 'perCategory'> {
  unitAgreement: { unit: string; value: number }[];
  perCategory: FleissCategoryKappa<RatingValue>[];
  /** Distinct raters in the input (Fleiss's kappa does not require the same raters on every unit). */
  raters: number;
}

/**
 * Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters") from a
 * units × categories matrix whose entry n_ij counts the raters who put unit i in category j;
 * every row must sum to the same n ≥ 2. P_i = (Σ_j n_ij² − n)/(n(n−1)), P̄ = mean P_i,
 * p_j = Σ_i n_ij/(N n), P̄_e = Σ p_j², κ = (P̄ − P̄_e)/(1 − P̄_e), and per category
 * κ_j = 1 − Σ_i n_ij(n − n_ij) / (N n (n−1) p_j q_j). The null standard errors are the corrected
 * ones of Fleiss, Nee & Landis (1979), as used by R irr::kappam.fleiss.
 * Throws `TG_STATS_INVALID_INPUT` for a malformed matrix or unequal row sums (naming a row and
 * the sums found), `TG_STATS_UNDEFINED` when there are no units, fewer than two ratings per unit,
 * or every rating is in one category (P̄_e = 1).
 */
export function fleissKappaFromCounts(counts: readonly (readonly number[])[]): FleissKappaCountsResult {
  const input: unknown = counts;
  if (!Array.isArray(input)) throw invalidStatsInput('counts must be an array of rows (units) of category counts');
  if (counts.length === 0) throw undefinedStatistic('Fleiss’ kappa is undefined without units');
  const k = counts[0]?.length ?? 0;
  if (k === 0) throw invalidStatsInput('counts rows must have at least one category column');
  let n = -1;
  counts.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw invalidStatsInput(`counts row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${k}`, { row: i });
    }
    let sum = 0;
    row.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) {
        throw invalidStatsInput(`counts[${i}][${j}] must be a whole number ≥ 0`, { row: i, column: j });
      }
      sum += x;
    });
    if (n < 0) n = sum;
    else if (sum !== n) {
      throw invalidStatsInput(`Fleiss’ kappa needs the same number of ratings per unit: row ${i} has ${sum}, row 0 has ${n}`, {
        row: i,
        counts: [n, sum],
      });
    }
  });
  return compute(counts, n, k);
}

function compute(counts: readonly (readonly number[])[], n: number, k: number): FleissKappaCountsResult {
  const N = counts.length;
  if (n < 2) throw undefinedStatistic(`Fleiss’ kappa is undefined with ${n} rating${n === 1 ? '' : 's'} per unit (no rater pairs)`);
  const total = N * n;
  const pairs = N * n * (n - 1);

  const columnTotals = new Array<number>(k).fill(0);
  // Σ_i n_ij(n − n_ij) per category, the disagreement numerator of κ_j.
  const disagreement = new Array<number>(k).fill(0);
  const unitAgreement = counts.map((row) => {
    let squares = 0;
    row.forEach((x, j) => {
      squares += x * x;
      columnTotals[j] = (columnTotals[j] ?? 0) + x;
      disagreement[j] = (disagreement[j] ?? 0) + x * (n - x);
    });
    return (squares - n) / (n * (n - 1));
  });
  if (columnTotals.some((c) => c === total)) {
    throw undefinedStatistic('Fleiss’ kappa is undefined: every rating is in the same category (expected agreement is 1)');
  }

  const proportions = columnTotals.map((c) => c / total);
  let meanAgreement = 0;
  for (const p of unitAgreement) meanAgreement += p;
  meanAgreement /= N;
  let expectedAgreement = 0;
  let sumPQ = 0;
  let sumPQQminusP = 0;
  for (const p of proportions) {
    const q = 1 - p;
    expectedAgreement += p * p;
    sumPQ += p * q;
    sumPQQminusP += p * q * (q - p);
  }
  const value = (meanAgreement - expectedAgreement) / (1 - expectedAgreement);
  const nullVariance = (2 / (pairs * sumPQ * sumPQ)) * (sumPQ * sumPQ - sumPQQminusP);
  const nullStandardError = Math.sqrt(Math.max(0, nullVariance));
  const categoryNullStandardError = Math.sqrt(2 / pairs);

  const perCategory = proportions.map((p, j) => {
    const c = columnTotals[j] ?? 0;
    if (c === 0 || c === total) return { category: j, proportion: p, value: null, z: null };
    const kj = 1 - (disagreement[j] ?? 0) / (pairs * p * (1 - p));
    return { category: j, proportion: p, value: kj, z: kj / categoryNullStandardError };
  });

  return {
    value,
    units: N,
    ratersPerUnit: n,
    unitAgreement,
    meanAgreement,
    expectedAgreement,
    nullStandardError,
    z: nullStandardError > 0 ? value / nullStandardError : 0,
    categoryNullStandardError,
    perCategory,
  };
}

/**
 * Fleiss' kappa (Fleiss 1971) from ratings: every unit must have the same number n ≥ 2 of
 * non-missing ratings (the raters may differ between units). Categories are the observed values
 * in canonical order. Throws `TG_STATS_INVALID_INPUT` when units have different counts of
 * non-missing ratings (the message names a unit and the counts found), `TG_STATS_UNDEFINED`
 * when there are no ratings, all are missing, n < 2, or all ratings are in one category.
 */
export function fleissKappa(ratings: readonly Rating[]): FleissKappaResult {
  const table = buildRatingTable(ratings);
  if (table.units.length === 0) throw undefinedStatistic('Fleiss’ kappa is undefined without ratings');
  const first = table.units[0];
  const n = first?.ratings.length ?? 0;
  const odd = table.units.find((u) => u.ratings.length !== n);
  if (odd && first) {
    const found = [...new Set(table.units.map((u) => u.ratings.length))].sort((a, b) => a - b);
    throw invalidStatsInput(
      `Fleiss’ kappa needs the same number of non-missing ratings per unit: unit "${odd.unit}" has ${odd.ratings.length}, unit "${first.unit}" has ${n} (counts found: ${found.join(', ')})`,
      { unit: odd.unit, ratings: odd.ratings.length, countsFound: found },
    );
  }
  if (n === 0) throw undefinedStatistic('Fleiss’ kappa is undefined: all ratings are missing');
  const k = table.categories.length;
  const counts = table.units.map((u) => unitCategoryCounts(u, k));
  const result = compute(counts, n, k);
  return {
    ...result,
    unitAgreement: result.unitAgreement.map((value, i) => ({ unit: table.units[i]?.unit ?? '', value })),
    perCategory: result.perCategory.map((c) => ({ ...c, category: table.categories[c.category] as RatingValue })),
    raters: table.raters.length,
  };
}
