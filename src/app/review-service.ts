import { assertCan, can } from '../core/access/permissions.js';
import { ADJUDICATION_KIND, DECIDING_KINDS, ESCALATION_KIND, EXPERT_QUEUE, type Escalation } from '../core/review/queues.js';
import { TollgateError } from '../core/errors.js';
import { assertJudgmentConsistent } from '../core/review/judgment-validate.js';
import { assertLeaseHeld, leaseSeconds } from '../core/review/lease.js';
import { DEFAULT_CONSENSUS, resolveByConsensus, type ConsensusJudgment, type ConsensusResult } from '../core/review/consensus.js';
import {
  aggregatePreferences,
  aggregateRankings,
  validatePreference,
  validateRanking,
  type CandidateSet,
  type Preference,
  type Ranking,
} from '../core/review/preference.js';
import { reviewerAgreement, smoothedAccuracy } from '../core/stats/index.js';
import { validateScores } from '../core/rubric/index.js';
import { inputText, outputText } from '../core/policy/item-path.js';
import { isRecord } from '../core/json.js';
import type { ItemOutput, JsonValue, Principal, RubricDocument, Verdict } from '../core/types.js';
import { appendAudit, listAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { getItemRecord, setItemOutcome, type ItemRecord } from '../store/item-repo.js';
import { announceItemChange } from '../store/notify-repo.js';
import { insertJudgment, listJudgmentsForItem, type JudgmentRecord } from '../store/judgment-repo.js';
import { getProjectRow, getVersion, type VersionedDoc } from '../store/project-repo.js';
import type { GuidelineDocument } from '../core/guidelines/guideline-validate.js';
import { currentGuidelines } from './guideline-service.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { listJudgmentFacts } from '../store/stats-repo.js';
import { cancelProbeTasks, listGoldJudgments } from '../store/gold-repo.js';
import { checkAgainstGold } from '../core/review/gold-check.js';
import { WORK_CONTEXTS } from './gold-service.js';
import {
  cancelOpenTasks,
  claimNextTask,
  completeLeasedTask,
  getTaskRecord,
  insertTasks,
  listTasksForItem,
  nextLeaseExpiry,
  readEscalations,
  RECLAIM_BATCH,
  reclaimExpiredLeases,
  releaseLease,
  updateLease,
  type ExpiredLease,
  type TaskRecord,
} from '../store/task-repo.js';
import { auditEvent, sha256Hex } from './audit.js';
import { afterGoldJudgment, claimForStanding, type Assignment } from './quality-service.js';
import type { AppContext } from './context.js';
import type { SweepOutcome } from './lease-sweep.js';
import { requireProjectExists } from './project-service.js';
import { isUniqueViolation, retryOnUniqueViolation } from './unique-retry.js';

export interface ClaimedTask {
  task: TaskRecord;
  item: ItemRecord;
  rubric: VersionedDoc<RubricDocument>;
  /** For an expert task: why it was escalated, with the reviewer's partial judgment. */
  escalation: Escalation | null;
  /** The project's current guidelines, which the reviewer judges under; null when it has none. */
  guidelines: VersionedDoc<GuidelineDocument> | null;
  /** For an adjudication task: every judgment on the item, side by side. */
  judgments: JudgmentRecord[] | null;
  /** While the reviewer works through a qualification or recalibration set: where they are in it. */
  assignment: Assignment | null;
}

export async function claimTask(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  opts: { queue?: string; lease_seconds?: number },
): Promise<ClaimedTask | null> {
  assertCan(who, 'tasks:work');
  const expert = can(who.role, 'tasks:expert');
  if (opts.queue === EXPERT_QUEUE && !expert) {
    throw new TollgateError('TG_FORBIDDEN', `only experts, managers and admins work the "${EXPERT_QUEUE}" queue`, {
      permission: 'tasks:expert',
    });
  }
  await requireProjectExists(ctx, who, projectId);
  await ctx.leaseSweeps.sweepIfDue(projectId, ctx.clock(), (now) => sweepProject(ctx, projectId, now));
  const now = ctx.clock();
  const expires = now + leaseSeconds(opts.lease_seconds) * 1000;
  const served = await claimForStanding(ctx, who, projectId, {
    ...(opts.queue === undefined ? {} : { queue: opts.queue }),
    lease_expires_at: expires,
    now,
  });
  if (served.kind === 'none') return null;
  if (served.kind === 'probe') return withContext(ctx, projectId, served.task, served.item, served.assignment);
  // A unique violation means another session of this reviewer claimed a task of the same item
  // at the same moment and committed first; a fresh attempt sees that claim and moves on.
  const claimed = await retryOnUniqueViolation(
    () =>
      claimNextTask(ctx.store, {
        project_id: projectId,
        actor: who.actor,
        now,
        lease_expires_at: expires,
        ...(opts.queue === undefined ? {} : { queue: opts.queue }),
        ...(opts.queue === undefined && !expert ? { excludeQueue: EXPERT_QUEUE } : {}),
      }),
    CLAIM_ATTEMPTS,
  ).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw new TollgateError('TG_CONFLICT', 'too many claims by you at once; claim again');
    throw err;
  });
  if (!claimed) return null;
  return withContext(ctx, projectId, claimed.task, claimed.item, null);
}

