import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { agreementBySegment, agreementOverTime, agreementReport, type AgreementReport } from '../core/evals/calibration.js';
import { compileEvaluatorSet, evalFactsOf, runCheckEvaluator, type EvalOutcome } from '../core/evals/evaluator-run.js';
import { readEvaluatorSet, type EvaluatorSetDocument, type EvaluatorSpec } from '../core/evals/evaluator-set.js';
import { evaluatePolicy, pathProblem } from '../core/policy/index.js';
import type { Decision, JsonValue, Principal, RubricDocument } from '../core/types.js';
import { pendingEvaluators, listEvalResults, listTrust, type StoredEvalResult } from '../store/eval-repo.js';
import { getVersion, listVersions } from '../store/project-repo.js';
import type { AppContext } from './context.js';
import { judgeProjectContext, runJudge } from './eval-runner.js';
import { factsOf, type ItemSubmission } from './ingest-service.js';
import { requireReadableItem } from './item-access.js';
import { compiledPolicy } from './policy-loader.js';
import { requireProject } from './project-service.js';
import { calibrationPairs, trustedRules } from './trust-service.js';
import { jsonEqual } from '../core/json.js';

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_DAYS = 30;
const MAX_WINDOW_DAYS = 366;
/** The report reads at most this many of the latest human checks in its window. */
export const MAX_AGREEMENT_PAIRS = 50_000;

export interface AgreementQuery {
  since?: number;
  until?: number;
  /** `metadata.<field>` or `model_version`. */
  segment?: string;
  bucket?: 'day' | 'week';
  score_level?: 'ordinal' | 'interval';
}

export interface EvaluatorAgreement {
  evaluator: string;
  kind: string;
  /** The rubric criterion it shares with people (judges); null for checks, compared on verdicts only. */
  criterion: string | null;
  since: number;
  until: number;
  /** True when the window held more human checks than the report reads (the latest are used). */
  truncated: boolean;
  report: AgreementReport;
  over_time: { start: number; end: number; report: AgreementReport }[];
  segment: string | null;
  segments: { segment: string | null; report: AgreementReport }[] | null;
}

/** The evaluator as last defined in any version of the project's set, so history outlives its removal. */
async function findEvaluator(ctx: AppContext, projectId: string, name: string): Promise<EvaluatorSpec> {
  const versions = await listVersions<EvaluatorSetDocument>(ctx.store, 'evaluator_versions', projectId);
  for (const v of versions) {
    const spec = v.document.evaluators.find((e) => e.name === name);
    if (spec) return spec;
  }
  throw new TollgateError('TG_NOT_FOUND', `project ${projectId} has no evaluator "${name}"`);
}

function windowOf(ctx: AppContext, q: { since?: number; until?: number }): { since: number; until: number } {
  const until = q.until ?? ctx.clock() + 1;
  const since = q.since ?? until - DEFAULT_WINDOW_DAYS * DAY_MS;
  if (since >= until)
    throw new TollgateError('TG_VALIDATION_FAILED', '"since" must be before "until"', {
      errors: [{ path: 'since', message: 'must be before until' }],
    });
  if (until - since > MAX_WINDOW_DAYS * DAY_MS) {
    throw new TollgateError('TG_VALIDATION_FAILED', `the window may span at most ${MAX_WINDOW_DAYS} days`, {
      errors: [{ path: 'since', message: `at most ${MAX_WINDOW_DAYS} days before until` }],
    });
  }
  return { since, until };
}

function checkSegment(segment: string | undefined): string | null {
  if (segment === undefined) return null;
  if (segment === 'model_version') return segment;
  if (!segment.startsWith('metadata.') || pathProblem(segment) !== null) {
    throw new TollgateError('TG_VALIDATION_FAILED', 'segment must be "model_version" or a "metadata.<field>" path', {
      errors: [{ path: 'segment', message: 'must be "model_version" or a "metadata.<field>" path' }],
    });
  }
  return segment;
}

