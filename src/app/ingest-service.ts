import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { evaluatePolicy } from '../core/policy/index.js';
import { budgetWindows, RuleBudget } from '../core/policy/rule-budget.js';
import { addBudgetUsage, loadBudgetUsage } from '../store/budget-repo.js';
import type { Decision, ItemFacts, ItemInput, ItemOutput, JsonObject, Principal, QueueConfigs } from '../core/types.js';
import { appendAudit, type AuditEventInput } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { findItemsByExternalIds, insertItems, type ItemRecord } from '../store/item-repo.js';
import { getProjectRow } from '../store/project-repo.js';
import { insertTasks, type TaskRecord } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import { originalAad } from './data-protection-service.js';
import { projectProtection } from './data-protection-settings.js';
import { redactPayload } from '../core/data-protection/redact-item.js';
import { sealOriginal } from '../core/data-protection/original-cipher.js';
import { insertOriginals, type OriginalRow } from '../store/content-repo.js';
import { CaptureCoalescer } from './capture-coalescer.js';
import type { AppContext } from './context.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { requireProjectExists } from './project-service.js';
import { retryOnUniqueViolation } from './unique-retry.js';
import { checkCallbackUrls, recordHoldCallbacks } from './webhook-dispatch.js';
import { evalFactsOf, type CompiledEvaluatorSet, type EvalOutcome } from '../core/evals/evaluator-run.js';
import { insertEvalJobs, insertEvalResults } from '../store/eval-repo.js';
import { compiledEvaluatorSet, currentEvaluatorSet } from './evaluator-service.js';
import { runSyncChecks, runSyncJudges } from './eval-runner.js';
import { trustedRules } from './trust-service.js';
import { projectSketch, scoreAndRemember } from './novelty-service.js';
import { currentVersions } from './current-versions.js';
import { activeBoosts } from './alert-service.js';
import { applyBoosts, type ActiveBoost } from '../core/monitoring/boost.js';

export interface ItemSubmission {
  input: ItemInput;
  output: ItemOutput;
  model?: string;
  model_version?: string;
  confidence?: number;
  metadata?: JsonObject;
  tags?: string[];
  external_id?: string;
  /** For a held item: where to POST `hold.resolved` (signed) instead of being polled. */
  callback_url?: string;
}

export interface CaptureResult {
  item: ItemRecord;
  /** false when the external_id was already stored and the stored item is returned. */
  created: boolean;
}

/**
 * Captures items and routes them in one transaction: the item, its decision, its review
 * tasks and the audit events commit together, and the caller is answered only after that
 * commit, so an acknowledged item survives a crash.
 */
export async function captureItems(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  submissions: readonly ItemSubmission[],
): Promise<CaptureResult[]> {
  assertCan(who, 'items:create');
  checkCallbackUrls(submissions, true);
  await requireProjectExists(ctx, who, projectId);
  return writeCaptures(
    ctx,
    projectId,
    submissions.map((submission) => ({ actor: who.actor, submission })),
  );
}

/**
 * One item, written together with the other single items that arrive at the same moment
 * (see CaptureCoalescer); same guarantees as captureItems.
 */
export async function captureItem(ctx: AppContext, who: Principal, projectId: string, submission: ItemSubmission): Promise<CaptureResult> {
  assertCan(who, 'items:create');
  checkCallbackUrls([submission], false);
  await requireProjectExists(ctx, who, projectId);
  return coalescerFor(ctx).submit(projectId, who.actor, submission);
}

const coalescers = new WeakMap<AppContext, CaptureCoalescer<ItemSubmission, CaptureResult>>();

function coalescerFor(ctx: AppContext): CaptureCoalescer<ItemSubmission, CaptureResult> {
  let c = coalescers.get(ctx);
  if (!c) {
    c = new CaptureCoalescer({ maxGroup: 256, writeGroup: (projectId, entries) => writeCaptures(ctx, projectId, entries) });
    coalescers.set(ctx, c);
  }
  return c;
}

interface CaptureEntry {
  actor: string;
  submission: ItemSubmission;
}

