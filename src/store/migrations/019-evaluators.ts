import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Automatic evaluators (docs/evaluators.md): versioned evaluator sets per project, one result
 * per item and evaluator, the queue of evaluations that run after capture, the judges' daily
 * spend, and whether each trust rule's evaluator currently holds the people's trust.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  const real = dialect === 'postgres' ? sql`double precision` : sql`real`;
  await db.schema
    .createTable('evaluator_versions')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluator_versions_pk', ['project_id', 'version'])
    .execute();
  await db.schema
    .alterTable('projects')
    .addColumn('evaluator_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('eval_results')
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('evaluator', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('evaluator_version', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('score', real)
    .addColumn('label', 'text')
    .addColumn('found', 'integer')
    .addColumn('explanation', 'text')
    .addColumn('details', json, (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('cost', real)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('eval_results_pk', ['item_id', 'evaluator'])
    .execute();
  await sql`create index eval_results_project_evaluator_idx on eval_results (project_id, evaluator, created_at)`.execute(db);

  await db.schema
    .createTable('eval_jobs')
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('evaluator', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('evaluator_version', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('eval_jobs_pk', ['item_id', 'evaluator'])
    .execute();
  await sql`create index eval_jobs_run_after_idx on eval_jobs (run_after)`.execute(db);

  await db.schema
    .createTable('judge_spend')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('evaluator', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('cost', real, (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('judge_spend_pk', ['project_id', 'evaluator', 'day'])
    .execute();

  await db.schema
    .createTable('evaluator_trust')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('evaluator', 'text', (c) => c.notNull())
    .addColumn('trusted', 'integer', (c) => c.notNull())
    .addColumn('kappa', real)
    .addColumn('checks', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    /** The requirement it was judged against, so a policy change is re-judged rather than inherited. */
    .addColumn('requirement', json, (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('evaluated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluator_trust_pk', ['project_id', 'rule'])
    .execute();
}
