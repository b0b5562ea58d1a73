import { assertCan, isFrontline } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { checkAgainstGold } from '../core/review/gold-check.js';
import {
  drawsGold,
  initialStanding,
  pauseDue,
  rollingAccuracy,
  scoreAttempt,
  setFor,
  type ProbePurpose,
  type QualityConfig,
  type StandingStatus,
} from '../core/review/quality.js';
import { EXPERT_QUEUE } from '../core/review/queues.js';
import type { Decision, PolicyDocument, Principal, Role } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { pickNext } from '../store/claim-sql.js';
import { inTransaction, type Executor } from '../store/executor.js';
import {
  attemptProgress,
  getProbe,
  insertProbe,
  isGoldItem,
  listGold,
  listGoldJudgments,
  servableGold,
  type GoldProbe,
} from '../store/gold-repo.js';
import { getItemRecord, insertItems, type ItemRecord } from '../store/item-repo.js';
import { getProjectRow, getVersion } from '../store/project-repo.js';
import { getStanding, listStandings, putStanding, type StandingRecord } from '../store/standing-repo.js';
import { insertTasks, type TaskRecord } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import type { AuditEventInput as AuditInput } from '../store/audit-repo.js';
import type { AppContext } from './context.js';
import { WORK_CONTEXTS } from './gold-service.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { requireProject } from './project-service.js';
import { isUniqueViolation } from './unique-retry.js';

/** Quality control applies to the front line (`reviewer`, `expert`); see isFrontline. */
function heldToStanding(who: Principal): boolean {
  return isFrontline(who.role);
}

async function qualityOf(ctx: AppContext, ex: Executor, projectId: string): Promise<QualityConfig | undefined> {
  const project = await getProjectRow(ex, projectId);
  if (!project) throw new TollgateError('TG_PROJECT_NOT_FOUND', `project ${projectId} not found`);
  const doc = await getVersion<PolicyDocument>(ex, 'policy_versions', projectId, project.policy_version);
  return doc?.document.quality;
}

/** The standing recorded for the reviewer, or the one the project starts everyone at. */
function effective(
  row: StandingRecord | undefined,
  quality: QualityConfig | undefined,
  projectId: string,
  reviewer: string,
): StandingRecord {
  if (row) return row;
  const status = initialStanding(quality);
  return {
    project_id: projectId,
    reviewer,
    status,
    reason: status === 'qualifying' ? 'the project requires a qualification set before live work' : 'no quality rule applies yet',
    attempt_id: null,
    attempt_items: null,
    pass_accuracy: null,
    since: 0,
    updated_by: 'system',
  };
}

/** What a claim serves while a reviewer works through a set: the purpose, and where they are in it. */
export interface Assignment {
  purpose: 'qualification' | 'recalibration';
  position: number;
  total: number;
}

export type QualityClaim =
  { kind: 'live' } | { kind: 'none' } | { kind: 'probe'; task: TaskRecord; item: ItemRecord; assignment: Assignment | null };

/**
 * Decides what a claim by a reviewer serves, before the live queue is touched:
 * - suspended: refused (TG_REVIEWER_SUSPENDED);
 * - qualifying or recalibrating: the next item of their set, as a task of its own;
 * - active: a gold item, as an ordinary task of the queue, with the project's gold share;
 *   otherwise live work.
 */
export async function claimForStanding(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  opts: { queue?: string; lease_expires_at: number; now: number },
): Promise<QualityClaim> {
  if (!heldToStanding(who)) return { kind: 'live' };
  const quality = await ctx.standings.config(projectId, () => qualityOf(ctx, ctx.store, projectId));
  const row = await ctx.standings.standing(projectId, who.actor, () => getStanding(ctx.store, projectId, who.actor));
  const standing = effective(row, quality, projectId, who.actor);
  if (standing.status === 'suspended') {
    throw new TollgateError(
      'TG_REVIEWER_SUSPENDED',
      `you are not cleared for work in this project: ${standing.reason}. A manager can reinstate you.`,
      { status: standing.status },
    );
  }
  if (standing.status === 'qualifying' || standing.status === 'recalibrating') return serveFromSet(ctx, who, projectId, quality, opts);
  if (opts.queue === EXPERT_QUEUE || !drawsGold(quality, ctx.random())) return { kind: 'live' };
  return serveGoldShare(ctx, who, projectId, opts);
}

