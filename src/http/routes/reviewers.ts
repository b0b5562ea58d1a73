import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { listReviewerStandings, myStanding, overrideStanding, OVERRIDE_STATUSES, type StandingView } from '../../app/quality-service.js';
import { STANDING_STATUSES } from '../../core/review/quality.js';
import { principalOf } from '../auth.js';
import { errorResponses, Nullable, ProjectParams, StringEnum, Timestamp } from '../schemas/common.js';
import { isoOrNull } from '../present.js';

const Standing = Type.Object(
  {
    reviewer: Type.String({ description: 'The reviewer (the actor recorded on their judgments, e.g. key:…)' }),
    status: StringEnum(STANDING_STATUSES, { description: 'qualifying | active | recalibrating | suspended' }),
    reason: Type.String({ description: 'Why: the set result, the rolling accuracy that paused them, or the manager’s note' }),
    since: Nullable(Timestamp('When this standing began (null: never recorded, the project default)')),
    updated_by: Type.String({ description: 'system, or the manager who decided' }),
    attempt: Nullable(
      Type.Object(
        {
          id: Type.String(),
          purpose: StringEnum(['qualification', 'recalibration'] as const),
          served: Type.Integer({ description: 'Set items served so far (open or judged)' }),
          judged: Type.Integer(),
          total: Type.Integer(),
          pass_accuracy: Type.Number(),
        },
        { description: 'The qualification or recalibration set under way: progress only, never right or wrong per item' },
      ),
    ),
    rolling: Nullable(
      Type.Object(
        { correct: Type.Integer(), total: Type.Integer(), accuracy: Nullable(Type.Number()), window: Type.Integer() },
        { description: 'Managers only: accuracy on the last `window` gold items met in work since the standing began' },
      ),
    ),
    gold_unseen: Nullable(
      Type.Integer({ description: 'Managers only: gold items the reviewer has not met yet; at 0 their gold share cannot be served' }),
    ),
  },
  { $id: 'ReviewerStanding' },
);

const present = (v: StandingView) => ({ ...v, since: isoOrNull(v.since) });

const ReviewerParams = Type.Object({
  project_id: ProjectParams.properties.project_id,
  reviewer: Type.String({ minLength: 1, maxLength: 200, description: 'The reviewer, as listed (e.g. key:…)' }),
});

export function registerReviewerRoutes(app: TypedApp, ctx: AppContext): void {
  app.addSchema(Standing);
  app.get(
    '/v1/projects/:project_id/reviewers/standing',
    {
      schema: {
        tags: ['reviewers'],
        summary:
          "Each reviewer's standing: qualifying, active, recalibrating or suspended, with why and their rolling accuracy on gold (managers)",
        params: ProjectParams,
        response: { 200: Type.Object({ reviewers: Type.Array(Type.Ref('ReviewerStanding')) }), ...errorResponses },
      },
    },
    async (req) => ({ reviewers: (await listReviewerStandings(ctx, principalOf(req), req.params.project_id)).map(present) }),
  );
  app.get(
    '/v1/projects/:project_id/reviewers/me',
    {
      schema: {
        tags: ['reviewers'],
        summary:
          'Your own standing in the project: whether you are served live work, and how far along a qualification or recalibration set you are',
        params: ProjectParams,
        response: { 200: Type.Ref('ReviewerStanding'), ...errorResponses },
      },
    },
    async (req) => present(await myStanding(ctx, principalOf(req), req.params.project_id)),
  );
  app.put(
    '/v1/projects/:project_id/reviewers/:reviewer/standing',
    {
      schema: {
        tags: ['reviewers'],
        summary:
          'Override a reviewer’s standing (managers, audited): reinstate (active), suspend, or send them through the qualification or recalibration set again',
        params: ReviewerParams,
        body: Type.Object(
          {
            status: StringEnum(OVERRIDE_STATUSES),
            reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why, recorded in the audit trail' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('ReviewerStanding'), ...errorResponses },
      },
    },
    async (req) => present(await overrideStanding(ctx, principalOf(req), req.params.project_id, req.params.reviewer, req.body)),
  );
}
