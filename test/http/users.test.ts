import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../src/app/user-service.js';
import { buildApp } from '../../src/http/app.js';
import { ROOT, testApi, type TestApi } from '../support/http.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery';

function sessionCookie(res: LightMyRequestResponse): string {
  const raw = [res.headers['set-cookie']].flat().find((c) => typeof c === 'string' && c.startsWith('tollgate_session='));
  if (raw === undefined) throw new Error('no session cookie set');
  return raw.split(';')[0]!;
}

describe.each(DIALECTS)('console users and password sign-in (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const created = await api.call('POST', '/v1/projects', admin, { name: 'Support' });
    projectId = created.json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const login = (email: string, password: string) => api.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });

  it('an admin creates a user who signs in with the password and works with the session cookie', async () => {
    const created = await api.call('POST', '/v1/users', admin, {
      email: 'Rui@Example.COM',
      password: PASSWORD,
      role: 'reviewer',
      name: 'Rui',
      project_id: projectId,
    });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({
      email: 'rui@example.com',
      role: 'reviewer',
      project_id: projectId,
      disabled_at: null,
      last_sign_in_at: null,
    });
    expect(JSON.stringify(user)).not.toMatch(/password_hash|scrypt/);

    // Only the scrypt hash is stored, with its parameters.
    const row = await t.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(row.password_hash).not.toContain(PASSWORD);

    const res = await login('rui@example.com', PASSWORD);
    expect(res.statusCode).toBe(200);
    const session = res.json();
    expect(session).toMatchObject({
      actor: 'user:rui@example.com',
      role: 'reviewer',
      project_id: projectId,
      issuer: 'local',
      email: 'rui@example.com',
    });
    const cookie = sessionCookie(res);
    expect(res.headers['set-cookie']).toEqual(expect.stringContaining('HttpOnly'));
    expect(res.headers['set-cookie']).toEqual(expect.stringContaining('SameSite=Lax'));

    // The cookie is a reviewer's: it reads its project, may claim (with the CSRF token), may not configure.
    const whoami = await api.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } });
    expect(whoami.json().actor).toBe('user:rui@example.com');
    const noCsrf = await api.app.inject({ method: 'POST', url: `/v1/projects/${projectId}/tasks/claim`, headers: { cookie }, payload: {} });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('TG_CSRF_FAILED');
    const claim = await api.app.inject({
      method: 'POST',
      url: `/v1/projects/${projectId}/tasks/claim`,
      headers: { cookie, 'x-csrf-token': session.csrf_token },
      payload: {},
    });
    expect(claim.statusCode).toBe(204);
    const configure = await api.app.inject({
      method: 'PUT',
      url: `/v1/projects/${projectId}/policy`,
      headers: { cookie, 'x-csrf-token': session.csrf_token },
      payload: { rules: [] },
    });
    expect(configure.statusCode).toBe(403);

    const listed = (await api.call('GET', '/v1/users', admin)).json().users;
    expect(listed).toHaveLength(1);
    expect(listed[0].last_sign_in_at).not.toBeNull();

    // Created and signed in, on the trail; the password never is.
    const events = await t.store.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('action', 'in', ['user.created', 'session.created'])
      .execute();
    expect(events.map((e) => e.action).sort()).toEqual(['session.created', 'user.created']);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('refuses a wrong password, an unknown email and a disabled user alike, and keeps nothing', async () => {
    await createUser(t.ctx, ROOT, { email: 'ada@example.com', password: PASSWORD, role: 'manager' });
    const before = await countRows(t.store, 'sessions');
    const wrong = await login('ada@example.com', 'not the password');
    const unknown = await login('nobody@example.com', PASSWORD);
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toEqual({ code: 'TG_INVALID_CREDENTIALS', message: 'wrong email or password' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const id = (await t.store.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id;
    expect((await api.call('PATCH' as 'PUT', `/v1/users/${id}`, admin, { disabled: true })).statusCode).toBe(200);
    const disabled = await login('ada@example.com', PASSWORD);
    expect(disabled.statusCode).toBe(401);
    expect(disabled.json().error.code).toBe('TG_INVALID_CREDENTIALS');
    expect(await countRows(t.store, 'sessions')).toBe(before);

    // Enabled again, the same password works.
    expect((await api.call('PATCH' as 'PUT', `/v1/users/${id}`, admin, { disabled: false })).json().disabled_at).toBeNull();
    expect((await login('ada@example.com', PASSWORD)).statusCode).toBe(200);
  });

  it('ends the open sessions of a user whose role, password or access changes', async () => {
    const user = await createUser(t.ctx, ROOT, { email: 'mo@example.com', password: PASSWORD, role: 'manager' });
    const cookie = sessionCookie(await login('mo@example.com', PASSWORD));
    const read = () => api.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie } });
    expect((await read()).statusCode).toBe(200);

    // A name change leaves the session alone; a demotion ends it.
    expect((await api.call('PATCH' as 'PUT', `/v1/users/${user.id}`, admin, { name: 'Mo' })).statusCode).toBe(200);
    expect((await read()).statusCode).toBe(200);
    const demoted = await api.call('PATCH' as 'PUT', `/v1/users/${user.id}`, admin, { role: 'viewer' });
    expect(demoted.json().role).toBe('viewer');
    expect((await read()).statusCode).toBe(401);

    // A new password: the old one stops working, the new one signs in as a viewer.
    const fresh = sessionCookie(await login('mo@example.com', PASSWORD));
    await api.call('PATCH' as 'PUT', `/v1/users/${user.id}`, admin, { password: 'a brand new passphrase' });
    expect((await api.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie: fresh } })).statusCode).toBe(401);
    expect((await login('mo@example.com', PASSWORD)).statusCode).toBe(401);
    const again = await login('mo@example.com', 'a brand new passphrase');
    expect(again.json().role).toBe('viewer');

    const update = await t.store.db.selectFrom('audit_events').select('after').where('action', '=', 'user.updated').execute();
    expect(update).toHaveLength(3);
    expect(JSON.stringify(update)).not.toContain('brand new');
  });

  it('validates what an admin sends and lets only admins manage users', async () => {
    const bad = async (body: object, code: string, path?: string) => {
      const res = await api.call('POST', '/v1/users', admin, body);
      expect(res.statusCode, JSON.stringify(res.json())).toBe(
        code === 'TG_USER_EXISTS' ? 409 : code === 'TG_PROJECT_NOT_FOUND' ? 404 : 400,
      );
      expect(res.json().error.code).toBe(code);
      if (path !== undefined) expect(JSON.stringify(res.json().error.details)).toContain(path);
    };
    await bad({ email: 'a@example.com', password: 'short', role: 'reviewer' }, 'TG_VALIDATION_FAILED', 'password');
    await bad({ email: 'not-an-email', password: PASSWORD, role: 'reviewer' }, 'TG_VALIDATION_FAILED', 'email');
    await bad({ email: 'a@example.com', password: PASSWORD, role: 'ingest' }, 'TG_VALIDATION_FAILED', 'role');
    await bad({ email: 'a@example.com', password: PASSWORD, role: 'reviewer', project_id: 'nope' }, 'TG_PROJECT_NOT_FOUND');
    expect(await countRows(t.store, 'users')).toBe(0);
    expect((await api.call('POST', '/v1/users', admin, { email: 'a@example.com', password: PASSWORD, role: 'reviewer' })).statusCode).toBe(
      201,
    );
    await bad({ email: 'A@example.com', password: PASSWORD, role: 'viewer' }, 'TG_USER_EXISTS', 'email');

    const manager = await api.key('manager');
    for (const [method, url, body] of [
      ['POST', '/v1/users', { email: 'b@example.com', password: PASSWORD, role: 'admin' }],
      ['GET', '/v1/users', undefined],
    ] as const) {
      const res = await api.call(method, url, manager, body);
      expect(res.statusCode).toBe(403);
    }
    expect(await countRows(t.store, 'users')).toBe(1);
  });

  it('a project-scoped admin manages only the users of its project', async () => {
    const other = (await api.call('POST', '/v1/projects', admin, { name: 'Other' })).json().id;
    const outsider = await createUser(t.ctx, ROOT, { email: 'out@example.com', password: PASSWORD, role: 'viewer', project_id: other });
    const unscoped = await createUser(t.ctx, ROOT, { email: 'all@example.com', password: PASSWORD, role: 'viewer' });
    const scoped = await api.key('admin', projectId);
    const mine = await api.call('POST', '/v1/users', scoped, {
      email: 'in@example.com',
      password: PASSWORD,
      role: 'reviewer',
      project_id: projectId,
    });
    expect(mine.statusCode).toBe(201);
    // Neither an unscoped user (it would escape the scope) nor one of another project.
    const escape = await api.call('POST', '/v1/users', scoped, { email: 'x@example.com', password: PASSWORD, role: 'admin' });
    expect(escape.statusCode).toBe(403);
    expect((await api.call('GET', '/v1/users', scoped)).json().users.map((u: { email: string }) => u.email)).toEqual(['in@example.com']);
    for (const id of [outsider.id, unscoped.id]) {
      const res = await api.app.inject({
        method: 'PATCH',
        url: `/v1/users/${id}`,
        headers: { authorization: `Bearer ${scoped}` },
        payload: { role: 'admin' },
      });
      expect(res.statusCode).toBe(404);
    }
    const moveOut = await api.app.inject({
      method: 'PATCH',
      url: `/v1/users/${mine.json().id}`,
      headers: { authorization: `Bearer ${scoped}` },
      payload: { project_id: null },
    });
    expect(moveOut.statusCode).toBe(403);
    const roles = await t.store.db.selectFrom('users').select(['email', 'role', 'project_id']).orderBy('email').execute();
    expect(roles).toEqual([
      { email: 'all@example.com', role: 'viewer', project_id: null },
      { email: 'in@example.com', role: 'reviewer', project_id: projectId },
      { email: 'out@example.com', role: 'viewer', project_id: other },
    ]);
  });

  it('limits failed sign-ins per account', async () => {
    const app = await buildApp({ ctx: t.ctx, version: 'test', authFailuresPerMinute: 3 });
    try {
      await createUser(t.ctx, ROOT, { email: 'eve@example.com', password: PASSWORD, role: 'viewer' });
      const attempt = (password: string) =>
        app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'eve@example.com', password } });
      for (let i = 0; i < 3; i++) expect((await attempt(`guess number ${i}`)).statusCode).toBe(401);
      const limited = await attempt(PASSWORD);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    } finally {
      await app.close();
    }
  });

  it('says which sign-in methods the server offers', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/auth/methods' });
    expect(res.json()).toEqual({ password: true, oidc: false });
  });
});