async function serveFromSet(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  quality: QualityConfig | undefined,
  opts: { queue?: string; lease_expires_at: number; now: number },
): Promise<QualityClaim> {
  return inTransaction(ctx.store, async (tx) => {
    const events: AuditInput[] = [];
    let standing = effective(await getStanding(tx, projectId, who.actor, { forUpdate: true }), quality, projectId, who.actor);
    if (standing.status !== 'qualifying' && standing.status !== 'recalibrating') return { kind: 'live' } as const;
    if (standing.attempt_id === null) {
      const set = setFor(quality, standing.status);
      if (!set) {
        // The policy no longer has the set this status needs: nothing to prove, so live work.
        standing = {
          ...standing,
          status: 'active',
          reason: `the project no longer has a ${standing.status === 'qualifying' ? 'qualification' : 'recalibration'} set`,
        };
        events.push(...(await recordStanding(ctx, tx, standing, 'system', opts.now)));
        await appendAudit(tx, events);
        return { kind: 'live' } as const;
      }
      standing = { ...standing, attempt_id: ctx.newId(), attempt_items: set.items, pass_accuracy: set.pass_accuracy, since: opts.now };
      events.push(...(await recordStanding(ctx, tx, standing, 'system', opts.now)));
    }
    const items = standing.attempt_items ?? [];
    const stillGold = new Set((await listGold(tx, projectId, items)).map((g) => g.item_id));
    const served = new Set((await attemptProgress(tx, standing.attempt_id!)).map((p) => p.gold_item_id));
    const next = items.findIndex((id) => stillGold.has(id) && !served.has(id));
    if (next < 0) {
      await appendAudit(tx, events);
      return { kind: 'none' } as const;
    }
    const purpose: ProbePurpose = standing.status === 'qualifying' ? 'qualification' : 'recalibration';
    const probe = await createProbe(ctx, tx, who, projectId, items[next]!, {
      purpose,
      attempt_id: standing.attempt_id,
      queue: opts.queue ?? 'default',
      priority: 50,
      due: false,
      lease_expires_at: opts.lease_expires_at,
      now: opts.now,
    });
    await appendAudit(tx, [...events, ...probe.events]);
    const scorable = items.filter((id) => stillGold.has(id)).length;
    return {
      kind: 'probe',
      task: probe.task,
      item: probe.item,
      assignment: { purpose, position: served.size + 1, total: scorable },
    } as const;
  });
}

/** Gold is drawn uniformly from at most this many of the reviewer's unseen gold items (the oldest). */
const MAX_GOLD_CANDIDATES = 10_000;

/**
 * A gold item, served in the queue and at the priority of the live task the reviewer would have
 * had. Two claims of one reviewer racing for the same gold item: the unique index on their share
 * lets one through, and the other claim serves live work.
 */
async function serveGoldShare(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  opts: { queue?: string; lease_expires_at: number; now: number },
): Promise<QualityClaim> {
  return drawGoldShare(ctx, who, projectId, opts).catch((err: unknown) => {
    if (isUniqueViolation(err)) return { kind: 'live' } as const;
    throw err;
  });
}

async function drawGoldShare(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  opts: { queue?: string; lease_expires_at: number; now: number },
): Promise<QualityClaim> {
  return inTransaction(ctx.store, async (tx) => {
    const live = await tx.db
      .selectFrom(
        pickNext(tx.db, tx.dialect, {
          project_id: projectId,
          actor: who.actor,
          ...(opts.queue === undefined ? { excludeQueue: EXPERT_QUEUE } : { queue: opts.queue }),
        })
          .select(['t.queue', 't.priority', 't.kind', 't.item_id'])
          .as('next'),
      )
      .innerJoin('items as i', 'i.id', 'next.item_id')
      .select(['next.queue', 'next.priority', 'next.kind', 'i.decision_action'])
      .executeTakeFirst();
    // Gold only takes the place of ordinary live review work: with nothing live to do, a task
    // would give gold away; a held item's caller should not wait behind it.
    if (!live || live.kind !== 'review' || live.decision_action !== 'review') return { kind: 'live' } as const;
    const candidates = await servableGold(tx, projectId, who.actor, MAX_GOLD_CANDIDATES);
    if (candidates.length === 0) return { kind: 'live' } as const;
    const goldId = candidates[Math.floor(ctx.random() * candidates.length)]!;
    const probe = await createProbe(ctx, tx, who, projectId, goldId, {
      purpose: 'gold',
      attempt_id: null,
      queue: live.queue,
      priority: live.priority,
      due: true,
      lease_expires_at: opts.lease_expires_at,
      now: opts.now,
    });
    await appendAudit(tx, probe.events);
    return { kind: 'probe', task: probe.task, item: probe.item, assignment: null } as const;
  });
}

