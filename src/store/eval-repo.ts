import type { Selectable } from 'kysely';
import type { EvalOutcome } from '../core/evals/evaluator-run.js';
import type { EvaluatorMode } from '../core/evals/evaluator-set.js';
import type { CheckStatus } from '../core/evals/types.js';
import type { JsonObject, TrustRequirementSpec } from '../core/types.js';
import { insertRows } from './bulk-insert.js';
import { chunkRows, type Executor } from './executor.js';
import type { EvalResultsTable } from './schema.js';

export interface StoredEvalResult extends EvalOutcome {
  item_id: string;
  created_at: number;
}

function fromResultRow(ex: Executor, r: Selectable<EvalResultsTable>): StoredEvalResult {
  return {
    item_id: r.item_id,
    evaluator: r.evaluator,
    evaluator_version: r.evaluator_version,
    mode: r.mode as EvaluatorMode,
    status: r.status as CheckStatus,
    score: r.score,
    label: r.label,
    found: r.found === null ? null : r.found === 1,
    explanation: r.explanation,
    details: ex.json.read<JsonObject>(r.details),
    latency_ms: r.latency_ms,
    cost: r.cost,
    created_at: r.created_at,
  };
}

const RESULT_COLUMNS = [
  'item_id',
  'evaluator',
  'project_id',
  'evaluator_version',
  'mode',
  'status',
  'score',
  'label',
  'found',
  'explanation',
  'details',
  'latency_ms',
  'cost',
  'created_at',
] as const satisfies readonly (keyof EvalResultsTable)[];

/**
 * The results of items being captured, as multi-row inserts: capture writes several per item,
 * and a statement built per row cost more than the checks themselves. The items are new, so
 * nothing can conflict.
 */
export async function insertEvalResults(
  ex: Executor,
  projectId: string,
  results: readonly { item_id: string; outcomes: readonly EvalOutcome[] }[],
  now: number,
): Promise<void> {
  const rows: unknown[][] = [];
  for (const { item_id, outcomes } of results) {
    for (const o of outcomes) {
      rows.push([
        item_id,
        o.evaluator,
        projectId,
        o.evaluator_version,
        o.mode,
        o.status,
        o.score,
        o.label,
        o.found === null ? null : o.found ? 1 : 0,
        o.explanation,
        ex.json.write(o.details),
        o.latency_ms,
        o.cost,
        now,
      ]);
    }
  }
  if (rows.length > 0) await insertRows(ex, 'eval_results', RESULT_COLUMNS, rows);
}

/** Stores results; a later run of the same evaluator on the same item (an async retry) replaces the earlier one. */
export async function putEvalResults(
  ex: Executor,
  projectId: string,
  itemId: string,
  outcomes: readonly EvalOutcome[],
  now: number,
): Promise<void> {
  for (const o of outcomes) {
    const row = {
      item_id: itemId,
      evaluator: o.evaluator,
      project_id: projectId,
      evaluator_version: o.evaluator_version,
      mode: o.mode,
      status: o.status,
      score: o.score,
      label: o.label,
      found: o.found === null ? null : o.found ? 1 : 0,
      explanation: o.explanation,
      details: ex.json.write(o.details),
      latency_ms: o.latency_ms,
      cost: o.cost,
      created_at: now,
    };
    const { item_id: _i, evaluator: _e, ...update } = row;
    await ex.db
      .insertInto('eval_results')
      .values(row)
      .onConflict((oc) => oc.columns(['item_id', 'evaluator']).doUpdateSet(update))
      .execute();
  }
}

