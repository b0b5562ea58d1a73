import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { getGuidelines, listGuidelineVersions, listOutdatedJudgments, publishGuidelines } from '../../app/guideline-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, Nullable, ProjectParams } from '../schemas/common.js';
import { GuidelineDocumentSchema, GuidelineVersion } from '../schemas/task.js';
import { presentJudgment, presentVersioned } from '../present.js';

export function registerGuidelineRoutes(app: TypedApp, ctx: AppContext): void {
  app.put(
    '/v1/projects/:project_id/guidelines',
    {
      schema: {
        tags: ['guidelines'],
        summary: 'Publish a new version of the reviewer guidelines (old versions are kept), with a change note',
        params: ProjectParams,
        body: GuidelineDocumentSchema,
        response: { 200: GuidelineVersion, ...errorResponses },
      },
    },
    async (req) => presentVersioned(await publishGuidelines(ctx, principalOf(req), req.params.project_id, req.body)),
  );
  app.get(
    '/v1/projects/:project_id/guidelines',
    {
      schema: {
        tags: ['guidelines'],
        summary: 'The current reviewer guidelines; null before the first version is published',
        params: ProjectParams,
        response: { 200: Type.Object({ current: Nullable(GuidelineVersion) }), ...errorResponses },
      },
    },
    async (req) => {
      const current = await getGuidelines(ctx, principalOf(req), req.params.project_id);
      return { current: current === null ? null : presentVersioned(current) };
    },
  );
  app.get(
    '/v1/projects/:project_id/guidelines/versions',
    {
      schema: {
        tags: ['guidelines'],
        summary: 'Every guideline version, newest first, with who published it and why',
        params: ProjectParams,
        response: { 200: Type.Object({ versions: Type.Array(GuidelineVersion) }), ...errorResponses },
      },
    },
    async (req) => ({ versions: (await listGuidelineVersions(ctx, principalOf(req), req.params.project_id)).map(presentVersioned) }),
  );
  app.get(
    '/v1/projects/:project_id/judgments/outdated',
    {
      schema: {
        tags: ['guidelines'],
        summary: 'Judgments made under a guideline version older than the current one, newest first',
        params: ProjectParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            current_version: Type.Integer(),
            judgments: Type.Array(Type.Ref('Judgment')),
            next_cursor: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await listOutdatedJudgments(ctx, principalOf(req), req.params.project_id, req.query);
      return { current_version: page.current_version, judgments: page.judgments.map(presentJudgment), next_cursor: page.next_cursor };
    },
  );
}
