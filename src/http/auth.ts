import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import type { KeyAuthenticator } from '../app/key-service.js';
import type { AuthFailureLimiter } from './auth-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Every `/v1` route needs a key; which role may do what is decided by the services. Failed
 * authentications are limited per address and per key (429 TG_RATE_LIMITED with Retry-After).
 */
export function installAuth(app: FastifyInstance, keys: KeyAuthenticator, limiter: AuthFailureLimiter): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1/') && req.url !== '/v1') return;
    const header = req.headers.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    const presented = match?.[1];
    const wait = limiter.retryAfter(req.ip, presented);
    if (wait > 0) {
      void reply.header('retry-after', String(wait));
      throw new TollgateError('TG_RATE_LIMITED', `too many failed authentications; try again in ${wait} s`, { retry_after_seconds: wait });
    }
    try {
      if (header !== undefined && !match) throw new TollgateError('TG_UNAUTHENTICATED', 'Authorization header must be "Bearer <key>"');
      req.principal = await keys.authenticate(presented);
    } catch (err) {
      if (err instanceof TollgateError && err.code === 'TG_UNAUTHENTICATED') limiter.fail(req.ip, presented);
      throw err;
    }
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new TollgateError('TG_UNAUTHENTICATED', 'missing API key');
  return req.principal;
}
