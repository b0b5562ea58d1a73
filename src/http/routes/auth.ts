import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { revokeSession, type Session, type SessionAuthenticator } from '../../app/session-service.js';
import { LOGIN_TTL_MS, type OidcSignIn, type SsoConfig } from '../../app/sso-service.js';
import { signInWithPassword } from '../../app/user-service.js';
import { TollgateError } from '../../core/errors.js';
import { assertCsrf, authenticateSession, CSRF_HEADER, refuseWhenLimited } from '../auth.js';
import type { AuthFailureLimiter } from '../auth-limit.js';
import { LOGIN_COOKIE, LOGIN_COOKIE_PATH, readCookie, SESSION_COOKIE, setCookie } from '../cookies.js';
import { iso } from '../present.js';
import { Nullable, RoleSchema, Timestamp } from '../schemas/common.js';
import { LoginBody, SignInMethods } from '../schemas/user.js';
import type { TypedApp } from '../typed-app.js';

export interface AuthRouteDeps {
  sso: SsoConfig;
  /** null when single sign-on is off (no TOLLGATE_OIDC_ISSUER). */
  signIn: OidcSignIn | null;
  sessions: SessionAuthenticator;
  limiter: AuthFailureLimiter;
}

const PLACEHOLDER_ORIGIN = 'http://tollgate.invalid';

/**
 * Where a sign-in may return: a path on this server only (`/…`), never another site, so the
 * login route cannot be used as an open redirect. Returns the normalized path, or null.
 */