/** What a claimed task is served with: its rubric, the guidelines, and what an expert task needs. */
async function withContext(
  ctx: AppContext,
  projectId: string,
  task: TaskRecord,
  item: ItemRecord,
  assignment: Assignment | null,
): Promise<ClaimedTask> {
  const rubric = await ctx.rubrics.get(projectId, task.rubric_version, () =>
    getVersion<RubricDocument>(ctx.store, 'rubric_versions', projectId, task.rubric_version),
  );
  if (!rubric) throw new TollgateError('TG_INTERNAL', `task ${task.id} refers to missing rubric version ${task.rubric_version}`);
  const escalation = task.kind === ESCALATION_KIND ? ((await readEscalations(ctx.store, [task.id])).get(task.id) ?? null) : null;
  const guidelines = await currentGuidelines(ctx, projectId);
  const judgments = task.kind === ADJUDICATION_KIND ? await listJudgmentsForItem(ctx.store, item.id) : null;
  return { task, item, rubric, escalation, guidelines, judgments, assignment };
}

/**
 * Each retry is caused by a claim of the same reviewer that committed, and skips that item, so
 * running out of attempts takes that many sessions of one reviewer claiming at once.
 */
const CLAIM_ATTEMPTS = 5;

/**
 * Puts tasks whose lease ran out back in the queue and audits each expiry. Called by claims
 * (throttled, see LeaseSweepThrottle) and by the server's periodic sweeper.
 */
export async function returnExpiredLeases(ctx: AppContext, projectId?: string): Promise<number> {
  return (await reclaimAndAudit(ctx, ctx.clock(), projectId)).length;
}

async function reclaimAndAudit(ctx: AppContext, now: number, projectId?: string): Promise<ExpiredLease[]> {
  return inTransaction(ctx.store, async (tx) => {
    const expired = await reclaimExpiredLeases(tx, now, projectId);
    await cancelProbeTasks(
      tx,
      expired.map((t) => t.id),
      now,
    );
    await appendAudit(
      tx,
      expired.map((t) =>
        auditEvent(ctx, {
          project_id: t.project_id,
          actor: 'system',
          action: 'task.lease_expired',
          subject_type: 'task',
          subject_id: t.id,
          before: { lease_owner: t.lease_owner, lease_expires_at: t.lease_expires_at },
          after: { status: 'pending' },
          created_at: now,
        }),
      ),
    );
    return expired;
  });
}

async function sweepProject(ctx: AppContext, projectId: string, now: number): Promise<SweepOutcome> {
  const expired = await reclaimAndAudit(ctx, now, projectId);
  return { more: expired.length >= RECLAIM_BATCH, nextExpiry: await nextLeaseExpiry(ctx.store, now, projectId) };
}

export async function requireTask(ex: Executor, who: Principal, taskId: string): Promise<TaskRecord> {
  const task = await getTaskRecord(ex, taskId);
  if (!task || (who.project_id !== null && who.project_id !== task.project_id))
    throw new TollgateError('TG_TASK_NOT_FOUND', `task ${taskId} not found`);
  return task;
}

