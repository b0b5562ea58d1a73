import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Reviewer quality control.
 * - Gold answers may expect a preference or a ranking (comparisons have no verdict), so the
 *   verdict becomes optional and an `answer` column holds the expected preference or order.
 *   SQLite cannot drop NOT NULL in place: there the small table is rebuilt.
 * - Gold probes: when a gold item is served to a reviewer (their share of gold, a qualification
 *   or a recalibration set), it is served as a fresh item of its own, `probe_of` the gold item,
 *   so the reviewer sees an ordinary new task while production figures leave probes out.
 * - Reviewer standings: per project and reviewer, whether they may take live work.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  if (dialect === 'postgres') {
    await sql`alter table gold_answers alter column verdict drop not null`.execute(db);
    await sql`alter table gold_answers add column answer jsonb`.execute(db);
  } else {
    await sql`create table gold_answers_v10 (
      item_id text primary key references items (id),
      project_id text not null references projects (id),
      verdict text,
      scores text not null,
      note text,
      created_at bigint not null,
      created_by text not null,
      answer text
    )`.execute(db);
    await sql`insert into gold_answers_v10 (item_id, project_id, verdict, scores, note, created_at, created_by)
      select item_id, project_id, verdict, scores, note, created_at, created_by from gold_answers`.execute(db);
    await sql`drop table gold_answers`.execute(db);
    await sql`alter table gold_answers_v10 rename to gold_answers`.execute(db);
    await sql`create index gold_answers_project_idx on gold_answers (project_id, created_at)`.execute(db);
  }

  await db.schema.alterTable('items').addColumn('probe_of', 'text').execute();

  await db.schema
    .createTable('gold_probes')
    .addColumn('item_id', 'text', (c) => c.primaryKey().references('items.id'))
    .addColumn('gold_item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('reviewer', 'text', (c) => c.notNull())
    /** `gold` (the reviewer's share of gold in live work), `qualification` or `recalibration`. */
    .addColumn('purpose', 'text', (c) => c.notNull())
    /** The qualification or recalibration attempt it belongs to; null for the gold share. */
    .addColumn('attempt_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index gold_probes_reviewer_idx on gold_probes (project_id, reviewer, gold_item_id)`.execute(db);
  await sql`create index gold_probes_attempt_idx on gold_probes (attempt_id)`.execute(db);
  // A reviewer meets each gold item once in their gold share, even when two of their claims race.
  await sql`create unique index gold_probes_share_uq on gold_probes (project_id, reviewer, gold_item_id) where purpose = 'gold'`.execute(
    db,
  );

  await db.schema
    .createTable('reviewer_standings')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    /** The qualification or recalibration attempt under way, while the status is one of those. */
    .addColumn('attempt_id', 'text')
    /** The set the attempt serves, fixed when it starts: later policy edits do not move the goalposts. */
    .addColumn('attempt_items', json)
    .addColumn('pass_accuracy', dialect === 'postgres' ? 'double precision' : 'real')
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reviewer_standings_pk', ['project_id', 'reviewer'])
    .execute();
}