/** Results by item, in evaluator name order. */
export async function listEvalResults(ex: Executor, itemIds: readonly string[]): Promise<Map<string, StoredEvalResult[]>> {
  const out = new Map<string, StoredEvalResult[]>();
  for (const chunk of chunkRows([...new Set(itemIds)], 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db.selectFrom('eval_results').selectAll().where('item_id', 'in', chunk).orderBy('evaluator').execute();
    for (const r of rows) {
      const list = out.get(r.item_id) ?? [];
      list.push(fromResultRow(ex, r));
      out.set(r.item_id, list);
    }
  }
  return out;
}

// ---- Jobs: evaluators that run after capture --------------------------------------------------

export interface EvalJob {
  item_id: string;
  evaluator: string;
  project_id: string;
  evaluator_version: number;
  attempts: number;
}

export async function insertEvalJobs(ex: Executor, jobs: readonly Omit<EvalJob, 'attempts'>[], now: number): Promise<void> {
  for (const chunk of chunkRows(jobs, 6, ex.dialect)) {
    if (chunk.length === 0) continue;
    await ex.db
      .insertInto('eval_jobs')
      .values(chunk.map((j) => ({ ...j, run_after: now, lease_expires_at: null, created_at: now })))
      .onConflict((oc) => oc.columns(['item_id', 'evaluator']).doNothing())
      .execute();
  }
}

/**
 * Leases up to `limit` due jobs. Each is taken with a conditional update, so with several
 * servers on one store each job runs on one of them; a server that dies mid-job leaves a
 * lease that expires, and the job runs again.
 */
export async function claimEvalJobs(ex: Executor, now: number, limit: number, leaseMs: number): Promise<EvalJob[]> {
  const due = await ex.db
    .selectFrom('eval_jobs')
    .select(['item_id', 'evaluator', 'project_id', 'evaluator_version', 'attempts'])
    .where('run_after', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
    .orderBy('run_after')
    .limit(limit)
    .execute();
  const claimed: EvalJob[] = [];
  for (const job of due) {
    const res = await ex.db
      .updateTable('eval_jobs')
      .set({ lease_expires_at: now + leaseMs, attempts: job.attempts + 1 })
      .where('item_id', '=', job.item_id)
      .where('evaluator', '=', job.evaluator)
      .where('attempts', '=', job.attempts)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) claimed.push({ ...job, attempts: job.attempts + 1 });
  }
  return claimed;
}

export async function deleteEvalJob(ex: Executor, itemId: string, evaluator: string): Promise<void> {
  await ex.db.deleteFrom('eval_jobs').where('item_id', '=', itemId).where('evaluator', '=', evaluator).execute();
}

export async function postponeEvalJob(ex: Executor, itemId: string, evaluator: string, runAfter: number): Promise<void> {
  await ex.db
    .updateTable('eval_jobs')
    .set({ run_after: runAfter, lease_expires_at: null })
    .where('item_id', '=', itemId)
    .where('evaluator', '=', evaluator)
    .execute();
}

export async function countEvalJobs(ex: Executor, projectId: string): Promise<number> {
  const row = await ex.db
    .selectFrom('eval_jobs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

// ---- Judge spend --------------------------------------------------------------------------

export async function judgeSpent(ex: Executor, projectId: string, evaluator: string, day: string): Promise<number> {
  const row = await ex.db
    .selectFrom('judge_spend')
    .select('cost')
    .where('project_id', '=', projectId)
    .where('evaluator', '=', evaluator)
    .where('day', '=', day)
    .executeTakeFirst();
  return row?.cost ?? 0;
}

export async function addJudgeSpend(ex: Executor, projectId: string, evaluator: string, day: string, cost: number): Promise<void> {
  await ex.db
    .insertInto('judge_spend')
    .values({ project_id: projectId, evaluator, day, cost, calls: 1 })
    .onConflict((oc) =>
      oc.columns(['project_id', 'evaluator', 'day']).doUpdateSet((eb) => ({
        cost: eb('judge_spend.cost', '+', cost),
        calls: eb('judge_spend.calls', '+', 1),
      })),
    )
    .execute();
}

// ---- Trust ------------------------------------------------------------------------------

export interface TrustRecord {
  project_id: string;
  rule: string;
  evaluator: string;
  trusted: boolean;
  kappa: number | null;
  checks: number;
  reason: string;
  requirement: TrustRequirementSpec;
  changed_at: number;
  evaluated_at: number;
}

export async function listTrust(ex: Executor, projectId: string): Promise<TrustRecord[]> {
  const rows = await ex.db.selectFrom('evaluator_trust').selectAll().where('project_id', '=', projectId).orderBy('rule').execute();
  return rows.map((r) => ({ ...r, trusted: r.trusted === 1, requirement: ex.json.read<TrustRequirementSpec>(r.requirement) }));
}

export async function putTrust(ex: Executor, t: TrustRecord): Promise<void> {
  const row = { ...t, trusted: t.trusted ? 1 : 0, requirement: ex.json.write(t.requirement) };
  const { project_id: _p, rule: _r, ...update } = row;
  await ex.db
    .insertInto('evaluator_trust')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'rule']).doUpdateSet(update))
    .execute();
}

