import { sql } from 'kysely';
import type { OutcomeStatus, Scores, Verdict } from '../core/types.js';
import type { Executor } from './executor.js';

/** Times are epoch milliseconds; `since` inclusive, `until` exclusive, as everywhere in the API. */
export interface TimeWindow {
  since?: number;
  until?: number;
}

/** One judgment as the statistics see it: who said what about which item, in which queue. */
export interface JudgmentFact {
  item_id: string;
  reviewer: string;
  /** null on comparisons and rankings. */
  verdict: Verdict | null;
  scores: Scores;
  queue: string;
  rubric_version: number;
  created_at: number;
  /** As the reviewer's client reported it; null when it did not. */
  time_spent_ms: number | null;
}

/**
 * Judgments made in the window, oldest first. Read through `judgments_project_created_idx`;
 * the task join only adds the queue.
 */
export async function listJudgmentFacts(
  ex: Executor,
  projectId: string,
  w: TimeWindow & { queue?: string; model_version?: string },
): Promise<JudgmentFact[]> {
  let q = ex.db
    .selectFrom('judgments as j')
    .innerJoin('tasks as t', 't.id', 'j.task_id')
    .innerJoin('items as i', 'i.id', 'j.item_id')
    .select(['j.item_id', 'j.reviewer', 'j.verdict', 'j.scores', 't.queue', 'j.rubric_version', 'j.created_at', 'j.time_spent_ms'])
    .where('j.project_id', '=', projectId)
    // Gold probes are tests of a reviewer, not production: each is judged once, by one person.
    .where('i.probe_of', 'is', null);
  if (w.since !== undefined) q = q.where('j.created_at', '>=', w.since);
  if (w.until !== undefined) q = q.where('j.created_at', '<', w.until);
  if (w.queue !== undefined) q = q.where('t.queue', '=', w.queue);
  if (w.model_version !== undefined) q = q.where('i.model_version', '=', w.model_version);
  const rows = await q.orderBy('j.created_at').orderBy('j.id').execute();
  return rows.map((r) => ({
    ...r,
    verdict: r.verdict as Verdict | null,
    scores: ex.json.read<Scores>(r.scores),
    time_spent_ms: r.time_spent_ms === null ? null : Number(r.time_spent_ms),
  }));
}

/**
 * Items captured in the window, counted by what the error-rate estimators need: the recorded
 * review probability, whether a person was asked, and how it ended. Grouping in SQL keeps the
 * answer small however many items the window holds (distinct probabilities are few: one per
 * combination of sample rates).
 */
export interface RoutingGroup {
  review_probability: number | null;
  reviewed: boolean;
  outcome_status: OutcomeStatus;
  count: number;
}

export async function countRoutingGroups(
  ex: Executor,
  projectId: string,
  w: TimeWindow & { model?: string; model_version?: string },
): Promise<RoutingGroup[]> {
  let q = ex.db
    .selectFrom('items')
    .select([
      'review_probability',
      sql<number>`case when decision_action = 'pass' then 0 else 1 end`.as('reviewed'),
      'outcome_status',
      sql<number | string>`count(*)`.as('count'),
    ])
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null);
  if (w.since !== undefined) q = q.where('created_at', '>=', w.since);
  if (w.until !== undefined) q = q.where('created_at', '<', w.until);
  if (w.model !== undefined) q = q.where('model', '=', w.model);
  if (w.model_version !== undefined) q = q.where('model_version', '=', w.model_version);
  const rows = await q.groupBy(['review_probability', sql`2`, 'outcome_status']).execute();
  return rows.map((r) => ({
    review_probability: r.review_probability === null ? null : Number(r.review_probability),
    reviewed: Number(r.reviewed) === 1,
    outcome_status: r.outcome_status as OutcomeStatus,
    count: Number(r.count),
  }));
}
