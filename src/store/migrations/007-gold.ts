import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Gold answers: the judgment a manager expects on an item, kept apart from the item so that
 * nothing a reviewer reads about the item can show that it is gold.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await db.schema
    .createTable('gold_answers')
    .addColumn('item_id', 'text', (c) => c.primaryKey().references('items.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('scores', json, (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await sql`create index gold_answers_project_idx on gold_answers (project_id, created_at)`.execute(db);
}
