import { sql, type RawBuilder } from 'kysely';
import { RISK_BANDS } from '../core/report/oversight-model.js';
import { chunkRows, type Executor } from './executor.js';

/*
 * The oversight report's figures, counted by the database: every query groups, so the answer
 * stays small however many items, tasks or judgments the window holds. Production only: items
 * with `probe_of` set (gold probes, manager-written gold) and the work on them are left out.
 * Windows are epoch milliseconds, `since` inclusive and `until` exclusive.
 */

export interface ReportWindow {
  since: number;
  until: number;
}

const DAY_MS = 86_400_000;
const n = (v: unknown): number => Number(v ?? 0);

/** The outcome as it stood at `until`: a decision taken later counts as pending. */
const statusAt = (until: number): RawBuilder<string> =>
  sql<string>`case when outcome_status <> 'pending' and outcome_decided_at < ${until} then outcome_status else 'pending' end`;

const productionItems = (ex: Executor, projectId: string, w: ReportWindow) =>
  ex.db
    .selectFrom('items')
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('created_at', '>=', w.since)
    .where('created_at', '<', w.until);

export interface OutcomeGroup {
  action: string;
  status: string;
  fallback: string | null;
  escalated: boolean;
  count: number;
}

/** Items captured in the window by action taken and outcome at `until`: routing, holds, overrides and timeouts in one pass. */
export async function countItemOutcomes(ex: Executor, projectId: string, w: ReportWindow): Promise<OutcomeGroup[]> {
  const rows = await productionItems(ex, projectId, w)
    .select([
      'decision_action as action',
      statusAt(w.until).as('status'),
      sql<string | null>`case when outcome_status <> 'pending' and outcome_decided_at < ${w.until} then outcome_fallback end`.as(
        'fallback',
      ),
      sql<number>`case when hold_escalated_at is not null and hold_escalated_at < ${w.until} then 1 else 0 end`.as('escalated'),
      sql<number>`count(*)`.as('count'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`, sql`4`])
    .execute();
  return rows.map((r) => ({
    action: r.action,
    status: r.status,
    fallback: r.fallback,
    escalated: n(r.escalated) === 1,
    count: n(r.count),
  }));
}

const bandCase = sql.join(
  RISK_BANDS.map((b) => sql`when decision_priority >= ${sql.lit(b.min_priority)} then ${sql.lit(b.band)}`),
  sql` `,
);

/** Items by risk band (the decision's priority, banded) and action. */
export async function countByBand(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ band: string; action: string; count: number }[]> {
  const rows = await productionItems(ex, projectId, w)
    .select([sql<string>`case ${bandCase} else 'low' end`.as('band'), 'decision_action as action', sql<number>`count(*)`.as('count')])
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((r) => ({ band: r.band, action: r.action, count: n(r.count) }));
}

/** Items by UTC day (days since the epoch) and action. */
export async function countDaily(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ day: number; action: string; count: number }[]> {
  const rows = await productionItems(ex, projectId, w)
    // Integer division on both engines: created_at is a BIGINT.
    .select([sql<number>`created_at / ${sql.lit(DAY_MS)}`.as('day'), 'decision_action as action', sql<number>`count(*)`.as('count')])
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((r) => ({ day: n(r.day), action: r.action, count: n(r.count) }));
}

export interface RuleCount {
  rule: string;
  action: string;
  matched: number;
  routed: number;
  over_budget: number;
}

/**
 * Per matched rule, as each item's decision recorded it (`decision_rules.matched_rules`): the
 * array is expanded in SQL, with each engine's JSON functions.
 */
export async function countRules(ex: Executor, projectId: string, w: ReportWindow): Promise<RuleCount[]> {
  const query =
    ex.dialect === 'postgres'
      ? sql<{ rule: string; action: string; matched: unknown; routed: unknown; over_budget: unknown }>`
          select r->>'name' as rule, r->>'action' as action, count(*) as matched,
            sum(case when r->>'action' = i.decision_action and coalesce(r->>'over_budget', 'false') <> 'true' then 1 else 0 end) as routed,
            sum(case when r->>'over_budget' = 'true' then 1 else 0 end) as over_budget
          from items i cross join lateral jsonb_array_elements(i.decision_rules->'matched_rules') as r
          where i.project_id = ${projectId} and i.probe_of is null and i.created_at >= ${w.since} and i.created_at < ${w.until}
          group by 1, 2`
      : sql<{ rule: string; action: string; matched: unknown; routed: unknown; over_budget: unknown }>`
          select json_extract(r.value, '$.name') as rule, json_extract(r.value, '$.action') as action, count(*) as matched,
            sum(case when json_extract(r.value, '$.action') = i.decision_action and coalesce(json_extract(r.value, '$.over_budget'), 0) = 0 then 1 else 0 end) as routed,
            sum(case when json_extract(r.value, '$.over_budget') = 1 then 1 else 0 end) as over_budget
          from items i, json_each(i.decision_rules, '$.matched_rules') as r
          where i.project_id = ${projectId} and i.probe_of is null and i.created_at >= ${w.since} and i.created_at < ${w.until}
          group by 1, 2`;
  const { rows } = await query.execute(ex.db);
  return rows.map((r) => ({ rule: r.rule, action: r.action, matched: n(r.matched), routed: n(r.routed), over_budget: n(r.over_budget) }));
}

/**
 * Seconds from capture to a person's decision on the holds captured in the window: how many,
 * the longest, and the order statistics at `positions` (0-based, ascending), each read with an
 * ORDER BY … OFFSET so no engine-specific percentile function is needed.
 */
export async function holdDecisionTimes(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
  positions: (count: number) => number[],
): Promise<{ count: number; max: number | null; at: Map<number, number> }> {
  const decided = () =>
    productionItems(ex, projectId, w)
      .where('decision_action', '=', 'hold')
      .where('outcome_status', 'in', ['approved', 'corrected', 'rejected'])
      .where('outcome_decided_at', '<', w.until);
  const totals = await decided()
    .select([sql<number>`count(*)`.as('count'), sql<number | null>`max(outcome_decided_at - created_at)`.as('max')])
    .executeTakeFirstOrThrow();
  const count = n(totals.count);
  const at = new Map<number, number>();
  for (const pos of [...new Set(positions(count))]) {
    if (pos < 0 || pos >= count) continue;
    const row = await decided()
      .select(sql<number>`outcome_decided_at - created_at`.as('ms'))
      .orderBy(sql`outcome_decided_at - created_at`)
      .limit(1)
      .offset(pos)
      .executeTakeFirst();
    if (row) at.set(pos, n(row.ms) / 1000);
  }
  return { count, max: totals.max === null ? null : n(totals.max) / 1000, at };
}

/** Items captured in the window by the policy version that routed them. */
export async function countItemsByPolicyVersion(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ version: number; count: number }[]> {
  const rows = await productionItems(ex, projectId, w)
    .select(['policy_version as version', sql<number>`count(*)`.as('count')])
    .groupBy('policy_version')
    .orderBy('policy_version')
    .execute();
  return rows.map((r) => ({ version: n(r.version), count: n(r.count) }));
}

const productionJudgments = (ex: Executor, projectId: string, w: { since: number; until: number }) =>
  ex.db
    .selectFrom('judgments as j')
    .innerJoin('items as i', 'i.id', 'j.item_id')
    .where('j.project_id', '=', projectId)
    .where('i.probe_of', 'is', null)
    .where('j.created_at', '>=', w.since)
    .where('j.created_at', '<', w.until);

export interface JudgmentGroup {
  reviewer: string;
  verdict: string | null;
  guideline_version: number;
  rubric_version: number;
  count: number;
}

/** Production judgments submitted in the window, by reviewer, verdict and the versions they were made under. */
export async function countJudgments(ex: Executor, projectId: string, w: ReportWindow): Promise<JudgmentGroup[]> {
  const rows = await productionJudgments(ex, projectId, w)
    .select(['j.reviewer', 'j.verdict', 'j.guideline_version', 'j.rubric_version', sql<number>`count(*)`.as('count')])
    .groupBy(['j.reviewer', 'j.verdict', 'j.guideline_version', 'j.rubric_version'])
    .execute();
  return rows.map((r) => ({
    reviewer: r.reviewer,
    verdict: r.verdict,
    guideline_version: n(r.guideline_version),
    rubric_version: n(r.rubric_version),
    count: n(r.count),
  }));
}

/** One reviewer's production judgments with `after < created_at <= upTo`, within the window. */
export async function countReviewerJudgments(
  ex: Executor,
  projectId: string,
  reviewer: string,
  w: ReportWindow,
  after: number,
  upTo: number,
): Promise<number> {
  const row = await productionJudgments(ex, projectId, w)
    .where('j.reviewer', '=', reviewer)
    .where('j.created_at', '>', after)
    .where('j.created_at', '<=', upTo)
    .select(sql<number>`count(*)`.as('count'))
    .executeTakeFirstOrThrow();
  return n(row.count);
}

/** Expert work created in the window: escalations by reason, and adjudications. */
export async function countExpertTasks(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ kind: string; reason: string | null; count: number }[]> {
  const reason =
    ex.dialect === 'postgres' ? sql<string | null>`t.escalation->>'reason'` : sql<string | null>`json_extract(t.escalation, '$.reason')`;
  const rows = await ex.db
    .selectFrom('tasks as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .where('t.project_id', '=', projectId)
    .where('i.probe_of', 'is', null)
    .where('t.kind', 'in', ['escalation', 'adjudication'])
    .where('t.created_at', '>=', w.since)
    .where('t.created_at', '<', w.until)
    .select(['t.kind', reason.as('reason'), sql<number>`count(*)`.as('count')])
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((r) => ({ kind: r.kind, reason: r.reason, count: n(r.count) }));
}

/** Per queue: production tasks whose SLA fell due in the window, and how many of those breached before `until`. */
export async function countSlaDue(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ queue: string; due: number; breached: number }[]> {
  const rows = await ex.db
    .selectFrom('tasks as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .where('t.project_id', '=', projectId)
    .where('i.probe_of', 'is', null)
    .where('t.due_at', '>=', w.since)
    .where('t.due_at', '<', w.until)
    .select([
      't.queue',
      sql<number>`count(*)`.as('due'),
      sql<number>`sum(case when t.sla_breached_at is not null and t.sla_breached_at < ${w.until} then 1 else 0 end)`.as('breached'),
    ])
    .groupBy('t.queue')
    .orderBy('t.queue')
    .execute();
  return rows.map((r) => ({ queue: r.queue, due: n(r.due), breached: n(r.breached) }));
}

/** Per queue: breaches recorded in the window, whenever the task was due. */
export async function countSlaBreaches(ex: Executor, projectId: string, w: ReportWindow): Promise<{ queue: string; count: number }[]> {
  const rows = await ex.db
    .selectFrom('tasks as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .where('t.project_id', '=', projectId)
    .where('i.probe_of', 'is', null)
    .where('t.sla_breached_at', '>=', w.since)
    .where('t.sla_breached_at', '<', w.until)
    .select(['t.queue', sql<number>`count(*)`.as('count')])
    .groupBy('t.queue')
    .orderBy('t.queue')
    .execute();
  return rows.map((r) => ({ queue: r.queue, count: n(r.count) }));
}

export interface StandingEvent {
  seq: number;
  created_at: number;
  actor: string;
  reviewer: string;
  before: { status?: string; reason?: string } | null;
  after: { status?: string; reason?: string } | null;
}

/**
 * Every `reviewer.standing_changed` event of the project before `until`, oldest first: a
 * standing at any instant is the last change before it. Standing changes are rare next to the
 * rest of the trail.
 */
export async function listStandingEvents(ex: Executor, projectId: string, until: number): Promise<StandingEvent[]> {
  const rows = await ex.db
    .selectFrom('audit_events')
    .select(['seq', 'created_at', 'actor', 'subject_id', 'before', 'after'])
    .where('project_id', '=', projectId)
    .where('action', '=', 'reviewer.standing_changed')
    .where('created_at', '<', until)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    seq: n(r.seq),
    created_at: n(r.created_at),
    actor: r.actor,
    reviewer: r.subject_id,
    before: r.before === null ? null : ex.json.read<StandingEvent['before']>(r.before),
    after: r.after === null ? null : ex.json.read<StandingEvent['after']>(r.after),
  }));
}

/** The project's audit events in the window, by action; with `prefix`, only actions that start with it. */
export async function countAuditActions(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
  prefix?: string,
): Promise<{ action: string; count: number }[]> {
  const rows = await ex.db
    .selectFrom('audit_events')
    .where('project_id', '=', projectId)
    .where('created_at', '>=', w.since)
    .where('created_at', '<', w.until)
    .$if(prefix !== undefined, (q) => q.where('action', 'like', `${prefix ?? ''}%`))
    .select(['action', sql<number>`count(*)`.as('count')])
    .groupBy('action')
    .orderBy('action')
    .execute();
  return rows.map((r) => ({ action: r.action, count: n(r.count) }));
}

/** The latest events in the window whose action starts with `prefix`, newest first. */
export async function latestAuditEvents(ex: Executor, projectId: string, w: ReportWindow, prefix: string, limit: number) {
  const rows = await ex.db
    .selectFrom('audit_events')
    .select(['seq', 'created_at', 'action', 'actor', 'subject_type', 'subject_id'])
    .where('project_id', '=', projectId)
    .where('created_at', '>=', w.since)
    .where('created_at', '<', w.until)
    .where('action', 'like', `${prefix}%`)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: n(r.seq), created_at: n(r.created_at) }));
}

/** The chain's stored checkpoints: how many, and the latest. */
export async function checkpointSummary(
  ex: Executor,
  chain: string,
): Promise<{ stored: number; last_pos: number | null; last_signed_at: number | null }> {
  const row = await ex.db
    .selectFrom('audit_checkpoints')
    .where('chain', '=', chain)
    .select([
      sql<number>`count(*)`.as('stored'),
      sql<number | null>`max(pos)`.as('last_pos'),
      sql<number | null>`max(signed_at)`.as('last_signed_at'),
    ])
    .executeTakeFirstOrThrow();
  return {
    stored: n(row.stored),
    last_pos: row.last_pos === null ? null : n(row.last_pos),
    last_signed_at: row.last_signed_at === null ? null : n(row.last_signed_at),
  };
}

export interface SessionOverlap {
  id: string;
  name: string;
  status: string;
  created_at: number;
  closed_at: number | null;
  members: number;
}

/** Calibration sessions open at some point in the window. */
export async function listSessionsInWindow(ex: Executor, projectId: string, w: ReportWindow): Promise<SessionOverlap[]> {
  const rows = await ex.db
    .selectFrom('calibration_sessions')
    .select(['id', 'name', 'status', 'created_at', 'closed_at', 'reviewers'])
    .where('project_id', '=', projectId)
    .where('created_at', '<', w.until)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', w.since)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    created_at: n(r.created_at),
    closed_at: r.closed_at === null ? null : n(r.closed_at),
    members: ex.json.read<string[]>(r.reviewers).length,
  }));
}

/** Calibration answers given in the window, by session and reviewer. */
export async function countCalibrationJudgments(
  ex: Executor,
  projectId: string,
  w: ReportWindow,
): Promise<{ session_id: string; reviewer: string; count: number }[]> {
  const rows = await ex.db
    .selectFrom('calibration_judgments as c')
    .innerJoin('calibration_sessions as s', 's.id', 'c.session_id')
    .where('s.project_id', '=', projectId)
    .where('c.created_at', '>=', w.since)
    .where('c.created_at', '<', w.until)
    .select(['c.session_id', 'c.reviewer', sql<number>`count(*)`.as('count')])
    .groupBy(['c.session_id', 'c.reviewer'])
    .execute();
  return rows.map((r) => ({ session_id: r.session_id, reviewer: r.reviewer, count: n(r.count) }));
}

/** The role of each of these key ids that exists. */
export async function keyRoles(ex: Executor, keyIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunkRows(keyIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db.selectFrom('api_keys').select(['id', 'role']).where('id', 'in', chunk).execute();
    for (const r of rows) out.set(r.id, r.role);
  }
  return out;
}

export type VersionTable = 'policy_versions' | 'rubric_versions' | 'guideline_versions';

/** Every version's number, time and author (documents are read apart, for the versions in force only). */
export async function listVersionHeads(
  ex: Executor,
  table: VersionTable,
  projectId: string,
): Promise<{ version: number; created_at: number; created_by: string }[]> {
  const rows = await ex.db
    .selectFrom(table)
    .select(['version', 'created_at', 'created_by'])
    .where('project_id', '=', projectId)
    .orderBy('version')
    .execute();
  return rows.map((r) => ({ version: n(r.version), created_at: n(r.created_at), created_by: r.created_by }));
}
