import type { Rating, RatingValue } from '../ratings.js';
import { invalidStatsInput } from '../stats-errors.js';

/**
 * Shared groundwork for the categorical agreement statistics (percent agreement, Cohen's and
 * Fleiss' kappa, Krippendorff's alpha): `Rating[]` in, an indexed table out. Raters and
 * categories are referred to by index so each statistic can work on small integer arrays.
 */

/** One usable (non-missing) rating inside a unit: indices into `RatingTable.raters` and `RatingTable.categories`. */
export interface IndexedRating {
  rater: number;
  category: number;
}

/** A unit and its non-missing ratings, in input order. `ratings` is empty when every rating of the unit was missing. */
export interface UnitRatings {
  unit: string;
  ratings: IndexedRating[];
}

export interface RatingTable {
  /** Every unit that appears in the input, in order of first appearance (units whose ratings are all missing included). */
  units: UnitRatings[];
  /** Every rater that appears in the input, in order of first appearance (raters whose ratings are all missing included). */
  raters: string[];
  /** The distinct non-missing values in canonical order (see `compareRatingValues`). */
  categories: RatingValue[];
  /** How many `null` (missing) ratings were dropped. */
  missing: number;
}

/**
 * A key that identifies a category. Values of different types are different categories (the
 * number 1 and the string '1' are not merged) because silently coercing would hide input mistakes.
 */
export function ratingValueKey(value: RatingValue): string {
  return `${typeof value}:${String(value)}`;
}

const TYPE_RANK: Record<string, number> = { number: 0, boolean: 1, string: 2 };

/**
 * Canonical category order: numbers first, ascending numerically; then booleans and strings by
 * their string form (UTF-16 code units, not locale, so the order is the same on every machine);
 * a boolean and a string with the same string form are ordered boolean first.
 */
export function compareRatingValues(a: RatingValue, b: RatingValue): number {
  const aNum = typeof a === 'number';
  const bNum = typeof b === 'number';
  if (aNum && bNum) return a - b;
  if (aNum) return -1;
  if (bNum) return 1;
  const sa = String(a);
  const sb = String(b);
  if (sa < sb) return -1;
  if (sa > sb) return 1;
  return (TYPE_RANK[typeof a] ?? 0) - (TYPE_RANK[typeof b] ?? 0);
}

function checkValue(r: Rating, index: number): void {
  const v: unknown = r.value;
  if (v === null) return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw invalidStatsInput(`rating ${index} (unit "${r.unit}", rater "${r.rater}") has a non-finite value`, { index });
    return;
  }
  if (typeof v !== 'string' && typeof v !== 'boolean') {
    throw invalidStatsInput(`rating ${index} (unit "${r.unit}", rater "${r.rater}") must have a string, number, boolean or null value`, {
      index,
    });
  }
}

/**
 * Groups ratings by unit, indexes raters and categories, and drops missing (`null`) values.
 * Throws `TG_STATS_INVALID_INPUT` when a unit+rater pair occurs more than once (even if one of
 * the two is missing: a rater rates a unit at most once), naming the pair, or when a value is
 * not a finite number, a string or a boolean. An empty input gives an empty table; each
 * statistic decides whether that is undefined.
 */