async function writeCaptures(ctx: AppContext, projectId: string, entries: readonly CaptureEntry[]): Promise<CaptureResult[]> {
  // Judges answer over the network: never inside the transaction, which would hold its locks.
  const judged = await judgeBeforeCapture(ctx, projectId, entries);
  // Scored once, outside the transaction: a retried transaction must not find its own items "seen".
  // Only for policies that read it: the other projects' captures do not pay for the signatures.
  const versions = await currentVersions(ctx, projectId);
  const policy = versions === null ? null : await compiledPolicy(ctx, ctx.store, projectId, versions.policy_version);
  let novelty: (number | null)[] = entries.map(() => null);
  if (policy?.usesNovelty === true) {
    const sketch = projectSketch(ctx, projectId);
    await sketch.ready;
    novelty = entries.map(({ submission }) => scoreAndRemember(sketch, submission.input));
  }
  const boosts = await activeBoosts(ctx, projectId);
  const before: BeforeCapture = { judged, novelty, boosts };
  return retryOnUniqueViolation(() => inTransaction(ctx.store, (tx) => captureInTx(ctx, tx, projectId, entries, before)));
}

/** What capture works out before its transaction: network calls and process-local state. */
interface BeforeCapture {
  judged: EarlyJudgments | null;
  /** Per entry. */
  novelty: readonly (number | null)[];
  boosts: readonly ActiveBoost[];
}

/** Sync judges' answers for each entry, under the evaluator set version they came from. */
interface EarlyJudgments {
  version: number;
  outcomes: EvalOutcome[][];
}

async function judgeBeforeCapture(ctx: AppContext, projectId: string, entries: readonly CaptureEntry[]): Promise<EarlyJudgments | null> {
  const set = await currentEvaluatorSet(ctx, projectId);
  if (set.syncJudges.length === 0) return null;
  const project = await getProjectRow(ctx.store, projectId);
  if (!project) return null;
  // A judge is a third party: it sees the item as Tollgate will store it, redacted if the project redacts.
  const protection = projectProtection(ctx, project);
  const redaction = protection.settings.redaction;
  const facts = entries.map(({ submission }) => {
    let s = submission;
    if (protection.scanner !== null && redaction !== null) {
      const r = redactPayload(protection.scanner, redaction.fields, { input: s.input, output: s.output, metadata: s.metadata ?? {} });
      s = { ...s, input: r.payload.input, output: r.payload.output, metadata: r.payload.metadata };
    }
    return factsOf('', s);
  });
  return { version: set.version, outcomes: await runSyncJudges(ctx, projectId, set, facts) };
}

/**
 * Every evaluator result an item is routed with: the sync checks, run here on the item as
 * sent (before redaction: a PII check must see what redaction will remove; its stored details
 * hold counts only), and the sync judges' answers when they came from this set version.
 */
function evaluateEntry(set: CompiledEvaluatorSet, facts: ItemFacts, early: EvalOutcome[] | undefined): EvalOutcome[] {
  if (set.all.length === 0) return [];
  const judged = early ?? set.syncJudges.map((j) => judgeSkipped(j.spec.name, set.version, j.spec.mode));
  return [...runSyncChecks(set, facts), ...judged];
}

function judgeSkipped(name: string, version: number, mode: EvalOutcome['mode']): EvalOutcome {
  const reason = 'the evaluator set changed while the item was captured';
  return {
    evaluator: name,
    evaluator_version: version,
    mode,
    status: 'unknown',
    score: null,
    label: null,
    found: null,
    explanation: reason,
    details: { reason },
    latency_ms: 0,
    cost: null,
  };
}