/**
 * How far an evaluator agrees with people on the items both judged: verdicts (Cohen's kappa,
 * confusion matrix, precision and recall at catching what people rejected, Wilson intervals),
 * scores on the shared criterion (Krippendorff's alpha), over time and per segment.
 */
export async function evaluatorAgreement(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  name: string,
  q: AgreementQuery,
): Promise<EvaluatorAgreement> {
  assertCan(who, 'stats:read');
  await requireProject(ctx.store, who, projectId);
  const spec = await findEvaluator(ctx, projectId, name);
  const segment = checkSegment(q.segment);
  const { since, until } = windowOf(ctx, q);
  const criterion = spec.judge?.criterion ?? null;
  const pairs = await calibrationPairs(ctx.store, {
    projectId,
    evaluator: name,
    since,
    until,
    limit: MAX_AGREEMENT_PAIRS + 1,
    criterion,
    segment,
  });
  const truncated = pairs.length > MAX_AGREEMENT_PAIRS;
  const used = truncated ? pairs.slice(0, MAX_AGREEMENT_PAIRS) : pairs;
  const options = q.score_level === undefined ? {} : { scoreLevel: q.score_level };
  const bucketMs = (q.bucket ?? (until - since > 90 * DAY_MS ? 'week' : 'day')) === 'week' ? 7 * DAY_MS : DAY_MS;
  // Buckets aligned to UTC midnight, so a day bucket is a calendar day.
  const buckets: { start: number; end: number }[] = [];
  for (let start = Math.floor(since / DAY_MS) * DAY_MS; start < until; start += bucketMs) buckets.push({ start, end: start + bucketMs });
  return {
    evaluator: name,
    kind: spec.check?.type ?? 'judge',
    criterion,
    since,
    until,
    truncated,
    report: agreementReport(used, options),
    over_time: agreementOverTime(used, buckets, options),
    segment,
    segments: segment === null ? null : agreementBySegment(used, options),
  };
}

export interface Disagreement {
  item_id: string;
  decided_at: number;
  evaluator: { status: 'pass' | 'fail'; score: number | null; label: string | null; explanation: string | null; version: number };
  human: { verdict: 'pass' | 'fail'; outcome_status: string; score: number | null };
}

/**
 * Items where the evaluator and people disagreed, newest decision first: the examples that
 * improve a judge's prompt (and, exported, a judge-evaluation set).
 */
export async function evaluatorDisagreements(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  name: string,
  q: { since?: number; until?: number; limit?: number },
): Promise<Disagreement[]> {
  assertCan(who, 'stats:read');
  await requireProject(ctx.store, who, projectId);
  const spec = await findEvaluator(ctx, projectId, name);
  const { since, until } = windowOf(ctx, q);
  const pairs = await calibrationPairs(ctx.store, {
    projectId,
    evaluator: name,
    since,
    until,
    limit: MAX_AGREEMENT_PAIRS,
    criterion: spec.judge?.criterion ?? null,
    segment: null,
  });
  const out: Disagreement[] = [];
  for (const p of pairs) {
    const status = p.evaluator.status;
    if (status === 'unknown' || status === p.human.verdict) continue;
    out.push({
      item_id: p.item_id,
      decided_at: p.at,
      evaluator: { status, score: p.evaluator.score, label: p.label, explanation: p.explanation, version: p.evaluator_version },
      human: { verdict: p.human.verdict, outcome_status: p.outcome_status, score: p.human.score },
    });
    if (out.length >= (q.limit ?? 100)) break;
  }
  return out;
}

export interface TrustState {
  rule: string;
  evaluator: string;
  trusted: boolean;
  kappa: number | null;
  checks: number;
  reason: string;
  requirement: JsonValue;
  current: boolean;
  changed_at: number | null;
  evaluated_at: number | null;
}

