import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { projectFromClaims, roleFromClaims, type RoleMap } from '../core/access/sso-claims.js';
import { TollgateError } from '../core/errors.js';
import type { AppContext } from './context.js';
import { createSession, type Session } from './session-service.js';

/** Single sign-on with an OpenID Connect provider, as configured (see config.ts). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent: a public client, protected by PKCE alone. */
  clientSecret: string | undefined;
  /** How a confidential client authenticates at the token endpoint. */
  clientAuth: 'client_secret_basic' | 'client_secret_post';
  /** `${TOLLGATE_PUBLIC_URL}/auth/oidc/callback`, registered at the provider. */
  redirectUri: string;
  scopes: string;
  /** Claim name or dotted path holding the user's role or groups. */
  roleClaim: string;
  /** Claim value → role; null: the claim's values must be Tollgate role names. */
  roleMap: RoleMap | null;
  /** Claim naming the one project the user is confined to; null: none. */
  projectClaim: string | null;
  /** Plain-HTTP provider (allowed on a loopback address only, for development and tests). */
  allowInsecureRequests: boolean;
}

/** Browser sign-in as configured: the provider (null: single sign-on off) and the sessions it opens. */
export interface SsoConfig {
  oidc: OidcSettings | null;
  sessionTtlSeconds: number;
  /** Cookies carry `Secure`: TOLLGATE_PUBLIC_URL is https. */
  secureCookies: boolean;
}

/** How long a browser has between the redirect to the provider and the callback. */
export const LOGIN_TTL_MS = 10 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface BegunLogin {
  /** Goes to the browser in the short-lived login cookie; the store keeps its hash. */
  loginToken: string;
  /** Where to send the browser: the provider's authorization endpoint, with PKCE, state and nonce. */
  authorizationUrl: string;
}

export interface FinishedLogin {
  token: string;
  session: Session;
  returnTo: string;
}

/**
 * The authorization code flow with PKCE, done by openid-client: discovery, the authorization
 * URL (S256 code challenge, state, nonce), the code exchange and the ID token's validation
 * (signature, issuer, audience, nonce, expiry). What is in flight is kept in the store, not in
 * the browser: the PKCE verifier never leaves the server, each sign-in can be completed once,
 * and any server sharing the store can take the callback.
 */
