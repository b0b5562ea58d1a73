import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/** Each item's novelty score at capture (docs/novelty.md); null when it was not computed. */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .alterTable('items')
    .addColumn('novelty', dialect === 'postgres' ? 'double precision' : 'real')
    .execute();
}