async function captureInTx(
  ctx: AppContext,
  tx: Executor,
  projectId: string,
  entries: readonly CaptureEntry[],
  { judged, novelty, boosts }: BeforeCapture,
): Promise<CaptureResult[]> {
  // Read inside the transaction: the current policy version may have changed on another server.
  const project = await getProjectRow(tx, projectId);
  if (!project) throw new TollgateError('TG_PROJECT_NOT_FOUND', `project ${projectId} not found`);
  const policy = await compiledPolicy(ctx, tx, projectId, project.policy_version);
  const evaluators = await compiledEvaluatorSet(ctx, tx, projectId, project.evaluator_version);
  const trusted = await trustedRules(tx, projectId, policy);
  const early = judged !== null && judged.version === evaluators.version ? judged.outcomes : null;
  const decide = (facts: ItemFacts): Decision => applyBoosts(evaluatePolicy(policy, facts, budget, trusted), facts, boosts, policy.seed);
  const protection = projectProtection(ctx, project);
  const redaction = protection.settings.redaction;
  if (redaction?.original === 'encrypt' && ctx.originalKey === null) {
    // Storing the original in clear, or dropping what the project promised to keep, would both
    // break the project's settings silently; the caller can retry once the key is configured.
    throw new TollgateError(
      'TG_ENCRYPTION_UNAVAILABLE',
      `project ${projectId} keeps originals encrypted, and this server has no TOLLGATE_PII_ENCRYPTION_KEY`,
    );
  }

  const externalIds = [...new Set(entries.flatMap((e) => (e.submission.external_id === undefined ? [] : [e.submission.external_id])))];
  const existing = new Map((await findItemsByExternalIds(tx, projectId, externalIds)).map((i) => [i.external_id as string, i]));

  const now = ctx.clock();
  // Capped rules: read (and on PostgreSQL lock) their counters for this hour and day.
  const windows = budgetWindows(now);
  const budget =
    policy.budgets.size === 0
      ? undefined
      : new RuleBudget(policy.budgets, await loadBudgetUsage(tx, projectId, [...policy.budgets.keys()], windows));
  const results: CaptureResult[] = [];
  const fresh: ItemRecord[] = [];
  const tasks: TaskRecord[] = [];
  const audit: AuditEventInput[] = [];
  const originals: OriginalRow[] = [];
  const callbacks: { item_id: string; url: string; created_at: number }[] = [];
  const evaluated: { item_id: string; outcomes: EvalOutcome[] }[] = [];
  for (const [index, { actor, submission: sent }] of entries.entries()) {
    const known = sent.external_id === undefined ? undefined : existing.get(sent.external_id);
    if (known) {
      // The same external_id twice (a retry, or a duplicate within one batch) is one item.
      results.push({ item: known, created: false });
      continue;
    }
    const id = ctx.newId();
    let s = sent;
    let redactions: Record<string, number> | null = null;
    if (protection.scanner !== null && redaction !== null) {
      const original = { input: sent.input, output: sent.output, metadata: sent.metadata ?? {} };
      const r = redactPayload(protection.scanner, redaction.fields, original);
      if (Object.keys(r.counts).length > 0) {
        redactions = r.counts;
        s = {
          ...sent,
          input: r.payload.input,
          output: r.payload.output,
          ...(sent.metadata === undefined ? {} : { metadata: r.payload.metadata }),
        };
        if (redaction.original === 'encrypt' && ctx.originalKey !== null) {
          originals.push({
            item_id: id,
            project_id: projectId,
            key_id: ctx.originalKey.id,
            ciphertext: sealOriginal(ctx.originalKey, originalAad(projectId, id), JSON.stringify(original)),
            created_at: now,
          });
        }
      }
    }
    const outcomes = evaluateEntry(evaluators, factsOf(id, sent), early?.[index]);
    const evals = outcomes.length === 0 ? undefined : evalFactsOf(outcomes);
    const itemNovelty = novelty[index] ?? null;
    const item = {
      ...buildItem(id, projectId, s, now, (facts) => decide({ ...facts, novelty: itemNovelty, ...(evals === undefined ? {} : { evals }) })),
      redactions,
      novelty: itemNovelty,
    };
    if (evaluators.all.length > 0) evaluated.push({ item_id: id, outcomes });
    fresh.push(item);
    if (item.external_id !== null) existing.set(item.external_id, item);
    results.push({ item, created: true });
    const callback = item.decision.action === 'hold' ? checkCallbackUrls([sent], false)[0] : undefined;
    if (callback !== undefined) callbacks.push({ item_id: id, url: callback, created_at: now });
    tasks.push(...tasksFor(ctx, item, { rubric: project.rubric_version, guidelines: project.guideline_version }, now, policy.queues));
    audit.push(
      auditEvent(ctx, {
        project_id: projectId,
        actor,
        action: 'item.captured',
        subject_type: 'item',
        subject_id: item.id,
        after: {
          external_id: item.external_id,
          action: item.decision.action,
          rules: item.decision.matched_rules.map((r) => r.name),
          policy_version: item.decision.policy_version,
          // Counts only: the trail proves redaction happened without holding what was redacted.
          ...(redactions === null ? {} : { redactions }),
          ...(outcomes.length === 0 ? {} : { evals: Object.fromEntries(outcomes.map((o) => [o.evaluator, o.status])) }),
        },
        created_at: now,
      }),
    );
  }
  await insertItems(tx, fresh);
  await insertEvalResults(tx, projectId, evaluated, now);
  if (evaluators.deferred.length > 0) {
    const jobs = evaluated.flatMap((e) =>
      evaluators.deferred.map((d) => ({
        item_id: e.item_id,
        evaluator: d.spec.name,
        project_id: projectId,
        evaluator_version: evaluators.version,
      })),
    );
    await insertEvalJobs(tx, jobs, now);
  }
  await insertOriginals(tx, originals);
  await insertTasks(tx, tasks);
  if (budget !== undefined) await addBudgetUsage(tx, projectId, budget.added, windows);
  await appendAudit(tx, audit);
  await recordHoldCallbacks(ctx, tx, projectId, entries[0]?.actor ?? 'system', callbacks);
  return results;
}

