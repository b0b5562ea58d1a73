import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web console (`npm run build` puts it in dist/web) is served by the API server itself, at
 * `/`, from the same origin: the session cookie and CSRF token need no cross-origin setup, and
 * there is no second server to run. Paths the API owns never fall back to the app.
 */
const API_PREFIXES = ['/v1/', '/auth/', '/proxy/', '/otlp/', '/docs', '/openapi.json', '/healthz', '/metrics'];

/** Where the built console is: next to the compiled server (dist/web), or dist/web when run from source. */
export function defaultWebRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export type SpaFallback = (req: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/**
 * Serves the built files (hashed assets cached for a year, index.html never cached) and returns
 * the fallback the not-found handler uses: a browser navigating to `/review/…` gets the app,
 * which routes on the client.
 */
export async function installWebConsole(app: FastifyInstance, root: string): Promise<SpaFallback> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: false,
    wildcard: true,
    // Cache headers are set here, per file kind, not by `send`'s default (`max-age=0`).
    cacheControl: false,
    setHeaders(res, path) {
      void res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  return (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return null;
    const path = req.url.split('?')[0] ?? '/';
    if (API_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) return null;
    // Only page navigations: a missing script or image stays a 404.
    if (!(req.headers.accept ?? '').includes('text/html') || path.startsWith('/assets/')) return null;
    return sendIndex(reply);
  };
}

function sendIndex(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').sendFile('index.html');
}

/** Without a build, `/` says how to make one instead of a bare 404. */
export function installMissingConsoleNotice(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tollgate</title></head><body><main><h1>Tollgate</h1>' +
          '<p>The API is running. The web console has not been built: run <code>npm run build</code> (or <code>npm start</code>, which builds it) and restart.</p>' +
          '<p><a href="/docs">API reference</a></p></main></body></html>',
      ),
  );
}
