import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/server.js';
import { uuidv7 } from 'uuidv7';
import { DIALECTS, manualClock, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

interface KeyInfo {
  id: string;
  key?: string;
  expires_at: string | null;
  last_used_at: string | null;
  rotated_to: string | null;
  revoked_at: string | null;
}

describe.each(DIALECTS)('API key lifecycle: expiry, rotation, last use (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const whoami = (key: string) => api.call('GET', '/v1/projects', key);
  const list = async () => (await api.call('GET', '/v1/keys', admin)).json().keys as KeyInfo[];
  const inFuture = (ms: number) => new Date(t.clock() + ms).toISOString();

  it('expires a key at its time, with a clear error, and refuses an expiry in the past', async () => {
    const past = await api.call('POST', '/v1/keys', admin, { role: 'viewer', expires_at: inFuture(-1000) });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details.errors[0].path).toBe('expires_at');

    const created = (await api.call('POST', '/v1/keys', admin, { role: 'viewer', expires_at: inFuture(3_600_000) })).json<KeyInfo>();
    expect(created.expires_at).toBe(inFuture(3_600_000));
    expect((await whoami(created.key!)).statusCode).toBe(200);
    t.clock.advance(3_600_000);
    const expired = await whoami(created.key!);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toMatchObject({ code: 'TG_UNAUTHENTICATED', message: `API key expired at ${created.expires_at}` });
  });

  it('rotates a key: a new secret at once, the old one for the grace period only, audited', async () => {
    const projectId = (await api.call('POST', '/v1/projects', admin, { name: 'P' })).json().id as string;
    const old = (
      await api.call('POST', '/v1/keys', admin, { role: 'ingest', project_id: projectId, name: 'checkout service' })
    ).json<KeyInfo>();
    const rotated = await api.call('POST', `/v1/keys/${old.id}/rotate`, admin, { grace_seconds: 600 });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const { old: before, new: fresh } = rotated.json<{
      old: KeyInfo;
      new: KeyInfo & { role: string; project_id: string; name: string };
    }>();
    expect(fresh).toMatchObject({ role: 'ingest', project_id: projectId, name: 'checkout service', expires_at: null });
    expect(fresh.key).toMatch(/^tg_/);
    expect(before).toMatchObject({ rotated_to: fresh.id, expires_at: inFuture(600_000) });

    const send = (key: string) => api.call('POST', `/v1/projects/${projectId}/items`, key, { input: 'q', output: 'a' });
    expect((await send(fresh.key!)).statusCode).toBe(201);
    expect((await send(old.key!)).statusCode).toBe(201); // still in its grace period
    t.clock.advance(600_000);
    expect((await send(old.key!)).statusCode).toBe(401);
    expect((await send(fresh.key!)).statusCode).toBe(201);

    const again = await api.call('POST', `/v1/keys/${old.id}/rotate`, admin);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain('already rotated');
    const now = await api.call('POST', `/v1/keys/${fresh.id}/rotate`, admin);
    expect(now.statusCode).toBe(201);
    expect((await send(fresh.key!)).statusCode).toBe(401); // no grace: stopped at once
    expect((await api.call('POST', `/v1/keys/${fresh.id}/rotate`, await api.key('manager'))).statusCode).toBe(403);
    expect((await api.call('POST', '/v1/keys/nope/rotate', admin)).statusCode).toBe(404);

    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?action=key.rotated`, admin)).json().events;
    expect(audit.map((e: { subject_id: string; after: { rotated_to: string } }) => [e.subject_id, e.after.rotated_to])).toEqual([
      [old.id, fresh.id],
      [fresh.id, now.json().new.id],
    ]);
  });

  it('records when each key was last used, to the minute', async () => {
    const viewer = (await api.call('POST', '/v1/keys', admin, { role: 'viewer', name: 'dashboard' })).json<KeyInfo>();
    const unused = (await api.call('POST', '/v1/keys', admin, { role: 'viewer', name: 'spare' })).json<KeyInfo>();
    await whoami(viewer.key!);
    const seen = async (id: string) => {
      // The write is off the request's path: wait for it to land.
      for (let i = 0; i < 50; i++) {
        const k = (await list()).find((x) => x.id === id)!;
        if (k.last_used_at !== null) return k.last_used_at;
        await new Promise((r) => setTimeout(r, 10));
      }
      return null;
    };
    expect(await seen(viewer.id)).toBe(new Date(t.clock()).toISOString());
    expect((await list()).find((x) => x.id === unused.id)!.last_used_at).toBeNull();
    const first = t.clock();
    t.clock.advance(30_000);
    await whoami(viewer.key!);
    await new Promise((r) => setTimeout(r, 50));
    expect((await list()).find((x) => x.id === viewer.id)!.last_used_at).toBe(new Date(first).toISOString());
    t.clock.advance(31_000);
    await whoami(viewer.key!);
    for (let i = 0; i < 50; i++) {
      if ((await list()).find((x) => x.id === viewer.id)!.last_used_at === new Date(t.clock()).toISOString()) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await list()).find((x) => x.id === viewer.id)!.last_used_at).toBe(new Date(t.clock()).toISOString());
  });
});

describe('secrets stay out of the logs', () => {
  it('logs requests at trace level without any key, bearer header or created secret', async () => {
    const t = await openTestStore('sqlite');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('trace', sink);
    const ctx = createContext({ store: t.store, clock: manualClock(), newId: uuidv7, logger });
    const app = await buildApp({ ctx, version: 'test', logRequests: true });
    await app.ready();
    try {
      const plain = await testApi(ctx);
      const admin = await plain.key('admin');
      const call = (method: 'GET' | 'POST', url: string, key: string, body?: object) =>
        app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body }) });
      const created = (await call('POST', '/v1/keys', admin, { role: 'reviewer' })).json().key as string;
      await call('GET', '/v1/projects', created);
      await call('GET', '/v1/projects', 'tg_not-a-real-key-but-secret-looking');
      const rotated = (await call('POST', `/v1/keys/${(await call('GET', '/v1/keys', admin)).json().keys[0].id}/rotate`, admin, {})).json();
      // Errors are logged too (an unknown route, a bad body): still nothing secret.
      await call('POST', '/v1/projects', created, { name: 5 });
      logger.info({ key: created, headers: { authorization: `Bearer ${admin}` } }, 'a careless log line');
      await plain.app.close();
      const text = lines.join('');
      expect(lines.length).toBeGreaterThan(5); // requests were logged
      for (const secret of [admin, created, rotated.new.key as string, 'tg_not-a-real-key-but-secret-looking'])
        expect(text).not.toContain(secret);
      expect(text).not.toMatch(/Bearer /);
      expect(text).toContain('[redacted]');
    } finally {
      await app.close();
      await t.close();
    }
  });
});