/**
 * Serves a gold item to one reviewer as a fresh item of its own (a probe) with a claimed task:
 * to the reviewer it is new work like any other; production lists and figures leave it out, and
 * its judgment is scored against the gold answer. The probe's decision is the gold item's own
 * review decision, placed in the serving queue for one reviewer.
 */
async function createProbe(
  ctx: AppContext,
  tx: Executor,
  who: Principal,
  projectId: string,
  goldItemId: string,
  o: {
    purpose: ProbePurpose;
    attempt_id: string | null;
    queue: string;
    priority: number;
    due: boolean;
    lease_expires_at: number;
    now: number;
  },
): Promise<{ task: TaskRecord; item: ItemRecord; events: AuditInput[] }> {
  const gold = await getItemRecord(tx, goldItemId);
  const project = await getProjectRow(tx, projectId);
  if (!gold || !project) throw new TollgateError('TG_INTERNAL', `gold item ${goldItemId} is missing`);
  const routed = gold.decision.action === 'review';
  const decision: Decision = {
    action: 'review',
    priority: o.priority,
    matched_rules: routed
      ? gold.decision.matched_rules.filter((r) => r.action === 'review').map((r) => ({ ...r, queue: o.queue, overlap: 1 }))
      : [],
    policy_version: gold.decision.policy_version,
    required_reviews: 1,
    queue: o.queue,
    review_probability: gold.decision.review_probability,
    hold: null,
  };
  const item: ItemRecord = {
    ...gold,
    id: ctx.newId(),
    external_id: null,
    created_at: o.now,
    decision,
    outcome: { status: 'pending', output: null, decided_at: null, decided_by: null, reason: null, fallback: null },
    hold_deadline: null,
    hold_escalated_at: null,
    probe_of: gold.id,
  };
  const policy = await compiledPolicy(ctx, tx, projectId, project.policy_version);
  const task: TaskRecord = {
    id: ctx.newId(),
    project_id: projectId,
    item_id: item.id,
    kind: 'review',
    queue: o.queue,
    status: 'claimed',
    priority: o.priority,
    rubric_version: project.rubric_version,
    lease_owner: who.actor,
    lease_expires_at: o.lease_expires_at,
    claim_count: 1,
    created_at: o.now,
    updated_at: o.now,
    due_at: o.due ? dueAt(policy.queues, o.queue, o.priority, o.now) : null,
    sla_breached_at: null,
    guideline_version: project.guideline_version,
  };
  await insertItems(tx, [item]);
  const probe: GoldProbe = {
    item_id: item.id,
    gold_item_id: gold.id,
    project_id: projectId,
    reviewer: who.actor,
    purpose: o.purpose,
    attempt_id: o.attempt_id,
    created_at: o.now,
  };
  await insertProbe(tx, probe);
  await insertTasks(tx, [task]);
  const events: AuditInput[] = [
    auditEvent(ctx, {
      project_id: projectId,
      actor: 'system',
      action: 'gold.served',
      subject_type: 'item',
      subject_id: item.id,
      after: { gold_item_id: gold.id, reviewer: who.actor, purpose: o.purpose, attempt_id: o.attempt_id, task_id: task.id },
      created_at: o.now,
    }),
    auditEvent(ctx, {
      project_id: projectId,
      actor: who.actor,
      action: 'task.claimed',
      subject_type: 'task',
      subject_id: task.id,
      after: { item_id: item.id, lease_expires_at: o.lease_expires_at },
      created_at: o.now,
    }),
  ];
  return { task, item, events };
}

