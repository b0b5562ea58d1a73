import type { TypedApp } from '../typed-app.js';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { captureItem, captureItems, type CaptureResult, type ItemSubmission } from '../../app/ingest-service.js';
import { getItemDetail, listItems } from '../../app/item-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, ItemParams, ProjectParams } from '../schemas/common.js';
import { BatchResult, CreateBatchBody, CreateItemBody, ItemDetail, ItemList, ListItemsQuery } from '../schemas/item.js';
import { iso, presentItem, presentJudgment, presentOutcome, presentTask } from '../present.js';
import type { BodyLimits } from '../body-limits.js';

const presentCapture = (r: CaptureResult) => ({ ...presentItem(r.item), created: r.created });

export function registerItemRoutes(app: TypedApp, ctx: AppContext, limits: BodyLimits): void {
  app.post(
    '/v1/projects/:project_id/items',
    {
      bodyLimit: limits.item,
      schema: {
        tags: ['items'],
        summary: 'Capture one model output; answers with its routing decision once stored',
        description: 'Returns 201 when the item is new, 200 with the stored item when its external_id was seen before.',
        params: ProjectParams,
        body: CreateItemBody,
        response: { 200: Type.Ref('CaptureResult'), 201: Type.Ref('CaptureResult'), ...errorResponses },
      },
    },
    async (req, reply) => {
      const result = await captureItem(ctx, principalOf(req), req.params.project_id, req.body as ItemSubmission);
      return reply.code(result.created ? 201 : 200).send(presentCapture(result));
    },
  );
  app.post(
    '/v1/projects/:project_id/items/batch',
    {
      bodyLimit: limits.batch,
      schema: {
        tags: ['items'],
        summary: 'Capture up to 1,000 outputs in one transaction; one bad item rejects the whole batch',
        params: ProjectParams,
        body: CreateBatchBody,
        response: { 200: BatchResult, ...errorResponses },
      },
    },
    async (req) => ({
      items: (await captureItems(ctx, principalOf(req), req.params.project_id, req.body.items as ItemSubmission[])).map(
        ({ item, created }) => ({
          id: item.id,
          external_id: item.external_id,
          created,
          created_at: iso(item.created_at),
          decision: item.decision,
          outcome: presentOutcome(item.outcome),
        }),
      ),
    }),
  );
  app.get(
    '/v1/projects/:project_id/items',
    {
      schema: {
        tags: ['items'],
        summary: 'Items newest first, filtered and cursor-paginated',
        params: ProjectParams,
        querystring: ListItemsQuery,
        response: { 200: ItemList, ...errorResponses },
      },
    },
    async (req) => {
      const page = await listItems(ctx, principalOf(req), req.params.project_id, req.query);
      return { items: page.items.map(presentItem), next_cursor: page.next_cursor };
    },
  );
  app.get(
    '/v1/items/:item_id',
    {
      schema: {
        tags: ['items'],
        summary: 'An item with its decision, tasks, judgments and outcome',
        params: ItemParams,
        response: { 200: ItemDetail, ...errorResponses },
      },
    },
    async (req) => {
      const d = await getItemDetail(ctx, principalOf(req), req.params.item_id);
      return { ...presentItem(d.item), tasks: d.tasks.map(presentTask), judgments: d.judgments.map(presentJudgment) };
    },
  );
}
