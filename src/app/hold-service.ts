import { assertCan } from '../core/access/permissions.js';
import { DEFAULT_HOLD_FALLBACK, DEFAULT_HOLD_TIMEOUT_SECONDS } from '../core/policy/policy-validate.js';
import { ESCALATION_KIND, EXPERT_QUEUE } from '../core/review/queues.js';
import type { Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { getItemRecord, listDueHolds, setHoldEscalated, setItemOutcome, type ItemRecord } from '../store/item-repo.js';
import { announceItemChange } from '../store/notify-repo.js';
import { listJudgmentsForItem } from '../store/judgment-repo.js';
import { cancelOpenTasks, insertEscalationTask, listTasksForItem, type TaskRecord } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireReadableItem } from './item-access.js';
import { compiledPolicy, dueAt } from './policy-loader.js';

/** The longest a caller may wait in one request; clients poll again after a 202. */
export const MAX_WAIT_SECONDS = 60;
const TOP_PRIORITY = 100;

export interface OutcomeWait {
  item: ItemRecord;
  /** False when the wait ended (or was cut short) before anyone decided. */
  decided: boolean;
}

function readableItem(ctx: AppContext, who: Principal, itemId: string): Promise<ItemRecord> {
  return requireReadableItem(ctx.store, who, itemId);
}

/**
 * The item's outcome, waiting up to `waitSeconds` for a decision (the long-poll behind
 * `GET /v1/items/{id}/outcome?wait=`). The listener is registered before the store is read, so
 * a decision committed in between still wakes the wait; each wake re-reads the store, the one
 * source of truth, whichever server made the change.
 */
export async function waitForOutcome(
  ctx: AppContext,
  who: Principal,
  itemId: string,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<OutcomeWait> {
  assertCan(who, 'outcomes:read');
  const deadline = Date.now() + Math.min(Math.max(waitSeconds, 0), MAX_WAIT_SECONDS) * 1000;
  let changed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = ctx.itemEvents.subscribe(itemId, () => {
    changed = true;
    wake?.();
  });
  try {
    for (;;) {
      changed = false;
      const item = await readableItem(ctx, who, itemId);
      if (item.outcome.status !== 'pending') return { item, decided: true };
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return { item, decided: false };
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        }
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    unsubscribe();
  }
}

export interface ItemState {
  item: ItemRecord;
  tasks: TaskRecord[];
  judgments: number;
}

/**
 * What the caller of a held item may follow while it waits: the outcome, the hold clock and
 * the tasks' progress, not the judgments' content (an ingest key may read this).
 */
export async function readItemState(ctx: AppContext, who: Principal, itemId: string): Promise<ItemState> {
  assertCan(who, 'outcomes:read');
  const item = await readableItem(ctx, who, itemId);
  const [tasks, judgments] = await Promise.all([listTasksForItem(ctx.store, itemId), listJudgmentsForItem(ctx.store, itemId)]);
  return { item, tasks, judgments: judgments.length };
}

export interface HoldSweep {
  timedOut: number;
  escalated: number;
}

/**
 * Applies every hold timeout that has come due: the rule's fallback (approve or reject) decides
 * the item, or `escalate` hands it to the expert queue with the same time again, after which
 * it is rejected. Safe to run on every server at once: each item is locked and re-checked, so
 * every timeout happens exactly once. Timeouts that came due while no server ran are applied
 * by the first sweep after start.
 */
export async function applyDueHolds(ctx: AppContext, limit = 100): Promise<HoldSweep> {
  const now = ctx.clock();
  const result: HoldSweep = { timedOut: 0, escalated: 0 };
  for (const id of await listDueHolds(ctx.store, now, limit)) {
    const applied = await inTransaction(ctx.store, async (tx) => {
      const item = await getItemRecord(tx, id, { forUpdate: true });
      if (!item || item.outcome.status !== 'pending' || item.hold_deadline === null || item.hold_deadline > now) return null;
      const terms = item.decision.hold ?? { timeout_seconds: DEFAULT_HOLD_TIMEOUT_SECONDS, on_timeout: DEFAULT_HOLD_FALLBACK };
      const waited = Math.round((now - item.created_at) / 1000);

      if (terms.on_timeout === 'escalate' && item.hold_escalated_at === null) {
        const open = (await listTasksForItem(tx, id)).filter((t) => t.status === 'pending' || t.status === 'claimed');
        await cancelOpenTasks(tx, id, now);
        const rubricVersion = open[0]?.rubric_version ?? (await listTasksForItem(tx, id))[0]?.rubric_version ?? 1;
        const policy = await compiledPolicy(ctx, tx, item.project_id, item.decision.policy_version);
        await insertEscalationTask(
          tx,
          {
            id: ctx.newId(),
            project_id: item.project_id,
            item_id: id,
            kind: ESCALATION_KIND,
            queue: EXPERT_QUEUE,
            status: 'pending',
            priority: TOP_PRIORITY,
            rubric_version: rubricVersion,
            lease_owner: null,
            lease_expires_at: null,
            claim_count: 0,
            created_at: now,
            updated_at: now,
            due_at: dueAt(policy.queues, EXPERT_QUEUE, TOP_PRIORITY, now),
            sla_breached_at: null,
            guideline_version: open[0]?.guideline_version ?? 0,
          },
          {
            reason: 'hold_timeout',
            comment: `no decision within ${terms.timeout_seconds} s`,
            partial: null,
            by: 'system:hold-timeout',
            at: now,
            from_task_id: null,
          },
        );
        const deadline = now + terms.timeout_seconds * 1000;
        await setHoldEscalated(tx, id, now, deadline);
        await appendAudit(tx, [
          auditEvent(ctx, {
            project_id: item.project_id,
            actor: 'system:hold-timeout',
            action: 'hold.escalated',
            subject_type: 'item',
            subject_id: id,
            before: { queue: item.decision.queue, open_tasks: open.map((t) => t.id) },
            after: { queue: EXPERT_QUEUE, deadline: new Date(deadline).toISOString(), reason: `no decision after ${waited} s` },
            created_at: now,
          }),
        ]);
        await announceItemChange(tx, id);
        return 'escalated' as const;
      }

      // An escalated hold that runs out again is rejected: nothing happens unseen.
      const fallback = terms.on_timeout === 'approve' ? 'approve' : 'reject';
      const reason =
        item.hold_escalated_at === null
          ? `no decision within ${terms.timeout_seconds} s; on_timeout ${fallback} applied`
          : `escalated after ${terms.timeout_seconds} s and still undecided ${terms.timeout_seconds} s later; rejected`;
      item.outcome = {
        status: 'timed_out',
        output: fallback === 'approve' ? item.output : null,
        decided_at: now,
        decided_by: 'system:hold-timeout',
        reason,
        fallback,
      };
      await setItemOutcome(tx, id, item.outcome);
      const cancelled = await cancelOpenTasks(tx, id, now);
      await appendAudit(tx, [
        auditEvent(ctx, {
          project_id: item.project_id,
          actor: 'system:hold-timeout',
          action: 'item.resolved',
          subject_type: 'item',
          subject_id: id,
          before: { status: 'pending' },
          after: { status: 'timed_out', fallback, reason, cancelled_tasks: cancelled },
          created_at: now,
        }),
      ]);
      await announceItemChange(tx, id);
      return 'timed_out' as const;
    });
    if (applied === null) continue;
    if (applied === 'escalated') result.escalated++;
    else result.timedOut++;
    ctx.itemEvents.emit(id);
  }
  return result;
}
