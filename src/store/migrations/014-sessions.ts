import { sql, type Kysely } from 'kysely';

/**
 * Browser sessions from single sign-on (OpenID Connect).
 * - `sessions`: one row per sign-in. Like API keys, only the SHA-256 of the session token is
 *   stored; `csrf_token` is what the console echoes in `x-csrf-token` on state-changing calls
 *   (useless without the session cookie). Rows stay after expiry or logout, as a record.
 * - `oidc_logins`: sign-ins in flight, between the redirect to the identity provider and its
 *   callback: the PKCE verifier, state, nonce and where to return, keyed by the SHA-256 of a
 *   random value held in the browser's short-lived login cookie. Single use, ten minutes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.references('projects.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await sql`create index sessions_actor_idx on sessions (actor, created_at)`.execute(db);

  await db.schema
    .createTable('oidc_logins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index oidc_logins_expires_idx on oidc_logins (expires_at)`.execute(db);
}
