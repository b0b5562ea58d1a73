import type { Kysely } from 'kysely';

/**
 * API key lifecycle: an optional expiry, the key that replaced this one when it was rotated,
 * and when it was last used (recorded at most once a minute per server, not on every request).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('last_used_at', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('rotated_to', 'text').execute();
}
