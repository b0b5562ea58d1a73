import type { AppContext } from '../../app/context.js';
import { eraseSubject, listErasures, readOriginal, setDataProtection } from '../../app/data-protection-service.js';
import { principalOf } from '../auth.js';
import { iso } from '../present.js';
import { errorResponses, ItemParams, ProjectParams } from '../schemas/common.js';
import { DataProtection, DataProtectionBody, ErasureBody, ErasureList, ErasureResult, OriginalItem } from '../schemas/data-protection.js';
import type { TypedApp } from '../typed-app.js';

export function registerDataProtectionRoutes(app: TypedApp, ctx: AppContext): void {
  app.put(
    '/v1/projects/:project_id/data-protection',
    {
      schema: {
        tags: ['data protection'],
        summary:
          "Set the project's PII redaction at capture and its retention (managers); applies to items captured from now on, and retention to every item",
        params: ProjectParams,
        body: DataProtectionBody,
        response: { 200: DataProtection, ...errorResponses },
      },
    },
    async (req) => setDataProtection(ctx, principalOf(req), req.params.project_id, req.body),
  );

  app.get(
    '/v1/items/:item_id/original',
    {
      schema: {
        tags: ['data protection'],
        summary:
          "The item as sent, before redaction, for the roles the project's redaction.original_roles allows (when it keeps originals encrypted); every read is audited",
        params: ItemParams,
        response: { 200: OriginalItem, ...errorResponses },
      },
    },
    async (req) => readOriginal(ctx, principalOf(req), req.params.item_id),
  );

  app.post(
    '/v1/projects/:project_id/erasures',
    {
      schema: {
        tags: ['data protection'],
        summary:
          "Erase a data subject's content (managers): every matching item's payloads, metadata, external id, corrections, comments and original, in one transaction; audited by digest",
        description:
          'Answers 201 with the erasure record, or 200 on a dry run. Repeating a request erases nothing more: matched items lose the identifiers it matched on.',
        params: ProjectParams,
        body: ErasureBody,
        response: { 200: ErasureResult, 201: ErasureResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const result = await eraseSubject(ctx, principalOf(req), req.params.project_id, req.body);
      return reply.code(result.dry_run ? 200 : 201).send(result);
    },
  );

  app.get(
    '/v1/projects/:project_id/erasures',
    {
      schema: {
        tags: ['data protection'],
        summary: 'Erasures carried out in the project, newest first (who asked, when, how many items; never whom)',
        params: ProjectParams,
        response: { 200: ErasureList, ...errorResponses },
      },
    },
    async (req) => {
      const rows = await listErasures(ctx, principalOf(req), req.params.project_id);
      return {
        erasures: rows.map((r) => ({
          id: r.id,
          selector_kind: r.selector_kind as 'external_id' | 'metadata',
          selector_digest: r.selector_digest,
          items_erased: r.items_erased,
          requested_by: r.requested_by,
          created_at: iso(r.created_at),
        })),
      };
    },
  );
}
