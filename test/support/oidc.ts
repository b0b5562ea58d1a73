import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/**
 * A real OpenID Connect provider (panva's oidc-provider) on a loopback port, for the single
 * sign-on tests. Accounts and their claims are a map the test fills in; login is programmatic:
 * `GET /interaction/<uid>/login?account=<sub>` finishes the provider's login prompt as that
 * account (what a person would do on the provider's login page), and consent is implied.
 */
export interface TestProvider {
  issuer: string;
  accounts: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startProvider(clients: ClientMetadata[]): Promise<TestProvider> {
  const accounts = new Map<string, Record<string, unknown>>();
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    claims: {
      openid: ['sub', 'tollgate_role', 'tollgate_project', 'realm_access'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...claims }) };
    },
    // Consent is implied: a grant of the requested scopes is made on first use.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  handler = (req, res) => {
    const m = /^\/interaction\/([^/?]+)\/login\?account=([^&]+)$/.exec(req.url ?? '');
    if (!m) return void callback(req, res);
    provider
      .interactionFinished(req, res, { login: { accountId: decodeURIComponent(m[2]!) } }, { mergeWithLastSubmission: false })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  };
  return {
    issuer,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser, as far as sign-in needs one: a cookie jar per origin (with paths and deletion),
 * and manual redirects so each hop can be looked at.
 */
export class Browser {
  readonly #jar = new Map<string, Map<string, StoredCookie>>();

  cookie(origin: string, name: string): string | undefined {
    for (const [key, c] of this.#jar.get(origin) ?? []) if (key.split('\0')[0] === name) return c.value;
    return undefined;
  }

  setCookie(origin: string, name: string, value: string, path = '/'): void {
    const jar = this.#jar.get(origin) ?? new Map<string, StoredCookie>();
    jar.set(`${name}\0${path}`, { value, path });
    this.#jar.set(origin, jar);
  }

  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const u = new URL(url);
    const cookies = [...(this.#jar.get(u.origin) ?? [])]
      .filter(([, c]) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.split('\0')[0]}=${c.value}`);
    const headers = { ...(init.headers ?? {}), ...(cookies.length > 0 ? { cookie: cookies.join('; ') } : {}) };
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.#store(u.origin, line);
    return res;
  }

  #store(origin: string, line: string): void {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    let path = '/';
    let gone = false;
    for (const a of attrs) {
      const [k, v = ''] = a.split('=');
      if (k!.toLowerCase() === 'path') path = v;
      if (k!.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
      if (k!.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) gone = true;
    }
    const jar = this.#jar.get(origin) ?? new Map<string, StoredCookie>();
    if (gone) jar.delete(`${name}\0${path}`);
    else jar.set(`${name}\0${path}`, { value, path });
    this.#jar.set(origin, jar);
  }
}
