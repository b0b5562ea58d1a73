import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { openAuditExport, queryAudit, verifyProjectAudit } from '../../app/audit-query-service.js';
import type { AuditRecord } from '../../store/audit-repo.js';
import { principalOf } from '../auth.js';
import { errorResponses, Nullable, ProjectParams, Timestamp } from '../schemas/common.js';
import { iso } from '../present.js';

const Filter = {
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'Who acted: key:<id>, system, …' })),
  action: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. judgment.submitted, reviewer.standing_changed' })),
  subject_id: Type.Optional(Type.String({ maxLength: 200, description: 'The item, task, reviewer or project acted on' })),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'Events after this seq (the next_after of the previous page)' })),
};

const Seal = Nullable(
  Type.Object(
    { chain: Type.String(), pos: Type.Integer(), prev_hash: Type.String(), hash: Type.String() },
    { description: 'Where the event sits in its hash chain; null until sealed (within a second on a running server)' },
  ),
);

const AuditEvent = Type.Object(
  {
    seq: Type.Integer(),
    project_id: Nullable(Type.String()),
    actor: Type.String(),
    action: Type.String(),
    subject_type: Type.String(),
    subject_id: Type.String(),
    before: Type.Unknown(),
    after: Type.Unknown(),
    created_at: Timestamp('When it happened'),
    seal: Seal,
  },
  { $id: 'AuditEvent' },
);

const present = (e: AuditRecord) => ({ ...e, created_at: iso(e.created_at) });

export function registerAuditRoutes(app: TypedApp, ctx: AppContext): void {
  app.addSchema(AuditEvent);
  app.get(
    '/v1/projects/:project_id/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit events of a project, oldest first, filtered by actor, action, subject and time, with their seals',
        params: ProjectParams,
        querystring: Type.Object(
          { ...Filter, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ events: Type.Array(Type.Ref('AuditEvent')), next_after: Nullable(Type.Integer()) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await queryAudit(ctx, principalOf(req), req.params.project_id, req.query);
      return { events: page.events.map(present), next_after: page.next_after };
    },
  );
  app.get(
    '/v1/projects/:project_id/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every matching audit event as JSON Lines (application/x-ndjson), streamed, each with its seal',
        params: ProjectParams,
        querystring: Type.Object(Filter, { additionalProperties: false }),
        produces: ['application/x-ndjson'],
        response: { 200: Type.String({ description: 'One AuditEvent per line' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const events = await openAuditExport(ctx, principalOf(req), req.params.project_id, req.query);
      async function* lines() {
        for await (const e of events) yield `${JSON.stringify(present(e))}\n`;
      }
      return reply
        .type('application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-${req.params.project_id}.jsonl"`)
        .send(Readable.from(lines()));
    },
  );
  app.get(
    '/v1/projects/:project_id/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Recompute the project's audit hash chain and name the first broken link, if any",
        params: ProjectParams,
        response: {
          200: Type.Object({
            chain: Type.String(),
            ok: Type.Boolean(),
            sealed: Type.Integer({ description: 'Events linked and checked' }),
            head: Nullable(Type.Object({ pos: Type.Integer(), hash: Type.String() })),
            problem: Nullable(Type.Object({ pos: Nullable(Type.Integer()), seq: Nullable(Type.Integer()), message: Type.String() })),
            elapsed_ms: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const v = await verifyProjectAudit(ctx, principalOf(req), req.params.project_id);
      return { chain: v.chain, ok: v.problem === null, sealed: v.sealed, head: v.head, problem: v.problem, elapsed_ms: v.elapsed_ms };
    },
  );
}
