import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { openExport } from '../../app/export-service.js';
import type { AppContext } from '../../app/context.js';
import { EXPORT_FILE_TYPES, EXPORT_FORMATS, PREFERENCE_STYLES } from '../../core/export/types.js';
import { VERDICTS } from '../../core/types.js';
import { principalOf } from '../auth.js';
import { errorResponses, Id, StringEnum } from '../schemas/common.js';
import type { TypedApp } from '../typed-app.js';

const ExportParams = Type.Object({
  project_id: Id('Project'),
  format: StringEnum(EXPORT_FORMATS, {
    description:
      'sft (OpenAI chat fine-tuning), preference (TRL DPO pairs), eval (references, labels, scores) or judgments (the raw record)',
  }),
});

const ExportQuerySchema = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured at or after this instant' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured before this instant' })),
    model_version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Items of this model version; comparisons and rankings with a candidate of it',
      }),
    ),
    verdict: Type.Optional(
      StringEnum(VERDICTS, {
        description: "The item's final verdict (judgments: the judgment's); not for preference, and sft takes approve or correct",
      }),
    ),
    guideline_version: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 'Items every judgment of which was made under this guideline version (judgments: judgments made under it)',
      }),
    ),
    queue: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Items judged in this queue (judgments: judgments made in it)' }),
    ),
    min_agreement: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Items judged by two or more people, at least this share of whom gave the most common answer',
      }),
    ),
    include_unreviewed: Type.Optional(
      Type.Boolean({ description: 'sft and eval: also items no person decided (passed by policy, or a hold timed out); default false' }),
    ),
    style: Type.Optional(
      // No schema default: a default would be filled in for every format, and the service refuses a style outside preference.
      StringEnum(PREFERENCE_STYLES, { description: 'preference: conversational (chat messages, the default) or standard (plain strings)' }),
    ),
    as: Type.Optional(StringEnum(EXPORT_FILE_TYPES, { description: 'jsonl (the default), or csv for the judgments export' })),
    evaluator: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description:
          "eval: add this evaluator's stored result to each case as `evaluator` ({name, status, score, label, explanation, version}; null where it has none)",
      }),
    ),
    disagreements_only: Type.Optional(
      Type.Boolean({
        description:
          "eval with evaluator: only cases where the evaluator's pass/fail differs from people's outcome (approved = pass; corrected, rejected = fail); default false",
      }),
    ),
  },
  { additionalProperties: false },
);

export function registerExportRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/v1/projects/:project_id/exports/:format',
    {
      schema: {
        tags: ['exports'],
        summary:
          'Training and evaluation data, streamed: SFT examples, DPO preference pairs, evaluation cases or every judgment (managers, admins)',
        description:
          'JSON Lines (`application/x-ndjson`), one record a line, or CSV for `judgments` with `as=csv`; sent as an attachment and streamed page by page, ' +
          'so any size of project exports in constant memory. Production items only: gold probes and authored gold are left out, and so are purged items ' +
          'from every format but `judgments`. Every export is audited (`data.exported`). docs/exports.md describes each format with an example line.',
        params: ExportParams,
        querystring: ExportQuerySchema,
        produces: ['application/x-ndjson', 'text/csv'],
        response: { 200: Type.String({ description: 'One record a line (JSON Lines), or CSV with a header row' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const opened = await openExport(ctx, principalOf(req), req.params.project_id, req.params.format, req.query);
      return (
        reply
          .type(opened.contentType)
          .header('content-disposition', `attachment; filename="${opened.filename}"`)
          // Bytes, not objects: the stream then buffers a page or so ahead of a slow client, not sixteen.
          .send(Readable.from(opened.chunks, { objectMode: false }))
      );
    },
  );
}
