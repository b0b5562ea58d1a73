import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import {
  authorGoldItem,
  listGoldAnswers,
  removeGoldAnswer,
  setGoldAnswer,
  type AuthoredGold as AuthoredGoldInput,
  type GoldInput,
} from '../../app/gold-service.js';
import type { GoldAnswer } from '../../store/gold-repo.js';
import { principalOf } from '../auth.js';
import { errorResponses, ItemParams, Json, Nullable, ProjectParams, StringEnum, Timestamp } from '../schemas/common.js';
import { iso, presentItem } from '../present.js';
import { VERDICTS } from '../../core/types.js';

const GoldBody = Type.Object(
  {
    verdict: Type.Optional(StringEnum(VERDICTS, { description: 'Reviews: the expected verdict' })),
    scores: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: 'Reviews: expected scores, labels or spans, checked against the current rubric' },
      ),
    ),
    preference: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Comparisons: the expected winner, {winner: "a" | "b" | "tie"}' }),
    ),
    ranking: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Rankings: the expected order, {order: every candidate id, best first}' }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000, description: 'Why this is the right answer, for calibration discussions' })),
  },
  { additionalProperties: false },
);

const Gold = Type.Object({
  item_id: Type.String(),
  verdict: Nullable(Type.String()),
  scores: Json('Expected scores'),
  answer: Json('The expected preference {winner} or ranking {order}; null on reviews'),
  note: Nullable(Type.String()),
  created_at: Timestamp('When the answer was set'),
  created_by: Type.String(),
});

const AuthoredGold = Type.Object({ item: Type.Ref('Item'), gold: Gold, created: Type.Boolean() });

const present = (g: GoldAnswer) => ({
  item_id: g.item_id,
  verdict: g.verdict,
  scores: g.scores,
  answer: g.answer,
  note: g.note,
  created_at: iso(g.created_at),
  created_by: g.created_by,
});

const AuthorBody = Type.Object(
  {
    item: Type.Ref('ItemInput'),
    ...GoldBody.properties,
  },
  { additionalProperties: false },
);

export function registerGoldRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects/:project_id/gold',
    {
      schema: {
        tags: ['gold'],
        summary:
          'Write a gold item from scratch with its expected judgment (managers): routed by the current policy but not production, so probes of it look routed while lists and figures leave it out',
        description: 'Returns 201 when created, 200 with the stored item when its item.external_id was seen before.',
        params: ProjectParams,
        body: AuthorBody,
        response: { 200: AuthoredGold, 201: AuthoredGold, ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await authorGoldItem(ctx, principalOf(req), req.params.project_id, req.body as unknown as AuthoredGoldInput);
      return reply.code(r.created ? 201 : 200).send({ item: presentItem(r.item), gold: present(r.gold), created: r.created });
    },
  );
  app.put(
    '/v1/items/:item_id/gold',
    {
      schema: {
        tags: ['gold'],
        summary: 'Make an item gold: the judgment reviewers are expected to give (managers; invisible to reviewers)',
        params: ItemParams,
        body: GoldBody,
        response: { 200: Gold, ...errorResponses },
      },
    },
    async (req) => present(await setGoldAnswer(ctx, principalOf(req), req.params.item_id, req.body as GoldInput)),
  );
  app.delete(
    '/v1/items/:item_id/gold',
    {
      schema: {
        tags: ['gold'],
        summary: "Remove an item's gold answer",
        params: ItemParams,
        response: { 200: Type.Object({ removed: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (req) => {
      await removeGoldAnswer(ctx, principalOf(req), req.params.item_id);
      return { removed: true as const };
    },
  );
  app.get(
    '/v1/projects/:project_id/gold',
    {
      schema: {
        tags: ['gold'],
        summary: "The project's gold items and their expected answers (managers)",
        params: ProjectParams,
        response: { 200: Type.Object({ gold: Type.Array(Gold) }), ...errorResponses },
      },
    },
    async (req) => ({ gold: (await listGoldAnswers(ctx, principalOf(req), req.params.project_id)).map(present) }),
  );
}