/**
 * `assertLeaseHeld`, plus one fact the task row no longer has: an expired lease returned to the
 * queue (by the sweeper, or by the sweep a claim runs) drops its holder, so a late writer would be told
 * "not leased to you" instead of "your lease expired". The audit trail still names the holder.
 */
export async function assertHolds(tx: Executor, task: TaskRecord, actor: string, now: number): Promise<void> {
  try {
    assertLeaseHeld(task, actor, now);
  } catch (err) {
    if (task.status === 'cancelled') {
      // Cancelled because the item was decided another way: say how, so the reviewer knows
      // their work is not needed rather than that something failed.
      const item = await getItemRecord(tx, task.item_id);
      if (item && item.outcome.status !== 'pending') {
        throw new TollgateError(
          'TG_ITEM_ALREADY_DECIDED',
          `item ${item.id} was already decided (${item.outcome.status}${item.outcome.fallback ? `, fallback ${item.outcome.fallback}` : ''}: ${item.outcome.reason ?? 'no reason recorded'}); task ${task.id} is no longer needed`,
          { item_id: item.id, outcome: item.outcome.status },
        );
      }
    }
    if (err instanceof TollgateError && err.code === 'TG_TASK_NOT_LEASE_HOLDER' && (await lastLeaseExpired(tx, task.id, actor))) {
      throw new TollgateError('TG_TASK_LEASE_EXPIRED', `your lease on task ${task.id} expired; claim a task again`);
    }
    throw err;
  }
}

/** Whether the actor's most recent lease on the task ended by expiry (rather than by release). */
async function lastLeaseExpired(tx: Executor, taskId: string, actor: string): Promise<boolean> {
  const events = await listAudit(tx, { subject_id: taskId, limit: 1000 });
  for (const e of events.reverse()) {
    if (e.action === 'task.lease_expired' && (e.before as { lease_owner?: unknown } | null)?.lease_owner === actor) return true;
    if ((e.action === 'task.claimed' || e.action === 'task.released') && e.actor === actor) return false;
  }
  return false;
}

export async function renewTask(ctx: AppContext, who: Principal, taskId: string, seconds?: number): Promise<TaskRecord> {
  assertCan(who, 'tasks:work');
  return inTransaction(ctx.store, async (tx) => {
    const task = await requireTask(tx, who, taskId);
    const now = ctx.clock();
    await assertHolds(tx, task, who.actor, now);
    const expires = now + leaseSeconds(seconds) * 1000;
    if (!(await updateLease(tx, taskId, who.actor, expires, now)))
      await assertHolds(tx, (await getTaskRecord(tx, taskId)) ?? task, who.actor, now);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: task.project_id,
        actor: who.actor,
        action: 'task.renewed',
        subject_type: 'task',
        subject_id: taskId,
        before: { lease_expires_at: task.lease_expires_at },
        after: { lease_expires_at: expires },
        created_at: now,
      }),
    ]);
    return { ...task, lease_expires_at: expires, updated_at: now };
  });
}

export async function releaseTask(ctx: AppContext, who: Principal, taskId: string): Promise<TaskRecord> {
  assertCan(who, 'tasks:work');
  return inTransaction(ctx.store, async (tx) => {
    const task = await requireTask(tx, who, taskId);
    const now = ctx.clock();
    await assertHolds(tx, task, who.actor, now);
    if (!(await releaseLease(tx, taskId, who.actor, now))) await assertHolds(tx, (await getTaskRecord(tx, taskId)) ?? task, who.actor, now);
    // A gold probe belongs to its one reviewer: released, it is withdrawn, not requeued.
    await cancelProbeTasks(tx, [taskId], now);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: task.project_id,
        actor: who.actor,
        action: 'task.released',
        subject_type: 'task',
        subject_id: taskId,
        after: { status: 'pending' },
        created_at: now,
      }),
    ]);
    return { ...task, status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now };
  });
}

export interface JudgmentSubmission {
  /** Reviews: approve, reject or correct. Comparisons and rankings take `preference` / `ranking` instead. */
  verdict?: Verdict;
  preference?: unknown;
  ranking?: unknown;
  /** The guideline version the reviewer judged under (as served with the claim); default: the current one. */
  guideline_version?: number;
  scores?: Record<string, unknown>;
  correction?: ItemOutput;
  comment?: string;
  time_spent_ms?: number;
}

