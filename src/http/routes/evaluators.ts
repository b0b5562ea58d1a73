import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { evaluatorAgreement, evaluatorDisagreements, itemEvals, testEvaluators, trustStates } from '../../app/evaluator-report-service.js';
import { getEvaluatorSet, listEvaluatorVersions, saveEvaluatorSet, type EvaluatorSetView } from '../../app/evaluator-service.js';
import { reassessProjectTrust } from '../../app/trust-service.js';
import { requireProject } from '../../app/project-service.js';
import { assertCan } from '../../core/access/permissions.js';
import { TollgateError } from '../../core/errors.js';
import type { EvalOutcome } from '../../core/evals/evaluator-run.js';
import { principalOf } from '../auth.js';
import { iso, isoOrNull } from '../present.js';
import { errorResponses, Id, ItemParams, Nullable, ProjectParams, StringEnum } from '../schemas/common.js';
import { EVALUATOR_SCHEMAS, EvaluatorSetBody } from '../schemas/evaluator.js';
import { Decision } from '../schemas/item.js';
import type { TypedApp } from '../typed-app.js';

const EvaluatorParams = Type.Object({
  project_id: Id('Project'),
  name: Type.String({ minLength: 1, maxLength: 63, description: 'Evaluator name' }),
});
const VersionParams = Type.Object({
  project_id: Id('Project'),
  version: Type.String({ maxLength: 100, description: 'A version number (1, 2, …)' }),
});
const Window = {
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'Outcomes decided at or after this time (default: 30 days before until)' }),
  ),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Outcomes decided before this time (default: now)' })),
};

function ms(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new TollgateError('TG_VALIDATION_FAILED', `${field} must be a date-time`, {
      errors: [{ path: field, message: 'must be a date-time' }],
    });
  return t;
}

const presentSet = (v: EvaluatorSetView) => ({ ...v, created_at: isoOrNull(v.created_at) });
const presentResult = (r: EvalOutcome & { created_at?: number }) => ({
  ...r,
  created_at: r.created_at === undefined ? null : iso(r.created_at),
});

