import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the dashboards' time series (`GET …/stats/timeseries`): outcomes by when they
 * were decided, tasks by when they were created, and the model versions a project has seen.
 * Without them those three queries read every item or task of the project.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index items_project_decided_idx on items (project_id, outcome_decided_at) where outcome_decided_at is not null`.execute(
    db,
  );
  await sql`create index tasks_project_created_idx on tasks (project_id, created_at)`.execute(db);
  await sql`create index items_project_model_version_idx on items (project_id, model_version)`.execute(db);
}
