import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TollgateError } from '../core/errors.js';
import type { Principal, Role } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import type { SessionsTable } from '../store/schema.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { hashKey } from './key-service.js';

/**
 * Browser sessions, made by single sign-on. A session token is 256 random bits held only in the
 * browser's HttpOnly cookie; the store keeps its SHA-256, like API keys. A session resolves to
 * the same `Principal` a key does, so every role and project check applies unchanged.
 */
const TOKEN_PREFIX = 'tgs_';
const TOKEN_SHAPE = /^tgs_[A-Za-z0-9_-]{43}$/;

/** The default session lifetime: a working day. */
export const DEFAULT_SESSION_TTL_SECONDS = 8 * 3600;

/** Who signed in, as the identity provider vouched for it and the role mapping decided. */
export interface SessionIdentity {
  actor: string;
  issuer: string;
  subject: string;
  email: string | null;
  role: Role;
  project_id: string | null;
}

export type Session = SessionsTable;

export function principalOfSession(s: Session): Principal {
  return { key_id: `session:${s.id}`, role: s.role as Role, project_id: s.project_id, actor: s.actor };
}

/** Opens a session (audited as `session.created`) and returns its token, to set as a cookie once. */
export async function createSession(
  ctx: AppContext,
  identity: SessionIdentity,
  ttlSeconds: number,
): Promise<{ token: string; session: Session }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const now = ctx.clock();
  const session: Session = {
    id: ctx.newId(),
    token_hash: hashKey(token),
    actor: identity.actor,
    issuer: identity.issuer,
    subject: identity.subject,
    email: identity.email,
    role: identity.role,
    project_id: identity.project_id,
    csrf_token: randomBytes(32).toString('base64url'),
    created_at: now,
    expires_at: now + ttlSeconds * 1000,
    last_seen_at: null,
    revoked_at: null,
  };
  await inTransaction(ctx.store, async (tx) => {
    await tx.db.insertInto('sessions').values(session).execute();
    // Like a key's events: in the session's project chain, or the global one. No email here: the
    // trail is append-only, and the actor (issuer and subject) already names the person.
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: session.project_id,
        actor: session.actor,
        action: 'session.created',
        subject_type: 'session',
        subject_id: session.id,
        after: { role: session.role, project_id: session.project_id, issuer: session.issuer, expires_at: session.expires_at },
      }),
    ]);
  });
  return { token, session };
}

/** Ends a session now (logout), audited as `session.revoked`; a second call changes nothing. */
export async function revokeSession(ctx: AppContext, who: Principal, session: Session): Promise<void> {
  await inTransaction(ctx.store, async (tx) => {
    const now = ctx.clock();
    const done = await tx.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', session.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return;
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: session.project_id,
        actor: who.actor,
        action: 'session.revoked',
        subject_type: 'session',
        subject_id: session.id,
        after: { reason: 'logout' },
      }),
    ]);
  });
}

/** Whether the `x-csrf-token` a request carries is its session's, compared in constant time. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(session.csrf_token), digest(presented));
}

/** How often a server records that a session was used. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Resolves session tokens. No cache: a logout ends the session on every server at once, and
 * the console's traffic is light. Last use is recorded at most once a minute per server.
 */
export class SessionAuthenticator {
  readonly #recorded = new Map<string, number>();

  constructor(private readonly ctx: AppContext) {}

  async authenticate(token: string): Promise<{ principal: Principal; session: Session }> {
    // A malformed token cannot be one we issued: no store lookup for it.
    const row = TOKEN_SHAPE.test(token)
      ? await this.ctx.store.db.selectFrom('sessions').selectAll().where('token_hash', '=', hashKey(token)).executeTakeFirst()
      : undefined;
    if (!row || row.revoked_at !== null) throw new TollgateError('TG_UNAUTHENTICATED', 'invalid or ended session: sign in again');
    const now = this.ctx.clock();
    if (row.expires_at <= now)
      throw new TollgateError('TG_UNAUTHENTICATED', `session expired at ${new Date(row.expires_at).toISOString()}: sign in again`);
    this.#noteUse(row.id, now);
    return { principal: principalOfSession(row), session: row };
  }

  #noteUse(id: string, now: number): void {
    const last = this.#recorded.get(id);
    if (last !== undefined && now - last < LAST_SEEN_RESOLUTION_MS) return;
    if (this.#recorded.size > 10_000) this.#recorded.clear();
    this.#recorded.set(id, now);
    this.ctx.store.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .execute()
      .catch((err: unknown) => this.ctx.logger.warn({ err, session_id: id }, "could not record the session's last use"));
  }
}
