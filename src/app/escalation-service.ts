import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { ESCALATION_KIND, EXPERT_QUEUE, type Escalation, type EscalationReason } from '../core/review/queues.js';
import type { Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { getItemRecord } from '../store/item-repo.js';
import { announceItemChange } from '../store/notify-repo.js';
import { insertEscalationTask, markEscalated, type TaskRecord } from '../store/task-repo.js';
import { auditEvent, sha256Hex } from './audit.js';
import type { AppContext } from './context.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { assertHolds, requireTask } from './review-service.js';

export interface EscalationRequest {
  reason: EscalationReason;
  comment?: string;
  partial?: Escalation['partial'];
}

export interface EscalationResult {
  /** The reviewer's task, now `escalated`. */
  task: TaskRecord;
  /** The new task in the expert queue. */
  expert_task: TaskRecord;
  escalation: Escalation;
}

/**
 * The lease holder hands a task to the experts: their task becomes `escalated` (a judgment on
 * it is refused from then on) and a task carrying their reason and partial judgment joins the
 * expert queue at the same priority. The expert's judgment decides the item alone.
 */
export async function escalateTask(ctx: AppContext, who: Principal, taskId: string, req: EscalationRequest): Promise<EscalationResult> {
  assertCan(who, 'tasks:work');
  const result = await inTransaction(ctx.store, async (tx) => {
    const task = await requireTask(tx, who, taskId);
    const now = ctx.clock();
    await assertHolds(tx, task, who.actor, now);
    if (task.queue === EXPERT_QUEUE) {
      throw new TollgateError('TG_CONFLICT', `task ${taskId} is already with the experts; judge it, or release it for another expert`);
    }
    // Locked in the order judgments and hold timeouts take: item, then task.
    const item = await getItemRecord(tx, task.item_id, { forUpdate: true });
    if (!item) throw new TollgateError('TG_INTERNAL', `item ${task.item_id} is missing`);
    if (!(await markEscalated(tx, taskId, who.actor, now))) {
      await assertHolds(tx, task, who.actor, ctx.clock());
      throw new TollgateError('TG_CONFLICT', `task ${taskId} changed while escalating; claim again`);
    }
    const escalation: Escalation = {
      reason: req.reason,
      comment: req.comment ?? null,
      partial: req.partial ?? null,
      by: who.actor,
      at: now,
      from_task_id: taskId,
    };
    const policy = await compiledPolicy(ctx, tx, item.project_id, item.decision.policy_version);
    const expertTask: TaskRecord = {
      ...task,
      due_at: dueAt(policy.queues, EXPERT_QUEUE, task.priority, now),
      sla_breached_at: null,
      id: ctx.newId(),
      kind: ESCALATION_KIND,
      queue: EXPERT_QUEUE,
      status: 'pending',
      lease_owner: null,
      lease_expires_at: null,
      claim_count: 0,
      created_at: now,
      updated_at: now,
    };
    await insertEscalationTask(tx, expertTask, escalation);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: task.project_id,
        actor: who.actor,
        action: 'task.escalated',
        subject_type: 'task',
        subject_id: taskId,
        before: { queue: task.queue, status: 'claimed' },
        // The note is free text about the item and may quote it; the append-only trail cannot
        // forget, so it keeps a digest that proves the note (kept with the task) was not changed.
        after: {
          status: 'escalated',
          expert_task_id: expertTask.id,
          reason: req.reason,
          comment_sha256: req.comment === undefined || req.comment === null ? null : sha256Hex(req.comment),
        },
        created_at: now,
      }),
    ]);
    await announceItemChange(tx, task.item_id);
    return {
      task: { ...task, status: 'escalated' as const, lease_expires_at: null, updated_at: now },
      expert_task: expertTask,
      escalation,
    };
  });
  ctx.itemEvents.emit(result.task.item_id);
  return result;
}