async function recordStanding(ctx: AppContext, tx: Executor, next: StandingRecord, actor: string, now: number): Promise<AuditInput[]> {
  const before = await getStanding(tx, next.project_id, next.reviewer);
  await putStanding(tx, { ...next, updated_by: actor });
  // Forgotten before the commit: a claim racing it reads the store, and sees the old row or the new one.
  ctx.standings.forgetStanding(next.project_id, next.reviewer);
  return [
    auditEvent(ctx, {
      project_id: next.project_id,
      actor,
      action: 'reviewer.standing_changed',
      subject_type: 'reviewer',
      subject_id: next.reviewer,
      before: before ? { status: before.status, reason: before.reason } : null,
      after: { status: next.status, reason: next.reason, attempt_id: next.attempt_id },
      created_at: now,
    }),
  ];
}

/** A fresh attempt at the set of `status`, or suspension when the project has no such set. */
function startAttempt(
  ctx: AppContext,
  base: StandingRecord,
  status: 'qualifying' | 'recalibrating',
  quality: QualityConfig | undefined,
  reason: string,
  now: number,
): StandingRecord {
  const set = setFor(quality, status);
  if (!set)
    return {
      ...base,
      status: 'suspended',
      reason: `${reason}; the project has no ${status === 'qualifying' ? 'qualification' : 'recalibration'} set`,
      attempt_id: null,
      attempt_items: null,
      pass_accuracy: null,
      since: now,
    };
  return { ...base, status, reason, attempt_id: ctx.newId(), attempt_items: set.items, pass_accuracy: set.pass_accuracy, since: now };
}

/**
 * After a judgment on gold (a probe, or a gold item met in live work), in the judgment's
 * transaction: a finished qualification or recalibration attempt is scored and the reviewer
 * becomes active or suspended; an active reviewer whose rolling accuracy falls below the
 * project's pause rule is sent to recalibrate. Returns the audit events to write.
 */
export async function afterGoldJudgment(
  ctx: AppContext,
  tx: Executor,
  who: Principal,
  judged: Pick<ItemRecord, 'id' | 'project_id' | 'probe_of'>,
  now: number,
): Promise<AuditInput[]> {
  if (!heldToStanding(who)) return [];
  const projectId = judged.project_id;
  // On every judgment of the front line: the rules come from the cache (read in this
  // transaction on a miss), so a project without quality rules pays no query here.
  const quality = await ctx.standings.config(projectId, () => qualityOf(ctx, tx, projectId));
  const probe = judged.probe_of === null ? undefined : await getProbe(tx, judged.id);
  if (probe === undefined && (!quality?.pause || !(await isGoldItem(tx, judged.id)))) return [];
  const standing = effective(await getStanding(tx, projectId, who.actor, { forUpdate: true }), quality, projectId, who.actor);

  if (probe?.attempt_id != null) {
    if (standing.attempt_id !== probe.attempt_id) return []; // an attempt a manager has since replaced
    const items = standing.attempt_items ?? [];
    const stillGold = new Set((await listGold(tx, projectId, items)).map((g) => g.item_id));
    const answers = await listGoldJudgments(tx, projectId, { reviewer: who.actor, attempt_id: probe.attempt_id });
    const done = new Set(answers.map((j) => j.gold_item_id));
    if (items.some((id) => stillGold.has(id) && !done.has(id))) return [];
    const score = scoreAttempt(
      answers.map((j) => checkAgainstGold(j.expected, j.given).correct),
      standing.pass_accuracy ?? 1,
    );
    const what = standing.status === 'qualifying' ? 'qualification' : 'recalibration';
    const next: StandingRecord = {
      ...standing,
      status: score.passed ? 'active' : 'suspended',
      reason: `${score.passed ? 'passed' : 'failed'}: ${score.correct}/${score.total} right on the ${what} set (at least ${standing.pass_accuracy} needed)`,
      attempt_id: null,
      attempt_items: null,
      pass_accuracy: null,
      since: now,
    };
    return recordStanding(ctx, tx, next, 'system', now);
  }

  if (standing.status !== 'active' || !quality?.pause) return [];
  const results = await workResults(tx, projectId, who.actor, standing.since);
  const low = pauseDue(quality.pause, results);
  if (!low) return [];
  const reason = `paused: ${low.correct}/${low.total} right on the last gold items, below ${quality.pause.below_accuracy}`;
  return recordStanding(ctx, tx, startAttempt(ctx, standing, 'recalibrating', quality, reason, now), 'system', now);
}