export function registerEvaluatorRoutes(app: TypedApp, ctx: AppContext): void {
  for (const schema of EVALUATOR_SCHEMAS) app.addSchema(schema);
  app.get(
    '/v1/projects/:project_id/evaluators',
    {
      schema: {
        tags: ['evaluators'],
        summary: "The project's current evaluator set (version 0 and empty before the first is saved)",
        params: ProjectParams,
        response: { 200: Type.Ref('EvaluatorSet'), ...errorResponses },
      },
    },
    async (req) => presentSet(await getEvaluatorSet(ctx, principalOf(req), req.params.project_id)),
  );
  app.put(
    '/v1/projects/:project_id/evaluators',
    {
      schema: {
        tags: ['evaluators'],
        summary: 'Save the evaluator set as a new version (201); saving the current set again changes nothing (200)',
        params: ProjectParams,
        body: EvaluatorSetBody,
        response: { 200: Type.Ref('EvaluatorSet'), 201: Type.Ref('EvaluatorSet'), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { set, created } = await saveEvaluatorSet(ctx, principalOf(req), req.params.project_id, req.body);
      return reply.code(created ? 201 : 200).send(presentSet(set));
    },
  );
  app.get(
    '/v1/projects/:project_id/evaluators/versions',
    {
      schema: {
        tags: ['evaluators'],
        summary: 'Every evaluator set version, newest first',
        params: ProjectParams,
        response: { 200: Type.Object({ versions: Type.Array(Type.Ref('EvaluatorSet')) }), ...errorResponses },
      },
    },
    async (req) => ({ versions: (await listEvaluatorVersions(ctx, principalOf(req), req.params.project_id)).map(presentSet) }),
  );
  app.get(
    '/v1/projects/:project_id/evaluators/versions/:version',
    {
      schema: {
        tags: ['evaluators'],
        summary: 'One evaluator set version',
        params: VersionParams,
        response: { 200: Type.Ref('EvaluatorSet'), ...errorResponses },
      },
    },
    async (req) => {
      // Any other text names no version: "not found", like an unknown number.
      const version = req.params.version;
      if (!/^[1-9][0-9]{0,8}$/.test(version)) {
        await getEvaluatorSet(ctx, principalOf(req), req.params.project_id);
        throw new TollgateError('TG_NOT_FOUND', `no evaluator set version "${version.slice(0, 20)}"`);
      }
      return presentSet(await getEvaluatorSet(ctx, principalOf(req), req.params.project_id, Number(version)));
    },
  );
  app.post(
    '/v1/projects/:project_id/evaluators/test',
    {
      schema: {
        tags: ['evaluators'],
        summary:
          'Run an evaluator set (the one sent, or the current one) on one item and show the decision the policy would make; nothing is stored',
        params: ProjectParams,
        body: Type.Object(
          {
            item: Type.Ref('ItemInput'),
            evaluators: Type.Optional(EvaluatorSetBody),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            version: Nullable(Type.Integer({ description: 'The saved version run; null for a set sent with the request' })),
            results: Type.Array(Type.Ref('EvalResult')),
            decision: Decision,
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const body = req.body as { item: Parameters<typeof testEvaluators>[3]['item']; evaluators?: unknown };
      const out = await testEvaluators(ctx, principalOf(req), req.params.project_id, body);
      return { version: out.version, results: out.results.map((r) => presentResult(r)), decision: out.decision };
    },
  );
  app.get(
    '/v1/items/:item_id/evals',
    {
      schema: {
        tags: ['evaluators'],
        summary: "An item's evaluator results, and the deferred evaluators still to answer",
        params: ItemParams,
        response: {
          200: Type.Object({ results: Type.Array(Type.Ref('EvalResult')), pending: Type.Array(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const out = await itemEvals(ctx, principalOf(req), req.params.item_id);
      return { results: out.results.map(presentResult), pending: out.pending };
    },
  );
  app.get(
    '/v1/projects/:project_id/evaluators/:name/agreement',
    {
      schema: {
        tags: ['evaluators'],
        summary:
          'How far an evaluator agrees with people: kappa, confusion matrix, precision and recall at catching rejected outputs, score alpha; over time and per segment',
        params: EvaluatorParams,
        querystring: Type.Object(
          {
            ...Window,
            segment: Type.Optional(
              Type.String({ maxLength: 200, description: '"model_version" or "metadata.<field>": also report per value' }),
            ),
            bucket: Type.Optional(
              StringEnum(['day', 'week'], { description: 'Time series bucket (default: day, or week beyond 90 days)' }),
            ),
            score_level: Type.Optional(
              StringEnum(['ordinal', 'interval'], { description: "Krippendorff's alpha level for scores (default interval)" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Ref('EvaluatorAgreement'),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const out = await evaluatorAgreement(ctx, principalOf(req), req.params.project_id, req.params.name, {
        ...(q.since === undefined ? {} : { since: ms(q.since, 'since') }),
        ...(q.until === undefined ? {} : { until: ms(q.until, 'until') }),
        ...(q.segment === undefined ? {} : { segment: q.segment }),
        ...(q.bucket === undefined ? {} : { bucket: q.bucket }),
        ...(q.score_level === undefined ? {} : { score_level: q.score_level }),
      });
      return {
        ...out,
        since: iso(out.since),
        until: iso(out.until),
        over_time: out.over_time.map((b) => ({ start: iso(b.start), end: iso(b.end), report: b.report })),
      };
    },
  );
  app.get(
    '/v1/projects/:project_id/evaluators/:name/disagreements',
    {
      schema: {
        tags: ['evaluators'],
        summary: 'Items where the evaluator and people disagreed, newest decision first: examples to improve a judge',
        params: EvaluatorParams,
        querystring: Type.Object(
          { ...Window, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ disagreements: Type.Array(Type.Ref('EvaluatorDisagreement')) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const list = await evaluatorDisagreements(ctx, principalOf(req), req.params.project_id, req.params.name, {
        ...(q.since === undefined ? {} : { since: ms(q.since, 'since') }),
        ...(q.until === undefined ? {} : { until: ms(q.until, 'until') }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      });
      return { disagreements: list.map((d) => ({ ...d, decided_at: iso(d.decided_at) })) };
    },
  );
  app.get(
    '/v1/projects/:project_id/evaluators/trust',
    {
      schema: {
        tags: ['evaluators'],
        summary: "The current policy's trust rules: whether each evaluator may auto-resolve outputs now, and why",
        params: ProjectParams,
        response: { 200: Type.Object({ rules: Type.Array(Type.Ref('TrustState')) }), ...errorResponses },
      },
    },
    async (req) => {
      const rules = await trustStates(ctx, principalOf(req), req.params.project_id);
      return { rules: rules.map((r) => ({ ...r, changed_at: isoOrNull(r.changed_at), evaluated_at: isoOrNull(r.evaluated_at) })) };
    },
  );
  app.post(
    '/v1/projects/:project_id/evaluators/trust/reassess',
    {
      schema: {
        tags: ['evaluators'],
        summary: 'Judge the trust rules now instead of at the next scheduler pass (a minute at most); returns the switches made',
        params: ProjectParams,
        response: {
          200: Type.Object({
            changes: Type.Array(
              Type.Object({ rule: Type.String(), evaluator: Type.String(), trusted: Type.Boolean(), reason: Type.String() }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const who = principalOf(req);
      assertCan(who, 'projects:configure');
      const project = await requireProject(ctx.store, who, req.params.project_id);
      const changes = await reassessProjectTrust(ctx, project.id, project.policy_version);
      return { changes: changes.map(({ rule, evaluator, trusted, reason }) => ({ rule, evaluator, trusted, reason })) };
    },
  );
}
