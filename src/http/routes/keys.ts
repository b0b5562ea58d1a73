import type { TypedApp } from '../typed-app.js';
import { Type } from 'typebox';
import { createKey, listKeys, revokeKey, rotateKey, type KeyAuthenticator, type KeyInfo } from '../../app/key-service.js';
import type { AppContext } from '../../app/context.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../schemas/common.js';
import { ApiKeyInfo, CreateKeyBody, CreatedKey, RotateKeyBody } from '../schemas/key.js';
import { iso, isoOrNull } from '../present.js';

const present = (k: KeyInfo) => ({
  ...k,
  created_at: iso(k.created_at),
  revoked_at: isoOrNull(k.revoked_at),
  expires_at: isoOrNull(k.expires_at),
  last_used_at: isoOrNull(k.last_used_at),
});

export function registerKeyRoutes(app: TypedApp, ctx: AppContext, auth: KeyAuthenticator): void {
  app.post(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (admin). The key is shown once.',
        body: CreateKeyBody,
        response: { 201: CreatedKey, ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await createKey(ctx, principalOf(req), req.body);
      return reply.code(201).send({ ...present(created), key: created.key });
    },
  );
  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys (admin); secrets are never returned',
        response: { 200: Type.Object({ keys: Type.Array(ApiKeyInfo) }), ...errorResponses },
      },
    },
    async (req) => ({
      keys: (await listKeys(ctx, principalOf(req))).map(present),
    }),
  );
  app.delete(
    '/v1/keys/:key_id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (admin)',
        params: Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: ApiKeyInfo, ...errorResponses },
      },
    },
    async (req) => present(await revokeKey(ctx, principalOf(req), req.params.key_id, auth)),
  );
  app.post(
    '/v1/keys/:key_id/rotate',
    {
      // An empty POST rotates with the defaults.
      preValidation: (req, _reply, done) => {
        if (req.body === undefined || req.body === null) req.body = {};
        done();
      },
      schema: {
        tags: ['keys'],
        summary:
          'Replace a key with a fresh one of the same role, project and name (admin; shown once); the old key works for grace_seconds more, then expires',
        params: Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: RotateKeyBody,
        response: { 201: Type.Object({ old: ApiKeyInfo, new: CreatedKey }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await rotateKey(ctx, principalOf(req), req.params.key_id, req.body, auth);
      return reply.code(201).send({ old: present(r.old), new: { ...present(r.created), key: r.created.key } });
    },
  );
}
