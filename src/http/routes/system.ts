import type { TypedApp } from '../typed-app.js';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { sendError } from '../error-handler.js';

export function registerSystemRoutes(app: TypedApp, ctx: AppContext, version: string): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and store health; 200 only when the store answers',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), store: Type.String(), version: Type.String() }),
          503: Type.Ref('Error'),
        },
      },
    },
    async (_req, reply) => {
      try {
        await sql`select 1`.execute(ctx.store.db);
      } catch (err) {
        ctx.logger.warn({ err }, 'health check: store not answering');
        return sendError(reply, 503, 'TG_STORE_UNAVAILABLE', 'the store is not answering');
      }
      return { status: 'ok' as const, store: ctx.store.dialect, version };
    },
  );
}
