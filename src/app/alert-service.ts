import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { ActiveBoost } from '../core/monitoring/boost.js';
import type { JsonObject, Principal } from '../core/types.js';
import {
  boostsOfAlert,
  endBoosts,
  findUnresolvedAlert,
  getAlert,
  getBoost,
  insertAlert,
  insertBoost,
  listActiveBoosts,
  listAlerts,
  listBoosts,
  setAlertStatus,
  touchAlert,
  type AlertRecord,
  type AlertStatus,
  type BoostSegment,
  type SamplingBoostRecord,
} from '../store/alert-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

const HOUR_MS = 3_600_000;

export interface AlertInput {
  projectId: string;
  monitor: string;
  kind: string;
  evidence: JsonObject;
  /** On opening: raise the review sampling of the affected items for a while. */
  boost: { sample_rate: number; hours: number; segment: BoostSegment | null } | null;
}

/**
 * Opens an alert for a monitor that crossed its threshold, or, when one is already open or
 * acknowledged, records the crossing on it (deduplicated: one alert per monitor until it is
 * resolved). Opening is audited (`alert.opened`, which sends the webhook of that name) and
 * may start a sampling boost, audited too. Runs in the caller's transaction.
 */
export async function raiseAlert(ctx: AppContext, tx: Executor, a: AlertInput): Promise<{ alert: AlertRecord; opened: boolean }> {
  const now = ctx.clock();
  const existing = await findUnresolvedAlert(tx, a.projectId, a.monitor);
  if (existing !== undefined) {
    await touchAlert(tx, existing.id, a.evidence, now);
    return { alert: { ...existing, evidence: a.evidence, last_seen_at: now, occurrences: existing.occurrences + 1 }, opened: false };
  }
  const alert: AlertRecord = {
    id: ctx.newId(),
    project_id: a.projectId,
    monitor: a.monitor,
    kind: a.kind,
    status: 'open',
    evidence: a.evidence,
    opened_at: now,
    last_seen_at: now,
    occurrences: 1,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    note: null,
  };
  await insertAlert(tx, alert);
  const events = [
    auditEvent(ctx, {
      project_id: a.projectId,
      actor: 'system:monitor',
      action: 'alert.opened',
      subject_type: 'alert',
      subject_id: alert.id,
      after: { monitor: a.monitor, kind: a.kind, evidence: a.evidence },
      created_at: now,
    }),
  ];
  if (a.boost !== null) {
    const boost: SamplingBoostRecord = {
      id: ctx.newId(),
      project_id: a.projectId,
      alert_id: alert.id,
      monitor: a.monitor,
      segment: a.boost.segment,
      sample_rate: a.boost.sample_rate,
      starts_at: now,
      ends_at: now + a.boost.hours * HOUR_MS,
      ended_at: null,
      ended_by: null,
    };
    await insertBoost(tx, boost);
    events.push(
      auditEvent(ctx, {
        project_id: a.projectId,
        actor: 'system:monitor',
        action: 'sampling.boost_started',
        subject_type: 'boost',
        subject_id: boost.id,
        after: {
          alert_id: alert.id,
          monitor: a.monitor,
          sample_rate: boost.sample_rate,
          segment: boost.segment === null ? null : { ...boost.segment },
          ends_at: boost.ends_at,
        },
        created_at: now,
      }),
    );
  }
  await appendAudit(tx, events);
  forgetBoosts(ctx, a.projectId);
  return { alert, opened: true };
}

export async function listProjectAlerts(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  q: { status?: AlertStatus; limit?: number },
): Promise<AlertRecord[]> {
  assertCan(who, 'stats:read');
  await requireProject(ctx.store, who, projectId);
  return listAlerts(ctx.store, projectId, { ...(q.status === undefined ? {} : { status: q.status }), limit: q.limit ?? 100 });
}

async function requireAlert(ctx: AppContext, ex: Executor, who: Principal, alertId: string, forUpdate = false): Promise<AlertRecord> {
  const alert = await getAlert(ex, alertId, { forUpdate });
  // An alert of a project the caller cannot see does not exist for them.
  if (alert === undefined || (who.project_id !== null && who.project_id !== alert.project_id)) {
    throw new TollgateError('TG_NOT_FOUND', `alert ${alertId} not found`);
  }
  return alert;
}

export async function getAlertView(
  ctx: AppContext,
  who: Principal,
  alertId: string,
): Promise<{ alert: AlertRecord; boosts: SamplingBoostRecord[] }> {
  assertCan(who, 'stats:read');
  const alert = await requireAlert(ctx, ctx.store, who, alertId);
  return { alert, boosts: await boostsOfAlert(ctx.store, alert.id) };
}

