import { isIP } from 'node:net';
import { parseOriginalKey, type OriginalKey } from './core/data-protection/original-cipher.js';
import { parseStoreUrl, type StoreTarget } from './store/store-url.js';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './http/body-limits.js';
import { DEFAULT_SESSION_TTL_SECONDS } from './app/session-service.js';
import type { OidcSettings, SsoConfig } from './app/sso-service.js';
import { parseRoleMap, type RoleMap } from './core/access/sso-claims.js';
import { ENV_NAME, type KeyEnvAllowlist } from './core/proxy/settings.js';
import { DEFAULT_UPSTREAM_TIMEOUTS, type UpstreamTimeouts } from './app/proxy-upstream.js';

export interface ServerConfig {
  store: StoreTarget;
  port: number;
  host: string;
  adminKey: string | undefined;
  logLevel: string;
  bodyLimits: BodyLimits;
  pgPoolSize: number;
  /** How often each server returns expired leases to the queue (and seals the audit trail). */
  sweepIntervalMs: number;
  /** Ed25519 private key (PEM or base64 PKCS#8 DER) that signs audit checkpoints; unset: none. */
  auditSigningKey: string | undefined;
  /** How often each chain head is signed, when a key is set. */
  auditCheckpointMs: number;
  /** Seals pre-redaction originals (AES-256-GCM); checked at start so a bad key fails fast. */
  piiEncryptionKey: OriginalKey | undefined;
  /** Failed authentications allowed per client address and per key each minute (0: no limit). */
  authFailuresPerMinute: number;
  /** Which proxies to believe about the client's address (X-Forwarded-For): Fastify's `trustProxy`. */
  trustProxy: boolean | string[];
  /** Browser sign-in with OpenID Connect, and the sessions it opens (SSO off without an issuer). */
  sso: SsoConfig;
  /** The OpenAI-compatible proxy: which environment variables projects may name as upstream keys, and upstream timeouts. */
  proxy: { keyEnvs: KeyEnvAllowlist; timeouts: UpstreamTimeouts };
  /** Which private addresses webhooks and hold callbacks may be sent to: all, none, or these addresses and CIDR ranges. */
  webhookAllowPrivate: boolean | string[];
}

/** `true`/`false`, or a comma-separated list of proxy addresses and CIDR ranges. */
function trustProxyFrom(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

type Env = Record<string, string | undefined>;

/** `true` (default), `false`, or a comma-separated list of addresses and CIDR ranges (`10.1.0.0/16,fd00::/8`). */
function webhookAllowPrivateFrom(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'true') return true;
  if (raw.trim() === 'false') return false;
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const e of entries) {
    const [address = '', prefix, extra] = e.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined)
      throw new Error(
        `TOLLGATE_WEBHOOK_ALLOW_PRIVATE must be true, false or a comma-separated list of IP addresses and CIDR ranges, got "${e}"`,
      );
  }
  return entries;
}

/** A comma-separated list of environment variable names; unset: the default rule (`*_API_KEY`). */
function keyEnvsFrom(raw: string | undefined): KeyEnvAllowlist {
  if (raw === undefined || raw.trim() === '') return 'default';
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names)
    if (!ENV_NAME.test(name) || name.startsWith('TOLLGATE_'))
      throw new Error(`TOLLGATE_PROXY_KEY_ENVS must list environment variable names (not TOLLGATE_ ones), got "${name}"`);
  return names;
}