export function safeReturnPath(raw: string): string | null {
  // `//host` and `/\host` are other sites to a browser; control characters are stripped by URL
  // parsers, which could turn an innocent-looking value into one of those.
  const control = [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || control) return null;
  let url: URL;
  try {
    url = new URL(raw, PLACEHOLDER_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return null;
  return url.pathname + url.search + url.hash;
}

const SessionInfo = Type.Object(
  {
    actor: Type.String({
      description: 'Who you are in audit events and judgments: `user:<email>` (password sign-in) or `oidc:<issuer host>:<subject>`',
    }),
    role: RoleSchema,
    project_id: Nullable(Type.String({ description: 'The one project this session may touch; null: all' })),
    subject: Type.String({ description: "The identity provider's subject (`sub`), or the user's id for password sign-in" }),
    email: Nullable(Type.String({ description: 'The user’s email, or as the identity provider gave it (verified), if at all' })),
    issuer: Type.String({ description: '`local` for password sign-in, else the identity provider' }),
    created_at: Timestamp('When you signed in'),
    expires_at: Timestamp('When the session ends; sign in again after it'),
    csrf_token: Type.String({
      description: `Send it as \`${CSRF_HEADER}\` on every POST, PUT, PATCH and DELETE made with the session cookie`,
    }),
  },
  { $id: 'SessionInfo' },
);

const SESSION_SECURITY = [{ session: [] }];

function presentSession(s: Session) {
  return {
    actor: s.actor,
    role: s.role,
    project_id: s.project_id,
    subject: s.subject,
    email: s.email,
    issuer: s.issuer,
    created_at: iso(s.created_at),
    expires_at: iso(s.expires_at),
    csrf_token: s.csrf_token,
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Login and callback are browser navigations: a person sees a short page when sign-in fails
 * (a script asking for JSON gets the usual error body).
 */
function sendSignInError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof TollgateError) || !(req.headers.accept ?? '').includes('text/html')) throw err;
  const page =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · Tollgate</title></head><body>' +
    `<h1>Sign-in failed</h1><p>${escapeHtml(err.message)}</p><p><code>${err.code}</code></p>` +
    '<p><a href="/auth/oidc/login">Sign in again</a></p></body></html>';
  return reply.code(err.status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
}

/**
 * Browser sign-in, outside `/v1` and its key authentication: the web console sends people to
 * `/auth/oidc/login`, the identity provider sends them back to `/auth/oidc/callback`, which sets
 * the session cookie; `/auth/session` says who is signed in (and gives the CSRF token),
 * `/auth/logout` ends the session.
 */
export function registerAuthRoutes(app: TypedApp, ctx: AppContext, deps: AuthRouteDeps): void {
  const { sso, signIn, sessions, limiter } = deps;
  const requireSignIn = (): OidcSignIn => {
    if (!signIn) throw new TollgateError('TG_NOT_FOUND', 'single sign-on is not configured on this server (TOLLGATE_OIDC_ISSUER)');
    return signIn;
  };
  const clearLoginCookie = (reply: FastifyReply) =>
    setCookie(reply, LOGIN_COOKIE, '', { path: LOGIN_COOKIE_PATH, secure: sso.secureCookies, maxAge: 0 });
  const clearSessionCookie = (reply: FastifyReply) =>
    setCookie(reply, SESSION_COOKIE, '', { path: '/', secure: sso.secureCookies, maxAge: 0 });

  async function currentSession(req: FastifyRequest, reply: FastifyReply): Promise<Session> {
    const token = readCookie(req, SESSION_COOKIE);
    if (token === undefined)
      throw new TollgateError('TG_UNAUTHENTICATED', 'not signed in: no session cookie', signIn ? { login: '/auth/oidc/login' } : undefined);
    return authenticateSession(req, reply, sessions, limiter, token);
  }

  app.get(
    '/auth/oidc/login',
    {
      schema: {
        hide: true,
        querystring: Type.Object({ return_to: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }),
      },
    },
    async (req, reply) => {
      try {
        const oidc = requireSignIn();
        const returnTo = safeReturnPath(req.query.return_to ?? '/');
        if (returnTo === null)
          throw new TollgateError('TG_VALIDATION_FAILED', 'return_to must be a path on this server, such as /console/items', {
            errors: [{ path: 'return_to', message: 'must be a path on this server' }],
          });
        const { loginToken, authorizationUrl } = await oidc.begin(returnTo);
        setCookie(reply, LOGIN_COOKIE, loginToken, { path: LOGIN_COOKIE_PATH, secure: sso.secureCookies, maxAge: LOGIN_TTL_MS / 1000 });
        return reply.header('cache-control', 'no-store').redirect(authorizationUrl, 302);
      } catch (err) {
        return sendSignInError(req, reply, err);
      }
    },
  );

  app.get('/auth/oidc/callback', { schema: { hide: true } }, async (req, reply) => {
    // Whatever happens, this sign-in is over: its cookie goes.
    clearLoginCookie(reply);
    try {
      const oidc = requireSignIn();
      const q = req.url.indexOf('?');
      const done = await oidc.finish(readCookie(req, LOGIN_COOKIE), q < 0 ? '' : req.url.slice(q));
      setCookie(reply, SESSION_COOKIE, done.token, { path: '/', secure: sso.secureCookies, maxAge: sso.sessionTtlSeconds });
      req.log.info({ actor: done.session.actor, role: done.session.role, session_id: done.session.id }, 'signed in');
      return reply.header('cache-control', 'no-store').redirect(done.returnTo, 302);
    } catch (err) {
      if (err instanceof TollgateError) req.log.info({ code: err.code, reason: err.message }, 'sign-in failed');
      return sendSignInError(req, reply, err);
    }
  });

  app.get(
    '/auth/methods',
    {
      schema: {
        tags: ['auth'],
        summary: 'How people can sign in to the console here: email and password, single sign-on, or both',
        security: [],
        response: { 200: SignInMethods },
      },
    },
    async (_req, reply) => reply.header('cache-control', 'no-store').send({ password: true, oidc: signIn !== null }),
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with an email and a password: sets the session cookie and answers with the session (and its CSRF token)',
        description:
          'Every refusal is `401 TG_INVALID_CREDENTIALS` (unknown email, wrong password or disabled user alike); failed attempts are limited per address (`429`).',
        security: [],
        body: LoginBody,
        response: { 200: SessionInfo, 400: Type.Ref('Error'), 401: Type.Ref('Error'), 429: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      // Limited per address and per account, so neither guessing many passwords for one email
      // nor one password across many emails goes fast.
      const account = `login:${req.body.email.trim().toLowerCase()}`;
      refuseWhenLimited(reply, limiter, req.ip, account);
      try {
        const done = await signInWithPassword(ctx, req.body.email, req.body.password, sso.sessionTtlSeconds);
        setCookie(reply, SESSION_COOKIE, done.token, { path: '/', secure: sso.secureCookies, maxAge: sso.sessionTtlSeconds });
        req.log.info({ actor: done.session.actor, role: done.session.role, session_id: done.session.id }, 'signed in');
        return reply.header('cache-control', 'no-store').send(presentSession(done.session));
      } catch (err) {
        if (err instanceof TollgateError && err.code === 'TG_INVALID_CREDENTIALS') limiter.fail(req.ip, account);
        throw err;
      }
    },
  );

  app.get(
    '/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in with the session cookie: actor, role, project scope, expiry, and the CSRF token for the console',
        security: SESSION_SECURITY,
        response: { 200: SessionInfo, 401: Type.Ref('Error'), 429: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const session = await currentSession(req, reply);
      return reply.header('cache-control', 'no-store').send(presentSession(session));
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: `End the browser session (needs its CSRF token in ${CSRF_HEADER}) and clear the session cookie`,
        security: SESSION_SECURITY,
        response: { 204: Type.Null({ description: 'Signed out' }), 401: Type.Ref('Error'), 403: Type.Ref('Error'), 429: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      let session: Session;
      try {
        session = await currentSession(req, reply);
      } catch (err) {
        // A dead session's cookie is of no use to the browser either.
        if (err instanceof TollgateError && err.code === 'TG_UNAUTHENTICATED') clearSessionCookie(reply);
        throw err;
      }
      assertCsrf(req);
      await revokeSession(ctx, req.principal!, session);
      clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );
}
