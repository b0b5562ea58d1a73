import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { inputText, outputText } from '../core/policy/item-path.js';
import { validateScores } from '../core/rubric/index.js';
import { wilsonInterval, type Interval } from '../core/stats/index.js';
import { checkAgainstGold, readGoldAnswer } from '../core/review/gold-check.js';
import type { CandidateSet } from '../core/review/preference.js';
import type { JsonValue, Principal, RubricDocument, Verdict } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import {
  deleteGold,
  listGold,
  listGoldJudgments,
  markAuthoredGold,
  upsertGold,
  type GoldAnswer,
  type GoldContext,
} from '../store/gold-repo.js';
import { findItemsByExternalIds, getItemRecord, insertItems, type ItemRecord } from '../store/item-repo.js';
import type { ProjectRecord } from '../store/project-repo.js';
import { evaluatePolicy } from '../core/policy/index.js';
import { buildItem, type ItemSubmission } from './ingest-service.js';
import { compiledPolicy } from './policy-loader.js';
import { getVersion } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

export interface GoldInput {
  verdict?: Verdict;
  scores?: Record<string, unknown>;
  /** Comparisons: the expected winner, `{winner}`. */
  preference?: unknown;
  /** Rankings: the expected order, `{order}`. */
  ranking?: unknown;
  note?: string;
}

const invalid = (path: string, message: string): never => {
  throw new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });
};

/**
 * Records the judgment a manager expects on an item: a verdict, scores (labels and spans
 * included) or both on a review; the winner of a comparison; the order of a ranking. The answer
 * is kept apart from the item: reviewers are served and shown the item exactly as any other,
 * so they cannot tell it is gold.
 */
export async function setGoldAnswer(ctx: AppContext, who: Principal, itemId: string, input: GoldInput): Promise<GoldAnswer> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const item = await getItemRecord(tx, itemId);
    // Probes are copies of gold served to one reviewer; an authored gold item names itself.
    const probe = item !== undefined && item.probe_of !== null && item.probe_of !== item.id;
    if (!item || probe || (who.project_id !== null && who.project_id !== item.project_id))
      throw new TollgateError('TG_ITEM_NOT_FOUND', `item ${itemId} not found`);
    const project = await requireProject(tx, who, item.project_id);
    return writeGold(ctx, tx, who, item, project, input);
  });
}

async function writeGold(
  ctx: AppContext,
  tx: Executor,
  who: Principal,
  item: ItemRecord,
  project: ProjectRecord,
  input: GoldInput,
): Promise<GoldAnswer> {
  const itemId = item.id;
  const rubric = await getVersion<RubricDocument>(tx, 'rubric_versions', project.id, project.rubric_version);
  // A gold answer may give any part alone: expected scores are checked against their scales,
  // but no criterion is required of it.
  const optional: RubricDocument = { criteria: (rubric?.document.criteria ?? []).map((c) => ({ ...c, required: false })) };
  const scores = validateScores(optional, input.scores ?? {}, {
    input: inputText(item.input),
    output: outputText(item.output),
  });
  let answer: GoldAnswer['answer'] = null;
  if (item.kind === 'output') {
    if (input.preference !== undefined) invalid('preference', 'only for comparisons; this item takes a verdict and scores');
    if (input.ranking !== undefined) invalid('ranking', 'only for rankings; this item takes a verdict and scores');
    if (input.verdict === undefined && Object.keys(scores).length === 0)
      invalid('verdict', 'give the expected verdict, expected scores, or both');
  } else {
    if (input.verdict !== undefined)
      invalid('verdict', `a ${item.kind} item expects ${item.kind === 'compare' ? 'a preference' : 'a ranking'}`);
    const ids = (item.output as unknown as CandidateSet).candidates.map((c) => c.id);
    const other = item.kind === 'compare' ? 'ranking' : 'preference';
    if (input[other] !== undefined) invalid(other, `not for a ${item.kind} item`);
    answer = readGoldAnswer(item.kind, ids, item.kind === 'compare' ? input.preference : input.ranking);
  }
  const now = ctx.clock();
  const gold: GoldAnswer = {
    item_id: itemId,
    project_id: project.id,
    verdict: input.verdict ?? null,
    scores,
    answer,
    note: input.note ?? null,
    created_at: now,
    created_by: who.actor,
  };
  await upsertGold(tx, gold);
  await appendAudit(tx, [
    auditEvent(ctx, {
      project_id: project.id,
      actor: who.actor,
      action: 'gold.set',
      subject_type: 'item',
      subject_id: itemId,
      after: { verdict: gold.verdict, scores: Object.keys(scores), ...(answer === null ? {} : { answer: answer as unknown as JsonValue }) },
      created_at: now,
    }),
  ]);
  return gold;
}

export interface AuthoredGold extends GoldInput {
  item: ItemSubmission;
}

/**
 * A gold item written by a manager rather than taken from production (a tricky case, or the
 * qualification set of a project with no traffic yet). It is routed by the current policy, so
 * the probes served from it carry the rules that would send such an item to review, but it is
 * not production: it has no tasks of its own and production lists and figures leave it out.
 * Idempotent on `item.external_id`: a retry returns the stored item and answer.
 */
