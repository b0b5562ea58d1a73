import { sql } from 'kysely';
import type { Executor } from './executor.js';

/** Channel on which servers sharing one PostgreSQL announce that an item changed. */
export const ITEM_CHANNEL = 'tollgate_items';

/**
 * Announces a change of `itemId` to every server, from inside the transaction that made it:
 * PostgreSQL delivers the notification when (and only if) the transaction commits, so a
 * listener never hears of a change it cannot yet read. SQLite has no other servers to tell.
 */
export async function announceItemChange(ex: Executor, itemId: string): Promise<void> {
  if (ex.dialect === 'postgres') await sql`select pg_notify(${ITEM_CHANNEL}, ${itemId})`.execute(ex.db);
}
