import type { RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';

/** One reviewer's categorical answer for one item. The same reviewer may judge an item more than once (each judgment is a vote). */
export interface LabelJudgment {
  item: string;
  reviewer: string;
  label: RatingValue;
}

/**
 * What to do when several labels share the top count:
 * - `'none'`: no winner (`label` null, `labels` empty); the tied labels are listed in `tied`.
 * - `'lowest'`: the first tied label in the stable category order wins.
 * - `'all'`: no single winner (`label` null) but every tied label is returned in `labels`.
 */
export type TieRule = 'none' | 'lowest' | 'all';

export interface LabelCount {
  label: RatingValue;
  count: number;
}

export interface CategoryOptions {
  /**
   * The category set in its stable order (for example a rubric's options). Without it the order is
   * booleans (false, true), then numbers ascending, then strings by UTF-16 code units (locale-free,
   * so the result never depends on the host).
   */
  categories?: readonly RatingValue[];
}

export interface MajorityVoteOptions extends CategoryOptions {
  ties?: TieRule;
}

export interface MajorityVoteItem {
  item: string;
  /** The winning label, or null when the top count is tied and the tie rule does not pick one. */
  label: RatingValue | null;
  /** The winners: `[label]`, every tied label under `'all'`, or `[]` for an unresolved tie under `'none'`. */
  labels: RatingValue[];
  /** Labels sharing the top count when there is a tie (category order), otherwise empty. */
  tied: RatingValue[];
  /** Vote counts per label that received at least one vote, in category order. */
  votes: LabelCount[];
  total: number;
  /** Top count / total: the share of the winning label (of each tied label when tied). */
  share: number;
}

/** A label's identity: type and value, so `1`, `'1'` and `true` are different categories. */
export function labelKey(label: RatingValue): string {
  return `${typeof label}:${String(label)}`;
}

const TYPE_RANK: Readonly<Record<string, number>> = { boolean: 0, number: 1, string: 2 };

/** The default stable category order (see `CategoryOptions.categories`). */
export function compareLabels(a: RatingValue, b: RatingValue): number {
  const ta = TYPE_RANK[typeof a] ?? 3;
  const tb = TYPE_RANK[typeof b] ?? 3;
  if (ta !== tb) return ta - tb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Code-unit string order for ids, so sorting never depends on the host locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function assertLabel(label: unknown, at: string): asserts label is RatingValue {
  const ok = typeof label === 'string' || typeof label === 'boolean' || (typeof label === 'number' && Number.isFinite(label));
  if (!ok) throw invalidStatsInput(`${at} must be a string, a finite number or a boolean`, { at });
}

/** Runtime shape check for callers outside TypeScript (the HTTP layer passes parsed JSON). */
export function assertArray(value: unknown, name: string): void {
  if (!Array.isArray(value)) throw invalidStatsInput(`${name} must be an array`);
}

export interface CategorySet {
  /** Labels in stable category order. */
  labels: RatingValue[];
  /** labelKey → position in `labels`. */
  index: Map<string, number>;
}

/**
 * The categories in their stable order: the caller's list when given (every observed label must be in
 * it), otherwise the observed labels sorted by `compareLabels`.
 */
export function categorySet(observed: Iterable<RatingValue>, categories?: readonly RatingValue[]): CategorySet {
  const index = new Map<string, number>();
  if (categories !== undefined) {
    assertArray(categories, 'categories');
    if (categories.length === 0) throw invalidStatsInput('categories must be a non-empty array');
    categories.forEach((c, i) => {
      assertLabel(c, `categories[${i}]`);
      const key = labelKey(c);
      if (index.has(key)) throw invalidStatsInput(`categories lists ${JSON.stringify(c)} twice`, { category: c });
      index.set(key, i);
    });
    for (const label of observed) {
      if (!index.has(labelKey(label))) throw invalidStatsInput(`label ${JSON.stringify(label)} is not one of the categories`, { label });
    }
    return { labels: [...categories], index };
  }
  const unique = new Map<string, RatingValue>();
  for (const label of observed) unique.set(labelKey(label), label);
  const labels = [...unique.values()].sort(compareLabels);
  labels.forEach((l, i) => index.set(labelKey(l), i));
  return { labels, index };
}

/** Checks the judgment shapes; no judgments at all is TG_STATS_UNDEFINED (there is nothing to aggregate). */
export function validateJudgments(judgments: readonly LabelJudgment[]): void {
  assertArray(judgments, 'judgments');
  if (judgments.length === 0) throw undefinedStatistic('no judgments to aggregate');
  judgments.forEach((j, i) => {
    if (typeof j !== 'object' || j === null) throw invalidStatsInput(`judgments[${i}] must be an object`);
    if (typeof j.item !== 'string') throw invalidStatsInput(`judgments[${i}].item must be a string`);
    if (typeof j.reviewer !== 'string') throw invalidStatsInput(`judgments[${i}].reviewer must be a string`);
    assertLabel(j.label, `judgments[${i}].label`);
  });
}

export function resolveTieRule(ties: TieRule | undefined): TieRule {
  const rule = ties ?? 'none';
  if (rule !== 'none' && rule !== 'lowest' && rule !== 'all') throw invalidStatsInput(`ties must be 'none', 'lowest' or 'all'`, { ties });
  return rule;
}

/** Winners under a tie rule, given the tied labels in category order (one label = no tie). */
export function applyTieRule(
  top: readonly RatingValue[],
  rule: TieRule,
): { label: RatingValue | null; labels: RatingValue[]; tied: RatingValue[] } {
  const first = top[0];
  if (first === undefined) return { label: null, labels: [], tied: [] };
  if (top.length === 1) return { label: first, labels: [first], tied: [] };
  const tied = [...top];
  if (rule === 'lowest') return { label: first, labels: [first], tied };
  if (rule === 'all') return { label: null, labels: [...top], tied };
  return { label: null, labels: [], tied };
}

/**
 * Plurality (majority) vote per item: the label with the most judgments wins. Ties are never broken
 * silently; `ties` states the rule. Every judgment is one vote, so a reviewer who judged an item
 * twice counts twice (deduplicate first for one vote per reviewer). Items are returned in code-unit
 * order of their ids, and the result does not depend on the order of the input.
 */
export function majorityVote(judgments: readonly LabelJudgment[], options: MajorityVoteOptions = {}): MajorityVoteItem[] {
  validateJudgments(judgments);
  const rule = resolveTieRule(options.ties);
  const cats = categorySet(
    judgments.map((j) => j.label),
    options.categories,
  );
  const k = cats.labels.length;
  const countsByItem = new Map<string, number[]>();
  for (const j of judgments) {
    let counts = countsByItem.get(j.item);
    if (counts === undefined) {
      counts = new Array<number>(k).fill(0);
      countsByItem.set(j.item, counts);
    }
    const c = cats.index.get(labelKey(j.label)) ?? 0;
    counts[c] = (counts[c] ?? 0) + 1;
  }
  const items = [...countsByItem.keys()].sort(compareIds);
  return items.map((item) => {
    const counts = countsByItem.get(item) ?? [];
    let total = 0;
    let max = 0;
    for (const c of counts) {
      total += c;
      if (c > max) max = c;
    }
    const votes: LabelCount[] = [];
    const top: RatingValue[] = [];
    counts.forEach((count, c) => {
      const label = cats.labels[c];
      if (count === 0 || label === undefined) return;
      votes.push({ label, count });
      if (count === max) top.push(label);
    });
    return { item, ...applyTieRule(top, rule), votes, total, share: max / total };
  });
}