/** Every trust rule of the current policy, with whether its evaluator may auto-resolve outputs now. */
export async function trustStates(ctx: AppContext, who: Principal, projectId: string): Promise<TrustState[]> {
  assertCan(who, 'projects:read');
  const project = await requireProject(ctx.store, who, projectId);
  const policy = await compiledPolicy(ctx, ctx.store, projectId, project.policy_version);
  const records = new Map((await listTrust(ctx.store, projectId)).map((t) => [t.rule, t]));
  const trusted = (await trustedRules(ctx.store, projectId, policy)) ?? new Set<string>();
  return policy.rules.flatMap((rule): TrustState[] => {
    if (rule.trust === null) return [];
    const r = records.get(rule.name);
    const current = r !== undefined && jsonEqual(r.requirement as unknown as JsonValue, rule.trust as unknown as JsonValue);
    return [
      {
        rule: rule.name,
        evaluator: rule.trust.evaluator,
        trusted: trusted.has(rule.name),
        kappa: r?.kappa ?? null,
        checks: r?.checks ?? 0,
        reason: r === undefined ? 'not assessed yet' : current ? r.reason : 'the requirement changed: not trusted until reassessed',
        requirement: rule.trust as unknown as JsonValue,
        current,
        changed_at: r?.changed_at ?? null,
        evaluated_at: r?.evaluated_at ?? null,
      },
    ];
  });
}

/** One item's evaluator results, and the deferred evaluators that have not answered yet. */
export async function itemEvals(
  ctx: AppContext,
  who: Principal,
  itemId: string,
): Promise<{ results: StoredEvalResult[]; pending: string[] }> {
  assertCan(who, 'items:read');
  const item = await requireReadableItem(ctx.store, who, itemId);
  const results = (await listEvalResults(ctx.store, [item.id])).get(item.id) ?? [];
  return { results, pending: await pendingEvaluators(ctx.store, item.id) };
}

/**
 * Runs an evaluator set (the one given, validated but not saved, or the current one) on one
 * item as it would be captured, and shows the decision the current policy would make with
 * those results. Nothing is stored; judges are called for real (and count against their spend).
 */
export async function testEvaluators(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  body: { item: ItemSubmission; evaluators?: unknown },
): Promise<{ version: number | null; results: EvalOutcome[]; decision: Decision }> {
  assertCan(who, 'projects:configure');
  const project = await requireProject(ctx.store, who, projectId);
  let document: EvaluatorSetDocument;
  let version: number | null;
  if (body.evaluators === undefined) {
    version = project.evaluator_version;
    document =
      version === 0
        ? { evaluators: [] }
        : ((await getVersion<EvaluatorSetDocument>(ctx.store, 'evaluator_versions', projectId, version))?.document ?? { evaluators: [] });
  } else {
    const rubric = await getVersion<RubricDocument>(ctx.store, 'rubric_versions', projectId, project.rubric_version);
    document = readEvaluatorSet(body.evaluators, rubric?.document ?? null, ctx.proxyCredentials.allowlist);
    version = null;
  }
  const set = compileEvaluatorSet(document, version ?? 0);
  const facts = factsOf('test', body.item);
  const judgeContext = set.all.some((e) => e.spec.judge !== null) ? await judgeProjectContext(ctx, projectId) : null;
  const results = await Promise.all(
    set.all.map(async (e) => {
      if (e.check !== null) {
        const started = performance.now();
        return runCheckEvaluator(e, set.version, facts, () => performance.now() - started);
      }
      return runJudge(
        ctx,
        projectId,
        set,
        e,
        facts,
        judgeContext ?? { rubric: null, guidelines: null },
        e.spec.latency_budget_ms ?? undefined,
      );
    }),
  );
  const policy = await compiledPolicy(ctx, ctx.store, projectId, project.policy_version);
  const trusted = await trustedRules(ctx.store, projectId, policy);
  const decision = evaluatePolicy(policy, { ...facts, evals: evalFactsOf(results) }, undefined, trusted);
  return { version, results, decision };
}