export async function authorGoldItem(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  input: AuthoredGold,
): Promise<{ item: ItemRecord; gold: GoldAnswer; created: boolean }> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const externalId = input.item.external_id;
    if (externalId !== undefined) {
      const [known] = await findItemsByExternalIds(tx, projectId, [externalId]);
      if (known) {
        const gold = (await listGold(tx, projectId, [known.id]))[0];
        if (!gold || known.probe_of !== known.id)
          throw new TollgateError('TG_CONFLICT', `external_id ${externalId} is already used by an item that is not authored gold`);
        return { item: known, gold, created: false };
      }
    }
    const policy = await compiledPolicy(ctx, tx, projectId, project.policy_version);
    const now = ctx.clock();
    const item = { ...buildItem(ctx.newId(), projectId, input.item, now, (facts) => evaluatePolicy(policy, facts)), probe_of: null };
    await insertItems(tx, [item]);
    await markAuthoredGold(tx, item.id);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'gold.authored',
        subject_type: 'item',
        subject_id: item.id,
        after: { external_id: item.external_id, action: item.decision.action, rules: item.decision.matched_rules.map((r) => r.name) },
        created_at: now,
      }),
    ]);
    const gold = await writeGold(ctx, tx, who, item, project, input);
    return { item: { ...item, probe_of: item.id }, gold, created: true };
  });
}

export async function removeGoldAnswer(ctx: AppContext, who: Principal, itemId: string): Promise<void> {
  assertCan(who, 'projects:configure');
  await inTransaction(ctx.store, async (tx) => {
    const item = await getItemRecord(tx, itemId);
    if (!item || (who.project_id !== null && who.project_id !== item.project_id))
      throw new TollgateError('TG_ITEM_NOT_FOUND', `item ${itemId} not found`);
    if (!(await deleteGold(tx, itemId))) throw new TollgateError('TG_NOT_FOUND', `item ${itemId} has no gold answer`);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: item.project_id,
        actor: who.actor,
        action: 'gold.removed',
        subject_type: 'item',
        subject_id: itemId,
        created_at: ctx.clock(),
      }),
    ]);
  });
}

export async function listGoldAnswers(ctx: AppContext, who: Principal, projectId: string): Promise<GoldAnswer[]> {
  assertCan(who, 'reviewers:assess');
  await requireProject(ctx.store, who, projectId);
  return listGold(ctx.store, projectId);
}

export interface GoldAccuracy {
  correct: number;
  total: number;
  accuracy: number | null;
  interval: Interval | null;
  /** Per week (starting Monday, UTC), oldest first: how the reviewer did on gold. */
  trend: { week_start: string; correct: number; total: number; accuracy: number }[];
}

const WEEK_MS = 7 * 86_400_000;
// 1970-01-01 was a Thursday: shift so that weeks start on Monday.
const MONDAY_OFFSET_MS = 3 * 86_400_000;

/**
 * Each reviewer's accuracy on gold in the window: on gold items met in production work and on
 * gold served as their share (qualification and recalibration sets are reported with the
 * reviewer's standing instead). A judgment is right when it matches every part of the answer.
 */
export async function goldAccuracyByReviewer(
  ctx: AppContext,
  projectId: string,
  w: { since?: number; until?: number },
): Promise<Map<string, GoldAccuracy>> {
  const judged = await listGoldJudgments(ctx.store, projectId, { ...w, contexts: WORK_CONTEXTS });
  const out = new Map<string, GoldAccuracy>();
  const byReviewer = new Map<string, { created_at: number; correct: boolean }[]>();
  for (const j of judged) {
    const list = byReviewer.get(j.reviewer) ?? [];
    list.push({ created_at: j.created_at, correct: checkAgainstGold(j.expected, j.given).correct });
    byReviewer.set(j.reviewer, list);
  }
  for (const [reviewer, results] of byReviewer) {
    const correct = results.filter((r) => r.correct).length;
    const weeks = new Map<number, { correct: number; total: number }>();
    for (const r of results) {
      const week = Math.floor((r.created_at + MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS - MONDAY_OFFSET_MS;
      const entry = weeks.get(week) ?? { correct: 0, total: 0 };
      entry.total++;
      if (r.correct) entry.correct++;
      weeks.set(week, entry);
    }
    out.set(reviewer, {
      correct,
      total: results.length,
      accuracy: correct / results.length,
      interval: wilsonInterval(correct, results.length),
      trend: [...weeks.entries()]
        .sort(([a], [b]) => a - b)
        .map(([week, e]) => ({
          week_start: new Date(week).toISOString().slice(0, 10),
          correct: e.correct,
          total: e.total,
          accuracy: e.correct / e.total,
        })),
    });
  }
  return out;
}

/** Gold met in the course of work: what a reviewer's accuracy on gold and the weighted consensus measure. */
export const WORK_CONTEXTS: readonly GoldContext[] = ['live', 'gold'];