export interface JudgmentResult {
  judgment: JudgmentRecord;
  item: ItemRecord;
}

/**
 * Records a judgment from the lease holder and, when it is the last one required, resolves the
 * item's outcome, all in one transaction. Everything is checked before anything is written,
 * so a refused judgment (late, invalid scores) changes nothing.
 */
export async function submitJudgment(ctx: AppContext, who: Principal, taskId: string, sub: JudgmentSubmission): Promise<JudgmentResult> {
  assertCan(who, 'tasks:work');
  const result = await inTransaction(ctx.store, async (tx) => {
    const task = await requireTask(tx, who, taskId);
    const now = ctx.clock();
    await assertHolds(tx, task, who.actor, now);
    const rubric = await getVersion<RubricDocument>(tx, 'rubric_versions', task.project_id, task.rubric_version);
    if (!rubric) throw new TollgateError('TG_INTERNAL', `rubric version ${task.rubric_version} is missing`);
    // The item is locked before the task, in the order a hold timeout takes them, so the two
    // cannot deadlock. Locked, so of two judgments committing at once the later one sees the
    // earlier and resolves the item; unlocked, each saw only its own under READ COMMITTED.
    const item = await getItemRecord(tx, task.item_id, { forUpdate: true });
    if (!item) throw new TollgateError('TG_INTERNAL', `item ${task.item_id} is missing`);
    const answer = judgmentAnswer(item, rubric.document, sub);
    // Span scores are checked against the texts the reviewer saw.
    const scores = validateScores(
      rubric.document,
      sub.scores ?? {},
      { input: inputText(item.input), output: outputText(item.output) },
      { optional: item.kind !== 'output' },
    );
    const project = await getProjectRow(tx, task.project_id);
    const currentGuideline = project?.guideline_version ?? 0;
    const guidelineVersion = sub.guideline_version ?? currentGuideline;
    if (guidelineVersion > currentGuideline) {
      throw new TollgateError(
        'TG_INVALID_JUDGMENT',
        `guideline_version ${guidelineVersion} does not exist: the project's guidelines are at version ${currentGuideline}`,
        { errors: [{ path: 'guideline_version', message: `must be at most ${currentGuideline}` }] },
      );
    }
    if (!(await completeLeasedTask(tx, taskId, who.actor, now))) {
      await assertHolds(tx, (await getTaskRecord(tx, taskId)) ?? task, who.actor, now);
      throw new TollgateError('TG_CONFLICT', `task ${taskId} changed while judging; claim again`);
    }
    const judgment: JudgmentRecord = {
      id: ctx.newId(),
      task_id: taskId,
      item_id: task.item_id,
      project_id: task.project_id,
      reviewer: who.actor,
      verdict: item.kind === 'output' ? (sub.verdict ?? null) : null,
      scores,
      correction: sub.correction ?? null,
      comment: sub.comment ?? null,
      time_spent_ms: sub.time_spent_ms ?? null,
      rubric_version: task.rubric_version,
      guideline_version: guidelineVersion,
      created_at: now,
      answer: answer as JsonValue | null,
    };
    await insertJudgment(tx, judgment);
    const events = [
      auditEvent(ctx, {
        project_id: task.project_id,
        actor: who.actor,
        action: 'judgment.submitted',
        subject_type: 'item',
        subject_id: task.item_id,
        after: {
          judgment_id: judgment.id,
          task_id: taskId,
          verdict: judgment.verdict,
          ...(answer === null ? {} : { answer: auditedAnswer(answer as unknown as JsonValue) }),
        },
        created_at: now,
      }),
    ];
    if (item.outcome.status === 'pending') {
      const judgments = await listJudgmentsForItem(tx, item.id);
      // An expert's judgment on an escalated or adjudication task decides the item alone: that
      // is what the escalation or the disagreement asked for.
      const alone = DECIDING_KINDS.has(task.kind);
      let result: ConsensusResult | null;
      if (item.kind !== 'output') {
        result = resolveComparison(item, judgments);
      } else if (alone) {
        const r = resolveByConsensus(DEFAULT_CONSENSUS, 1, item.output, verdicts([judgment]));
        result =
          r?.kind === 'resolved'
            ? { ...r, reason: `${task.kind === ADJUDICATION_KIND ? 'adjudicated' : 'decided by an expert'}: ${judgment.verdict}` }
            : r;
      } else {
        const policy = await compiledPolicy(ctx, tx, item.project_id, item.decision.policy_version);
        const weights = policy.consensus.rule === 'weighted' ? await reviewerWeights(tx, item.project_id, now) : undefined;
        result = resolveByConsensus(policy.consensus, item.decision.required_reviews, item.output, verdicts(judgments), weights);
      }
      if (result?.kind === 'resolved') {
        const reviewers = alone ? who.actor : [...new Set(judgments.map((j) => j.reviewer))].join(',');
        item.outcome = {
          status: result.status,
          output: result.output,
          decided_at: now,
          decided_by: reviewers,
          reason: result.reason,
          fallback: null,
        };
        await setItemOutcome(tx, item.id, item.outcome);
        await cancelOpenTasks(tx, item.id, now);
        events.push(
          auditEvent(ctx, {
            project_id: task.project_id,
            actor: who.actor,
            action: 'item.resolved',
            subject_type: 'item',
            subject_id: item.id,
            before: { status: 'pending' },
            after: { status: result.status, reason: result.reason },
            created_at: now,
          }),
        );
      } else if (result?.kind === 'adjudicate') {
        const adjudication = await requestAdjudication(ctx, tx, task, item, now);
        events.push(
          auditEvent(ctx, {
            project_id: task.project_id,
            actor: who.actor,
            action: 'item.adjudication_requested',
            subject_type: 'item',
            subject_id: item.id,
            after: { reason: result.reason, task_id: adjudication },
            created_at: now,
          }),
        );
      }
    }
    events.push(...(await afterGoldJudgment(ctx, tx, who, item, now)));
    await appendAudit(tx, events);
    await announceItemChange(tx, item.id);
    return { judgment, item };
  });
  ctx.itemEvents.emit(result.item.id);
  return result;
}

