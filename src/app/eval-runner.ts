import { textOf } from '../core/json.js';
import { isTollgateError } from '../core/errors.js';
import { renderJudgeMessages } from '../core/evals/judge-prompt.js';
import {
  referenceOf,
  runCheckEvaluator,
  type CompiledEvaluator,
  type CompiledEvaluatorSet,
  type EvalOutcome,
} from '../core/evals/evaluator-run.js';
import { FactsView } from '../core/policy/item-path.js';
import type { GuidelineDocument } from '../core/guidelines/guideline-validate.js';
import type { Criterion, ItemFacts, RubricDocument } from '../core/types.js';
import { getProjectRow, getVersion } from '../store/project-repo.js';
import type { AppContext } from './context.js';

/** Runs the set's sync checks on one item: pure and in-process, so capture always has their answer. */
export function runSyncChecks(set: CompiledEvaluatorSet, facts: ItemFacts | FactsView): EvalOutcome[] {
  const view = facts instanceof FactsView ? facts : new FactsView(facts);
  return set.syncChecks.map((evaluator) => {
    const started = performance.now();
    return runCheckEvaluator(evaluator, set.version, view, () => performance.now() - started);
  });
}

function unknownOutcome(evaluator: CompiledEvaluator, version: number, reason: string, latencyMs: number): EvalOutcome {
  return {
    evaluator: evaluator.spec.name,
    evaluator_version: version,
    mode: evaluator.spec.mode,
    status: 'unknown',
    score: null,
    label: null,
    found: null,
    explanation: reason,
    details: { reason },
    latency_ms: latencyMs,
    cost: null,
  };
}

/** What a judge needs from its project: the criterion it scores and the current guidelines. */
export interface JudgeProjectContext {
  rubric: RubricDocument | null;
  guidelines: string | null;
}

export async function judgeProjectContext(ctx: AppContext, projectId: string): Promise<JudgeProjectContext> {
  const project = await getProjectRow(ctx.store, projectId);
  if (!project) return { rubric: null, guidelines: null };
  const rubric = await ctx.rubrics.get(projectId, project.rubric_version, () =>
    getVersion<RubricDocument>(ctx.store, 'rubric_versions', projectId, project.rubric_version),
  );
  // Read here rather than through the guideline service, which depends (through gold) on capture.
  const guidelines =
    project.guideline_version === 0
      ? undefined
      : await getVersion<GuidelineDocument>(ctx.store, 'guideline_versions', projectId, project.guideline_version);
  return { rubric: rubric?.document ?? null, guidelines: guidelines?.document.markdown ?? null };
}

/**
 * Asks a judge model about one item. Endpoint trouble, a missed budget and a malformed answer
 * are all an `unknown` result with its reason; so is a judge this server cannot authenticate
 * (logged: that one needs the operator), because one misconfigured judge must not stop capture.
 */
export async function runJudge(
  ctx: AppContext,
  projectId: string,
  set: CompiledEvaluatorSet,
  evaluator: CompiledEvaluator,
  facts: ItemFacts,
  project: JudgeProjectContext,
  budgetMs?: number,
): Promise<EvalOutcome> {
  const spec = evaluator.spec.judge;
  if (spec === null) throw new Error(`evaluator ${evaluator.spec.name} is not a judge`);
  const criterion: Criterion | undefined = project.rubric?.criteria.find((c) => c.key === spec.criterion);
  if (criterion === undefined) {
    return unknownOutcome(evaluator, set.version, `the rubric no longer has the criterion "${spec.criterion}" this judge scores`, 0);
  }
  const view = new FactsView(facts);
  const messages = renderJudgeMessages(spec, {
    criterion,
    guidelines: project.guidelines,
    input: view.inputText(),
    output: view.outputText(),
    reference: textOf(referenceOf(evaluator, view)),
  });
  try {
    const r = await ctx.judges.judge(
      `${projectId}/${evaluator.spec.name}`,
      spec,
      criterion,
      messages,
      budgetMs === undefined ? {} : { budgetMs },
    );
    if (r.status === 'unknown' || r.score === null) {
      return {
        ...unknownOutcome(evaluator, set.version, r.reason ?? 'no answer', r.latency_ms),
        cost: r.cost,
        details: { reason: r.reason, attempts: r.attempts, transient: r.transient },
      };
    }
    return {
      evaluator: evaluator.spec.name,
      evaluator_version: set.version,
      mode: evaluator.spec.mode,
      status: r.score >= spec.pass_at ? 'pass' : 'fail',
      score: r.score,
      label: r.label,
      found: null,
      explanation: r.explanation,
      details: { model: spec.model, criterion: spec.criterion, pass_at: spec.pass_at, cached: r.cached, attempts: r.attempts },
      latency_ms: r.latency_ms,
      cost: r.cost,
    };
  } catch (error) {
    if (!isTollgateError(error)) throw error;
    ctx.logger.warn({ project_id: projectId, evaluator: evaluator.spec.name, code: error.code }, error.message);
    return unknownOutcome(evaluator, set.version, error.message, 0);
  }
}

/** Runs the set's sync judges on several items at once, each within its latency budget. */
export async function runSyncJudges(
  ctx: AppContext,
  projectId: string,
  set: CompiledEvaluatorSet,
  items: readonly ItemFacts[],
): Promise<EvalOutcome[][]> {
  if (set.syncJudges.length === 0) return items.map(() => []);
  const project = await judgeProjectContext(ctx, projectId);
  return Promise.all(
    items.map((facts) =>
      Promise.all(
        set.syncJudges.map((judge) => runJudge(ctx, projectId, set, judge, facts, project, judge.spec.latency_budget_ms ?? undefined)),
      ),
    ),
  );
}
