import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import { summarizeProblems } from '../policy/policy-validate.js';

/**
 * Where a project's OpenAI-compatible proxy sends calls, and which environment variable of the
 * Tollgate server holds the upstream's credential. The credential itself is never part of the
 * settings: it stays in the server's environment and is read at call time.
 */
export interface ProxySettings {
  /** Absolute http(s) base URL of the upstream API, e.g. `https://api.openai.com/v1`; no trailing slash. */
  upstream_base_url: string;
  /** Name of the server's environment variable with the upstream key; null for keyless upstreams (Ollama, a local vLLM). */
  api_key_env: string | null;
}

export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MAX_URL_LENGTH = 2000;
const MAX_ENV_NAME_LENGTH = 200;
const KEYS = new Set(['upstream_base_url', 'api_key_env']);

/**
 * Which environment variables a project may name as its upstream credential. Whoever configures
 * a project also chooses the upstream URL, so naming any variable would let a manager send the
 * server's other secrets (its database URL, cloud keys, Tollgate's own keys) to a server of their
 * choosing: only the names the operator allows are usable.
 */
export type KeyEnvAllowlist = readonly string[] | 'default';

/** Without an explicit list: `*_API_KEY` variables, never Tollgate's own. */
const DEFAULT_KEY_ENV = /^[A-Z][A-Z0-9_]*_API_KEY$/;

export function keyEnvAllowed(name: string, allowlist: KeyEnvAllowlist): boolean {
  if (allowlist !== 'default') return allowlist.includes(name);
  return DEFAULT_KEY_ENV.test(name) && !name.startsWith('TOLLGATE_');
}

export function describeAllowlist(allowlist: KeyEnvAllowlist): string {
  return allowlist === 'default'
    ? 'by default only names ending in _API_KEY (and not starting with TOLLGATE_) are allowed; the server operator can list others in TOLLGATE_PROXY_KEY_ENVS'
    : `the server allows ${allowlist.length === 0 ? 'none' : allowlist.join(', ')} (TOLLGATE_PROXY_KEY_ENVS)`;
}

interface Problem {
  path: string;
  message: string;
}

/**
 * Reads a `proxy` document; null (or absent) turns the proxy off. Every problem is reported
 * with its path, like the other project documents.
 */
export function readProxySettings(raw: unknown, allowlist: KeyEnvAllowlist): { settings?: ProxySettings | null; problems: Problem[] } {
  if (raw === null || raw === undefined) return { settings: null, problems: [] };
  if (!isRecord(raw)) return { problems: [{ path: '', message: 'must be an object or null' }] };
  const problems: Problem[] = [];
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) problems.push({ path: key, message: 'unknown field' });
  const url = readBaseUrl(raw['upstream_base_url'], problems);
  const env = raw['api_key_env'] ?? null;
  if (env !== null) {
    if (typeof env !== 'string' || env.length > MAX_ENV_NAME_LENGTH || !ENV_NAME.test(env)) {
      problems.push({
        path: 'api_key_env',
        message: 'must be an environment variable name (A-Z, 0-9 and _, not starting with a digit), or null',
      });
    } else if (!keyEnvAllowed(env, allowlist)) {
      problems.push({
        path: 'api_key_env',
        message: `"${env}" may not be used as an upstream credential: ${describeAllowlist(allowlist)}`,
      });
    }
  }
  if (problems.length > 0 || url === undefined) return { problems };
  return { settings: { upstream_base_url: url, api_key_env: env as string | null }, problems };
}

/** As `readProxySettings`, throwing the stable error a client switches on. */
export function parseProxySettings(raw: unknown, allowlist: KeyEnvAllowlist): ProxySettings | null {
  const { settings, problems } = readProxySettings(raw, allowlist);
  if (settings === undefined || problems.length > 0) {
    throw new TollgateError('TG_INVALID_PROXY_SETTINGS', `invalid proxy settings: ${summarizeProblems(problems)}`, { errors: problems });
  }
  return settings;
}

/**
 * Settings as stored: checked when saved, so only their form is trusted here (the allowlist is
 * checked again at call time, since it belongs to the server, which may have changed).
 */
export function storedProxySettings(raw: unknown): ProxySettings | null {
  if (!isRecord(raw) || typeof raw['upstream_base_url'] !== 'string') return null;
  const env = raw['api_key_env'];
  return { upstream_base_url: raw['upstream_base_url'], api_key_env: typeof env === 'string' ? env : null };
}

function readBaseUrl(raw: unknown, problems: Problem[]): string | undefined {
  const at = 'upstream_base_url';
  if (raw === undefined) {
    problems.push({ path: at, message: 'is required' });
    return undefined;
  }
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) {
    problems.push({ path: at, message: `must be a URL of at most ${MAX_URL_LENGTH} characters` });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push({ path: at, message: 'must be an absolute http(s) URL such as https://api.openai.com/v1' });
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push({ path: at, message: 'must be an http or https URL' });
    return undefined;
  }
  // Credentials in the URL would be stored in the database and shown to every reader of the project.
  if (url.username !== '' || url.password !== '') {
    problems.push({ path: at, message: 'must not hold credentials: put the key in the environment variable named by api_key_env' });
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    problems.push({ path: at, message: 'must have no query or fragment' });
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}
