import { assertArray, assertLabel, compareIds, labelKey } from '../aggregation/majority-vote.js';
import type { Interval, RatingValue } from '../ratings.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';
import { wilsonInterval } from './wilson-interval.js';

/** One reviewer's answer for one item. The same reviewer may judge an item more than once; each judgment is scored. */
export interface ReviewerJudgment {
  reviewer: string;
  item: string;
  value: RatingValue;
}

/** Gold (reference) answers by item id. */
export type GoldAnswers = ReadonlyMap<string, RatingValue> | Readonly<Record<string, RatingValue>>;

export interface ReviewerStatsOptions {
  /** Confidence level of the Wilson intervals; default 0.95. */
  level?: number;
}

export interface ReviewerAccuracy {
  reviewer: string;
  /** Judgments equal to the gold answer (same type and value: 1, '1' and true differ). */
  correct: number;
  /** Judgments on items that have a gold answer. */
  total: number;
  /** Judgments on items without a gold answer, which cannot be scored. */
  ignored: number;
  /** correct / total, or null when none of the reviewer's judgments had a gold answer. */
  accuracy: number | null;
  /** Wilson score interval for the accuracy, or null with `accuracy`. */
  interval: Interval | null;
}

export interface ReviewerAccuracyResult {
  /** One entry per reviewer, in code-unit order of reviewer ids. */
  reviewers: ReviewerAccuracy[];
  /** Judgments (over all reviewers) on items without a gold answer. */
  ignored: number;
}

export interface ReviewerAgreement {
  reviewer: string;
  /** Judgments equal to the consensus of the other reviewers on the same item. */
  agreed: number;
  /** Judgments that had a consensus to compare with. */
  compared: number;
  /** agreed / compared, or null when nothing could be compared. */
  rate: number | null;
  /** Wilson score interval for the rate, or null with `rate`. */
  interval: Interval | null;
  /** Judgments skipped because the other reviewers' votes on the item tie at the top. */
  skippedTies: number;
  /** Judgments skipped because no other reviewer judged the item. */
  skippedAlone: number;
}

function validate(judgments: readonly ReviewerJudgment[], options: ReviewerStatsOptions): void {
  assertArray(judgments, 'judgments');
  if (judgments.length === 0) throw undefinedStatistic('no judgments to score');
  judgments.forEach((j, i) => {
    if (typeof j !== 'object' || j === null) throw invalidStatsInput(`judgments[${i}] must be an object`);
    if (typeof j.reviewer !== 'string') throw invalidStatsInput(`judgments[${i}].reviewer must be a string`);
    if (typeof j.item !== 'string') throw invalidStatsInput(`judgments[${i}].item must be a string`);
    assertLabel(j.value, `judgments[${i}].value`);
  });
  const level = options.level ?? 0.95;
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw invalidStatsInput('level must be strictly between 0 and 1', { level });
}

function goldLookup(gold: GoldAnswers): (item: string) => RatingValue | undefined {
  if (gold instanceof Map) {
    const map = gold as ReadonlyMap<string, RatingValue>;
    return (item) => map.get(item);
  }
  if (typeof gold !== 'object' || gold === null) throw invalidStatsInput('gold must be a Map or an object of item → value');
  const record = gold as Readonly<Record<string, RatingValue>>;
  return (item) => (Object.hasOwn(record, item) ? record[item] : undefined);
}

/**
 * Accuracy of each reviewer against gold answers, with a Wilson score interval (Wilson 1927; see
 * `wilsonInterval`). Judgments on items without gold are not scored and are counted in `ignored`.
 * Throws TG_STATS_UNDEFINED when there are no judgments or none of them is on a gold item.
 */
