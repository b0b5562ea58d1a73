import { invalidStatsInput } from '../stats-errors.js';

/**
 * Counts (or weights, or probabilities) over categories: either positional arrays that must line
 * up, or records keyed by category name, where a category missing from one side counts as 0.
 */
export type CategoryCounts = readonly number[] | Readonly<Record<string, number>>;

export interface AlignedCounts {
  /** Category names for record input (first-seen order: reference keys, then new current keys); undefined for arrays. */
  categories: string[] | undefined;
  reference: number[];
  current: number[];
}

function checkCount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidStatsInput(`${where} must be a non-negative finite number`, { value });
  }
  return value;
}

/** Puts two count vectors on the same categories, validating every entry. */
export function alignCounts(reference: CategoryCounts, current: CategoryCounts): AlignedCounts {
  const refIsArray = Array.isArray(reference);
  const curIsArray = Array.isArray(current);
  if (refIsArray !== curIsArray) throw invalidStatsInput('reference and current counts must both be arrays or both be records');
  if (refIsArray && curIsArray) {
    const ref = reference as readonly number[];
    const cur = current as readonly number[];
    if (ref.length !== cur.length) {
      throw invalidStatsInput('reference and current counts must cover the same categories', {
        reference: ref.length,
        current: cur.length,
      });
    }
    if (ref.length === 0) throw invalidStatsInput('at least one category is required');
    return {
      categories: undefined,
      reference: ref.map((v, i) => checkCount(v, `reference count ${i}`)),
      current: cur.map((v, i) => checkCount(v, `current count ${i}`)),
    };
  }
  const ref = reference as Readonly<Record<string, number>>;
  const cur = current as Readonly<Record<string, number>>;
  const categories = [...new Set([...Object.keys(ref), ...Object.keys(cur)])];
  if (categories.length === 0) throw invalidStatsInput('at least one category is required');
  return {
    categories,
    reference: categories.map((c) => (Object.hasOwn(ref, c) ? checkCount(ref[c], `reference count "${c}"`) : 0)),
    current: categories.map((c) => (Object.hasOwn(cur, c) ? checkCount(cur[c], `current count "${c}"`) : 0)),
  };
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
