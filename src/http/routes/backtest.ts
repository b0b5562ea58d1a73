import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { backtestPolicy } from '../../app/backtest-service.js';
import { snakeCaseKeys } from '../../core/json.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';

const BacktestBody = Type.Object(
  {
    policy: Type.Object({}, { additionalProperties: true, description: 'The candidate policy, in the form PUT …/policy takes' }),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured at or after (default: 30 days before until)' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured before (default: now)' })),
    time_zone_offset_minutes: Type.Optional(
      Type.Integer({ minimum: -1440, maximum: 1440, description: 'Minutes east of UTC for the per-day buckets (default 0)' }),
    ),
  },
  { additionalProperties: false },
);

const Totals = Type.Object({}, { additionalProperties: true });

const BacktestReport = Type.Object(
  {
    since: Type.String(),
    until: Type.String(),
    items: Type.Integer({ description: 'Stored items in the range' }),
    candidate_rules: Type.Integer(),
    overall: Type.Object(
      { candidate: Totals, current: Totals },
      { description: 'routed, held, review_tasks, share, unmatched (and expected_routed for the candidate)' },
    ),
    per_rule: Type.Array(Totals, { description: 'Per candidate rule: matched, decisive, only_rule' }),
    per_day: Type.Array(Totals, { description: 'Per day: items, candidate_routed, current_routed, candidate_tasks, current_tasks' }),
    known_failures: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'Outputs people rejected or corrected: total, candidate_caught, current_caught, candidate_recall and current_recall with Wilson intervals, missed_by_candidate',
      },
    ),
    judged: Totals,
    changes: Type.Array(Totals, { description: 'Items by current action → candidate action' }),
    caveats: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

export function registerBacktestRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects/:project_id/policy/backtest',
    {
      schema: {
        tags: ['projects'],
        summary: 'Replay a candidate policy over stored items: routed volume, review load per day, recall of known failures',
        description: 'Reads only; saves nothing. The candidate is validated like a policy save (422 TG_INVALID_POLICY with every problem).',
        params: ProjectParams,
        body: BacktestBody,
        response: { 200: BacktestReport, ...errorResponses },
      },
    },
    async (req) => snakeCaseKeys(await backtestPolicy(ctx, principalOf(req), req.params.project_id, req.body)) as never,
  );
}
