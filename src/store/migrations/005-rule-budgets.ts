import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Review budgets: how many items each capped rule routed in each clock hour and day. One row
 * per rule and window, updated in the capture transaction (and locked by it on PostgreSQL, so
 * servers capturing at once share one budget).
 */
export async function up(db: Kysely<unknown>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('rule_budget_usage')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rule_budget_usage_pk', ['project_id', 'rule', 'window'])
    .execute();
}
