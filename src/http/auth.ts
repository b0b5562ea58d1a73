import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import type { KeyAuthenticator } from '../app/key-service.js';
import { csrfMatches, type Session, type SessionAuthenticator } from '../app/session-service.js';
import type { AuthFailureLimiter } from './auth-limit.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the caller authenticated with the browser session cookie rather than a key. */
    browserSession: Session | null;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The API, the OpenAI-compatible proxy (whose clients send a Tollgate key as their `apiKey`, i.e.
 * `Authorization: Bearer`) and the OpenTelemetry intake (`OTEL_EXPORTER_OTLP_HEADERS`) all take
 * the same credentials; everything else (health, docs, sign-in pages) is public.
 */
const PROTECTED_PREFIXES = ['/v1', '/proxy', '/otlp'];

function needsCredentials(url: string): boolean {
  return PROTECTED_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));
}

/** Methods that change nothing: a cookie-authenticated request needs no CSRF token for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header the console echoes the session's CSRF token in (from `GET /auth/session`). */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Every `/v1` route needs a key or a browser session; which role may do what is decided by the
 * services. `Authorization: Bearer <key>` wins when both are sent (a browser never adds it by
 * itself). With the session cookie, state-changing methods also need the session's CSRF token
 * in `x-csrf-token`. Failed authentications, by key or by cookie, are limited per address and
 * per credential (429 TG_RATE_LIMITED with Retry-After).
 */
export function installAuth(
  app: FastifyInstance,
  keys: KeyAuthenticator,
  sessions: SessionAuthenticator,
  limiter: AuthFailureLimiter,
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('browserSession', null);
  app.addHook('onRequest', async (req, reply) => {
    if (!needsCredentials(req.url)) return;
    const header = req.headers.authorization;
    const cookie = header === undefined ? readCookie(req, SESSION_COOKIE) : undefined;
    if (cookie !== undefined) {
      await authenticateSession(req, reply, sessions, limiter, cookie);
      if (!SAFE_METHODS.has(req.method)) assertCsrf(req);
      return;
    }
    const match = header === undefined ? null : BEARER.exec(header);
    const presented = match?.[1];
    refuseWhenLimited(reply, limiter, req.ip, presented);
    try {
      if (header !== undefined && !match) throw new TollgateError('TG_UNAUTHENTICATED', 'Authorization header must be "Bearer <key>"');
      req.principal = await keys.authenticate(presented);
    } catch (err) {
      if (err instanceof TollgateError && err.code === 'TG_UNAUTHENTICATED') limiter.fail(req.ip, presented);
      throw err;
    }
  });
}

export function refuseWhenLimited(reply: FastifyReply, limiter: AuthFailureLimiter, ip: string, credential: string | undefined): void {
  const wait = limiter.retryAfter(ip, credential);
  if (wait > 0) {
    void reply.header('retry-after', String(wait));
    throw new TollgateError('TG_RATE_LIMITED', `too many failed authentications; try again in ${wait} s`, { retry_after_seconds: wait });
  }
}

/** Resolves the session cookie's token into `req.principal` and `req.browserSession`, or throws 401. */
export async function authenticateSession(
  req: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionAuthenticator,
  limiter: AuthFailureLimiter,
  token: string,
): Promise<Session> {
  refuseWhenLimited(reply, limiter, req.ip, token);
  try {
    const { principal, session } = await sessions.authenticate(token);
    req.principal = principal;
    req.browserSession = session;
    return session;
  } catch (err) {
    if (err instanceof TollgateError && err.code === 'TG_UNAUTHENTICATED') limiter.fail(req.ip, token);
    throw err;
  }
}

/** A cookie-authenticated request that changes state must carry its session's CSRF token. */
export function assertCsrf(req: FastifyRequest): void {
  const session = req.browserSession;
  if (!session) return;
  const raw = req.headers[CSRF_HEADER];
  if (!csrfMatches(session, typeof raw === 'string' ? raw : undefined))
    throw new TollgateError(
      'TG_CSRF_FAILED',
      `a ${req.method} with the session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (from GET /auth/session)`,
    );
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new TollgateError('TG_UNAUTHENTICATED', 'missing API key');
  return req.principal;
}
