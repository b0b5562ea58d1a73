import type { TypedApp } from '../typed-app.js';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { assertCan } from '../../core/access/permissions.js';
import { listAudit } from '../../store/audit-repo.js';
import { requireProject } from '../../app/project-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';
import { iso } from '../present.js';
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
  app.get(
    '/v1/projects/:project_id/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit events of a project, oldest first',
        params: ProjectParams,
        querystring: Type.Object(
          {
            subject_id: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ events: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...errorResponses },
      },
    },
    async (req) => {
      const who = principalOf(req);
      assertCan(who, 'audit:read');
      await requireProject(ctx.store, who, req.params.project_id);
      const events = await listAudit(ctx.store, {
        project_id: req.params.project_id,
        limit: req.query.limit ?? 100,
        ...(req.query.subject_id === undefined ? {} : { subject_id: req.query.subject_id }),
      });
      return { events: events.map((e) => ({ ...e, created_at: iso(e.created_at) })) };
    },
  );
}
