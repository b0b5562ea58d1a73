import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { createKey } from '../../src/app/key-service.js';
import type { SsoConfig } from '../../src/app/sso-service.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/server.js';
import { ROOT, testApi } from '../support/http.js';
import { Browser, freePort, startProvider, type TestProvider } from '../support/oidc.js';
import { countRows, DIALECTS, manualClock, openTestStore, type ManualClock, type TestStore } from '../support/stores.js';

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider, in-process on a loopback
 * port), driven like a browser: Tollgate listens on a port, redirects are followed hop by hop
 * with a cookie jar, and the provider's login is submitted programmatically.
 */
const CLIENT_SECRET = 'tollgate-web-client-secret-do-not-log-0123456789';
const ROLE_MAP = 'grp-reviewers=reviewer,grp-admins=admin';

let provider: TestProvider;
const ports = new Map<string, { web: number; spa: number }>();

beforeAll(async () => {
  for (const d of DIALECTS) ports.set(d, { web: await freePort(), spa: await freePort() });
  const callbacks = (which: 'web' | 'spa') => [...ports.values()].map((p) => `http://127.0.0.1:${p[which]}/auth/oidc/callback`);
  provider = await startProvider([
    // A confidential client (client secret) that also uses PKCE.
    {
      client_id: 'tollgate-web',
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: callbacks('web'),
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    // A public client: PKCE is all that binds the code to Tollgate.
    {
      client_id: 'tollgate-spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: callbacks('spa'),
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ]);
  const a = provider.accounts;
  a.set('alice', { email: 'alice@example.com', email_verified: true, tollgate_role: ['grp-reviewers', 'grp-admins', 'grp-other'] });
  a.set('rob', { email: 'rob@example.com', tollgate_role: 'grp-reviewers' });
  a.set('mallory', { tollgate_role: ['grp-contractors'] });
  a.set('nobody', { email: 'nobody@example.com' });
  a.set('kc-viewer', { realm_access: { roles: ['offline_access', 'viewer'] } });
});
afterAll(async () => {
  await provider.close();
});

const sso = (env: Record<string, string>): SsoConfig => loadConfig({ TOLLGATE_OIDC_ISSUER: provider.issuer, ...env }, '/tmp').sso;

/** Every sign-in step up to the provider's redirect back to Tollgate: returns that callback URL. */
async function throughProvider(browser: Browser, authorizationUrl: string, account: string): Promise<string> {
  let res = await browser.request(authorizationUrl);
  expect(res.status).toBe(303);
  const interaction = new URL(res.headers.get('location')!, provider.issuer);
  expect(interaction.pathname).toMatch(/^\/interaction\/[^/]+$/);
  // What the person does on the provider's login page.
  res = await browser.request(`${interaction.href}/login?account=${account}`);
  expect(res.status).toBe(303);
  res = await browser.request(new URL(res.headers.get('location')!, provider.issuer).href);
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

describe.each(DIALECTS)('single sign-on with OpenID Connect (%s)', (dialect) => {
  let t: TestStore;
  let clock: ManualClock;
  let web: FastifyInstance;
  let spa: FastifyInstance;
  let WEB: string;
  let SPA: string;
  let adminKey: string;
  let projectId: string;
  const lines: string[] = [];
  /** Every secret seen in the flows, checked against the log at the end. */
  const secrets = new Set<string>([CLIENT_SECRET]);

  beforeAll(async () => {
    t = await openTestStore(dialect);
    clock = manualClock(Date.now());
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const { web: webPort, spa: spaPort } = ports.get(dialect)!;
    WEB = `http://127.0.0.1:${webPort}`;
    SPA = `http://127.0.0.1:${spaPort}`;
    const webCtx = createContext({ store: t.store, clock, newId: uuidv7, logger: createLogger('trace', sink) });
    web = await buildApp({
      ctx: webCtx,
      version: 'test',
      logRequests: true,
      authFailuresPerMinute: 0,
      sso: sso({
        TOLLGATE_OIDC_CLIENT_ID: 'tollgate-web',
        TOLLGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
        TOLLGATE_PUBLIC_URL: WEB,
        TOLLGATE_OIDC_ROLE_MAP: ROLE_MAP,
      }),
    });
    await web.listen({ port: webPort, host: '127.0.0.1' });
    const spaCtx = createContext({ store: t.store, clock, newId: uuidv7, logger: createLogger('silent') });
    spa = await buildApp({
      ctx: spaCtx,
      version: 'test',
      authFailuresPerMinute: 0,
      sso: sso({
        TOLLGATE_OIDC_CLIENT_ID: 'tollgate-spa',
        TOLLGATE_PUBLIC_URL: `${SPA}/`,
        TOLLGATE_OIDC_ROLE_CLAIM: 'realm_access.roles',
        TOLLGATE_OIDC_PROJECT_CLAIM: 'tollgate_project',
        TOLLGATE_SESSION_TTL_SECONDS: '3600',
      }),
    });
    await spa.listen({ port: spaPort, host: '127.0.0.1' });
    adminKey = (await createKey(webCtx, ROOT, { role: 'admin' })).key;
    const created = await fetch(`${WEB}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Scoped' }),
    });
    projectId = ((await created.json()) as { id: string }).id;
    await fetch(`${WEB}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Elsewhere' }),
    });
    provider.accounts.set('kc-manager', {
      realm_access: { roles: ['offline_access', 'manager'] },
      tollgate_project: projectId,
    });
  });
  afterAll(async () => {
    await web.close();
    await spa.close();
    await t.close();
  });

  /** The browser's session cookie, noted as a secret the logs must not hold. */
  function sessionCookie(b: Browser, origin = WEB): string {
    const token = b.cookie(origin, 'tollgate_session')!;
    expect(token).toMatch(/^tgs_/);
    secrets.add(token);
    return token;
  }

  async function beginLogin(b: Browser, base: string, returnTo?: string): Promise<string> {
    const res = await b.request(`${base}/auth/oidc/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`);
    expect(res.status).toBe(302);
    const loginCookie = b.cookie(base, 'tollgate_oidc_login');
    if (loginCookie) secrets.add(loginCookie);
    return res.headers.get('location')!;
  }

  function noteCallback(url: string): string {
    const u = new URL(url);
    secrets.add(u.searchParams.get('code')!);
    secrets.add(u.searchParams.get('state')!);
    return url;
  }

  /** A fresh browser signed in as `account`; returns it and the callback's answer. */
  async function signIn(account: string, opts: { base?: string; returnTo?: string; accept?: string } = {}) {
    const base = opts.base ?? WEB;
    const b = new Browser();
    const callback = noteCallback(await throughProvider(b, await beginLogin(b, base, opts.returnTo), account));
    expect(callback.startsWith(`${base}/auth/oidc/callback?`)).toBe(true);
    const res = await b.request(callback, opts.accept === undefined ? {} : { headers: { accept: opts.accept } });
    return { browser: b, res, callback };
  }

  async function whoami(b: Browser, base = WEB) {
    const res = await b.request(`${base}/auth/session`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { csrf_token: string } };
  }

  const postJson = (b: Browser, url: string, body: unknown, headers: Record<string, string> = {}) =>
    b.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('signs a person in with the code flow and PKCE; the session cookie then works on the API', async () => {
    const b = new Browser();
    const authorizationUrl = new URL(await beginLogin(b, WEB, '/v1/projects'));
    // The provider's authorization endpoint, with an S256 code challenge, state and nonce.
    expect(authorizationUrl.origin).toBe(provider.issuer);
    const q = authorizationUrl.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('tollgate-web');
    expect(q.get('redirect_uri')).toBe(`${WEB}/auth/oidc/callback`);
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toBeTruthy();
    expect(q.get('nonce')).toBeTruthy();
    expect(q.has('code_verifier')).toBe(false);
    // The browser holds only a random handle on the sign-in; the verifier stays in the store.
    const login = await t.store.db.selectFrom('oidc_logins').selectAll().where('state', '=', q.get('state')!).executeTakeFirstOrThrow();
    expect(login.return_to).toBe('/v1/projects');
    expect(b.cookie(WEB, 'tollgate_oidc_login')).not.toContain(login.code_verifier);

    const callback = noteCallback(await throughProvider(b, authorizationUrl.href, 'alice'));
    const res = await b.request(callback);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/v1/projects');
    const setCookies = res.headers.getSetCookie();
    const sessionLine = setCookies.find((c) => c.startsWith('tollgate_session='))!;
    expect(sessionLine).toMatch(/; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/); // no Secure on plain http
    expect(setCookies.find((c) => c.startsWith('tollgate_oidc_login='))).toMatch(/Max-Age=0/);
    expect(b.cookie(WEB, 'tollgate_oidc_login')).toBeUndefined();
    const token = sessionCookie(b);

    const projects = await b.request(`${WEB}/v1/projects`);
    expect(projects.status).toBe(200);
    expect(((await projects.json()) as { projects: unknown[] }).projects.length).toBeGreaterThanOrEqual(2);

    const me = await whoami(b);
    expect(me.status).toBe(200);
    const issuerHost = new URL(provider.issuer).host;
    expect(me.body).toMatchObject({
      actor: `oidc:${issuerHost}:alice`,
      subject: 'alice',
      email: 'alice@example.com',
      issuer: provider.issuer,
      // grp-admins and grp-reviewers both map: the most privileged wins.
      role: 'admin',
      project_id: null,
    });
    expect(Date.parse(me.body.expires_at as string) - Date.parse(me.body.created_at as string)).toBe(8 * 3600 * 1000);
    secrets.add(me.body.csrf_token);

    // The store has the token's hash only, and the sign-in was audited.
    const row = await t.store.db.selectFrom('sessions').selectAll().where('subject', '=', 'alice').executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    const audit = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'session.created').execute();
    expect(audit.find((e) => e.subject_id === row.id)).toMatchObject({ actor: `oidc:${issuerHost}:alice`, project_id: null });
    // The sign-in in flight is gone: used once.
    expect(await t.store.db.selectFrom('oidc_logins').select('id').where('state', '=', q.get('state')!).executeTakeFirst()).toBeUndefined();
  });

  it('refuses state-changing calls made with the cookie unless they carry the CSRF token', async () => {
    const { browser: b } = await signIn('alice');
    sessionCookie(b);
    const { csrf_token } = (await whoami(b)).body;
    secrets.add(csrf_token);
    const before = await countRows(t.store, 'projects');
    const bare = await postJson(b, `${WEB}/v1/projects`, { name: 'Forged' });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('TG_CSRF_FAILED');
    const wrong = await postJson(b, `${WEB}/v1/projects`, { name: 'Forged' }, { 'x-csrf-token': `${csrf_token}x` });
    expect(wrong.status).toBe(403);
    expect(await countRows(t.store, 'projects')).toBe(before);

    const ok = await postJson(b, `${WEB}/v1/projects`, { name: 'From the console' }, { 'x-csrf-token': csrf_token });
    expect(ok.status).toBe(201);
    const id = ((await ok.json()) as { id: string }).id;
    const created = await t.store.db.selectFrom('audit_events').select('actor').where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(created.actor).toBe(`oidc:${new URL(provider.issuer).host}:alice`);
  });

  it("maps the role claim: a reviewer group gets a reviewer's limits", async () => {
    const { browser: b, res } = await signIn('rob');
    expect(res.status).toBe(302);
    sessionCookie(b);
    const me = await whoami(b);
    expect(me.body).toMatchObject({ role: 'reviewer', project_id: null, email: 'rob@example.com' });
    expect((await b.request(`${WEB}/v1/projects`)).status).toBe(200);
    const csrf = { 'x-csrf-token': me.body.csrf_token };
    const create = await postJson(b, `${WEB}/v1/projects`, { name: 'Not allowed' }, csrf);
    expect(create.status).toBe(403);
    expect(((await create.json()) as { error: { code: string } }).error.code).toBe('TG_FORBIDDEN');
    expect((await postJson(b, `${WEB}/v1/keys`, { role: 'admin' }, csrf)).status).toBe(403);
    // Reviewers work tasks: a claim is allowed (204: nothing to do in this project).
    expect((await postJson(b, `${WEB}/v1/projects/${projectId}/tasks/claim`, {}, csrf)).status).toBe(204);
  });

  it('records judgments under the signed-in actor; a signed-in admin is held to no reviewer standing', async () => {
    const key = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const policy = { rules: [{ name: 'all', when: { confidence: { lt: 1 } }, action: 'review', priority: 50, overlap: 2 }] };
    const made = await fetch(`${WEB}/v1/projects`, { method: 'POST', headers: key, body: JSON.stringify({ name: 'Judged', policy }) });
    const pid = ((await made.json()) as { id: string }).id;
    const item = await fetch(`${WEB}/v1/projects/${pid}/items`, {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ input: 'q', output: 'a', confidence: 0.2 }),
    });
    expect(item.status).toBe(201);
    const host = new URL(provider.issuer).host;
    for (const account of ['rob', 'alice']) {
      const { browser: b } = await signIn(account);
      sessionCookie(b);
      const csrf = { 'x-csrf-token': (await whoami(b)).body.csrf_token };
      const claimed = await postJson(b, `${WEB}/v1/projects/${pid}/tasks/claim`, {}, csrf);
      expect(claimed.status).toBe(200);
      const task = ((await claimed.json()) as { task: { id: string; lease_owner: string } }).task;
      expect(task.lease_owner).toBe(`oidc:${host}:${account}`);
      expect((await postJson(b, `${WEB}/v1/tasks/${task.id}/judgments`, { verdict: 'approve' }, csrf)).status).toBe(201);
    }
    const judges = await t.store.db.selectFrom('judgments').select('reviewer').where('project_id', '=', pid).orderBy('reviewer').execute();
    expect(judges.map((j) => j.reviewer)).toEqual([`oidc:${host}:alice`, `oidc:${host}:rob`]);
    const standings = await fetch(`${WEB}/v1/projects/${pid}/reviewers/standing`, { headers: key });
    const listed = ((await standings.json()) as { reviewers: { reviewer: string }[] }).reviewers.map((r) => r.reviewer);
    expect(listed).toEqual([`oidc:${host}:rob`]);
  });

  it('refuses sign-in to a user whose claim maps to no role: a page for people, JSON for scripts', async () => {
    const before = await countRows(t.store, 'sessions');
    const page = await signIn('mallory', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.res.status).toBe(403);
    expect(page.res.headers.get('content-type')).toContain('text/html');
    const html = await page.res.text();
    expect(html).toContain('Sign-in failed');
    expect(html).toContain('maps to no Tollgate role');
    expect(html).toContain('grp-contractors');
    expect(page.browser.cookie(WEB, 'tollgate_session')).toBeUndefined();

    const json = await signIn('nobody');
    expect(json.res.status).toBe(403);
    const body = (await json.res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('TG_FORBIDDEN');
    expect(body.error.message).toContain('no "tollgate_role" claim');
    expect(json.browser.cookie(WEB, 'tollgate_session')).toBeUndefined();
    expect(await countRows(t.store, 'sessions')).toBe(before);
  });

  it('refuses a callback whose state was tampered with, and that sign-in cannot be finished afterwards', async () => {
    const b = new Browser();
    const callback = noteCallback(await throughProvider(b, await beginLogin(b, WEB), 'alice'));
    const loginCookie = b.cookie(WEB, 'tollgate_oidc_login')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')!.slice(0, -2)}xy`);
    const res = await b.request(tampered.href);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('TG_SSO_FAILED');
    expect(body.error.message).toMatch(/state/);
    expect(b.cookie(WEB, 'tollgate_session')).toBeUndefined();
    // A failed callback ends the sign-in in the browser too.
    expect(b.cookie(WEB, 'tollgate_oidc_login')).toBeUndefined();
    // The genuine callback, even with the login cookie put back, finds the sign-in used up.
    b.setCookie(WEB, 'tollgate_oidc_login', loginCookie, '/auth/oidc');
    const again = await b.request(callback);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('TG_SSO_FAILED');
  });

  it('binds the code to the PKCE verifier and the browser: a stolen or replayed callback is refused', async () => {
    const b = new Browser();
    const callback = noteCallback(await throughProvider(b, await beginLogin(b, WEB), 'alice'));
    const code = new URL(callback).searchParams.get('code')!;
    // Someone with the code (and even the client secret) but not the verifier gets no tokens.
    const tokenEndpoint = `${provider.issuer}/token`;
    const basic = `Basic ${Buffer.from(`tollgate-web:${CLIENT_SECRET}`).toString('base64')}`;
    for (const extra of [{}, { code_verifier: 'a'.repeat(43) }] as Record<string, string>[]) {
      const stolen = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${WEB}/auth/oidc/callback`, ...extra }),
      });
      expect(stolen.status).toBe(400);
      expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
    }
    // Another browser, without this sign-in's login cookie, cannot complete it.
    const attacker = await new Browser().request(callback);
    expect(attacker.status).toBe(401);
    expect(((await attacker.json()) as { error: { message: string } }).error.message).toContain('no sign-in is in progress');

    const loginCookie = b.cookie(WEB, 'tollgate_oidc_login')!;
    const ok = await b.request(callback);
    expect(ok.status).toBe(302);
    sessionCookie(b);
    // Replayed with the same login cookie: the sign-in was used once and is gone.
    const replay = new Browser();
    replay.setCookie(WEB, 'tollgate_oidc_login', loginCookie, '/auth/oidc');
    const replayed = await replay.request(callback);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: { code: string; message: string } }).error.message).toContain('already completed');
    expect(replay.cookie(WEB, 'tollgate_session')).toBeUndefined();
  });

  it('returns only to paths on this server: return_to cannot redirect elsewhere', async () => {
    for (const evil of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '\t//evil.example',
      'evil',
    ]) {
      const res = await fetch(`${WEB}/auth/oidc/login?return_to=${encodeURIComponent(evil)}`, { redirect: 'manual' });
      expect(res.status, evil).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TG_VALIDATION_FAILED');
    }
    const page = await fetch(`${WEB}/auth/oidc/login?return_to=${encodeURIComponent('//evil.example')}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('return_to must be a path on this server');

    const withQuery = await signIn('alice', { returnTo: '/console/items?status=pending' });
    expect(withQuery.res.headers.get('location')).toBe('/console/items?status=pending');
    sessionCookie(withQuery.browser);
    const plain = await signIn('alice');
    expect(plain.res.headers.get('location')).toBe('/');
    sessionCookie(plain.browser);
  });

  it('logs out: needs the CSRF token, revokes the session on every server and clears the cookie', async () => {
    const { browser: b } = await signIn('rob');
    const token = sessionCookie(b);
    const { csrf_token } = (await whoami(b)).body;
    const forged = await b.request(`${WEB}/auth/logout`, { method: 'POST' });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('TG_CSRF_FAILED');
    expect((await b.request(`${WEB}/v1/projects`)).status).toBe(200);

    const out = await b.request(`${WEB}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': csrf_token } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('tollgate_session='))).toMatch(/^tollgate_session=; Path=\/; Max-Age=0/);
    expect(b.cookie(WEB, 'tollgate_session')).toBeUndefined();

    // The old cookie is dead here and on the other server sharing the store.
    const stale = new Browser();
    stale.setCookie(WEB, 'tollgate_session', token);
    stale.setCookie(SPA, 'tollgate_session', token);
    const refused = await stale.request(`${WEB}/v1/projects`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('TG_UNAUTHENTICATED');
    expect((await stale.request(`${SPA}/v1/projects`)).status).toBe(401);
    expect((await whoami(stale)).status).toBe(401);
    const row = await t.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', createHash('sha256').update(token).digest('hex'))
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    const revoked = await t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'session.revoked')
      .where('subject_id', '=', row.id)
      .execute();
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.actor).toBe(row.actor);
  });

  it('lets a bearer key win over a cookie, and refuses a cookie that was never issued', async () => {
    const b = new Browser();
    b.setCookie(WEB, 'tollgate_session', 'tgs_made-up-token-that-was-never-issued-by-tollgate');
    expect((await b.request(`${WEB}/v1/projects`)).status).toBe(401);
    const both = await b.request(`${WEB}/v1/projects`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(both.status).toBe(200);
    // With a key, a POST needs no CSRF token: a browser never sends the Authorization header on its own.
    const created = await postJson(b, `${WEB}/v1/projects`, { name: 'By key' }, { authorization: `Bearer ${adminKey}` });
    expect(created.status).toBe(201);
  });

  it('scopes a public client user to the project in their claim, with the role from a nested claim', async () => {
    const { browser: b, res } = await signIn('kc-manager', { base: SPA });
    expect(res.status).toBe(302);
    sessionCookie(b, SPA);
    const me = await whoami(b, SPA);
    expect(me.body).toMatchObject({ role: 'manager', project_id: projectId, email: null });
    expect(Date.parse(me.body.expires_at as string) - Date.parse(me.body.created_at as string)).toBe(3600 * 1000);
    const list = (await (await b.request(`${SPA}/v1/projects`)).json()) as { projects: { id: string }[] };
    expect(list.projects.map((p) => p.id)).toEqual([projectId]);
    const others = await t.store.db.selectFrom('projects').select('id').where('id', '!=', projectId).execute();
    expect((await b.request(`${SPA}/v1/projects/${others[0]!.id}`)).status).toBe(404);
    const audit = await t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'session.created')
      .where('project_id', '=', projectId)
      .execute();
    expect(audit).toHaveLength(1);

    // A viewer with no project claim is refused: a missing claim must not widen access.
    const refused = await signIn('kc-viewer', { base: SPA });
    expect(refused.res.status).toBe(403);
    expect(((await refused.res.json()) as { error: { message: string } }).error.message).toContain('names no project');
  });

  it('expires sessions: after the lifetime the cookie gets 401', async () => {
    const { browser: b } = await signIn('rob');
    sessionCookie(b);
    expect((await b.request(`${WEB}/v1/projects`)).status).toBe(200);
    const saved = clock();
    clock.advance(8 * 3600 * 1000 + 1000);
    try {
      const res = await b.request(`${WEB}/v1/projects`);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TG_UNAUTHENTICATED');
      expect(body.error.message).toContain('session expired at');
      expect((await whoami(b)).status).toBe(401);
    } finally {
      clock.set(saved);
    }
  });

  it('keeps session tokens, CSRF tokens, codes, state and the client secret out of the logs', () => {
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(20); // requests were logged, at trace level
    expect(text).toContain('/auth/oidc/callback?[redacted]');
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('tgs_');
  });
});

describe('single sign-on: limits and defaults', () => {
  it('counts failed session cookies toward the failed-authentication limit', async () => {
    const t = await openTestStore('sqlite');
    const app = await buildApp({ ctx: t.ctx, version: 'test', authFailuresPerMinute: 3 });
    await app.ready();
    try {
      const call = (url: string, cookie: string, ip: string) =>
        app.inject({ method: 'GET', url, headers: { cookie: `tollgate_session=${cookie}` }, remoteAddress: ip });
      for (let i = 0; i < 3; i++)
        expect((await call(i === 0 ? '/auth/session' : '/v1/projects', `tgs_guess-${i}`, '10.0.0.5')).statusCode).toBe(401);
      const limited = await call('/v1/projects', 'tgs_guess-next', '10.0.0.5');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('TG_RATE_LIMITED');
      expect((await call('/auth/session', 'tgs_guess-next', '10.0.0.5')).statusCode).toBe(429);
      expect((await call('/v1/projects', 'tgs_guess-other', '10.0.0.6')).statusCode).toBe(401);
    } finally {
      await app.close();
      await t.close();
    }
  });

  it('without TOLLGATE_OIDC_ISSUER, sign-in answers 404 and no session exists', async () => {
    const t = await openTestStore('sqlite');
    const api = await testApi(t.ctx);
    try {
      const login = await api.call('GET', '/auth/oidc/login', null);
      expect(login.statusCode).toBe(404);
      expect(login.json().error.code).toBe('TG_NOT_FOUND');
      expect(login.json().error.message).toContain('TOLLGATE_OIDC_ISSUER');
      expect((await api.call('GET', '/auth/oidc/callback?code=x&state=y', null)).statusCode).toBe(404);
      const session = await api.call('GET', '/auth/session', null);
      expect(session.statusCode).toBe(401);
      expect(session.json().error.code).toBe('TG_UNAUTHENTICATED');
      expect((await api.call('POST', '/auth/logout', null)).statusCode).toBe(401);
    } finally {
      await api.app.close();
      await t.close();
    }
  });
});
