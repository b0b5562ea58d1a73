import { pino } from 'pino';
import { createContext } from '../../app/context.js';
import { openStore } from '../../store/store.js';
import { buildApp } from '../app.js';

/**
 * The OpenAPI document as the running server serves it, built from the same route schemas
 * that validate requests. Needs no database content: routes are registered, never called.
 */
export async function buildOpenApiDocument(version: string): Promise<Record<string, unknown>> {
  const store = openStore({ dialect: 'sqlite', filename: ':memory:' });
  const ctx = createContext({ store, clock: () => 0, newId: () => 'id', logger: pino({ level: 'silent' }) });
  const app = await buildApp({ ctx, version });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await store.close();
  }
}
