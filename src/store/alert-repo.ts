import type { Selectable } from 'kysely';
import type { JsonObject } from '../core/types.js';
import type { Executor } from './executor.js';
import type { AlertsTable, SamplingBoostsTable } from './schema.js';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertRecord {
  id: string;
  project_id: string;
  monitor: string;
  kind: string;
  status: AlertStatus;
  /** What crossed the threshold: windows, statistic, values — the latest crossing's. */
  evidence: JsonObject;
  opened_at: number;
  last_seen_at: number;
  /** Crossings while unresolved: one alert, however often the monitor fires. */
  occurrences: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  note: string | null;
}

function fromRow(ex: Executor, r: Selectable<AlertsTable>): AlertRecord {
  return { ...r, status: r.status as AlertStatus, evidence: ex.json.read<JsonObject>(r.evidence) };
}

/** The monitor's unresolved alert, if any (at most one: a partial unique index keeps it so). */
export async function findUnresolvedAlert(ex: Executor, projectId: string, monitor: string): Promise<AlertRecord | undefined> {
  const row = await ex.db
    .selectFrom('alerts')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('monitor', '=', monitor)
    .where('status', '<>', 'resolved')
    .$if(ex.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? fromRow(ex, row) : undefined;
}

export async function insertAlert(ex: Executor, a: AlertRecord): Promise<void> {
  await ex.db
    .insertInto('alerts')
    .values({ ...a, evidence: ex.json.write(a.evidence) })
    .execute();
}

export async function touchAlert(ex: Executor, id: string, evidence: JsonObject, now: number): Promise<void> {
  await ex.db
    .updateTable('alerts')
    .set((eb) => ({ evidence: ex.json.write(evidence), last_seen_at: now, occurrences: eb('occurrences', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function getAlert(ex: Executor, id: string, opts: { forUpdate?: boolean } = {}): Promise<AlertRecord | undefined> {
  const row = await ex.db
    .selectFrom('alerts')
    .selectAll()
    .where('id', '=', id)
    .$if(opts.forUpdate === true && ex.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? fromRow(ex, row) : undefined;
}

export async function setAlertStatus(
  ex: Executor,
  id: string,
  change:
    | { status: 'acknowledged'; at: number; by: string; note: string | null }
    | { status: 'resolved'; at: number; by: string; note: string | null },
): Promise<void> {
  await ex.db
    .updateTable('alerts')
    .set(
      change.status === 'acknowledged'
        ? {
            status: 'acknowledged',
            acknowledged_at: change.at,
            acknowledged_by: change.by,
            ...(change.note === null ? {} : { note: change.note }),
          }
        : { status: 'resolved', resolved_at: change.at, resolved_by: change.by, ...(change.note === null ? {} : { note: change.note }) },
    )
    .where('id', '=', id)
    .execute();
}

/** Newest first. */
export async function listAlerts(ex: Executor, projectId: string, q: { status?: AlertStatus; limit: number }): Promise<AlertRecord[]> {
  const rows = await ex.db
    .selectFrom('alerts')
    .selectAll()
    .where('project_id', '=', projectId)
    .$if(q.status !== undefined, (qb) => qb.where('status', '=', q.status as string))
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit)
    .execute();
  return rows.map((r) => fromRow(ex, r));
}

// ---- Sampling boosts ----------------------------------------------------------------------

export interface BoostSegment {
  field: string;
  value: string;
}

export interface SamplingBoostRecord {
  id: string;
  project_id: string;
  alert_id: string | null;
  monitor: string;
  /** Only items whose field has this value are boosted; null: every item of the project. */
  segment: BoostSegment | null;
  sample_rate: number;
  starts_at: number;
  ends_at: number;
  ended_at: number | null;
  ended_by: string | null;
}

function boostFromRow(ex: Executor, r: Selectable<SamplingBoostsTable>): SamplingBoostRecord {
  return { ...r, segment: r.segment === null ? null : ex.json.read<BoostSegment>(r.segment) };
}

export async function insertBoost(ex: Executor, b: SamplingBoostRecord): Promise<void> {
  await ex.db
    .insertInto('sampling_boosts')
    .values({ ...b, segment: b.segment === null ? null : ex.json.write(b.segment) })
    .execute();
}

/** Boosts in force at `now`: started, not past their end, not ended early. */
export async function listActiveBoosts(ex: Executor, projectId: string, now: number): Promise<SamplingBoostRecord[]> {
  const rows = await ex.db
    .selectFrom('sampling_boosts')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('ends_at', '>', now)
    .where('starts_at', '<=', now)
    .where('ended_at', 'is', null)
    .orderBy('starts_at')
    .execute();
  return rows.map((r) => boostFromRow(ex, r));
}

/** Newest first, ended or not. */
export async function listBoosts(ex: Executor, projectId: string, limit: number): Promise<SamplingBoostRecord[]> {
  const rows = await ex.db
    .selectFrom('sampling_boosts')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('starts_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => boostFromRow(ex, r));
}

export async function getBoost(ex: Executor, id: string): Promise<SamplingBoostRecord | undefined> {
  const row = await ex.db.selectFrom('sampling_boosts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? boostFromRow(ex, row) : undefined;
}

/** Ends boosts early; returns the ids it ended (those still in force). */
export async function endBoosts(ex: Executor, ids: readonly string[], now: number, by: string): Promise<string[]> {
  const ended: string[] = [];
  for (const id of ids) {
    const res = await ex.db
      .updateTable('sampling_boosts')
      .set({ ended_at: now, ended_by: by })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .where('ends_at', '>', now)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) ended.push(id);
  }
  return ended;
}

export async function boostsOfAlert(ex: Executor, alertId: string): Promise<SamplingBoostRecord[]> {
  const rows = await ex.db.selectFrom('sampling_boosts').selectAll().where('alert_id', '=', alertId).execute();
  return rows.map((r) => boostFromRow(ex, r));
}

// ---- Detector state -----------------------------------------------------------------------

export async function getMonitorState<T>(ex: Executor, projectId: string, monitor: string): Promise<T | undefined> {
  const row = await ex.db
    .selectFrom('monitor_state')
    .select('state')
    .where('project_id', '=', projectId)
    .where('monitor', '=', monitor)
    .executeTakeFirst();
  return row === undefined ? undefined : ex.json.read<T>(row.state);
}

export async function putMonitorState(ex: Executor, projectId: string, monitor: string, state: unknown, now: number): Promise<void> {
  const value = ex.json.write(state);
  await ex.db
    .insertInto('monitor_state')
    .values({ project_id: projectId, monitor, state: value, updated_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'monitor']).doUpdateSet({ state: value, updated_at: now }))
    .execute();
}