describe('serving the web console', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore('sqlite');
  });
  afterEach(async () => {
    await t.close();
  });

  it('serves the built app at /, falls back to it for page navigations, and never for API paths', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tollgate-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tollgate console</title>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = await buildApp({ ctx: t.ctx, version: 'test', webRoot: root });
    try {
      const html = { accept: 'text/html,application/xhtml+xml' };
      const home = await app.inject({ method: 'GET', url: '/', headers: html });
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain('Tollgate console');
      expect(home.headers['cache-control']).toBe('no-cache');
      expect(home.headers['content-security-policy']).toContain("script-src 'self'");

      const deep = await app.inject({ method: 'GET', url: '/review/p1/default?x=1', headers: html });
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('Tollgate console');

      const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toContain('immutable');

      // A missing asset, an API path and a non-navigation stay errors in the API's shape.
      for (const [url, headers, code] of [
        ['/assets/missing.js', html, 'TG_ROUTE_NOT_FOUND'],
        ['/v1/nothing-here', html, 'TG_UNAUTHENTICATED'],
        ['/auth/nothing', html, 'TG_ROUTE_NOT_FOUND'],
        ['/review/p1', { accept: 'application/json' }, 'TG_ROUTE_NOT_FOUND'],
      ] as const) {
        const res = await app.inject({ method: 'GET', url, headers });
        expect(res.json().error.code, url).toBe(code);
        expect(res.body, url).not.toContain('Tollgate console');
      }
    } finally {
      await app.close();
    }
  });

  it('without a build, / explains how to make one', async () => {
    const app = await buildApp({ ctx: t.ctx, version: 'test', webRoot: null });
    try {
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
    } finally {
      await app.close();
    }
  });
});
