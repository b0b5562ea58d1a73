import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { createBacktest, type BacktestReport } from '../core/policy/backtest.js';
import { compilePolicy, validatePolicy } from '../core/policy/index.js';
import type { Principal } from '../core/types.js';
import { listItemRecords, type ItemRecord } from '../store/item-repo.js';
import { listEvalResults } from '../store/eval-repo.js';
import { evalFactsOf } from '../core/evals/evaluator-run.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

export interface BacktestRequest {
  policy: unknown;
  since?: string;
  until?: string;
  time_zone_offset_minutes?: number;
}

/** Without a `since`, a backtest looks at the last 30 days. */
export const DEFAULT_BACKTEST_DAYS = 30;
const PAGE = 1000;

/**
 * Replays a candidate policy over the project's stored items in a time range and compares it
 * with what the policies in force did. Reads only: nothing is stored, no audit event is
 * written. Items are streamed page by page through the incremental backtest, so memory stays
 * flat however long the range.
 */
export async function backtestPolicy(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  req: BacktestRequest,
): Promise<BacktestReport & { since: string; until: string; candidate_rules: number }> {
  assertCan(who, 'projects:configure');
  await requireProject(ctx.store, who, projectId);
  // Refused exactly as a save would refuse it, so a policy that backtests can be saved.
  const candidate = compilePolicy(validatePolicy(req.policy), 0);
  // "Now" included: an item captured this millisecond belongs to the default range.
  const until = req.until === undefined ? ctx.clock() + 1 : Date.parse(req.until);
  const since = req.since === undefined ? until - DEFAULT_BACKTEST_DAYS * 86_400_000 : Date.parse(req.since);
  if (since >= until)
    throw new TollgateError('TG_VALIDATION_FAILED', '"since" must be before "until"', { since: req.since, until: req.until });

  const backtest = createBacktest(candidate, { timeZoneOffsetMinutes: req.time_zone_offset_minutes ?? 0 });
  let after: { created_at: number; id: string } | undefined;
  for (;;) {
    const page: ItemRecord[] = await listItemRecords(ctx.store, {
      project_id: projectId,
      since,
      until,
      limit: PAGE,
      probes: false,
      ...(after ? { after } : {}),
    });
    // Items carry the evaluator results they were scored with, so conditions on evals.* replay too.
    const evals = await listEvalResults(
      ctx.store,
      page.map((i) => i.id),
    );
    for (const item of page) {
      const results = evals.get(item.id);
      backtest.add({ ...item, ...(results === undefined ? {} : { evals: evalFactsOf(results) }), outcome_status: item.outcome.status });
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = { created_at: last.created_at, id: last.id };
  }
  const report = backtest.report();
  if (candidate.budgets.size > 0) {
    report.caveats = [
      ...report.caveats,
      `Review budgets (max_per_hour, max_per_day) of ${[...candidate.budgets.keys()].join(', ')} are not applied: the counts show the demand the caps would cut.`,
    ];
  }
  const trustRules = candidate.rules.filter((r) => r.trust !== null).map((r) => r.name);
  if (trustRules.length > 0) {
    report.caveats = [
      ...report.caveats,
      `Trust rules (${trustRules.join(', ')}) are replayed as not trusted: whether their evaluator earns the trust depends on reviews still to come.`,
    ];
  }
  return {
    ...report,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    candidate_rules: candidate.rules.length,
  };
}
