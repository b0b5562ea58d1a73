import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { createComparison, type ComparisonInput } from '../../app/comparison-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, Json, ProjectParams, StringEnum } from '../schemas/common.js';
import { presentItem } from '../present.js';

const ComparisonBody = Type.Object(
  {
    input: Type.Optional(Json('The shared input; taken from the first stored item when omitted')),
    candidates: Type.Array(
      Type.Object(
        {
          output: Type.Optional(Json('An inline output')),
          item_id: Type.Optional(Type.String({ maxLength: 100, description: 'Or: a captured item of this project whose output to use' })),
          model: Type.Optional(Type.String({ maxLength: 200 })),
          model_version: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
      {
        minItems: 2,
        maxItems: 10,
        description: 'Two outputs for a preference pair, three or more for a ranking; they become candidates a, b, c…',
      },
    ),
    kind: Type.Optional(StringEnum(['compare', 'rank'] as const, { description: 'Default: compare for two candidates, rank for more' })),
    overlap: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Distinct reviewers (default 1)' })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 50 })),
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    metadata: Type.Optional(Type.Object({}, { additionalProperties: true })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export function registerComparisonRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects/:project_id/comparisons',
    {
      schema: {
        tags: ['items'],
        summary: 'Ask people to compare two outputs (a preference pair) or rank three or more, from stored items or inline',
        description:
          'Creates an item of kind compare or rank with its candidates in output.candidates, and its tasks. 201 when new, 200 for a known external_id.',
        params: ProjectParams,
        body: ComparisonBody,
        response: { 200: Type.Ref('CaptureResult'), 201: Type.Ref('CaptureResult'), ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await createComparison(ctx, principalOf(req), req.params.project_id, req.body as ComparisonInput);
      return reply.code(r.created ? 201 : 200).send({ ...presentItem(r.item), created: r.created });
    },
  );
}
