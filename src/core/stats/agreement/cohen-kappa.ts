import type { Interval, Rating, RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { buildRatingTable, ordinalScale } from './rating-table.js';

/** Agreement weights for ordered categories (Cicchetti & Allison 1971 linear; Fleiss & Cohen 1973 quadratic). */
export type KappaWeights = 'linear' | 'quadratic';

export interface CohenKappaMatrixOptions {
  /** Omit for Cohen's (1960) unweighted kappa. Rows and columns of the matrix are then taken as ordered. */
  weights?: KappaWeights;
}

export interface CohenKappaOptions extends CohenKappaMatrixOptions {
  /**
   * The categories in order. Needed for weighted kappa when values are not all numeric; when
   * given, it also fixes the matrix labels and the spacing of the weights (unobserved levels
   * count), and must include every value rated.
   */
  categories?: readonly RatingValue[];
}

/** Category-vs-rest kappa: the unweighted kappa of the 2×2 table that collapses every other category into one. */
export interface CategoryKappa<C> {
  category: C;
  /** `null` when that 2×2 kappa is undefined (both raters used the category for every unit, or neither ever did). */
  value: number | null;
}

export interface CohenKappaMatrixResult {
  value: number;
  weights: 'none' | KappaWeights;
  /** Observed (weighted) agreement p_o. */
  observedAgreement: number;
  /** Chance-expected (weighted) agreement p_e from the two raters' own marginals. */
  expectedAgreement: number;
  /** Total count (units rated by both raters). */
  n: number;
  /** Large-sample standard error of kappa (Fleiss, Cohen & Everitt 1969), for the interval. */
  standardError: number;
  /** Standard error under H0: kappa = 0 (Fleiss, Cohen & Everitt 1969), for a z test as value / nullStandardError. */
  nullStandardError: number;
  /** Wald 95% interval value ± 1.96·standardError, clipped to [−1, 1]. */
  interval: Interval;
  perCategory: CategoryKappa<number>[];
}

export interface CohenKappaResult extends Omit<CohenKappaMatrixResult, 'perCategory'> {
  /** The two raters: the first is the matrix's rows, the second its columns (order of first appearance). */
  raters: [string, string];
  /** Units rated (non-missing) by both raters. */
  units: number;
  /** Matrix labels in order. */
  categories: RatingValue[];
  /** Confusion matrix of counts, rows = first rater, columns = second rater. */
  matrix: number[][];
  perCategory: CategoryKappa<RatingValue>[];
}

const Z_975 = 1.959963984540054;

function agreementWeight(i: number, j: number, k: number, weights: 'none' | KappaWeights): number {
  if (weights === 'none' || k === 1) return i === j ? 1 : 0;
  const d = Math.abs(i - j) / (k - 1);
  return weights === 'linear' ? 1 - d : 1 - d * d;
}

function checkWeights(weights: unknown): 'none' | KappaWeights {
  if (weights === undefined) return 'none';
  if (weights === 'linear' || weights === 'quadratic') return weights;
  throw invalidStatsInput(`weights must be 'linear' or 'quadratic' (or omitted for unweighted kappa), got ${JSON.stringify(weights)}`);
}

function checkMatrix(matrix: readonly (readonly number[])[]): number {
  if (!Array.isArray(matrix) || matrix.length === 0)
    throw invalidStatsInput('the confusion matrix must be a non-empty square array of counts');
  const k = matrix.length;
  matrix.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw invalidStatsInput(
        `the confusion matrix must be square: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${k}`,
      );
    }
    row.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        throw invalidStatsInput(`confusion matrix entry [${i}][${j}] must be a finite count ≥ 0`, { row: i, column: j });
      }
    });
  });
  return k;
}

/**
 * Cohen's kappa from a k×k confusion matrix of counts (rows: rater A's category, columns: rater
 * B's; categories in the same order on both axes, and that order is the scale for weights).
 * κ = (p_o − p_e)/(1 − p_e) with agreement weights w_ij (identity for Cohen 1960; 1 − |i−j|/(k−1)
 * linear, 1 − (i−j)²/(k−1)² quadratic, Cohen 1968), p_o = Σ w_ij p_ij, p_e = Σ w_ij p_i· p_·j.
 * Standard errors follow Fleiss, Cohen & Everitt (1969), as in SAS PROC FREQ (AGREE).
 * Throws `TG_STATS_UNDEFINED` when p_e = 1 (both raters put every unit in the same single
 * category) or the matrix is all zeros; `TG_STATS_INVALID_INPUT` for a malformed matrix.
 */
