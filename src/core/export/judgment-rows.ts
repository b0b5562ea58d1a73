import type { JsonObject, JsonValue } from '../types.js';
import type { ExportItem, ExportJudgment } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One judgment as the raw record for analysis: what the reviewer said, with every version it
 * was made under (rubric and guideline from the judgment, policy from the item), the queue of
 * its task, and the item's facts to group by. Comments are kept: this is the full record, and
 * only the roles that may export see it.
 */
export function judgmentRecord(item: ExportItem, j: ExportJudgment): JsonObject {
  return {
    id: j.id,
    item_id: j.item_id,
    task_id: j.task_id,
    item_kind: item.kind,
    task_kind: j.task_kind,
    queue: j.queue,
    reviewer: j.reviewer,
    verdict: j.verdict,
    scores: j.scores as JsonObject,
    answer: j.answer,
    correction: j.correction,
    comment: j.comment,
    time_spent_ms: j.time_spent_ms,
    created_at: iso(j.created_at),
    rubric_version: j.rubric_version,
    guideline_version: j.guideline_version,
    policy_version: item.policy_version,
    model: item.model,
    model_version: item.model_version,
    item_created_at: iso(item.created_at),
    item_outcome: item.outcome.status,
    item_purged: item.purged,
  };
}

const LEADING = ['id', 'item_id', 'task_id', 'item_kind', 'task_kind', 'queue', 'reviewer', 'verdict'] as const;
const TRAILING = [
  'answer',
  'correction',
  'comment',
  'time_spent_ms',
  'created_at',
  'rubric_version',
  'guideline_version',
  'policy_version',
  'model',
  'model_version',
  'item_created_at',
  'item_outcome',
  'item_purged',
] as const;

/**
 * CSV columns: the record's fields, with `scores` spread into one `scores.<key>` column per
 * criterion any rubric version of the project has had (a spreadsheet or data frame wants a
 * column per criterion, and the header must be known before the first row is streamed).
 */
export function judgmentCsvColumns(criterionKeys: readonly string[]): string[] {
  return [...LEADING, ...criterionKeys.map((k) => `scores.${k}`), ...TRAILING];
}

/** A cell as text: numbers stay numbers, so the CSV writer never mistakes a negative score for a formula. */
function cell(v: JsonValue | undefined): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** One CSV row in `columns` order; nested values (multi-labels, spans, answers, tool-call corrections) as JSON text. */
export function judgmentCsvRow(record: JsonObject, columns: readonly string[]): (string | number | null)[] {
  const scores = (record['scores'] ?? {}) as JsonObject;
  // Own fields only: a criterion may be called `constructor`.
  const own = (o: JsonObject, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  return columns.map((c) => cell(c.startsWith('scores.') ? own(scores, c.slice('scores.'.length)) : own(record, c)));
}
