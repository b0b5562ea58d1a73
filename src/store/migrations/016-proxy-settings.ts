import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * The OpenAI-compatible proxy: `projects.proxy` holds where a project's proxy sends calls and
 * the name of the server environment variable with the upstream's key (null: no proxy). The
 * key itself is never stored.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await sql`alter table projects add column proxy ${json}`.execute(db);
}
