import type { Rating, RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { compareRatingValues } from './rating-table.js';

/**
 * Krippendorff's alpha, α = 1 − D_o / D_e, for any number of raters, missing values allowed,
 * at the nominal, ordinal, interval and ratio levels, following Krippendorff, K. (2011),
 * "Computing Krippendorff's Alpha-Reliability", University of Pennsylvania,
 * https://repository.upenn.edu/asc_papers/43 (coincidence matrix o_ck, n_c, and the metric
 * differences δ²_ck of its sections C–E).
 *
 * Definitions used throughout. A unit's values are its non-missing ratings; a unit with m_u ≥ 2
 * values is pairable, units with fewer are dropped as Krippendorff prescribes, and n is the
 * number of values in pairable units. o_ck = Σ_u (ordered pairs of values (c, k) in u) / (m_u − 1)
 * and n_c = Σ_k o_ck. Then D_o = (1/n) Σ_c Σ_k o_ck δ²_ck and D_e = Σ_c Σ_k n_c n_k δ²_ck / (n(n − 1)).
 *
 * Performance: rather than filling a V×V matrix (V distinct values), each level uses an
 * equivalent form that is linear in the number of ratings:
 * - nominal: a unit's share of n·D_o is (m_u² − Σ_c n_uc²) / (m_u − 1), and
 *   n(n − 1)·D_e = n² − Σ_c n_c²; O(ratings + V).
 * - interval: Σ_{i≠j} (x_i − x_j)² = 2m Σ (x_i − x̄)² over any multiset of m values, so a unit's
 *   share is 2m_u·SS_u / (m_u − 1) and D_e = 2·SS / (n − 1) with SS the pooled sum of squared
 *   deviations; O(ratings), nothing quadratic in distinct values or pairs.
 * - ordinal: Krippendorff's δ_ck = Σ_{g=c..k} n_g − (n_c + n_k)/2 equals p_k − p_c with the
 *   mid-rank p_c = Σ_{g<c} n_g + n_c/2, so ordinal α is interval α on mid-ranks; O(ratings) once
 *   the values are ranked (a numeric sort, O(n log n), when ranked by number).
 * - ratio: δ²_ck = ((c − k)/(c + k))² has no such decomposition: D_o is summed over the pairs
 *   inside each unit (O(Σ m_u²)) and D_e over pairs of distinct values, O(V²). V is capped at
 *   `KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES` so a request cannot stall the process.
 */

export type KrippendorffLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';

export interface KrippendorffAlphaOptions {
  level: KrippendorffLevel;
  /**
   * Ordinal: the categories from lowest to highest; required when the values are not all
   * numbers (numbers are otherwise ranked by value). Nominal: optional, fixes the order of the
   * coincidence matrix and rejects unlisted values. Not accepted at the interval and ratio levels.
   */
  categories?: readonly RatingValue[];
}

/** The coincidence matrix o_ck (rows and columns in `categories` order); row sums are n_c. */
export interface KrippendorffCoincidences {
  categories: RatingValue[];
  matrix: number[][];
}

/** The quantities a resample needs; see `KrippendorffAlphaResult` for their meaning. */
export interface KrippendorffAlphaCore {
  value: number;
  units: number;
  pairableValues: number;
  observedDisagreement: number;
  expectedDisagreement: number;
}

export interface KrippendorffAlphaResult extends KrippendorffAlphaCore {
  level: KrippendorffLevel;
  /** α = 1 − D_o / D_e; 1 is perfect agreement, 0 agreement at chance level, below 0 systematic disagreement. */
  value: number;
  /** Pairable units used (units with at least two non-missing values). */
  units: number;
  /** Raters with at least one value in a pairable unit. */
  raters: number;
  /** n: the number of values in pairable units. */
  pairableValues: number;
  /** D_o. */
  observedDisagreement: number;
  /** D_e. */
  expectedDisagreement: number;
  /**
   * Nominal and ordinal: the coincidence matrix, for per-category detail. Omitted when there are
   * more than `KRIPPENDORFF_MATRIX_MAX_CATEGORIES` categories (the matrix would be V×V).
   */
  coincidences?: KrippendorffCoincidences;
}

/** Largest number of categories for which the coincidence matrix is returned. */
export const KRIPPENDORFF_MATRIX_MAX_CATEGORIES = 200;

/** Largest number of distinct values accepted at the ratio level, whose D_e is O(V²). */
export const KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES = 20_000;

/**
 * Reliability data prepared once for repeated evaluation (the bootstrap reweights its units).
 * Only pairable units are kept, renumbered 0..unitCount−1 in order of first appearance; the
 * values of unit u are entries `offsets[u]` to `offsets[u + 1] − 1` of `codes`. Treat as opaque.
 */
export interface KrippendorffUnits {
  readonly level: KrippendorffLevel;
  readonly unitCount: number;
  readonly raterCount: number;
  readonly valueCount: number;
  readonly offsets: Int32Array;
  /** Nominal, ordinal, ratio: category index of each value. Empty for interval. */
  readonly codes: Int32Array;
  /** Nominal, ordinal, ratio: the categories in order (ordinal: lowest first). Empty for interval. */
  readonly categories: readonly RatingValue[];
  /** Ratio: the numeric value of each category. */
  readonly categoryNumbers: Float64Array;
  /** 1 when every value of the unit is the same (its observed disagreement is exactly 0). */
  readonly unitUniform: Uint8Array;
  /** Nominal, interval, ratio: the unit's share of n·D_o, Σ_{i≠j} δ²(v_i, v_j) / (m_u − 1). */
  readonly unitObserved: Float64Array;
  /** Interval: Σ (x − shift) and Σ (x − shift)² per unit, shift being the pooled mean, and the unit's min and max. */
  readonly unitSum: Float64Array;
  readonly unitSumSquares: Float64Array;
  readonly unitMin: Float64Array;
  readonly unitMax: Float64Array;
}

const LEVELS: readonly KrippendorffLevel[] = ['nominal', 'ordinal', 'interval', 'ratio'];
const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkOptions(options: KrippendorffAlphaOptions): Map<RatingValue, number> | undefined {
  if (typeof options !== 'object' || options === null || !LEVELS.includes(options.level)) {
    throw invalidStatsInput(`level must be one of ${LEVELS.join(', ')}`);
  }
  const { level, categories } = options;
  if (categories === undefined) return undefined;
  if (level === 'interval' || level === 'ratio') {
    throw invalidStatsInput(`categories apply to the nominal and ordinal levels, not ${level}`);
  }
  if (!Array.isArray(categories)) throw invalidStatsInput('categories must be an array');
  const index = new Map<RatingValue, number>();
  categories.forEach((c: unknown, i) => {
    if ((typeof c !== 'string' && typeof c !== 'number' && typeof c !== 'boolean') || (typeof c === 'number' && !Number.isFinite(c))) {
      throw invalidStatsInput(`categories[${i}] must be a string, a finite number or a boolean`, { index: i });
    }
    if (index.has(c)) throw invalidStatsInput(`categories lists ${describe(c)} more than once`, { category: c });
    index.set(c, i);
  });
  return index;
}

/**
 * Validates and indexes `Rating[]` for Krippendorff's alpha at the given level. Throws
 * `TG_STATS_INVALID_INPUT` for a malformed rating, a unit rated twice by the same rater (a
 * missing rating counts), a value the level cannot measure (naming the value and its unit), or
 * too many distinct ratio values. Typed arrays and one counting sort keep it linear in the
 * number of ratings, which dominates the cost of alpha itself.
 */
export function prepareKrippendorffUnits(ratings: readonly Rating[], options: KrippendorffAlphaOptions): KrippendorffUnits {
  const givenCategories = checkOptions(options);
  const { level } = options;
  if (!Array.isArray(ratings)) throw invalidStatsInput('ratings must be an array');
  const total = ratings.length;
  const unitOf = new Int32Array(total);
  const raterOf = new Int32Array(total);
  // Category index per rating (−1 = missing), or the number itself at the interval level.
  const codeOf = new Int32Array(total);
  // Numbers are kept as numbers (no Map of values) whenever the level ranks or measures them.
  const numeric = givenCategories === undefined && level !== 'nominal';
  const numberOf = numeric ? new Float64Array(total) : EMPTY_F64;
  const unitIndex = new Map<string, number>();
  const raterIndex = new Map<string, number>();
  const unitNames: string[] = [];
  const raterNames: string[] = [];
  const valueIndex = new Map<RatingValue, number>();
  const observedValues: RatingValue[] = [];

  for (let i = 0; i < total; i++) {
    const r = ratings[i] as Rating | null | undefined;
    if (typeof r !== 'object' || r === null || typeof r.unit !== 'string' || typeof r.rater !== 'string') {
      throw invalidStatsInput(`rating ${i} must have string unit and rater ids`, { index: i });
    }
    let u = unitIndex.get(r.unit);
    if (u === undefined) {
      u = unitNames.length;
      unitIndex.set(r.unit, u);
      unitNames.push(r.unit);
    }
    let rt = raterIndex.get(r.rater);
    if (rt === undefined) {
      rt = raterNames.length;
      raterIndex.set(r.rater, rt);
      raterNames.push(r.rater);
    }
    unitOf[i] = u;
    raterOf[i] = rt;

    const v: unknown = r.value;
    if (v === null) {
      codeOf[i] = -1;
      continue;
    }
    const where = { unit: r.unit, rater: r.rater, value: v };
    const at = `(unit "${r.unit}", rater "${r.rater}")`;
    const isNumber = typeof v === 'number';
    if (!isNumber && typeof v !== 'string' && typeof v !== 'boolean') {
      throw invalidStatsInput(`rating ${i} ${at} must have a string, number, boolean or null value`, { ...where, value: undefined });
    }
    if (isNumber && !Number.isFinite(v)) throw invalidStatsInput(`value ${describe(v)} ${at} is not a finite number`, where);
    const value = v;
    if (givenCategories !== undefined) {
      const c = givenCategories.get(value);
      if (c === undefined) throw invalidStatsInput(`value ${describe(value)} ${at} is not among the given categories`, where);
      codeOf[i] = c;
      continue;
    }
    if (level !== 'nominal' && !isNumber) {
      const why = level === 'ordinal' ? 'ordinal alpha needs numbers or an ordered categories list' : `${level} alpha needs numbers`;
      throw invalidStatsInput(`value ${describe(value)} ${at} is not a number; ${why}`, where);
    }
    if (level === 'ratio' && (value as number) < 0) {
      throw invalidStatsInput(`value ${describe(value)} ${at} is negative; ratio alpha needs values ≥ 0`, where);
    }
    if (numeric) {
      numberOf[i] = value as number;
      codeOf[i] = 0;
      continue;
    }
    let c = valueIndex.get(value);
    if (c === undefined) {
      c = observedValues.length;
      valueIndex.set(value, c);
      observedValues.push(value);
    }
    codeOf[i] = c;
  }

  // Counting sort of the ratings by unit, then one pass per unit: duplicate raters, value counts.
  const unitTotal = unitNames.length;
  const start = new Int32Array(unitTotal + 1);
  for (let i = 0; i < total; i++) start[(unitOf[i] as number) + 1]! += 1;
  for (let u = 0; u < unitTotal; u++) start[u + 1]! += start[u]!;
  const cursor = start.slice(0, unitTotal);
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[cursor[unitOf[i] as number]!++] = i;

  const lastUnitOfRater = new Int32Array(raterNames.length).fill(-1);
  const present = new Int32Array(unitTotal);
  let pairableUnits = 0;
  let pairableValues = 0;
  for (let u = 0; u < unitTotal; u++) {
    let m = 0;
    for (let j = start[u]!; j < start[u + 1]!; j++) {
      const i = order[j]!;
      const rt = raterOf[i]!;
      if (lastUnitOfRater[rt] === u) {
        throw invalidStatsInput(`rater "${raterNames[rt]}" rated unit "${unitNames[u]}" more than once`, {
          unit: unitNames[u],
          rater: raterNames[rt],
        });
      }
      lastUnitOfRater[rt] = u;
      if (codeOf[i]! >= 0) m++;
    }
    present[u] = m;
    if (m >= 2) {
      pairableUnits++;
      pairableValues += m;
    }
  }

  // Compact the pairable units into CSR form, keeping each unit's values in input order.
  const offsets = new Int32Array(pairableUnits + 1);
  const rawCodes = numeric ? EMPTY_I32 : new Int32Array(pairableValues);
  const values = numeric ? new Float64Array(pairableValues) : EMPTY_F64;
  const raterUsed = new Uint8Array(raterNames.length);
  let raterCount = 0;
  let k = 0;
  let pu = 0;
  for (let u = 0; u < unitTotal; u++) {
    if (present[u]! < 2) continue;
    for (let j = start[u]!; j < start[u + 1]!; j++) {
      const i = order[j]!;
      if (codeOf[i]! < 0) continue;
      if (numeric) values[k] = numberOf[i]!;
      else rawCodes[k] = codeOf[i]!;
      k++;
      const rt = raterOf[i]!;
      if (raterUsed[rt] === 0) {
        raterUsed[rt] = 1;
        raterCount++;
      }
    }
    offsets[++pu] = k;
  }

  const base = { level, unitCount: pairableUnits, raterCount, valueCount: pairableValues, offsets };
  if (level === 'interval') return prepareInterval(base, values);

  // Categories: as given; else for nominal the values that occur in pairable units in canonical
  // order (see compareRatingValues); else the distinct numbers, ascending. Numbers are coded by a
  // native typed-array sort and binary search, which stays fast when nearly every value is
  // distinct (continuous-ish ordinal or ratio data).
  let categories: RatingValue[];
  let codes: Int32Array;
  if (givenCategories !== undefined) {
    categories = [...givenCategories.keys()];
    codes = rawCodes;
  } else if (level === 'nominal') {
    const used = new Uint8Array(observedValues.length);
    for (let j = 0; j < pairableValues; j++) used[rawCodes[j]!] = 1;
    const usedCodes: number[] = [];
    for (let c = 0; c < used.length; c++) if (used[c] === 1) usedCodes.push(c);
    usedCodes.sort((a, b) => compareRatingValues(observedValues[a]!, observedValues[b]!));
    const remap = new Int32Array(observedValues.length);
    usedCodes.forEach((c, rank) => (remap[c] = rank));
    categories = usedCodes.map((c) => observedValues[c]!);
    codes = new Int32Array(pairableValues);
    for (let j = 0; j < pairableValues; j++) codes[j] = remap[rawCodes[j]!]!;
  } else {
    const sorted = values.slice().sort();
    let distinct = 0;
    for (let j = 0; j < sorted.length; j++) if (j === 0 || sorted[j] !== sorted[distinct - 1]) sorted[distinct++] = sorted[j]!;
    const levels = sorted.subarray(0, distinct);
    codes = new Int32Array(pairableValues);
    for (let j = 0; j < pairableValues; j++) codes[j] = lowerBound(levels, values[j]!);
    categories = Array.from(levels);
  }
  if (level === 'ratio' && categories.length > KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES) {
    throw invalidStatsInput(
      `ratio alpha is limited to ${KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES} distinct values (got ${categories.length}); its expected disagreement is quadratic in them`,
      { distinctValues: categories.length },
    );
  }
  return prepareCategorical({ ...base, codes, categories });
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Base = Pick<KrippendorffUnits, 'level' | 'unitCount' | 'raterCount' | 'valueCount' | 'offsets'>;

function prepareInterval(base: Base, values: Float64Array): KrippendorffUnits {
  const { unitCount, offsets, valueCount } = base;
  let shift = 0;
  for (let j = 0; j < valueCount; j++) shift += values[j]!;
  shift = valueCount > 0 ? shift / valueCount : 0;
  const unitUniform = new Uint8Array(unitCount);
  const unitObserved = new Float64Array(unitCount);
  const unitSum = new Float64Array(unitCount);
  const unitSumSquares = new Float64Array(unitCount);
  const unitMin = new Float64Array(unitCount);
  const unitMax = new Float64Array(unitCount);
  for (let u = 0; u < unitCount; u++) {
    const from = offsets[u]!;
    const to = offsets[u + 1]!;
    const m = to - from;
    let sum = 0;
    let sumSquares = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let j = from; j < to; j++) {
      const x = values[j]!;
      const d = x - shift;
      sum += d;
      sumSquares += d * d;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    unitSum[u] = sum;
    unitSumSquares[u] = sumSquares;
    unitMin[u] = min;
    unitMax[u] = max;
    if (min === max) {
      unitUniform[u] = 1;
      continue;
    }
    // Deviations from the unit's own mean (two-pass) rather than m·Σx² − (Σx)², which cancels badly.
    const mean = shift + sum / m;
    let ss = 0;
    for (let j = from; j < to; j++) {
      const d = values[j]! - mean;
      ss += d * d;
    }
    unitObserved[u] = (2 * m * ss) / (m - 1);
  }
  return {
    ...base,
    codes: EMPTY_I32,
    categories: [],
    categoryNumbers: EMPTY_F64,
    unitUniform,
    unitObserved,
    unitSum,
    unitSumSquares,
    unitMin,
    unitMax,
  };
}

function ratioDifference(c: number, k: number): number {
  // Both zero: identical values, no difference (Krippendorff 2011 defines δ only for c + k > 0).
  const s = c + k;
  if (s === 0) return 0;
  const d = (c - k) / s;
  return d * d;
}

function prepareCategorical(base: Base & { codes: Int32Array; categories: RatingValue[] }): KrippendorffUnits {
  const { level, unitCount, offsets, codes, categories } = base;
  const categoryNumbers = level === 'ratio' ? Float64Array.from(categories as number[]) : EMPTY_F64;
  const unitUniform = new Uint8Array(unitCount);
  const unitObserved = new Float64Array(unitCount);
  const count = new Int32Array(categories.length);
  for (let u = 0; u < unitCount; u++) {
    const from = offsets[u]!;
    const to = offsets[u + 1]!;
    const m = to - from;
    const first = codes[from]!;
    let uniform = true;
    for (let j = from + 1; j < to; j++) {
      if (codes[j] !== first) {
        uniform = false;
        break;
      }
    }
    if (uniform) {
      unitUniform[u] = 1;
      continue;
    }
    if (level === 'nominal') {
      // Σ_c n_uc², accumulated as each count grows from t to t + 1 (adding 2t + 1).
      let sumSquares = 0;
      for (let j = from; j < to; j++) {
        const c = codes[j]!;
        sumSquares += 2 * count[c]! + 1;
        count[c]! += 1;
      }
      for (let j = from; j < to; j++) count[codes[j]!] = 0;
      unitObserved[u] = (m * m - sumSquares) / (m - 1);
    } else if (level === 'ratio') {
      let pairs = 0;
      for (let a = from; a < to; a++) {
        const x = categoryNumbers[codes[a]!]!;
        for (let b = a + 1; b < to; b++) pairs += ratioDifference(x, categoryNumbers[codes[b]!]!);
      }
      unitObserved[u] = (2 * pairs) / (m - 1);
    }
    // Ordinal: the metric depends on the pooled frequencies, so D_o is computed per evaluation.
  }
  return {
    ...base,
    categoryNumbers,
    unitUniform,
    unitObserved,
    unitSum: EMPTY_F64,
    unitSumSquares: EMPTY_F64,
    unitMin: EMPTY_F64,
    unitMax: EMPTY_F64,
  };
}

/**
 * Alpha over prepared units, each unit u counted `weights[u]` times (all once when omitted), as
 * a bootstrap resample needs. Returns null where alpha is undefined: fewer than two pairable
 * units, or no variation among the pairable values (D_e = 0). Never throws for valid units.
 */
export function tryKrippendorffAlphaFromUnits(units: KrippendorffUnits, weights?: Int32Array): KrippendorffAlphaCore | null {
  const { unitCount } = units;
  if (weights !== undefined && weights.length !== unitCount) {
    throw invalidStatsInput(`weights must have one entry per pairable unit (${unitCount}), got ${weights.length}`);
  }
  let unitsUsed = unitCount;
  if (weights !== undefined) {
    unitsUsed = 0;
    for (let u = 0; u < unitCount; u++) unitsUsed += weights[u]!;
  }
  // See krippendorffAlphaFromUnits for why a single unit is treated as undefined.
  if (unitsUsed < 2) return null;
  const sums =
    units.level === 'interval'
      ? intervalSums(units, weights)
      : units.level === 'ordinal'
        ? ordinalSums(units, weights)
        : categoricalSums(units, weights);
  if (sums === null) return null;
  const { n, observedTotal, expectedDisagreement } = sums;
  const observedDisagreement = observedTotal / n;
  return {
    value: 1 - observedDisagreement / expectedDisagreement,
    units: unitsUsed,
    pairableValues: n,
    observedDisagreement,
    expectedDisagreement,
  };
}

interface Sums {
  n: number;
  /** n·D_o. */
  observedTotal: number;
  expectedDisagreement: number;
}

function intervalSums(units: KrippendorffUnits, weights: Int32Array | undefined): Sums | null {
  const { unitCount, offsets, unitObserved, unitSum, unitSumSquares, unitMin, unitMax } = units;
  let n = 0;
  let s1 = 0;
  let s2 = 0;
  let observedTotal = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let u = 0; u < unitCount; u++) {
    const w = weights === undefined ? 1 : weights[u]!;
    if (w === 0) continue;
    n += w * (offsets[u + 1]! - offsets[u]!);
    s1 += w * unitSum[u]!;
    s2 += w * unitSumSquares[u]!;
    observedTotal += w * unitObserved[u]!;
    if (unitMin[u]! < min) min = unitMin[u]!;
    if (unitMax[u]! > max) max = unitMax[u]!;
  }
  if (!(min < max)) return null;
  // Sums are of deviations from the pooled mean of the full data, so s1 is small and this does not cancel.
  const ss = Math.max(0, s2 - (s1 * s1) / n);
  return { n, observedTotal, expectedDisagreement: (2 * ss) / (n - 1) };
}

function weightedCounts(units: KrippendorffUnits, weights: Int32Array | undefined): Float64Array {
  const { unitCount, offsets, codes } = units;
  const counts = new Float64Array(units.categories.length);
  for (let u = 0; u < unitCount; u++) {
    const w = weights === undefined ? 1 : weights[u]!;
    if (w === 0) continue;
    for (let j = offsets[u]!; j < offsets[u + 1]!; j++) counts[codes[j]!]! += w;
  }
  return counts;
}

function categoricalSums(units: KrippendorffUnits, weights: Int32Array | undefined): Sums | null {
  const counts = weightedCounts(units, weights);
  let observedTotal = 0;
  for (let u = 0; u < units.unitCount; u++) {
    const w = weights === undefined ? 1 : weights[u]!;
    if (w !== 0) observedTotal += w * units.unitObserved[u]!;
  }
  const used: number[] = [];
  let n = 0;
  for (let c = 0; c < counts.length; c++) {
    if (counts[c]! > 0) {
      used.push(c);
      n += counts[c]!;
    }
  }
  if (used.length < 2) return null;
  let expectedTotal = 0;
  if (units.level === 'nominal') {
    let sumSquares = 0;
    for (const c of used) sumSquares += counts[c]! * counts[c]!;
    expectedTotal = n * n - sumSquares;
  } else {
    // Ratio: Σ_{c≠k} n_c n_k δ²_ck over the distinct values present, O(V²).
    const x = units.categoryNumbers;
    for (let a = 0; a < used.length; a++) {
      const ca = used[a]!;
      let row = 0;
      for (let b = a + 1; b < used.length; b++) {
        const cb = used[b]!;
        row += counts[cb]! * ratioDifference(x[ca]!, x[cb]!);
      }
      expectedTotal += 2 * counts[ca]! * row;
    }
  }
  return { n, observedTotal, expectedDisagreement: expectedTotal / (n * (n - 1)) };
}

function ordinalSums(units: KrippendorffUnits, weights: Int32Array | undefined): Sums | null {
  const { unitCount, offsets, codes, unitUniform } = units;
  const counts = weightedCounts(units, weights);
  // Mid-ranks p_c = Σ_{g<c} n_g + n_c / 2; their n_c-weighted mean is exactly n / 2.
  const rank = new Float64Array(counts.length);
  let below = 0;
  let used = 0;
  for (let c = 0; c < counts.length; c++) {
    const nc = counts[c]!;
    if (nc > 0) used++;
    rank[c] = below + nc / 2;
    below += nc;
  }
  if (used < 2) return null;
  const n = below;
  const centre = n / 2;
  let ss = 0;
  for (let c = 0; c < counts.length; c++) {
    const d = rank[c]! - centre;
    ss += counts[c]! * d * d;
  }
  let observedTotal = 0;
  for (let u = 0; u < unitCount; u++) {
    const w = weights === undefined ? 1 : weights[u]!;
    if (w === 0 || unitUniform[u] === 1) continue;
    const from = offsets[u]!;
    const to = offsets[u + 1]!;
    const m = to - from;
    let sum = 0;
    for (let j = from; j < to; j++) sum += rank[codes[j]!]!;
    const mean = sum / m;
    let unitSs = 0;
    for (let j = from; j < to; j++) {
      const d = rank[codes[j]!]! - mean;
      unitSs += d * d;
    }
    observedTotal += (w * 2 * m * unitSs) / (m - 1);
  }
  return { n, observedTotal, expectedDisagreement: (2 * ss) / (n - 1) };
}

/**
 * Krippendorff's alpha over prepared units, with the coincidence matrix for nominal and ordinal
 * data. Throws `TG_STATS_UNDEFINED` when there are no pairable values, only one pairable unit, or
 * no variation (D_e = 0).
 *
 * A single pairable unit is treated as undefined even when its values vary. By the method,
 * with one unit o_ck = n_c n_k / (n − 1) for c ≠ k, so D_o equals D_e identically and α = 0
 * whatever the raters did: expected disagreement is estimated from the pooled values, and with
 * one unit those are the unit's own values, so chance and observation cannot be told apart.
 * Reporting 0 would read as "agreement at chance level", which the data cannot show. (Reference
 * implementations such as R irr and Python krippendorff return that 0.)
 */
export function krippendorffAlphaFromUnits(units: KrippendorffUnits): KrippendorffAlphaResult {
  if (units.unitCount === 0) {
    throw undefinedStatistic('Krippendorff alpha is undefined: no unit has two or more non-missing values, so nothing can be paired', {
      units: 0,
    });
  }
  if (units.unitCount === 1) {
    throw undefinedStatistic('Krippendorff alpha is undefined for a single pairable unit: observed and expected disagreement coincide', {
      units: 1,
    });
  }
  const core = tryKrippendorffAlphaFromUnits(units);
  if (core === null) {
    throw undefinedStatistic('Krippendorff alpha is undefined: every pairable value is the same, so expected disagreement is 0', {
      units: units.unitCount,
      pairableValues: units.valueCount,
    });
  }
  const result: KrippendorffAlphaResult = { level: units.level, ...core, raters: units.raterCount };
  if ((units.level === 'nominal' || units.level === 'ordinal') && units.categories.length <= KRIPPENDORFF_MATRIX_MAX_CATEGORIES) {
    result.coincidences = coincidenceMatrix(units);
  }
  return result;
}

function coincidenceMatrix(units: KrippendorffUnits): KrippendorffCoincidences {
  const { unitCount, offsets, codes, categories } = units;
  const v = categories.length;
  const o = new Float64Array(v * v);
  const count = new Int32Array(v);
  const distinct: number[] = [];
  for (let u = 0; u < unitCount; u++) {
    const from = offsets[u]!;
    const to = offsets[u + 1]!;
    const m = to - from;
    for (let j = from; j < to; j++) {
      const c = codes[j]!;
      if (count[c] === 0) distinct.push(c);
      count[c]! += 1;
    }
    for (const a of distinct) {
      const na = count[a]!;
      for (const b of distinct) o[a * v + b]! += (na * (a === b ? na - 1 : count[b]!)) / (m - 1);
    }
    for (const c of distinct) count[c] = 0;
    distinct.length = 0;
  }
  const matrix: number[][] = [];
  for (let a = 0; a < v; a++) matrix.push(Array.from(o.subarray(a * v, (a + 1) * v)));
  return { categories: [...categories], matrix };
}

/**
 * Krippendorff's alpha for `Rating[]` (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability"): any number of raters, missing (`null`) values allowed, units with fewer
 * than two values dropped. Levels: nominal (δ² = 0 or 1), ordinal (δ over ranked categories,
 * numbers ranked by value, otherwise by `categories`), interval (δ² = (c − k)²) and ratio
 * (δ² = ((c − k)/(c + k))², values ≥ 0). Throws `TG_STATS_INVALID_INPUT` for input the level
 * cannot measure and `TG_STATS_UNDEFINED` when alpha has no value (see krippendorffAlphaFromUnits).
 */
export function krippendorffAlpha(ratings: readonly Rating[], options: KrippendorffAlphaOptions): KrippendorffAlphaResult {
  return krippendorffAlphaFromUnits(prepareKrippendorffUnits(ratings, options));
}
