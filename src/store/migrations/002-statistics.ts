import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * What the quality statistics read.
 * - Each item's probability of being sent to a person, recorded at routing time so the error
 *   rate of all production can be estimated from the reviewed ones. Items stored before this
 *   migration keep `null`: their policies' sampling could be re-derived, but not safely once the
 *   policy has changed, so the estimators count them as unknown instead.
 * - Judgments by project and time, for agreement and reviewer figures over a window.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .alterTable('items')
    .addColumn('review_probability', dialect === 'postgres' ? 'double precision' : 'real')
    .execute();
  await sql`create index judgments_project_created_idx on judgments (project_id, created_at, id)`.execute(db);
}