export function cohenKappaFromMatrix(
  matrix: readonly (readonly number[])[],
  options: CohenKappaMatrixOptions = {},
): CohenKappaMatrixResult {
  const weights = checkWeights(options.weights);
  const k = checkMatrix(matrix);
  const at = (i: number, j: number): number => matrix[i]?.[j] ?? 0;

  const rowTotals = new Array<number>(k).fill(0);
  const colTotals = new Array<number>(k).fill(0);
  let n = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const x = at(i, j);
      rowTotals[i] = (rowTotals[i] ?? 0) + x;
      colTotals[j] = (colTotals[j] ?? 0) + x;
      n += x;
    }
  }
  if (n === 0) throw undefinedStatistic('Cohen’s kappa is undefined for an empty confusion matrix');
  // p_e = 1 exactly when both raters used one and the same category for every unit (weights are
  // 1 only on the diagonal); checked on the counts so rounding cannot hide it.
  if (rowTotals.some((r, i) => r === n && colTotals[i] === n)) {
    throw undefinedStatistic('Cohen’s kappa is undefined: both raters used one single category for every unit (expected agreement is 1)');
  }

  const w = (i: number, j: number): number => agreementWeight(i, j, k, weights);
  const row = rowTotals.map((r) => r / n);
  const col = colTotals.map((c) => c / n);
  // Counts form κ = (n·O − E)/(n² − E) keeps integer inputs exact in the unweighted case.
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const wij = w(i, j);
      if (wij === 0) continue;
      observed += wij * at(i, j);
      expected += wij * (rowTotals[i] ?? 0) * (colTotals[j] ?? 0);
    }
  }
  const denominator = n * n - expected;
  if (!(denominator > 0)) throw undefinedStatistic('Cohen’s kappa is undefined: expected agreement is 1');
  const value = (n * observed - expected) / denominator;
  const po = observed / n;
  const pe = expected / (n * n);

  // Fleiss, Cohen & Everitt (1969): w̄_i· = Σ_j p_·j w_ij, w̄_·j = Σ_i p_i· w_ij.
  const wRow = new Array<number>(k).fill(0);
  const wCol = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const wij = w(i, j);
      wRow[i] = (wRow[i] ?? 0) + (col[j] ?? 0) * wij;
      wCol[j] = (wCol[j] ?? 0) + (row[i] ?? 0) * wij;
    }
  }
  let sumAlt = 0;
  let sumNull = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const wij = w(i, j);
      const spread = (wRow[i] ?? 0) + (wCol[j] ?? 0);
      const a = wij - spread * (1 - value);
      sumAlt += (at(i, j) / n) * a * a;
      const b = wij - spread;
      sumNull += (row[i] ?? 0) * (col[j] ?? 0) * b * b;
    }
  }
  const scale = n * (1 - pe) * (1 - pe);
  const shift = value - pe * (1 - value);
  const standardError = Math.sqrt(Math.max(0, (sumAlt - shift * shift) / scale));
  const nullStandardError = Math.sqrt(Math.max(0, (sumNull - pe * pe) / scale));

  const perCategory = rowTotals.map((r, j) => {
    const c = colTotals[j] ?? 0;
    const a = at(j, j);
    // 2×2 kappa in counts: 2(ad − bc)/((a+b)(b+d) + (a+c)(c+d)); zero denominator iff p_e = 1.
    const b = r - a;
    const cc = c - a;
    const d = n - r - c + a;
    const den = r * (n - c) + c * (n - r);
    return { category: j, value: den > 0 ? (2 * (a * d - b * cc)) / den : null };
  });

  return {
    value,
    weights,
    observedAgreement: po,
    expectedAgreement: pe,
    n,
    standardError,
    nullStandardError,
    interval: {
      low: Math.max(-1, value - Z_975 * standardError),
      high: Math.min(1, value + Z_975 * standardError),
      level: 0.95,
    },
    perCategory,
  };
}

/**
 * Cohen's kappa (Cohen 1960; weighted, Cohen 1968) between exactly two raters, from ratings.
 * Uses the units both raters rated (missing values dropped). Matrix labels are the values they
 * used, in canonical order (`compareRatingValues`), or `options.categories` when given. Weighted
 * kappa needs ordered categories: numeric values are ordered numerically and the weights are
 * spaced by rank among the levels (like R irr::kappa2); otherwise pass `categories` in order.
 * Throws `TG_STATS_INVALID_INPUT` unless exactly two raters appear, `TG_STATS_UNDEFINED` when
 * no unit was rated by both or p_e = 1.
 */
export function cohenKappa(ratings: readonly Rating[], options: CohenKappaOptions = {}): CohenKappaResult {
  const weights = checkWeights(options.weights);
  const table = buildRatingTable(ratings);
  if (table.raters.length !== 2) {
    throw invalidStatsInput(`Cohen’s kappa needs exactly two raters, found ${table.raters.length}`, { raters: table.raters.length });
  }
  const [raterA, raterB] = table.raters as [string, string];

  const pairs: [number, number][] = [];
  for (const unit of table.units) {
    let a = -1;
    let b = -1;
    for (const r of unit.ratings) {
      if (r.rater === 0) a = r.category;
      else b = r.category;
    }
    if (a >= 0 && b >= 0) pairs.push([a, b]);
  }
  if (pairs.length === 0) throw undefinedStatistic(`Cohen’s kappa is undefined: no unit was rated by both "${raterA}" and "${raterB}"`);

  // Only values that occur in paired units define the scale, so dropped units cannot change the weights.
  const used = [...new Set(pairs.flat())].sort((x, y) => x - y);
  const usedValues = used.map((c) => table.categories[c] as RatingValue);
  let levels: RatingValue[];
  let rankOfUsed: number[];
  if (options.categories !== undefined || weights !== 'none') {
    const scale = ordinalScale(usedValues, options.categories);
    levels = scale.levels;
    rankOfUsed = scale.rankOf;
  } else {
    levels = usedValues;
    rankOfUsed = used.map((_, i) => i);
  }
  const levelOf = new Map(used.map((c, i) => [c, rankOfUsed[i] ?? -1]));

  const k = levels.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const [a, b] of pairs) {
    const row = matrix[levelOf.get(a) ?? -1];
    const j = levelOf.get(b) ?? -1;
    if (row) row[j] = (row[j] ?? 0) + 1;
  }

  const result = cohenKappaFromMatrix(matrix, { weights: options.weights });
  return {
    ...result,
    raters: [raterA, raterB],
    units: pairs.length,
    categories: levels,
    matrix,
    perCategory: result.perCategory.map(({ category, value }) => ({ category: levels[category] as RatingValue, value })),
  };
}
