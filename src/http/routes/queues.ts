import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { queueReport } from '../../app/sla-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, Nullable, ProjectParams } from '../schemas/common.js';

const QueueReport = Type.Object({
  queues: Type.Array(
    Type.Object({
      queue: Type.String(),
      pending: Type.Integer({ description: 'Tasks waiting for a reviewer' }),
      claimed: Type.Integer({ description: 'Tasks a reviewer holds' }),
      oldest_pending_seconds: Nullable(Type.Integer({ description: 'Age of the oldest waiting task' })),
      overdue: Type.Integer({ description: 'Open tasks past their due time' }),
      breached_24h: Type.Integer({ description: 'SLA breaches recorded in the last 24 hours' }),
      sla: Nullable(
        Type.Object(
          {
            sla: Type.Array(Type.Object({ min_priority: Type.Integer(), seconds: Type.Integer() })),
            on_breach: Type.String(),
          },
          { description: "The queue's SLA in the current policy" },
        ),
      ),
    }),
  ),
});

export function registerQueueRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/v1/projects/:project_id/queues',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Backlog per queue: waiting and claimed tasks, age of the oldest, overdue tasks, SLA breaches of the last day',
        params: ProjectParams,
        response: { 200: QueueReport, ...errorResponses },
      },
    },
    async (req) => ({ queues: await queueReport(ctx, principalOf(req), req.params.project_id) }),
  );
}
