import { parseStoreUrl, type StoreTarget } from './store/store-url.js';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './http/body-limits.js';

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
  /** Failed authentications allowed per client address and per key each minute (0: no limit). */
  authFailuresPerMinute: number;
  /** Which proxies to believe about the client's address (X-Forwarded-For): Fastify's `trustProxy`. */
  trustProxy: boolean | string[];
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

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
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
    authFailuresPerMinute: intFrom(env, 'TOLLGATE_AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    trustProxy: trustProxyFrom(env.TOLLGATE_TRUST_PROXY),
  };
}