function piiKeyFrom(raw: string | undefined): OriginalKey | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return parseOriginalKey(raw);
  } catch (err) {
    throw new Error(`TOLLGATE_PII_ENCRYPTION_KEY: ${(err as Error).message}`);
  }
}

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An absolute http(s) URL without query or fragment, trailing slashes dropped. */
function baseUrlFrom(env: Env, name: string): URL {
  const raw = env[name] ?? '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an absolute URL such as https://tollgate.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw new Error(`${name} must have no query, fragment or credentials, got "${raw}"`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

const urlText = (u: URL) => u.href.replace(/\/+$/, '');

function oidcFrom(env: Env): OidcSettings | null {
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  if (set('TOLLGATE_OIDC_ISSUER') === undefined) return null;
  const issuer = baseUrlFrom(env, 'TOLLGATE_OIDC_ISSUER');
  // Tokens and keys come from the issuer: plain HTTP only to this machine (development, tests).
  if (issuer.protocol === 'http:' && !LOOPBACK.has(issuer.hostname))
    throw new Error(`TOLLGATE_OIDC_ISSUER must be https (plain http only on a loopback address), got "${env.TOLLGATE_OIDC_ISSUER}"`);
  const clientId = set('TOLLGATE_OIDC_CLIENT_ID');
  if (clientId === undefined) throw new Error('TOLLGATE_OIDC_CLIENT_ID must be set when TOLLGATE_OIDC_ISSUER is');
  if (set('TOLLGATE_PUBLIC_URL') === undefined)
    throw new Error(
      'TOLLGATE_PUBLIC_URL must be set when TOLLGATE_OIDC_ISSUER is: it gives the redirect URI, <public url>/auth/oidc/callback',
    );
  const publicUrl = baseUrlFrom(env, 'TOLLGATE_PUBLIC_URL');
  const scopes = (set('TOLLGATE_OIDC_SCOPES') ?? 'openid email profile').trim().split(/\s+/);
  if (!scopes.includes('openid')) throw new Error(`TOLLGATE_OIDC_SCOPES must include "openid", got "${env.TOLLGATE_OIDC_SCOPES}"`);
  const clientAuth = set('TOLLGATE_OIDC_CLIENT_AUTH') ?? 'client_secret_basic';
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post')
    throw new Error(`TOLLGATE_OIDC_CLIENT_AUTH must be client_secret_basic or client_secret_post, got "${clientAuth}"`);
  const rawMap = set('TOLLGATE_OIDC_ROLE_MAP');
  let roleMap: RoleMap | null = null;
  if (rawMap !== undefined) {
    try {
      roleMap = parseRoleMap(rawMap);
    } catch (err) {
      throw new Error(`TOLLGATE_OIDC_ROLE_MAP ${(err as Error).message}`);
    }
  }
  return {
    issuer: urlText(issuer),
    clientId,
    clientSecret: set('TOLLGATE_OIDC_CLIENT_SECRET'),
    clientAuth,
    redirectUri: `${urlText(publicUrl)}/auth/oidc/callback`,
    scopes: scopes.join(' '),
    roleClaim: set('TOLLGATE_OIDC_ROLE_CLAIM')?.trim() || 'tollgate_role',
    roleMap,
    projectClaim: set('TOLLGATE_OIDC_PROJECT_CLAIM')?.trim() || null,
    allowInsecureRequests: issuer.protocol === 'http:',
  };
}

function ssoFrom(env: Env): SsoConfig {
  const oidc = oidcFrom(env);
  const publicUrl =
    env.TOLLGATE_PUBLIC_URL === undefined || env.TOLLGATE_PUBLIC_URL === '' ? null : baseUrlFrom(env, 'TOLLGATE_PUBLIC_URL');
  return {
    oidc,
    sessionTtlSeconds: intFrom(env, 'TOLLGATE_SESSION_TTL_SECONDS', DEFAULT_SESSION_TTL_SECONDS, 60, 30 * 86_400),
    secureCookies: publicUrl?.protocol === 'https:',
  };
}

/** All configuration comes from the environment (twelve-factor); flags override the port. */
export function loadConfig(env: Env, cwd: string): ServerConfig {
  return {
    store: parseStoreUrl(env.TOLLGATE_DATABASE_URL, cwd),
    port: intFrom(env, 'TOLLGATE_PORT', 8080, 0, 65535),
    host: env.TOLLGATE_HOST ?? '0.0.0.0',
    adminKey: env.TOLLGATE_ADMIN_KEY === '' ? undefined : env.TOLLGATE_ADMIN_KEY,
    logLevel: env.TOLLGATE_LOG_LEVEL ?? 'info',
    bodyLimits: {
      item: intFrom(env, 'TOLLGATE_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMITS.item, 1024, 256 * 1024 * 1024),
      batch: intFrom(env, 'TOLLGATE_BATCH_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMITS.batch, 1024, 1024 * 1024 * 1024),
    },
    pgPoolSize: intFrom(env, 'TOLLGATE_PG_POOL_SIZE', 10, 1, 1000),
    sweepIntervalMs: intFrom(env, 'TOLLGATE_SWEEP_INTERVAL_MS', 1000, 100, 3_600_000),
    auditSigningKey: env.TOLLGATE_AUDIT_SIGNING_KEY === '' ? undefined : env.TOLLGATE_AUDIT_SIGNING_KEY,
    auditCheckpointMs: intFrom(env, 'TOLLGATE_AUDIT_CHECKPOINT_SECONDS', 300, 1, 86_400) * 1000,
    piiEncryptionKey: piiKeyFrom(env.TOLLGATE_PII_ENCRYPTION_KEY),
    authFailuresPerMinute: intFrom(env, 'TOLLGATE_AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    trustProxy: trustProxyFrom(env.TOLLGATE_TRUST_PROXY),
    sso: ssoFrom(env),
    proxy: {
      keyEnvs: keyEnvsFrom(env.TOLLGATE_PROXY_KEY_ENVS),
      timeouts: {
        connectMs: intFrom(env, 'TOLLGATE_PROXY_CONNECT_TIMEOUT_MS', DEFAULT_UPSTREAM_TIMEOUTS.connectMs, 100, 600_000),
        totalMs: intFrom(env, 'TOLLGATE_PROXY_TIMEOUT_MS', DEFAULT_UPSTREAM_TIMEOUTS.totalMs, 1000, 86_400_000),
      },
    },
    webhookAllowPrivate: webhookAllowPrivateFrom(env.TOLLGATE_WEBHOOK_ALLOW_PRIVATE),
  };
}