export class OidcSignIn {
  #config: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly ctx: AppContext,
    readonly settings: OidcSettings,
    private readonly sessionTtlSeconds: number,
  ) {}

  /** The provider's configuration, discovered once; a failed discovery is retried on the next call. */
  configuration(): Promise<oidc.Configuration> {
    if (!this.#config) {
      const s = this.settings;
      const auth =
        s.clientSecret === undefined
          ? oidc.None()
          : s.clientAuth === 'client_secret_post'
            ? oidc.ClientSecretPost(s.clientSecret)
            : oidc.ClientSecretBasic(s.clientSecret);
      this.#config = oidc
        .discovery(new URL(s.issuer), s.clientId, undefined, auth, {
          execute: s.allowInsecureRequests ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((err: unknown) => {
          this.#config = null;
          throw new TollgateError('TG_SSO_UNAVAILABLE', `the identity provider ${s.issuer} could not be discovered: ${describe(err)}`);
        });
    }
    return this.#config;
  }

  /** Discovers the provider in the background at start, so a misconfiguration shows in the log at once. */
  warm(): void {
    this.configuration().then(
      () => this.ctx.logger.info({ issuer: this.settings.issuer }, 'single sign-on: identity provider discovered'),
      (err: unknown) => this.ctx.logger.warn({ issuer: this.settings.issuer, reason: describe(err) }, 'single sign-on: discovery failed'),
    );
  }

  async begin(returnTo: string): Promise<BegunLogin> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const loginToken = randomBytes(32).toString('base64url');
    const now = this.ctx.clock();
    const db = this.ctx.store.db;
    // Sign-ins abandoned at the provider are cleared as new ones start.
    await db.deleteFrom('oidc_logins').where('expires_at', '<', now).execute();
    await db
      .insertInto('oidc_logins')
      .values({
        id: sha256(loginToken),
        state,
        nonce,
        code_verifier: verifier,
        return_to: returnTo,
        created_at: now,
        expires_at: now + LOGIN_TTL_MS,
      })
      .execute();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { loginToken, authorizationUrl: url.href };
  }

  /**
   * Completes a sign-in: `loginToken` is the browser's login cookie, `search` the callback's
   * query string. The sign-in in flight is taken (deleted) first, so a callback can never be
   * replayed, whatever happens next.
   */
  async finish(loginToken: string | undefined, search: string): Promise<FinishedLogin> {
    if (loginToken === undefined || loginToken === '')
      throw new TollgateError(
        'TG_SSO_FAILED',
        'no sign-in is in progress in this browser (its login cookie is missing or expired); start again at /auth/oidc/login',
      );
    const login = await this.ctx.store.db.deleteFrom('oidc_logins').where('id', '=', sha256(loginToken)).returningAll().executeTakeFirst();
    if (!login || login.expires_at <= this.ctx.clock())
      throw new TollgateError('TG_SSO_FAILED', 'this sign-in is unknown, already completed or expired; start again at /auth/oidc/login');

    const config = await this.configuration();
    const currentUrl = new URL(this.settings.redirectUri);
    currentUrl.search = search;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: login.code_verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw signInError(err);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new TollgateError('TG_SSO_FAILED', 'the identity provider returned no ID token');
    const claims = await this.#withUserInfo(config, tokens.access_token, idClaims);
    const session = await this.#open(claims);
    return { ...session, returnTo: login.return_to };
  }

  /**
   * Some providers put groups and profile claims in the UserInfo response rather than the ID
   * token: when the role, project or email claim is not in the ID token, UserInfo fills it in
   * (for the same subject; the ID token's own claims win).
   */
  async #withUserInfo(config: oidc.Configuration, accessToken: string, idClaims: oidc.IDToken): Promise<Record<string, unknown>> {
    const wanted = [this.settings.roleClaim, this.settings.projectClaim, 'email'].filter((c): c is string => c !== null);
    const top = (path: string) => path.split('.')[0] ?? path;
    const missing = wanted.some((c) => !Object.hasOwn(idClaims, c) && !Object.hasOwn(idClaims, top(c)));
    if (!missing || config.serverMetadata().userinfo_endpoint === undefined) return idClaims;
    try {
      const info = await oidc.fetchUserInfo(config, accessToken, idClaims.sub);
      return { ...info, ...idClaims };
    } catch (err) {
      throw signInError(err);
    }
  }

  async #open(claims: Record<string, unknown>): Promise<{ token: string; session: Session }> {
    const s = this.settings;
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub === '') throw new TollgateError('TG_SSO_FAILED', 'the ID token has no subject');
    const { role, values } = roleFromClaims(claims, { claim: s.roleClaim, map: s.roleMap });
    if (role === null) {
      this.ctx.logger.info({ subject: sub, claim: s.roleClaim, values }, 'single sign-on refused: no role');
      throw new TollgateError(
        'TG_FORBIDDEN',
        values.length === 0
          ? `sign-in refused: your identity provider sent no "${s.roleClaim}" claim, so you have no Tollgate role; ask an administrator for access`
          : `sign-in refused: your "${s.roleClaim}" claim (${values.join(', ')}) maps to no Tollgate role; ask an administrator for access`,
        { claim: s.roleClaim, values },
      );
    }
    const scope = projectFromClaims(claims, s.projectClaim, role);
    if (!scope.ok) throw new TollgateError('TG_FORBIDDEN', `sign-in refused: ${scope.reason}`, { claim: s.projectClaim });
    if (scope.project_id !== null) {
      const exists = await this.ctx.store.db.selectFrom('projects').select('id').where('id', '=', scope.project_id).executeTakeFirst();
      if (!exists)
        throw new TollgateError(
          'TG_FORBIDDEN',
          `sign-in refused: claim "${s.projectClaim}" names project ${scope.project_id}, which does not exist`,
        );
    }
    const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : null;
    return createSession(
      this.ctx,
      { actor: actorFor(s.issuer, sub), issuer: s.issuer, subject: sub, email, role, project_id: scope.project_id },
      this.sessionTtlSeconds,
    );
  }
}

/**
 * Who a signed-in person is in audit events, judgments and standings: the issuer's host and the
 * subject, which the provider never reassigns (unlike an email address).
 */
export function actorFor(issuer: string, subject: string): string {
  return `oidc:${new URL(issuer).host}:${subject}`;
}

function describe(err: unknown): string {
  if (err instanceof TollgateError) return err.message;
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError)
    return err.error + (err.error_description ? `: ${err.error_description}` : '');
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return err.message + cause;
  }
  return String(err);
}

/** The provider unreachable is an outage (503); anything else is a failed sign-in (401). */
function signInError(err: unknown): TollgateError {
  if (err instanceof TollgateError) return err;
  const unreachable =
    (err instanceof TypeError && err.message === 'fetch failed') ||
    (err instanceof oidc.ClientError && (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT'));
  if (unreachable) return new TollgateError('TG_SSO_UNAVAILABLE', `the identity provider could not be reached: ${describe(err)}`);
  if (err instanceof oidc.AuthorizationResponseError)
    return new TollgateError('TG_SSO_FAILED', `the identity provider refused the sign-in: ${describe(err)}`);
  return new TollgateError('TG_SSO_FAILED', `sign-in failed: ${describe(err)}`);
}
