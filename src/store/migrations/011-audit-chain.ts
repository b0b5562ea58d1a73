import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * The tamper-evident audit trail. Events are written as before, in the transaction of the change
 * they record; a sealer then links them, in the order it finds them, into one hash chain per
 * project (and one for events outside any project) in `audit_seals`. Sealing after the fact
 * keeps audited writes free of a per-project lock, which would serialize every claim and capture.
 * `audit_checkpoints` holds signed chain heads when a signing key is configured.
 *
 * On PostgreSQL the three tables are append-only in the database itself: triggers refuse UPDATE,
 * DELETE and TRUNCATE, whoever asks, short of an owner who drops the triggers (which the
 * signed checkpoints then expose).
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('audit_seals')
    /** The chain: the project id, or '' for events outside any project (keys). */
    .addColumn('chain', 'text', (c) => c.notNull())
    /** Position in the chain, from 1. */
    .addColumn('pos', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('sealed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_seals_pk', ['chain', 'pos'])
    .execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('pos', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'bigint', (c) => c.notNull())
    /** SHA-256 of the public key (DER, SubjectPublicKeyInfo), hex: which key signed. */
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'pos', 'key_id'])
    .execute();
  // Where the sealer starts looking: every event at or below it is sealed (see audit-chain-repo).
  await db.schema
    .createTable('audit_seal_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('low_water', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into audit_seal_state (id, low_water) values (1, 0)`.execute(db);

  if (dialect === 'postgres') {
    await sql`create function tollgate_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'tollgate: % is append-only; % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege';
      end $$`.execute(db);
    for (const table of ['audit_events', 'audit_seals', 'audit_checkpoints']) {
      await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
        for each row execute function tollgate_append_only()`.execute(db);
      await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function tollgate_append_only()`.execute(db);
    }
  }
}
