import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createKey } from '../../src/app/key-service.js';
import type { AppContext } from '../../src/app/context.js';
import type { Role } from '../../src/core/types.js';
import { buildApp } from '../../src/http/app.js';

export const ROOT = { key_id: 'test', role: 'admin' as const, project_id: null, actor: 'test' };

export interface TestApi {
  app: FastifyInstance;
  /** Mints a key of the role (optionally scoped) straight through the service. */
  key(role: Role, projectId?: string): Promise<string>;
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string | null, body?: unknown): Promise<LightMyRequestResponse>;
}

export async function testApi(ctx: AppContext): Promise<TestApi> {
  // The failed-authentication limit is off here: tests send many bad keys from one address on purpose.
  const app = await buildApp({ ctx, version: 'test', authFailuresPerMinute: 0 });
  await app.ready();
  return {
    app,
    key: async (role, projectId) =>
      (await createKey(ctx, ROOT, { role, ...(projectId === undefined ? {} : { project_id: projectId }) })).key,
    call: (method, url, key, body) =>
      app.inject({
        method,
        url,
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
  };
}
