import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Production monitoring (docs/monitoring.md): versioned monitor sets per project, the state a
 * sequential detector carries between passes, alerts (open → acknowledged → resolved, at most
 * one unresolved per monitor), and the temporary sampling boosts an alert can start.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  const real = dialect === 'postgres' ? sql`double precision` : sql`real`;
  await db.schema
    .createTable('monitor_versions')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_versions_pk', ['project_id', 'version'])
    .execute();
  await db.schema
    .alterTable('projects')
    .addColumn('monitor_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('monitor_state')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('state', json, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_state_pk', ['project_id', 'monitor'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('evidence', json, (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('note', 'text')
    .execute();
  // Deduplication in the store: one alert per monitor until it is resolved, whatever the race.
  await sql`create unique index alerts_open_monitor_idx on alerts (project_id, monitor) where status <> 'resolved'`.execute(db);
  await sql`create index alerts_project_opened_idx on alerts (project_id, opened_at)`.execute(db);

  await db.schema
    .createTable('sampling_boosts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('alert_id', 'text')
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('segment', json)
    .addColumn('sample_rate', real, (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('ended_by', 'text')
    .execute();
  await sql`create index sampling_boosts_project_idx on sampling_boosts (project_id, ends_at)`.execute(db);
}