/** How far back the `weighted` consensus rule looks to measure each reviewer's agreement with peers. */
const WEIGHT_WINDOW_MS = 30 * 86_400_000;

/**
 * Weights for the `weighted` consensus rule, from the last 30 days: a reviewer's accuracy on gold
 * items where they have judged some, otherwise their verdict agreement with the majority of
 * their peers; either smoothed towards chance, (right + 1) / (total + 3). Reviewers without a
 * record weigh the same as each other (a third), so a new team votes as a plain majority; as
 * records build up, reliable reviewers count for more.
 */
async function reviewerWeights(tx: Executor, projectId: string, now: number): Promise<Map<string, number>> {
  const window = { since: now - WEIGHT_WINDOW_MS };
  const facts = await listJudgmentFacts(tx, projectId, window);
  const values = facts.flatMap((f) => (f.verdict === null ? [] : [{ reviewer: f.reviewer, item: f.item_id, value: f.verdict }]));
  const agreement = values.length === 0 ? [] : reviewerAgreement(values);
  const weights = new Map(agreement.map((a) => [a.reviewer, smoothedAccuracy(a.agreed, a.compared, 3)]));
  const onGold = new Map<string, { right: number; total: number }>();
  for (const j of await listGoldJudgments(tx, projectId, { ...window, contexts: WORK_CONTEXTS })) {
    const g = onGold.get(j.reviewer) ?? { right: 0, total: 0 };
    g.total++;
    if (checkAgainstGold(j.expected, j.given).correct) g.right++;
    onGold.set(j.reviewer, g);
  }
  for (const [reviewer, g] of onGold) weights.set(reviewer, smoothedAccuracy(g.right, g.total, 3));
  return weights;
}