/** What policies and evaluators see of a submission. */
export function factsOf(id: string, s: ItemSubmission): ItemFacts {
  return {
    id,
    input: s.input,
    output: s.output,
    model: s.model ?? null,
    model_version: s.model_version ?? null,
    confidence: s.confidence ?? null,
    metadata: s.metadata ?? {},
    tags: s.tags ?? [],
    external_id: s.external_id ?? null,
  };
}

/** An item as captured: its facts, the policy's decision on them, and the outcome a pass gives at once. */
export function buildItem(
  id: string,
  projectId: string,
  s: ItemSubmission,
  now: number,
  decide: (facts: ItemFacts) => Decision,
): ItemRecord {
  const facts = factsOf(id, s);
  const decision = decide(facts);
  const passed = decision.action === 'pass';
  return {
    ...facts,
    project_id: projectId,
    kind: 'output',
    created_at: now,
    decision,
    outcome: passed
      ? {
          status: 'approved',
          output: s.output,
          decided_at: now,
          decided_by: 'policy',
          reason: `passed by policy version ${decision.policy_version}`,
          fallback: null,
        }
      : { status: 'pending', output: null, decided_at: null, decided_by: null, reason: null, fallback: null },
    hold_deadline: decision.hold === null ? null : now + decision.hold.timeout_seconds * 1000,
    hold_escalated_at: null,
    probe_of: null,
    redactions: null,
    purged: null,
  };
}

/** One review task per required reviewer; overlap N means N distinct people. Each is due by its queue's SLA. */
export function tasksFor(
  ctx: AppContext,
  item: ItemRecord,
  versions: { rubric: number; guidelines: number },
  now: number,
  queues: QueueConfigs,
): TaskRecord[] {
  const d = item.decision;
  if (d.action === 'pass') return [];
  return Array.from({ length: d.required_reviews }, () => ({
    id: ctx.newId(),
    project_id: item.project_id,
    item_id: item.id,
    kind: 'review',
    queue: d.queue ?? 'default',
    status: 'pending' as const,
    priority: d.priority,
    rubric_version: versions.rubric,
    guideline_version: versions.guidelines,
    lease_owner: null,
    lease_expires_at: null,
    claim_count: 0,
    created_at: now,
    updated_at: now,
    due_at: dueAt(queues, d.queue ?? 'default', d.priority, now),
    sla_breached_at: null,
  }));
}