/**
 * Acknowledge (someone is on it) or resolve (done: the monitor may open a new alert, and the
 * alert's boosts end). Acknowledging a resolved alert, or resolving one twice, is refused with
 * TG_CONFLICT; acknowledging twice is a no-op.
 */
export async function changeAlert(
  ctx: AppContext,
  who: Principal,
  alertId: string,
  to: 'acknowledged' | 'resolved',
  note: string | null,
): Promise<AlertRecord> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const alert = await requireAlert(ctx, tx, who, alertId, true);
    if (alert.status === 'resolved') throw new TollgateError('TG_CONFLICT', `alert ${alertId} is already resolved`);
    if (alert.status === to) return alert;
    const now = ctx.clock();
    await setAlertStatus(tx, alertId, { status: to, at: now, by: who.actor, note });
    const events = [
      auditEvent(ctx, {
        project_id: alert.project_id,
        actor: who.actor,
        action: to === 'acknowledged' ? 'alert.acknowledged' : 'alert.resolved',
        subject_type: 'alert',
        subject_id: alertId,
        before: { status: alert.status },
        after: { status: to, ...(note === null ? {} : { note }) },
        created_at: now,
      }),
    ];
    if (to === 'resolved') {
      const ended = await endBoosts(
        tx,
        (await boostsOfAlert(tx, alertId)).map((b) => b.id),
        now,
        who.actor,
      );
      for (const id of ended) {
        events.push(
          auditEvent(ctx, {
            project_id: alert.project_id,
            actor: who.actor,
            action: 'sampling.boost_ended',
            subject_type: 'boost',
            subject_id: id,
            after: { reason: 'alert resolved', alert_id: alertId },
            created_at: now,
          }),
        );
      }
      forgetBoosts(ctx, alert.project_id);
    }
    await appendAudit(tx, events);
    const updated = await getAlert(tx, alertId);
    if (updated === undefined) throw new TollgateError('TG_INTERNAL', `alert ${alertId} vanished`);
    return updated;
  });
}

export async function listProjectBoosts(ctx: AppContext, who: Principal, projectId: string): Promise<SamplingBoostRecord[]> {
  assertCan(who, 'stats:read');
  await requireProject(ctx.store, who, projectId);
  return listBoosts(ctx.store, projectId, 100);
}

/** Ends a boost before its time: the intervention is reversible, and the reversal audited. */
export async function endBoost(ctx: AppContext, who: Principal, boostId: string): Promise<SamplingBoostRecord> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const boost = await getBoost(tx, boostId);
    if (boost === undefined || (who.project_id !== null && who.project_id !== boost.project_id)) {
      throw new TollgateError('TG_NOT_FOUND', `boost ${boostId} not found`);
    }
    const now = ctx.clock();
    const ended = await endBoosts(tx, [boostId], now, who.actor);
    if (ended.length === 0) throw new TollgateError('TG_CONFLICT', `boost ${boostId} is not in force`);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: boost.project_id,
        actor: who.actor,
        action: 'sampling.boost_ended',
        subject_type: 'boost',
        subject_id: boostId,
        after: { reason: 'ended by hand', alert_id: boost.alert_id },
        created_at: now,
      }),
    ]);
    forgetBoosts(ctx, boost.project_id);
    return { ...boost, ended_at: now, ended_by: who.actor };
  });
}

/** How long a server may use the boosts it last read for a project before capture asks again. */
const BOOSTS_TTL_MS = 1000;
const boostCache = new WeakMap<AppContext, Map<string, { at: number; boosts: (ActiveBoost & { ends_at: number })[] }>>();

function forgetBoosts(ctx: AppContext, projectId: string): void {
  boostCache.get(ctx)?.delete(projectId);
}

/** The boosts in force for a project, as capture applies them (read at most once a second per server). */
export async function activeBoosts(ctx: AppContext, projectId: string): Promise<ActiveBoost[]> {
  let cache = boostCache.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    boostCache.set(ctx, cache);
  }
  const now = ctx.clock();
  const hit = cache.get(projectId);
  if (hit !== undefined && Date.now() - hit.at <= BOOSTS_TTL_MS)
    return hit.boosts.filter((b) => b.ends_at > now).map(({ ends_at: _e, ...b }) => b);
  const rows = await listActiveBoosts(ctx.store, projectId, now);
  const boosts = rows.map((r) => ({ id: r.id, monitor: r.monitor, segment: r.segment, sample_rate: r.sample_rate, ends_at: r.ends_at }));
  if (cache.size > 10_000) cache.clear();
  cache.set(projectId, { at: Date.now(), boosts });
  return boosts.map(({ ends_at: _e, ...b }) => b);
}
