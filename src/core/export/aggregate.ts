import canonicalize from 'canonicalize';
import { isRecord } from '../json.js';
import type { ItemKind, JsonValue, ScoreValue } from '../types.js';
import type { ExportJudgment } from './types.js';

/**
 * What a judgment answers, as one comparable key: the verdict of a review, the winner (or tie)
 * of a comparison, the whole order of a ranking.
 */
function answerKey(kind: ItemKind, j: ExportJudgment): string | null {
  if (kind === 'output') return j.verdict;
  if (!isRecord(j.answer)) return null;
  if (kind === 'compare') return typeof j.answer['winner'] === 'string' ? j.answer['winner'] : null;
  return Array.isArray(j.answer['order']) ? JSON.stringify(j.answer['order']) : null;
}

/**
 * The item's agreement: the share of its judgments that give the most common answer (verdict,
 * winner, or ranking order). An expert's adjudication counts as one more judgment. null with
 * fewer than two judgments, where there is nothing to agree with: such items never pass a
 * `min_agreement` filter, since their agreement is unmeasured rather than perfect.
 */
export function itemAgreement(kind: ItemKind, judgments: readonly ExportJudgment[]): number | null {
  const counts = new Map<string, number>();
  let n = 0;
  for (const j of judgments) {
    const key = answerKey(kind, j);
    if (key === null) continue;
    n++;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (n < 2) return null;
  return Math.max(...counts.values()) / n;
}

export interface AggregatedScores {
  /** Per numeric criterion (likert, numeric): the mean. */
  scores: Record<string, number>;
  /**
   * Per other criterion: for a single value (category, boolean, one label) the value more
   * judgments gave than any other, null on a tie; for a list (several labels, spans) the entries
   * more than half of the judgments that scored the criterion included, in first-seen order.
   */
  labels: Record<string, JsonValue>;
}

/** Rubric scores of several judgments as one reference answer; the value types say the scale. */
export function aggregateScores(judgments: readonly ExportJudgment[]): AggregatedScores {
  const byKey = new Map<string, ScoreValue[]>();
  for (const j of judgments) for (const [key, value] of Object.entries(j.scores)) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  const scores: Record<string, number> = {};
  const labels: Record<string, JsonValue> = {};
  for (const [key, values] of [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (values.every((v) => typeof v === 'number')) scores[key] = values.reduce((s, v) => s + v, 0) / values.length;
    else if (values.every((v) => Array.isArray(v))) labels[key] = majorityEntries(values as JsonValue[][]);
    else labels[key] = plurality(values as JsonValue[]);
  }
  return { scores, labels };
}

/** Equal JSON, whatever the key order a client or the store gave it. */
const keyOf = (v: JsonValue): string => canonicalize(v) ?? 'null';

function plurality(values: readonly JsonValue[]): JsonValue {
  const counts = new Map<string, { value: JsonValue; n: number }>();
  for (const v of values) {
    const k = keyOf(v);
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { value: v, n: 1 });
  }
  const ranked = [...counts.values()].sort((a, b) => b.n - a.n);
  const [top, next] = ranked;
  return top === undefined || (next !== undefined && next.n === top.n) ? null : top.value;
}

function majorityEntries(lists: readonly JsonValue[][]): JsonValue[] {
  const counts = new Map<string, { value: JsonValue; n: number }>();
  for (const list of lists) {
    // A list naming an entry twice still counts once for it.
    const seen = new Set<string>();
    for (const v of list) {
      const k = keyOf(v);
      if (seen.has(k)) continue;
      seen.add(k);
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { value: v, n: 1 });
    }
  }
  return [...counts.values()].filter((c) => c.n * 2 > lists.length).map((c) => c.value);
}
