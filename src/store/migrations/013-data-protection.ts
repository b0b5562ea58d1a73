import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Data protection.
 * - `projects.data_protection`: the project's redaction and retention settings (null: none).
 * - `items.redactions`: what capture-time redaction replaced, counted per detector.
 * - `items.purged_at` / `purge_reason`: when retention or an erasure emptied the item's
 *   payloads; the row stays so decisions, outcomes and aggregate figures keep adding up.
 * - `item_originals`: the pre-redaction payloads, AES-GCM encrypted, for projects that keep them.
 * - `erasures`: data-subject deletion requests carried out, identified by a digest only, so the
 *   record of an erasure does not itself keep the identifier it erased.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await sql`alter table projects add column data_protection ${json}`.execute(db);
  await sql`alter table items add column redactions ${json}`.execute(db);
  await db.schema.alterTable('items').addColumn('purged_at', 'bigint').execute();
  await db.schema.alterTable('items').addColumn('purge_reason', 'text').execute();
  // Retention walks a project's oldest unpurged items; purged ones drop out of this index, so
  // the walk does not slow down as years of purged rows pile up in front of it.
  await sql`create index items_retention_idx on items (project_id, created_at) where purged_at is null`.execute(db);

  await db.schema
    .createTable('item_originals')
    .addColumn('item_id', 'text', (c) => c.primaryKey().references('items.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    /** Which key sealed it (a fingerprint, never the key), so a wrong key is named, not guessed at. */
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('erasures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('selector_kind', 'text', (c) => c.notNull())
    .addColumn('selector_digest', 'text', (c) => c.notNull())
    .addColumn('items_erased', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index erasures_project_idx on erasures (project_id, created_at)`.execute(db);
}
