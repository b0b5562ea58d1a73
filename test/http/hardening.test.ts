import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createKey } from '../../src/app/key-service.js';
import { buildApp, DEFAULT_AUTH_FAILURES_PER_MINUTE } from '../../src/http/app.js';
import { AuthFailureLimiter } from '../../src/http/auth-limit.js';
import { ROOT } from '../support/http.js';
import { openTestStore, type TestStore } from '../support/stores.js';

describe('hardening: failed-authentication limits and secure headers', () => {
  let t: TestStore;
  let app: FastifyInstance;
  let good: string;

  beforeEach(async () => {
    t = await openTestStore('sqlite');
    app = await buildApp({ ctx: t.ctx, version: 'test' }); // the server's default limit
    await app.ready();
    good = (await createKey(t.ctx, ROOT, { role: 'viewer' })).key;
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  const call = (key: string, ip = '10.0.0.1') =>
    app.inject({ method: 'GET', url: '/v1/projects', headers: { authorization: `Bearer ${key}` }, remoteAddress: ip });

  it('refuses an address after too many failed authentications, before looking at its key', async () => {
    for (let i = 0; i < DEFAULT_AUTH_FAILURES_PER_MINUTE; i++) expect((await call(`tg_guess-${i}`)).statusCode).toBe(401);
    const limited = await call('tg_guess-next');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('TG_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Even a good key from that address waits: a guesser must not learn which key is right.
    expect((await call(good)).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await call(good, '10.0.0.2')).statusCode).toBe(200);
  });

  it('refuses a key that keeps failing, from whatever address', async () => {
    const revoked = await createKey(t.ctx, ROOT, { role: 'viewer' });
    await app.inject({
      method: 'DELETE',
      url: `/v1/keys/${revoked.id}`,
      headers: { authorization: `Bearer ${(await createKey(t.ctx, ROOT, { role: 'admin' })).key}` },
    });
    for (let i = 0; i < DEFAULT_AUTH_FAILURES_PER_MINUTE; i++) expect((await call(revoked.key, `10.1.0.${i}`)).statusCode).toBe(401);
    expect((await call(revoked.key, '10.2.0.1')).statusCode).toBe(429);
    expect((await call(good, '10.2.0.1')).statusCode).toBe(200);
  });

  it('counts the client behind a trusted proxy, not the proxy', async () => {
    const proxied = await buildApp({ ctx: t.ctx, version: 'test', trustProxy: ['10.9.9.9'] });
    await proxied.ready();
    try {
      const via = (key: string, client: string) =>
        proxied.inject({
          method: 'GET',
          url: '/v1/projects',
          headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': client },
          remoteAddress: '10.9.9.9',
        });
      for (let i = 0; i < DEFAULT_AUTH_FAILURES_PER_MINUTE; i++) expect((await via(`tg_guess-${i}`, '192.0.2.7')).statusCode).toBe(401);
      expect((await via('tg_guess-more', '192.0.2.7')).statusCode).toBe(429);
      // Another client of the same proxy is unaffected.
      expect((await via(good, '192.0.2.8')).statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('forgets failures after a minute', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter(3, () => now);
    for (let i = 0; i < 3; i++) limiter.fail('1.2.3.4', undefined);
    expect(limiter.retryAfter('1.2.3.4', undefined)).toBe(60);
    now = 45_000;
    expect(limiter.retryAfter('1.2.3.4', undefined)).toBe(15);
    now = 60_001;
    expect(limiter.retryAfter('1.2.3.4', undefined)).toBe(0);
    expect(new AuthFailureLimiter(0).retryAfter('x', 'y')).toBe(0);
  });

  it('sends secure headers on API answers and keeps the API reference working under its CSP', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");
    expect(health.headers['referrer-policy']).toBe('no-referrer');
    expect(health.headers['x-powered-by']).toBeUndefined();
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toContain('script-src');
    const spec = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
  });
});