// ---- Calibration: items both an evaluator and people judged ----------------------------------

export interface CalibrationRow {
  item_id: string;
  status: CheckStatus;
  score: number | null;
  label: string | null;
  explanation: string | null;
  evaluator_version: number;
  outcome_status: string;
  outcome_decided_at: number;
  metadata: JsonObject;
  model_version: string | null;
}

/**
 * Production items an evaluator scored whose outcome people decided (approved, corrected or
 * rejected by a reviewer, not by the policy or a hold timeout), decided in [since, until),
 * newest first.
 */
export async function listCalibrationRows(
  ex: Executor,
  q: { project_id: string; evaluator: string; since: number; until: number; limit: number },
): Promise<CalibrationRow[]> {
  const rows = await ex.db
    .selectFrom('eval_results as r')
    .innerJoin('items as i', 'i.id', 'r.item_id')
    .select([
      'r.item_id',
      'r.status',
      'r.score',
      'r.label',
      'r.explanation',
      'r.evaluator_version',
      'i.outcome_status',
      'i.outcome_decided_at',
      'i.metadata',
      'i.model_version',
    ])
    .where('r.project_id', '=', q.project_id)
    .where('r.evaluator', '=', q.evaluator)
    .where('i.probe_of', 'is', null)
    .where('i.outcome_status', 'in', ['approved', 'corrected', 'rejected'])
    .where('i.outcome_decided_by', 'is not', null)
    .where('i.outcome_decided_by', '!=', 'policy')
    .where('i.outcome_fallback', 'is', null)
    .where('i.outcome_decided_at', '>=', q.since)
    .where('i.outcome_decided_at', '<', q.until)
    .orderBy('i.outcome_decided_at', 'desc')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    item_id: r.item_id,
    status: r.status as CheckStatus,
    score: r.score,
    label: r.label,
    explanation: r.explanation,
    evaluator_version: r.evaluator_version,
    outcome_status: r.outcome_status,
    outcome_decided_at: r.outcome_decided_at as number,
    metadata: ex.json.read<JsonObject>(r.metadata),
    model_version: r.model_version,
  }));
}

/** Reviewers' scores on one rubric criterion for these items (review judgments only). */
export async function listCriterionScores(ex: Executor, itemIds: readonly string[], criterion: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const chunk of chunkRows([...new Set(itemIds)], 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('judgments')
      .select(['item_id', 'scores'])
      .where('item_id', 'in', chunk)
      .where('verdict', 'is not', null)
      .execute();
    for (const r of rows) {
      const scores = ex.json.read<Record<string, unknown>>(r.scores);
      const v = scores[criterion];
      const n = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null;
      if (n === null) continue;
      const list = out.get(r.item_id) ?? [];
      list.push(n);
      out.set(r.item_id, list);
    }
  }
  return out;
}

/** Names of the deferred evaluators that have not answered for this item yet. */
export async function pendingEvaluators(ex: Executor, itemId: string): Promise<string[]> {
  const rows = await ex.db.selectFrom('eval_jobs').select('evaluator').where('item_id', '=', itemId).orderBy('evaluator').execute();
  return rows.map((r) => r.evaluator);
}

/** Drops the explanations stored for these items (content purge), keeping status, score and label. */
export async function clearEvalExplanations(ex: Executor, itemIds: readonly string[]): Promise<void> {
  for (const chunk of chunkRows([...new Set(itemIds)], 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    await ex.db
      .updateTable('eval_results')
      .set({ explanation: null })
      .where('item_id', 'in', chunk)
      .where('explanation', 'is not', null)
      .execute();
  }
}