/** Right or wrong on each gold item met in work since `since`, oldest first. */
async function workResults(ex: Executor, projectId: string, reviewer: string, since: number): Promise<boolean[]> {
  // Strictly after: the judgment that changed the standing (same transaction, same instant) belongs to the period before.
  const judged = await listGoldJudgments(ex, projectId, { reviewer, since: since + 1, contexts: WORK_CONTEXTS });
  return judged.map((j) => checkAgainstGold(j.expected, j.given).correct);
}

// ---- Reading and overriding standings ----------------------------------------------------

export interface StandingView {
  reviewer: string;
  status: StandingStatus;
  reason: string;
  since: number | null;
  updated_by: string;
  /** The set under way: how far along, nothing about right or wrong. */
  attempt: {
    id: string;
    purpose: 'qualification' | 'recalibration';
    served: number;
    judged: number;
    total: number;
    pass_accuracy: number;
  } | null;
  /** Managers only: accuracy on gold met in work since the reviewer became active. */
  rolling: { correct: number; total: number; accuracy: number | null; window: number } | null;
  /**
   * Managers only: gold items the reviewer has not met yet, which their gold share draws from.
   * At 0 the share cannot be served: add gold.
   */
  gold_unseen: number | null;
}

async function viewOf(ex: Executor, s: StandingRecord, quality: QualityConfig | undefined, withRolling: boolean): Promise<StandingView> {
  let attempt: StandingView['attempt'] = null;
  if (s.attempt_id !== null && (s.status === 'qualifying' || s.status === 'recalibrating')) {
    const progress = await attemptProgress(ex, s.attempt_id);
    attempt = {
      id: s.attempt_id,
      purpose: s.status === 'qualifying' ? 'qualification' : 'recalibration',
      served: progress.length,
      judged: progress.filter((p) => p.status === 'done').length,
      total: s.attempt_items?.length ?? 0,
      pass_accuracy: s.pass_accuracy ?? 1,
    };
  }
  let rolling: StandingView['rolling'] = null;
  let unseen: number | null = null;
  if (withRolling) {
    const window = quality?.pause?.window ?? 20;
    rolling = { ...rollingAccuracy(await workResults(ex, s.project_id, s.reviewer, s.since), window), window };
    unseen = (await servableGold(ex, s.project_id, s.reviewer, MAX_GOLD_CANDIDATES)).length;
  }
  return {
    reviewer: s.reviewer,
    status: s.status,
    reason: s.reason,
    since: s.since === 0 ? null : s.since,
    updated_by: s.updated_by,
    attempt,
    rolling,
    gold_unseen: unseen,
  };
}

/** Every reviewer with a recorded standing or judgments in the project (managers). */
export async function listReviewerStandings(ctx: AppContext, who: Principal, projectId: string): Promise<StandingView[]> {
  assertCan(who, 'reviewers:assess');
  await requireProject(ctx.store, who, projectId);
  const quality = await qualityOf(ctx, ctx.store, projectId);
  const out: StandingView[] = [];
  for (const s of await knownReviewers(ctx.store, projectId, quality)) out.push(await viewOf(ctx.store, s, quality, true));
  return out;
}

/**
 * Everyone with a recorded standing in the project, and everyone else who judged there, at the
 * project's initial standing; managers and admins who judged are not held to one and left out.
 */
async function knownReviewers(ex: Executor, projectId: string, quality: QualityConfig | undefined): Promise<StandingRecord[]> {
  const rows = new Map((await listStandings(ex, projectId)).map((r) => [r.reviewer, r]));
  const judges = await ex.db.selectFrom('judgments').select('reviewer').distinct().where('project_id', '=', projectId).execute();
  const keyIds = judges.flatMap((j) => (j.reviewer.startsWith('key:') ? [j.reviewer.slice(4)] : []));
  const exempt = new Set(
    keyIds.length === 0
      ? []
      : (await ex.db.selectFrom('api_keys').select(['id', 'role']).where('id', 'in', keyIds).execute())
          .filter((k) => !isFrontline(k.role as Role))
          .map((k) => `key:${k.id}`),
  );
  // People signed in with single sign-on: the role of their latest session.
  const signedIn = judges.flatMap((j) => (j.reviewer.startsWith('oidc:') ? [j.reviewer] : []));
  if (signedIn.length > 0) {
    const sessions = await ex.db
      .selectFrom('sessions')
      .select(['actor', 'role'])
      .where('actor', 'in', signedIn)
      .orderBy('created_at')
      .execute();
    for (const [actor, role] of new Map(sessions.map((r) => [r.actor, r.role]))) if (!isFrontline(role as Role)) exempt.add(actor);
  }
  for (const j of judges)
    if (!rows.has(j.reviewer) && !exempt.has(j.reviewer)) rows.set(j.reviewer, effective(undefined, quality, projectId, j.reviewer));
  return [...rows.values()].sort((a, b) => a.reviewer.localeCompare(b.reviewer));
}

