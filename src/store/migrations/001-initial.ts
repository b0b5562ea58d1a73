import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * The core schema. Written once for both dialects: only the JSON column type and the audit
 * sequence differ, and `dialect` picks them.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('rubric_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  for (const table of ['policy_versions', 'rubric_versions'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('document', json, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['project_id', 'version'])
      .execute();
  }

  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('external_id', 'text')
    .addColumn('input', json, (c) => c.notNull())
    .addColumn('output', json, (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('model_version', 'text')
    .addColumn('confidence', 'double precision')
    .addColumn('metadata', json, (c) => c.notNull())
    .addColumn('tags', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decision_action', 'text', (c) => c.notNull())
    .addColumn('decision_priority', 'integer', (c) => c.notNull())
    .addColumn('decision_rules', json, (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('required_reviews', 'integer', (c) => c.notNull())
    .addColumn('outcome_status', 'text', (c) => c.notNull())
    .addColumn('outcome_output', json)
    .addColumn('outcome_decided_at', 'bigint')
    .addColumn('outcome_decided_by', 'text')
    .addColumn('outcome_reason', 'text')
    .execute();
  // NULL external ids are distinct under UNIQUE on both engines, so items without one never clash.
  await db.schema.createIndex('items_project_external_uq').unique().on('items').columns(['project_id', 'external_id']).execute();
  await sql`create index items_project_created_idx on items (project_id, created_at desc, id desc)`.execute(db);
  await sql`create index items_project_action_idx on items (project_id, decision_action, created_at desc)`.execute(db);
  await sql`create index items_project_outcome_idx on items (project_id, outcome_status, created_at desc)`.execute(db);

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('rubric_version', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('claim_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // The claim query walks this index in queue order: highest priority, then oldest.
  await sql`create index tasks_claim_idx on tasks (project_id, status, priority desc, created_at, id)`.execute(db);
  await sql`create index tasks_lease_idx on tasks (status, lease_expires_at)`.execute(db);
  if (dialect === 'postgres') {
    // Every claim leaves a dead entry at the head of the pending range of tasks_claim_idx, which
    // the next claims walk over until VACUUM removes it; vacuum the queue table early and often.
    await sql`alter table tasks set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)`.execute(db);
  }
  await db.schema.createIndex('tasks_item_idx').on('tasks').column('item_id').execute();
  // A reviewer holds or has done at most one task per item: the rule "never judge an item
  // twice" enforced by the store, so two concurrent claims by one reviewer cannot both win.
  // The claim's NOT EXISTS probe uses this index too.
  await sql`create unique index tasks_item_owner_uq on tasks (item_id, lease_owner) where status in ('claimed', 'done')`.execute(db);

  await db.schema
    .createTable('judgments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull().unique().references('tasks.id'))
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('scores', json, (c) => c.notNull())
    .addColumn('correction', json)
    .addColumn('comment', 'text')
    .addColumn('time_spent_ms', 'integer')
    .addColumn('rubric_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // A reviewer judges an item at most once, enforced by the store as well as by the claim.
  await db.schema.createIndex('judgments_item_reviewer_uq').unique().on('judgments').columns(['item_id', 'reviewer']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.references('projects.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  const audit = db.schema.createTable('audit_events');
  await (
    dialect === 'postgres'
      ? audit.addColumn('seq', 'bigserial', (c) => c.primaryKey())
      : audit.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('project_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('before', json)
    .addColumn('after', json)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index audit_events_project_idx on audit_events (project_id, seq)`.execute(db);
  await sql`create index audit_events_subject_idx on audit_events (subject_type, subject_id, seq)`.execute(db);
}
