import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Comparisons and rankings. An item has a kind (`output`, the captured model output, or
 * `compare` / `rank`, several candidate outputs for one input), and a judgment on a comparison
 * carries its answer (a preference or a ranking) instead of a verdict, which becomes optional.
 * SQLite cannot drop NOT NULL in place, so there the judgments table is rebuilt as it is, with
 * the verdict nullable, and its indexes recreated.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .alterTable('items')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('output'))
    .execute();
  if (dialect === 'postgres') {
    await sql`alter table judgments alter column verdict drop not null`.execute(db);
    await sql`alter table judgments add column answer jsonb`.execute(db);
    return;
  }
  await sql`create table judgments_v8 (
    id text primary key,
    task_id text not null unique references tasks (id),
    item_id text not null references items (id),
    project_id text not null references projects (id),
    reviewer text not null,
    verdict text,
    scores text not null,
    correction text,
    comment text,
    time_spent_ms integer,
    rubric_version integer not null,
    created_at bigint not null,
    guideline_version integer not null default 0,
    answer text
  )`.execute(db);
  await sql`insert into judgments_v8 (id, task_id, item_id, project_id, reviewer, verdict, scores, correction, comment, time_spent_ms,
      rubric_version, created_at, guideline_version)
    select id, task_id, item_id, project_id, reviewer, verdict, scores, correction, comment, time_spent_ms,
      rubric_version, created_at, guideline_version from judgments`.execute(db);
  await sql`drop table judgments`.execute(db);
  await sql`alter table judgments_v8 rename to judgments`.execute(db);
  await sql`create unique index judgments_item_reviewer_uq on judgments (item_id, reviewer)`.execute(db);
  await sql`create index judgments_project_created_idx on judgments (project_id, created_at, id)`.execute(db);
  await sql`create index judgments_project_guideline_idx on judgments (project_id, guideline_version)`.execute(db);
}
