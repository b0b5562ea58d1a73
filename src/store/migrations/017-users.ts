import { sql, type Kysely } from 'kysely';

/**
 * People who sign in to the web console with an email and a password (besides single sign-on).
 * - `password_hash` is a self-describing scrypt string (`scrypt$N$r$p$salt$hash`), so the cost
 *   can be raised later without a migration: old hashes still verify and are upgraded on sign-in.
 * - A user is never deleted, only disabled: judgments and audit events keep naming them.
 * - `email` is stored lower-cased and is the user's identity in the trail (`user:<email>`), so
 *   it cannot be changed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.references('projects.id'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('password_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addColumn('last_sign_in_at', 'bigint')
    .execute();
  await sql`create index users_role_idx on users (role)`.execute(db);
}
