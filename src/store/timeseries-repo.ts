import { sql, type RawBuilder } from 'kysely';
import type { OutcomeStatus } from '../core/types.js';
import type { Executor } from './executor.js';

/*
 * The dashboards' time series, counted by the database per bucket (absolute bucket index =
 * time / width, integer division on the BIGINT millisecond columns of both engines), so the
 * answer stays as small as the grid however many rows the range holds. Production only: items
 * with `probe_of` set and the work on them are left out.
 */

export interface SeriesRange {
  /** Bucket-aligned epoch milliseconds, `since` inclusive, `until` exclusive. */
  since: number;
  until: number;
  width: number;
  model_version?: string;
}

const n = (v: unknown): number => Number(v ?? 0);
const bucketOf = (column: RawBuilder<unknown>, width: number) => sql<number>`${column} / ${sql.lit(width)}`;

const capturedIn = (ex: Executor, projectId: string, r: SeriesRange) => {
  let q = ex.db
    .selectFrom('items')
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('created_at', '>=', r.since)
    .where('created_at', '<', r.until);
  if (r.model_version !== undefined) q = q.where('model_version', '=', r.model_version);
  return q;
};

/** Items captured per bucket, by action, recorded review probability and outcome now (through `items_project_created_idx`). */
export async function countCapturesByBucket(ex: Executor, projectId: string, r: SeriesRange) {
  const rows = await capturedIn(ex, projectId, r)
    .select([
      bucketOf(sql.ref('created_at'), r.width).as('bucket'),
      'decision_action as action',
      'review_probability',
      'outcome_status',
      sql<number>`count(*)`.as('count'),
    ])
    .groupBy([sql`1`, 'decision_action', 'review_probability', 'outcome_status'])
    .execute();
  return rows.map((row) => ({
    bucket: n(row.bucket),
    action: row.action,
    review_probability: row.review_probability === null ? null : Number(row.review_probability),
    outcome_status: row.outcome_status as OutcomeStatus,
    count: n(row.count),
  }));
}

/**
 * Items captured per bucket by each rule their decision matched (`decision_rules.matched_rules`,
 * expanded in SQL with each engine's JSON functions, as the oversight report's countRules does).
 */
export async function countRuleMatchesByBucket(ex: Executor, projectId: string, r: SeriesRange) {
  const version = r.model_version === undefined ? sql`` : sql`and i.model_version = ${r.model_version}`;
  const query =
    ex.dialect === 'postgres'
      ? sql<{ bucket: unknown; rule: string; count: unknown }>`
          select i.created_at / ${sql.lit(r.width)} as bucket, m->>'name' as rule, count(*) as count
          from items i cross join lateral jsonb_array_elements(i.decision_rules->'matched_rules') as m
          where i.project_id = ${projectId} and i.probe_of is null and i.created_at >= ${r.since} and i.created_at < ${r.until} ${version}
          group by 1, 2`
      : sql<{ bucket: unknown; rule: string; count: unknown }>`
          select i.created_at / ${sql.lit(r.width)} as bucket, json_extract(m.value, '$.name') as rule, count(*) as count
          from items i, json_each(i.decision_rules, '$.matched_rules') as m
          where i.project_id = ${projectId} and i.probe_of is null and i.created_at >= ${r.since} and i.created_at < ${r.until} ${version}
          group by 1, 2`;
  const { rows } = await query.execute(ex.db);
  return rows.map((row) => ({ bucket: n(row.bucket), rule: row.rule, count: n(row.count) }));
}

/**
 * Items sent to people and decided, per bucket of decision time, by outcome. An item decided
 * in the range was captured before its end, which bounds the read of `items_project_outcome_idx`.
 */
export async function countDecisionsByBucket(ex: Executor, projectId: string, r: SeriesRange) {
  let q = ex.db
    .selectFrom('items')
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('outcome_status', 'in', ['approved', 'corrected', 'rejected', 'timed_out'])
    .where('created_at', '<', r.until)
    // A pass is approved by the policy at capture: not a decision people made.
    .where('decision_action', '<>', 'pass')
    .where('outcome_decided_at', '>=', r.since)
    .where('outcome_decided_at', '<', r.until);
  if (r.model_version !== undefined) q = q.where('model_version', '=', r.model_version);
  const rows = await q
    .select([bucketOf(sql.ref('outcome_decided_at'), r.width).as('bucket'), 'outcome_status as status', sql<number>`count(*)`.as('count')])
    .groupBy([sql`1`, 'outcome_status'])
    .execute();
  return rows.map((row) => ({ bucket: n(row.bucket), status: row.status, count: n(row.count) }));
}

const OPEN = ['pending', 'claimed'];

/**
 * Tasks open at some point of the range, grouped by the bucket they were created in (null:
 * before the range) and the bucket they closed in (null: open still), with the earliest
 * creation time of each group. Tasks store no completion time of their own, but a task's
 * statuses after pending and claimed (done, expired, cancelled, escalated) are final and
 * `updated_at` is last written by the change into one, so a closed task's `updated_at` is
 * when it closed.
 */
export async function countTaskSpans(ex: Executor, projectId: string, r: SeriesRange) {
  const isOpen = sql`t.status in (${sql.join(OPEN)})`;
  let q = ex.db
    .selectFrom('tasks as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .where('t.project_id', '=', projectId)
    .where('i.probe_of', 'is', null)
    .where('t.created_at', '<', r.until)
    .where((eb) => eb.or([eb('t.status', 'in', OPEN), eb('t.updated_at', '>=', r.since)]));
  if (r.model_version !== undefined) q = q.where('i.model_version', '=', r.model_version);
  const rows = await q
    .select([
      sql<number | null>`case when t.created_at < ${sql.lit(r.since)} then null else t.created_at / ${sql.lit(r.width)} end`.as('opened'),
      sql<number | null>`case when ${isOpen} then null else t.updated_at / ${sql.lit(r.width)} end`.as('closed'),
      sql<number>`count(*)`.as('count'),
      sql<number>`min(t.created_at)`.as('oldest'),
    ])
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((row) => ({
    opened: row.opened === null ? null : n(row.opened),
    closed: row.closed === null ? null : n(row.closed),
    count: n(row.count),
    oldest_created_at: n(row.oldest),
  }));
}

/** Every model version of the project's production items, the most recently captured first. */
export async function listModelVersions(ex: Executor, projectId: string): Promise<string[]> {
  const rows = await ex.db
    .selectFrom('items')
    .select(['model_version', sql<number>`max(created_at)`.as('last')])
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('model_version', 'is not', null)
    .groupBy('model_version')
    .execute();
  return rows
    .map((row) => ({ version: row.model_version ?? '', last: n(row.last) }))
    .sort((a, b) => b.last - a.last || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
    .map((row) => row.version);
}