/**
 * A guideline version that requires recalibration sends every active reviewer through the
 * project's recalibration set, in the publication's transaction. Without a set in the policy
 * the flag changes no standing. Returns the audit events and how many reviewers were sent.
 */
export async function recalibrateActiveReviewers(
  ctx: AppContext,
  tx: Executor,
  projectId: string,
  guidelineVersion: number,
  now: number,
): Promise<{ events: AuditInput[]; reviewers: number }> {
  const quality = await qualityOf(ctx, tx, projectId);
  if (!quality?.recalibration) return { events: [], reviewers: 0 };
  const events: AuditInput[] = [];
  let reviewers = 0;
  for (const s of await knownReviewers(tx, projectId, quality)) {
    if (s.status !== 'active') continue;
    const reason = `guidelines version ${guidelineVersion} requires recalibration`;
    events.push(...(await recordStanding(ctx, tx, startAttempt(ctx, s, 'recalibrating', quality, reason, now), 'system', now)));
    reviewers++;
  }
  return { events, reviewers };
}

/** The caller's own standing: why they are or are not served live work, and how far along a set they are. */
export async function myStanding(ctx: AppContext, who: Principal, projectId: string): Promise<StandingView> {
  assertCan(who, 'tasks:work');
  await requireProject(ctx.store, who, projectId);
  const quality = await qualityOf(ctx, ctx.store, projectId);
  const s = effective(await getStanding(ctx.store, projectId, who.actor), quality, projectId, who.actor);
  if (!heldToStanding(who))
    return viewOf(ctx.store, { ...s, status: 'active', reason: `role "${who.role}" is not held to reviewer standing` }, quality, false);
  return viewOf(ctx.store, s, quality, false);
}

export const OVERRIDE_STATUSES = ['active', 'suspended', 'qualifying', 'recalibrating'] as const;

/**
 * A manager's decision on a reviewer's standing, with a reason, audited: reinstate (`active`),
 * suspend, or send them through the qualification or recalibration set again (a fresh attempt).
 */
export async function overrideStanding(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  reviewer: string,
  input: { status: (typeof OVERRIDE_STATUSES)[number]; reason: string },
): Promise<StandingView> {
  assertCan(who, 'reviewers:assess');
  return inTransaction(ctx.store, async (tx) => {
    await requireProject(tx, who, projectId);
    const quality = await qualityOf(ctx, tx, projectId);
    const now = ctx.clock();
    const current = effective(await getStanding(tx, projectId, reviewer, { forUpdate: true }), quality, projectId, reviewer);
    const reason = `${input.status === 'active' ? 'reinstated' : input.status === 'suspended' ? 'suspended' : 'sent to recalibrate'} by a manager: ${input.reason}`;
    let next: StandingRecord;
    if (input.status === 'qualifying' || input.status === 'recalibrating') {
      if (!setFor(quality, input.status)) {
        throw new TollgateError(
          'TG_VALIDATION_FAILED',
          `status: the project's policy has no ${input.status === 'qualifying' ? 'quality.qualification' : 'quality.recalibration'} set to send the reviewer through`,
          { errors: [{ path: 'status', message: 'no such set in the policy' }] },
        );
      }
      next = startAttempt(ctx, current, input.status, quality, reason, now);
    } else {
      next = { ...current, status: input.status, reason, attempt_id: null, attempt_items: null, pass_accuracy: null, since: now };
    }
    await appendAudit(tx, await recordStanding(ctx, tx, next, who.actor, now));
    return viewOf(tx, next, quality, true);
  });
}
