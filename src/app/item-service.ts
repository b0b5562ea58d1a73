import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { OutcomeStatus, Principal, RoutingAction } from '../core/types.js';
import { listItemRecords, type ItemRecord } from '../store/item-repo.js';
import { readsBlind, requireReadableItem } from './item-access.js';
import { listJudgmentsForItem, type JudgmentRecord } from '../store/judgment-repo.js';
import { listTasksForItem, type TaskRecord } from '../store/task-repo.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

export interface ItemDetail {
  item: ItemRecord;
  tasks: TaskRecord[];
  judgments: JudgmentRecord[];
}

export async function getItemDetail(ctx: AppContext, who: Principal, itemId: string): Promise<ItemDetail> {
  assertCan(who, 'items:read');
  const item = await requireReadableItem(ctx.store, who, itemId);
  const [tasks, judgments] = await Promise.all([listTasksForItem(ctx.store, itemId), listJudgmentsForItem(ctx.store, itemId)]);
  if (!readsBlind(who)) return { item, tasks, judgments };
  // A reviewer sees their own judgment and task, not who else holds or judged the item or what
  // they said, so judgments stay independent.
  return {
    item,
    tasks: tasks.map((t) => (t.lease_owner === null || t.lease_owner === who.actor ? t : { ...t, lease_owner: null })),
    judgments: judgments.filter((j) => j.reviewer === who.actor),
  };
}

export interface ListItemsInput {
  action?: RoutingAction;
  outcome?: OutcomeStatus;
  model?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export async function listItems(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  q: ListItemsInput,
): Promise<{ items: ItemRecord[]; next_cursor: string | null }> {
  assertCan(who, 'items:read');
  await requireProject(ctx.store, who, projectId);
  const limit = q.limit ?? 50;
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const items = await listItemRecords(ctx.store, {
    project_id: projectId,
    limit: limit + 1,
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(q.outcome === undefined ? {} : { outcome: q.outcome }),
    ...(q.model === undefined ? {} : { model: q.model }),
    ...(q.since === undefined ? {} : { since: Date.parse(q.since) }),
    ...(q.until === undefined ? {} : { until: Date.parse(q.until) }),
    ...(after === undefined ? {} : { after }),
    // Blind readers list their own work (gold probes served to them included); everyone else
    // lists production, which probes are not.
    ...(readsBlind(who) ? { worked_by: who.actor } : { probes: false }),
  });
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, next_cursor: items.length > limit && last ? encodeCursor(last) : null };
}

/** Opaque to clients; a keyset position so pages stay stable while new items arrive. */
function encodeCursor(item: ItemRecord): string {
  return Buffer.from(JSON.stringify([item.created_at, item.id])).toString('base64url');
}

function decodeCursor(cursor: string): { created_at: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string')
      return { created_at: parsed[0], id: parsed[1] };
  } catch {
    // fall through to the coded error
  }
  throw new TollgateError('TG_INVALID_CURSOR', 'cursor is not one this server issued');
}