export function reviewerAccuracy(
  judgments: readonly ReviewerJudgment[],
  gold: GoldAnswers,
  options: ReviewerStatsOptions = {},
): ReviewerAccuracyResult {
  validate(judgments, options);
  const lookup = goldLookup(gold);
  const tally = new Map<string, { correct: number; total: number; ignored: number }>();
  let ignored = 0;
  for (const j of judgments) {
    let t = tally.get(j.reviewer);
    if (t === undefined) {
      t = { correct: 0, total: 0, ignored: 0 };
      tally.set(j.reviewer, t);
    }
    const answer = lookup(j.item);
    if (answer === undefined) {
      t.ignored += 1;
      ignored += 1;
      continue;
    }
    assertLabel(answer, `gold[${JSON.stringify(j.item)}]`);
    t.total += 1;
    if (labelKey(answer) === labelKey(j.value)) t.correct += 1;
  }
  if (ignored === judgments.length) throw undefinedStatistic('no judgment is on an item with a gold answer', { ignored });
  const level = options.level ?? 0.95;
  const reviewers = [...tally.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([reviewer, t]) => ({
      reviewer,
      ...t,
      accuracy: t.total === 0 ? null : t.correct / t.total,
      interval: t.total === 0 ? null : wilsonInterval(t.correct, t.total, { level }),
    }));
  return { reviewers, ignored };
}

/**
 * Agreement of each reviewer with the consensus of the others (a leave-one-out check, useful
 * without gold answers): each of the reviewer's judgments is compared with the plurality vote of
 * the OTHER reviewers' judgments on the same item. Judgments on items nobody else judged
 * (`skippedAlone`) or where the others tie at the top (`skippedTies`) are not compared, since there
 * is no consensus to agree with. Agreement with peers is not accuracy: a reviewer can agree with a
 * consistently wrong majority. Wilson score interval as in `reviewerAccuracy`.
 */
export function reviewerAgreement(judgments: readonly ReviewerJudgment[], options: ReviewerStatsOptions = {}): ReviewerAgreement[] {
  validate(judgments, options);
  const level = options.level ?? 0.95;
  // item → labelKey → reviewer → count, so one reviewer's votes can be taken out in O(labels).
  const byItem = new Map<string, Map<string, Map<string, number>>>();
  for (const j of judgments) {
    let labels = byItem.get(j.item);
    if (labels === undefined) {
      labels = new Map();
      byItem.set(j.item, labels);
    }
    const key = labelKey(j.value);
    let reviewers = labels.get(key);
    if (reviewers === undefined) {
      reviewers = new Map();
      labels.set(key, reviewers);
    }
    reviewers.set(j.reviewer, (reviewers.get(j.reviewer) ?? 0) + 1);
  }

  const tally = new Map<string, { agreed: number; compared: number; skippedTies: number; skippedAlone: number }>();
  for (const labels of byItem.values()) {
    const totals = new Map<string, number>();
    const reviewersHere = new Map<string, Map<string, number>>();
    for (const [key, reviewers] of labels) {
      let sum = 0;
      for (const [reviewer, count] of reviewers) {
        sum += count;
        let own = reviewersHere.get(reviewer);
        if (own === undefined) {
          own = new Map();
          reviewersHere.set(reviewer, own);
        }
        own.set(key, count);
      }
      totals.set(key, sum);
    }
    for (const [reviewer, own] of reviewersHere) {
      let t = tally.get(reviewer);
      if (t === undefined) {
        t = { agreed: 0, compared: 0, skippedTies: 0, skippedAlone: 0 };
        tally.set(reviewer, t);
      }
      let ownTotal = 0;
      for (const c of own.values()) ownTotal += c;
      let max = 0;
      let topKey: string | undefined;
      let topCount = 0;
      for (const [key, total] of totals) {
        const others = total - (own.get(key) ?? 0);
        if (others > max) {
          max = others;
          topKey = key;
          topCount = 1;
        } else if (others === max && others > 0) {
          topCount += 1;
        }
      }
      if (max === 0) t.skippedAlone += ownTotal;
      else if (topCount > 1) t.skippedTies += ownTotal;
      else {
        t.compared += ownTotal;
        t.agreed += topKey === undefined ? 0 : (own.get(topKey) ?? 0);
      }
    }
  }
  return [...tally.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([reviewer, t]) => ({
      reviewer,
      agreed: t.agreed,
      compared: t.compared,
      rate: t.compared === 0 ? null : t.agreed / t.compared,
      interval: t.compared === 0 ? null : wilsonInterval(t.agreed, t.compared, { level }),
      skippedTies: t.skippedTies,
      skippedAlone: t.skippedAlone,
    }));
}