export function buildRatingTable(ratings: readonly Rating[]): RatingTable {
  const input: unknown = ratings;
  if (!Array.isArray(input)) throw invalidStatsInput('ratings must be an array');
  const unitIndex = new Map<string, number>();
  const raterIndex = new Map<string, number>();
  const categoryByKey = new Map<string, RatingValue>();
  const units: { unit: string; seen: Set<string>; raw: { rater: number; key: string }[] }[] = [];
  const raters: string[] = [];
  let missing = 0;

  ratings.forEach((r, index) => {
    if (typeof r?.unit !== 'string' || typeof r.rater !== 'string') {
      throw invalidStatsInput(`rating ${index} must have string unit and rater ids`, { index });
    }
    checkValue(r, index);
    let u = unitIndex.get(r.unit);
    if (u === undefined) {
      u = units.length;
      unitIndex.set(r.unit, u);
      units.push({ unit: r.unit, seen: new Set(), raw: [] });
    }
    const entry = units[u];
    if (!entry) return;
    if (entry.seen.has(r.rater)) {
      throw invalidStatsInput(`rater "${r.rater}" rated unit "${r.unit}" more than once`, { unit: r.unit, rater: r.rater });
    }
    entry.seen.add(r.rater);
    let rt = raterIndex.get(r.rater);
    if (rt === undefined) {
      rt = raters.length;
      raterIndex.set(r.rater, rt);
      raters.push(r.rater);
    }
    if (r.value === null) {
      missing += 1;
      return;
    }
    const key = ratingValueKey(r.value);
    if (!categoryByKey.has(key)) categoryByKey.set(key, r.value);
    entry.raw.push({ rater: rt, key });
  });

  const categories = [...categoryByKey.values()].sort(compareRatingValues);
  const categoryIndex = new Map(categories.map((c, i) => [ratingValueKey(c), i]));
  return {
    units: units.map(({ unit, raw }) => ({
      unit,
      ratings: raw.map(({ rater, key }) => ({ rater, category: categoryIndex.get(key) ?? -1 })),
    })),
    raters,
    categories,
    missing,
  };
}

/** Counts per category (indexed like `RatingTable.categories`) of one unit's ratings. */
export function unitCategoryCounts(unit: UnitRatings, categoryCount: number): number[] {
  const counts = new Array<number>(categoryCount).fill(0);
  for (const { category } of unit.ratings) counts[category] = (counts[category] ?? 0) + 1;
  return counts;
}

/** An order imposed on the categories of a table, for weighted and ordinal statistics. */
export interface OrdinalScale {
  /** The scale's levels in order; may include levels nobody used (they still count for weights). */
  levels: RatingValue[];
  /** `rankOf[i]` is the position in `levels` of `observed[i]`. */
  rankOf: number[];
}

/**
 * Orders categories for a weighted or ordinal statistic. `observed` are the values that occur
 * (for example `table.categories`, or the subset a statistic actually pairs). With `order`, that
 * order is used as given: it must list every observed value once and may list unobserved ones
 * (they still count for the spacing of weights). Without it, all-numeric values are ordered
 * numerically and the levels are exactly the observed values; any non-numeric value then throws
 * `TG_STATS_INVALID_INPUT`, because an order cannot be guessed from labels.
 */
export function ordinalScale(observed: readonly RatingValue[], order?: readonly RatingValue[]): OrdinalScale {
  if (order === undefined) {
    const nonNumeric = observed.find((c) => typeof c !== 'number');
    if (nonNumeric !== undefined) {
      throw invalidStatsInput(`categories are not all numeric (found ${JSON.stringify(nonNumeric)}); give the categories in order`, {
        category: nonNumeric,
      });
    }
    const levels = [...observed].sort(compareRatingValues);
    const rank = new Map(levels.map((l, i) => [ratingValueKey(l), i]));
    return { levels, rankOf: observed.map((c) => rank.get(ratingValueKey(c)) ?? -1) };
  }
  const given: unknown = order;
  if (!Array.isArray(given)) throw invalidStatsInput('categories must be an array');
  const position = new Map<string, number>();
  order.forEach((level, i) => {
    const t = typeof level;
    if ((t !== 'string' && t !== 'number' && t !== 'boolean') || (t === 'number' && !Number.isFinite(level))) {
      throw invalidStatsInput(`categories[${i}] must be a string, a finite number or a boolean`, { index: i });
    }
    const key = ratingValueKey(level);
    if (position.has(key)) throw invalidStatsInput(`categories lists ${JSON.stringify(level)} more than once`, { category: level });
    position.set(key, i);
  });
  const rankOf = observed.map((c) => {
    const p = position.get(ratingValueKey(c));
    if (p === undefined) {
      throw invalidStatsInput(`the value ${JSON.stringify(c)} was rated but is not among the given categories`, { category: c });
    }
    return p;
  });
  return { levels: [...order], rankOf };
}
