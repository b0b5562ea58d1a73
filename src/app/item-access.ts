import { canSeeProject, isFrontline } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import type { Executor } from '../store/executor.js';
import { getItemRecord, type ItemRecord } from '../store/item-repo.js';

/**
 * Roles that work tasks but do not assess reviewers (`reviewer`, `expert`) read blind: only the
 * items they hold or held a task of, and of those only their own judgment. Judgments stay
 * independent (no peeking at how colleagues judged an item, or at its outcome before judging),
 * and a gold item served to one reviewer cannot be told from live work by looking around.
 */
export function readsBlind(who: Principal): boolean {
  return isFrontline(who.role);
}

export async function workedOn(ex: Executor, itemId: string, actor: string): Promise<boolean> {
  const row = await ex.db
    .selectFrom('tasks')
    .select('id')
    .where('item_id', '=', itemId)
    .where('lease_owner', '=', actor)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The item, if the caller may read it; otherwise "not found", so that its existence does not leak. */
export async function requireReadableItem(ex: Executor, who: Principal, itemId: string): Promise<ItemRecord> {
  const item = await getItemRecord(ex, itemId);
  if (!item || !canSeeProject(who, item.project_id) || (readsBlind(who) && !(await workedOn(ex, itemId, who.actor))))
    throw new TollgateError('TG_ITEM_NOT_FOUND', `item ${itemId} not found`);
  return item;
}
