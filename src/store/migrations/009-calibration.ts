import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Calibration sessions: a set of items every selected reviewer judges independently, apart from
 * production (these answers never decide an item), and the answers they gave.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await db.schema
    .createTable('calibration_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('item_ids', json, (c) => c.notNull())
    .addColumn('reviewers', json, (c) => c.notNull())
    .addColumn('rubric_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .execute();
  await sql`create index calibration_sessions_project_idx on calibration_sessions (project_id, created_at)`.execute(db);
  await db.schema
    .createTable('calibration_judgments')
    .addColumn('session_id', 'text', (c) => c.notNull().references('calibration_sessions.id'))
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('scores', json, (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('calibration_judgments_pk', ['session_id', 'item_id', 'reviewer'])
    .execute();
}
