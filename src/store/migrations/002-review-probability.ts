import { type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Each item's probability of being sent to a person, recorded at routing time so the error
 * rate of all production can be estimated from the reviewed ones. Items stored before this
 * migration keep `null`: their policies' sampling could be re-derived, but not safely once
 * the policy has changed, so the estimators count them as unknown instead.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .alterTable('items')
    .addColumn('review_probability', dialect === 'postgres' ? 'double precision' : 'real')
    .execute();
}
