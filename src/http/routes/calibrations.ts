import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import {
  calibrationReport,
  closeCalibration,
  DEFAULT_SESSION_LIST_LIMIT,
  getCalibration,
  listCalibrations,
  nextCalibrationItem,
  startCalibration,
  submitCalibrationJudgment,
  type CalibrationAnswer,
} from '../../app/calibration-service.js';
import type { CalibrationSession } from '../../store/calibration-repo.js';
import { VERDICTS } from '../../core/types.js';
import { principalOf } from '../auth.js';
import { errorResponses, Id, Nullable, ProjectParams, StringEnum, Timestamp } from '../schemas/common.js';
import { iso, isoOrNull, presentItem, presentVersioned } from '../present.js';

const SessionParams = Type.Object({ session_id: Id('Calibration session') });
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

const presentSession = (s: CalibrationSession) => ({ ...s, created_at: iso(s.created_at), closed_at: isoOrNull(s.closed_at) });

const SESSION_STATUSES = ['open', 'closed'] as const;

const SessionSummary = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  status: StringEnum(SESSION_STATUSES),
  rubric_version: Type.Integer({ description: 'The rubric version the session is judged under' }),
  created_at: Timestamp('When the session started'),
  created_by: Type.String(),
  closed_at: Nullable(Timestamp('When the session was closed; null while open')),
  item_count: Type.Integer(),
  reviewer_count: Type.Integer(),
  progress: Type.Object({
    judged: Type.Integer({ description: 'Answers given so far, over all reviewers' }),
    expected: Type.Integer({ description: 'Answers a finished session holds: items × reviewers' }),
    reviewers_done: Type.Integer({ description: 'Reviewers who have answered every item' }),
  }),
});

export function registerCalibrationRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects/:project_id/calibrations',
    {
      schema: {
        tags: ['calibration'],
        summary: 'Start a calibration session: chosen items that every selected reviewer judges independently (managers)',
        params: ProjectParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            item_ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 200 }),
            reviewers: Type.Array(Type.String({ maxLength: 200 }), {
              minItems: 1,
              maxItems: 50,
              description: 'Reviewer identities as judgments record them: key:<key id>',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Open('The session'), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.code(201).send(presentSession(await startCalibration(ctx, principalOf(req), req.params.project_id, req.body))),
  );
  app.get(
    '/v1/projects/:project_id/calibrations',
    {
      schema: {
        tags: ['calibration'],
        summary: "The project's calibration sessions, newest first, with how far their reviewers got (managers)",
        params: ProjectParams,
        querystring: Type.Object(
          {
            status: Type.Optional(StringEnum(SESSION_STATUSES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_SESSION_LIST_LIMIT })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ sessions: Type.Array(SessionSummary) }), ...errorResponses },
      },
    },
    async (req) => ({
      sessions: (await listCalibrations(ctx, principalOf(req), req.params.project_id, req.query)).map((s) => ({
        ...s,
        created_at: iso(s.created_at),
        closed_at: isoOrNull(s.closed_at),
      })),
    }),
  );
  app.get(
    '/v1/calibrations/:session_id',
    {
      schema: {
        tags: ['calibration'],
        summary: 'A calibration session and how far each reviewer got',
        params: SessionParams,
        response: { 200: Open('The session with progress per reviewer'), ...errorResponses },
      },
    },
    async (req) => {
      const s = await getCalibration(ctx, principalOf(req), req.params.session_id);
      return { ...presentSession(s), progress: s.progress };
    },
  );
  app.get(
    '/v1/calibrations/:session_id/next',
    {
      schema: {
        tags: ['calibration'],
        summary: 'The next session item for you to judge; 204 when you have judged them all',
        params: SessionParams,
        response: {
          200: Type.Object({
            session_id: Type.String(),
            item: Type.Ref('Item'),
            rubric: Open('The rubric version of the session'),
            remaining: Type.Integer(),
          }),
          204: Type.Null(),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const next = await nextCalibrationItem(ctx, principalOf(req), req.params.session_id);
      if (next === null) return reply.code(204).send(null);
      return {
        session_id: next.session.id,
        item: presentItem(next.item),
        rubric: presentVersioned(next.rubric),
        remaining: next.remaining,
      };
    },
  );
  app.post(
    '/v1/calibrations/:session_id/judgments',
    {
      schema: {
        tags: ['calibration'],
        summary: 'Your independent judgment on one session item (it never decides the item)',
        params: SessionParams,
        body: Type.Object(
          {
            item_id: Type.String({ maxLength: 100 }),
            verdict: StringEnum(VERDICTS),
            scores: Type.Optional(Type.Object({}, { additionalProperties: true })),
            comment: Type.Optional(Type.String({ maxLength: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Open('The recorded judgment'), ...errorResponses },
      },
    },
    async (req, reply) => {
      const j = await submitCalibrationJudgment(ctx, principalOf(req), req.params.session_id, req.body as CalibrationAnswer);
      return reply.code(201).send({ ...j, created_at: iso(j.created_at) });
    },
  );
  app.post(
    '/v1/calibrations/:session_id/close',
    {
      schema: {
        tags: ['calibration'],
        summary: 'Close a session (managers)',
        params: SessionParams,
        response: { 200: Open('The closed session'), ...errorResponses },
      },
    },
    async (req) => presentSession(await closeCalibration(ctx, principalOf(req), req.params.session_id)),
  );
  app.get(
    '/v1/calibrations/:session_id/report',
    {
      schema: {
        tags: ['calibration'],
        summary:
          'The discussion agenda: items by disagreement, agreement per criterion, each reviewer’s distance from consensus and gold (managers)',
        params: SessionParams,
        response: { 200: Open('items (most disagreement first), criteria, reviewers'), ...errorResponses },
      },
    },
    async (req) => {
      const r = await calibrationReport(ctx, principalOf(req), req.params.session_id);
      return { ...r, session: presentSession(r.session) };
    },
  );
}
