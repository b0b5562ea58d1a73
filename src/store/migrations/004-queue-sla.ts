import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Queue SLAs: each task's due time (from its queue's SLA for its priority) and when it breached.
 * The scheduler finds overdue tasks through the partial index, which holds only open tasks
 * that have not breached yet, so it stays small however long the history.
 */
export async function up(db: Kysely<unknown>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('due_at', 'bigint').execute();
  await db.schema.alterTable('tasks').addColumn('sla_breached_at', 'bigint').execute();
  await sql`create index tasks_due_idx on tasks (due_at) where sla_breached_at is null and due_at is not null and status in ('pending', 'claimed')`.execute(
    db,
  );
}
