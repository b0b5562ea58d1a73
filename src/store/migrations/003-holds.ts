import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Holds that end on time, and escalation. A held item carries its deadline (the scheduler
 * finds due holds through the partial index, however many items are stored) and, once
 * escalated by its timeout, when that happened; an outcome reached by a timeout names the
 * fallback applied; an expert's task says why it was escalated.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('items').addColumn('hold_deadline', 'bigint').execute();
  await db.schema.alterTable('items').addColumn('hold_escalated_at', 'bigint').execute();
  await db.schema.alterTable('items').addColumn('outcome_fallback', 'text').execute();
  // An expert task carries why it was escalated (reason, comment, the reviewer's partial judgment).
  await db.schema
    .alterTable('tasks')
    .addColumn('escalation', dialect === 'postgres' ? sql`jsonb` : sql`text`)
    .execute();
  await sql`create index items_hold_due_idx on items (hold_deadline) where outcome_status = 'pending' and hold_deadline is not null`.execute(
    db,
  );
}
