import { evalFactsOf, runCheckEvaluator, type EvalOutcome } from '../core/evals/evaluator-run.js';
import { evaluatePolicy } from '../core/policy/index.js';
import type { Decision, ItemFacts } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { claimEvalJobs, deleteEvalJob, listEvalResults, postponeEvalJob, putEvalResults, type EvalJob } from '../store/eval-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { getItemRecord, setItemDecision, setItemOutcome, type ItemRecord } from '../store/item-repo.js';
import { getProjectRow } from '../store/project-repo.js';
import { insertTasks } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { judgeProjectContext, runJudge, type JudgeProjectContext } from './eval-runner.js';
import { compiledEvaluatorSet } from './evaluator-service.js';
import { tasksFor } from './ingest-service.js';
import { compiledPolicy } from './policy-loader.js';
import { trustedRules } from './trust-service.js';

/** Long enough for a judge's retries within their timeouts; a server that dies mid-job frees it after this. */
const JOB_LEASE_MS = 10 * 60_000;
const JOBS_PER_PASS = 64;
/** A judge whose endpoint is down is asked again this many times (after 1, 2, 4, 8 minutes) before its result stays unknown. */
export const MAX_EVAL_ATTEMPTS = 5;
const RETRY_BASE_MS = 60_000;

export interface EvalJobsPass {
  /** Jobs whose result was stored. */
  done: number;
  /** Items that had passed and were sent to people because of a late result. */
  rerouted: number;
}

/**
 * Runs due evaluations that capture deferred (async evaluators): each result is stored, and
 * an item that had passed is routed again with it. Jobs run concurrently; judges bound their
 * own concurrency per evaluator.
 */
export async function runEvalJobs(ctx: AppContext, opts: { limit?: number } = {}): Promise<EvalJobsPass> {
  const jobs = await claimEvalJobs(ctx.store, ctx.clock(), opts.limit ?? JOBS_PER_PASS, JOB_LEASE_MS);
  const projects = new Map<string, Promise<JudgeProjectContext>>();
  const results = await Promise.all(
    jobs.map(async (job) => {
      try {
        return await runJob(ctx, job, projects);
      } catch (err) {
        // Left leased: it runs again when the lease ends, after whatever failed (the store) recovers.
        ctx.logger.warn({ err, item_id: job.item_id, evaluator: job.evaluator }, 'evaluation failed');
        return { done: false, rerouted: false };
      }
    }),
  );
  return { done: results.filter((r) => r.done).length, rerouted: results.filter((r) => r.rerouted).length };
}

async function runJob(
  ctx: AppContext,
  job: EvalJob,
  projects: Map<string, Promise<JudgeProjectContext>>,
): Promise<{ done: boolean; rerouted: boolean }> {
  const item = await getItemRecord(ctx.store, job.item_id);
  const set = await compiledEvaluatorSet(ctx, ctx.store, job.project_id, job.evaluator_version);
  const evaluator = set.all.find((e) => e.spec.name === job.evaluator);
  if (item === undefined || item.purged !== null || evaluator === undefined) {
    // Nothing left to evaluate: the content was purged, or the job names what no longer exists.
    await deleteEvalJob(ctx.store, job.item_id, job.evaluator);
    return { done: false, rerouted: false };
  }
  const facts = factsOfItem(item);
  let outcome: EvalOutcome;
  if (evaluator.check !== null) {
    const started = performance.now();
    outcome = runCheckEvaluator(evaluator, set.version, facts, () => performance.now() - started);
  } else {
    let project = projects.get(job.project_id);
    if (project === undefined) {
      project = judgeProjectContext(ctx, job.project_id);
      projects.set(job.project_id, project);
    }
    outcome = await runJudge(ctx, job.project_id, set, evaluator, facts, await project);
    if (outcome.status === 'unknown' && outcome.details['transient'] === true && job.attempts < MAX_EVAL_ATTEMPTS) {
      // An outage should delay the verdict, not replace it with unknown for every item it spans.
      await postponeEvalJob(ctx.store, job.item_id, job.evaluator, ctx.clock() + RETRY_BASE_MS * 2 ** (job.attempts - 1));
      return { done: false, rerouted: false };
    }
  }
  const rerouted = await inTransaction(ctx.store, async (tx) => {
    await putEvalResults(tx, job.project_id, job.item_id, [outcome], ctx.clock());
    await deleteEvalJob(tx, job.item_id, job.evaluator);
    return rerouteIfNeeded(ctx, tx, job, outcome);
  });
  return { done: true, rerouted };
}

function factsOfItem(item: ItemRecord): ItemFacts {
  return {
    id: item.id,
    input: item.input,
    output: item.output,
    model: item.model,
    model_version: item.model_version,
    confidence: item.confidence,
    metadata: item.metadata,
    tags: item.tags,
    external_id: item.external_id,
    novelty: item.novelty ?? null,
  };
}

/**
 * A late escalation: an item the policy passed at capture is routed again under the same
 * policy version, now with every evaluator result it has. Only ever towards people (an item
 * already in review stays there), and a hold becomes a review, since no caller waits any more.
 */
async function rerouteIfNeeded(ctx: AppContext, tx: Executor, job: EvalJob, outcome: EvalOutcome): Promise<boolean> {
  const item = await getItemRecord(tx, job.item_id, { forUpdate: true });
  if (item === undefined || item.decision.action !== 'pass' || item.outcome.decided_by !== 'policy' || item.probe_of !== null) return false;
  const project = await getProjectRow(tx, item.project_id);
  if (!project) return false;
  const policy = await compiledPolicy(ctx, tx, item.project_id, item.decision.policy_version);
  const results = (await listEvalResults(tx, [item.id])).get(item.id) ?? [];
  const facts: ItemFacts = { ...factsOfItem(item), evals: evalFactsOf(results) };
  const trusted = await trustedRules(tx, item.project_id, policy);
  const fresh = evaluatePolicy(policy, facts, undefined, trusted);
  if (fresh.action === 'pass') return false;
  const now = ctx.clock();
  const decision: Decision = { ...fresh, action: 'review', hold: null, queue: fresh.action === 'hold' ? 'default' : fresh.queue };
  const updated: ItemRecord = {
    ...item,
    decision,
    outcome: { status: 'pending', output: null, decided_at: null, decided_by: null, reason: null, fallback: null },
  };
  await setItemDecision(tx, updated);
  await setItemOutcome(tx, item.id, updated.outcome);
  await insertTasks(
    tx,
    tasksFor(ctx, updated, { rubric: project.rubric_version, guidelines: project.guideline_version }, now, policy.queues),
  );
  await appendAudit(tx, [
    auditEvent(ctx, {
      project_id: item.project_id,
      actor: `evaluator:${outcome.evaluator}`,
      action: 'item.rerouted',
      subject_type: 'item',
      subject_id: item.id,
      before: { action: item.decision.action, rules: item.decision.matched_rules.map((r) => r.name), outcome: item.outcome.status },
      after: {
        action: decision.action,
        rules: decision.matched_rules.filter((r) => r.untrusted !== true && r.over_budget !== true).map((r) => r.name),
        queue: decision.queue,
        policy_version: decision.policy_version,
        evaluator: outcome.evaluator,
        evaluator_version: outcome.evaluator_version,
        status: outcome.status,
        score: outcome.score,
      },
      created_at: now,
    }),
  ]);
  return true;
}