/** One adjudication task for the item in the expert queue (none when one is already open). */
async function requestAdjudication(ctx: AppContext, tx: Executor, task: TaskRecord, item: ItemRecord, now: number): Promise<string> {
  const open = (await listTasksForItem(tx, item.id)).find(
    (t) => t.kind === ADJUDICATION_KIND && (t.status === 'pending' || t.status === 'claimed'),
  );
  if (open) return open.id;
  const policy = await compiledPolicy(ctx, tx, item.project_id, item.decision.policy_version);
  const id = ctx.newId();
  await insertTasks(tx, [
    {
      ...task,
      id,
      kind: ADJUDICATION_KIND,
      queue: EXPERT_QUEUE,
      status: 'pending',
      priority: item.decision.priority,
      lease_owner: null,
      lease_expires_at: null,
      claim_count: 0,
      created_at: now,
      updated_at: now,
      due_at: dueAt(policy.queues, EXPERT_QUEUE, item.decision.priority, now),
      sla_breached_at: null,
    },
  ]);
  return id;
}

/** Review judgments as the consensus rules read them (comparisons have no verdict). */
function verdicts(judgments: readonly JudgmentRecord[]): ConsensusJudgment[] {
  return judgments.flatMap((j) => (j.verdict === null ? [] : [{ ...j, verdict: j.verdict }]));
}

const refuse = (path: string, message: string): never => {
  throw new TollgateError('TG_INVALID_JUDGMENT', `${path}: ${message}`, { errors: [{ path, message }] });
};

/**
 * What the judgment answers, by the kind of item: a review takes a verdict (with a correction
 * for `correct`); a comparison a preference; a ranking an order. Anything of another kind's
 * form is refused, so a client cannot send a verdict that would mean nothing.
 */
function judgmentAnswer(item: ItemRecord, rubric: RubricDocument, sub: JudgmentSubmission): Preference | Ranking | null {
  if (item.kind === 'output') {
    if (sub.preference !== undefined) refuse('preference', 'only for comparisons; this task takes a verdict');
    if (sub.ranking !== undefined) refuse('ranking', 'only for rankings; this task takes a verdict');
    if (sub.verdict === undefined) refuse('verdict', 'is required: approve, reject or correct');
    assertJudgmentConsistent({ verdict: sub.verdict!, ...(sub.correction === undefined ? {} : { correction: sub.correction }) });
    return null;
  }
  if (sub.verdict !== undefined)
    refuse('verdict', `a ${item.kind} task takes ${item.kind === 'compare' ? 'a preference' : 'a ranking'}, not a verdict`);
  if (sub.correction !== undefined) refuse('correction', `not accepted on a ${item.kind} task`);
  const ids = (item.output as unknown as CandidateSet).candidates.map((c) => c.id);
  if (item.kind === 'compare') {
    if (sub.ranking !== undefined) refuse('ranking', 'this task compares a pair: send a preference');
    if (sub.preference === undefined) refuse('preference', 'is required: {winner, strength, criteria?, rationale?}');
    return validatePreference(
      ids,
      sub.preference,
      rubric.criteria.map((c) => c.key),
    );
  }
  if (sub.preference !== undefined) refuse('preference', 'this task ranks several outputs: send a ranking');
  if (sub.ranking === undefined) refuse('ranking', 'is required: {order, rationale?}');
  return validateRanking(ids, sub.ranking);
}

/** A comparison or ranking is decided once its required answers are in: the aggregate preference. */
function resolveComparison(item: ItemRecord, judgments: readonly JudgmentRecord[]): ConsensusResult | null {
  if (judgments.length < Math.max(1, item.decision.required_reviews)) return null;
  const ids = (item.output as unknown as CandidateSet).candidates.map((c) => c.id);
  if (item.kind === 'compare') {
    const r = aggregatePreferences(
      ids,
      judgments.map((j) => j.answer as unknown as Preference),
    );
    return { kind: 'resolved', status: 'approved', output: { winner: r.winner, votes: r.votes }, reason: r.reason };
  }
  const r = aggregateRankings(
    ids,
    judgments.map((j) => j.answer as unknown as Ranking),
  );
  return { kind: 'resolved', status: 'approved', output: { order: r.order, points: r.points }, reason: r.reason };
}

/** The answer as the append-only trail keeps it: the choice itself, and a digest of any rationale (free text about the item). */
function auditedAnswer(answer: JsonValue): JsonValue {
  if (!isRecord(answer) || typeof answer['rationale'] !== 'string') return answer;
  const { rationale, ...rest } = answer;
  return { ...(rest as Record<string, JsonValue>), rationale_sha256: sha256Hex(rationale) };
}
