import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import type { KeyAuthenticator } from '../app/key-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every `/v1` route needs a key; which role may do what is decided by the services. */
export function installAuth(app: FastifyInstance, keys: KeyAuthenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/v1/') && req.url !== '/v1') return;
    const header = req.headers.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    if (header !== undefined && !match) throw new TollgateError('TG_UNAUTHENTICATED', 'Authorization header must be "Bearer <key>"');
    req.principal = await keys.authenticate(match?.[1]);
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new TollgateError('TG_UNAUTHENTICATED', 'missing API key');
  return req.principal;
}
