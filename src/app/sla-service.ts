import { assertCan } from '../core/access/permissions.js';
import { BREACH_PRIORITY } from '../core/policy/queue-sla.js';
import { ESCALATION_KIND, EXPERT_QUEUE } from '../core/review/queues.js';
import type { Principal, QueueConfig } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { announceItemChange } from '../store/notify-repo.js';
import { countQueues, getTaskRecord, insertEscalationTask, listOverdueTasks, recordBreach, type OverdueTask } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { requireProject } from './project-service.js';

export interface SlaSweep {
  breached: number;
}

/**
 * Applies each overdue task's queue `on_breach`, once: `raise_priority` moves it to the top of
 * its queue, `escalate` hands a still-pending task to the experts (a task a reviewer is working
 * on stays with them, and is only recorded as breached), `none` records the breach. The queue
 * configuration comes from the policy version that routed the item. Safe on every server at
 * once: the breach is a conditional update.
 */
export async function applySlaBreaches(ctx: AppContext, limit = 100): Promise<SlaSweep> {
  const now = ctx.clock();
  let breached = 0;
  for (const task of await listOverdueTasks(ctx.store, now, limit)) {
    const applied = await inTransaction(ctx.store, async (tx) => {
      const policy = await compiledPolicy(ctx, tx, task.project_id, task.policy_version);
      const action = policy.queues[task.queue]?.on_breach ?? 'none';
      const escalate = action === 'escalate' && task.status === 'pending' && task.queue !== EXPERT_QUEUE;
      const priority = action === 'raise_priority' ? BREACH_PRIORITY : undefined;
      const ok = await recordBreach(tx, task.id, now, {
        requireStatus: task.status,
        ...(escalate ? { escalate: true } : {}),
        ...(priority === undefined ? {} : { priority }),
      });
      if (!ok) return false;
      let expertTaskId: string | null = null;
      if (escalate) expertTaskId = await createExpertTask(ctx, tx, task, now, policy.queues);
      await appendAudit(tx, [
        auditEvent(ctx, {
          project_id: task.project_id,
          actor: 'system:sla',
          action: 'task.sla_breached',
          subject_type: 'task',
          subject_id: task.id,
          before: { priority: task.priority, status: task.status, queue: task.queue },
          after: {
            on_breach: action,
            applied: escalate ? 'escalated' : priority !== undefined ? 'priority_raised' : 'recorded',
            ...(priority === undefined ? {} : { priority }),
            ...(expertTaskId === null ? {} : { expert_task_id: expertTaskId }),
          },
          created_at: now,
        }),
      ]);
      await announceItemChange(tx, task.item_id);
      return true;
    });
    if (applied) {
      breached++;
      ctx.itemEvents.emit(task.item_id);
    }
  }
  return { breached };
}

async function createExpertTask(
  ctx: AppContext,
  tx: Executor,
  overdue: OverdueTask,
  now: number,
  queues: Record<string, QueueConfig>,
): Promise<string> {
  const original = await getTaskRecord(tx, overdue.id);
  if (!original) throw new Error(`task ${overdue.id} vanished while escalating`);
  const id = ctx.newId();
  await insertEscalationTask(
    tx,
    {
      ...original,
      id,
      kind: ESCALATION_KIND,
      queue: EXPERT_QUEUE,
      status: 'pending',
      priority: overdue.priority,
      lease_owner: null,
      lease_expires_at: null,
      claim_count: 0,
      created_at: now,
      updated_at: now,
      due_at: dueAt(queues, EXPERT_QUEUE, overdue.priority, now),
      sla_breached_at: null,
    },
    {
      reason: 'sla_breach',
      comment: `not done within the "${overdue.queue}" queue's SLA`,
      partial: null,
      by: 'system:sla',
      at: now,
      from_task_id: overdue.id,
    },
  );
  return id;
}

export interface QueueReport {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_seconds: number | null;
  overdue: number;
  breached_24h: number;
  sla: QueueConfig | null;
}

/** Backlog, age of the oldest waiting task, overdue tasks and breaches of the last day, per queue. */
export async function queueReport(ctx: AppContext, who: Principal, projectId: string): Promise<QueueReport[]> {
  assertCan(who, 'projects:read');
  const project = await requireProject(ctx.store, who, projectId);
  const now = ctx.clock();
  const policy = await compiledPolicy(ctx, ctx.store, projectId, project.policy_version);
  const counts = await countQueues(ctx.store, projectId, now, now - 86_400_000);
  const names = [...new Set([...counts.map((c) => c.queue), ...Object.keys(policy.queues)])].sort();
  return names.map((queue) => {
    const c = counts.find((x) => x.queue === queue);
    return {
      queue,
      pending: c?.pending ?? 0,
      claimed: c?.claimed ?? 0,
      oldest_pending_seconds: c?.oldest_pending_at == null ? null : Math.round((now - c.oldest_pending_at) / 1000),
      overdue: c?.overdue ?? 0,
      breached_24h: c?.breached_since ?? 0,
      sla: policy.queues[queue] ?? null,
    };
  });
}
