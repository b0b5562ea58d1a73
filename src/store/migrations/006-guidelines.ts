import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Versioned reviewer guidelines. A project's current version (0 until the first is published),
 * the version each task was created under, and the version each reviewer saw when judging, so
 * judgments made under outdated guidelines can be found.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await db.schema
    .createTable('guideline_versions')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('guideline_versions_pk', ['project_id', 'version'])
    .execute();
  await db.schema
    .alterTable('projects')
    .addColumn('guideline_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('tasks')
    .addColumn('guideline_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('judgments')
    .addColumn('guideline_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create index judgments_project_guideline_idx on judgments (project_id, guideline_version)`.execute(db);
}
