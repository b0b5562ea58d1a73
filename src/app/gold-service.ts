import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { inputText, outputText } from '../core/policy/item-path.js';
import { validateScores } from '../core/rubric/index.js';
import { reviewerAccuracy, type Interval } from '../core/stats/index.js';
import type { Principal, RubricDocument, Verdict } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { deleteGold, listGold, listGoldJudgments, upsertGold, type GoldAnswer } from '../store/gold-repo.js';
import { getItemRecord } from '../store/item-repo.js';
import { getVersion } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

export interface GoldInput {
  verdict: Verdict;
  scores?: Record<string, unknown>;
  note?: string;
}

/**
 * Records the judgment a manager expects on an item. The answer is kept apart from the item:
 * reviewers are served and shown the item exactly as any other, so they cannot tell it is gold.
 */
export async function setGoldAnswer(ctx: AppContext, who: Principal, itemId: string, input: GoldInput): Promise<GoldAnswer> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const item = await getItemRecord(tx, itemId);
    if (!item || (who.project_id !== null && who.project_id !== item.project_id))
      throw new TollgateError('TG_ITEM_NOT_FOUND', `item ${itemId} not found`);
    const project = await requireProject(tx, who, item.project_id);
    const rubric = await getVersion<RubricDocument>(tx, 'rubric_versions', project.id, project.rubric_version);
    // A gold answer may give the verdict alone: expected scores are checked against their scales,
    // but no criterion is required of it.
    const optional: RubricDocument = { criteria: (rubric?.document.criteria ?? []).map((c) => ({ ...c, required: false })) };
    const scores = validateScores(optional, input.scores ?? {}, {
      input: inputText(item.input),
      output: outputText(item.output),
    });
    const now = ctx.clock();
    const gold: GoldAnswer = {
      item_id: itemId,
      project_id: project.id,
      verdict: input.verdict,
      scores,
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
        after: { verdict: gold.verdict },
        created_at: now,
      }),
    ]);
    return gold;
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

/** Each reviewer's verdict accuracy on gold items in the window, with a Wilson interval and a weekly trend. */
export async function goldAccuracyByReviewer(
  ctx: AppContext,
  projectId: string,
  w: { since?: number; until?: number },
): Promise<Map<string, GoldAccuracy>> {
  const judged = await listGoldJudgments(ctx.store, projectId, w);
  const out = new Map<string, GoldAccuracy>();
  if (judged.length === 0) return out;
  const gold = new Map(judged.map((j) => [j.item_id, j.expected]));
  const { reviewers } = reviewerAccuracy(
    judged.map((j) => ({ reviewer: j.reviewer, item: j.item_id, value: j.verdict })),
    gold,
  );
  for (const r of reviewers) {
    const weeks = new Map<number, { correct: number; total: number }>();
    for (const j of judged) {
      if (j.reviewer !== r.reviewer) continue;
      const week = Math.floor((j.created_at + MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS - MONDAY_OFFSET_MS;
      const entry = weeks.get(week) ?? { correct: 0, total: 0 };
      entry.total++;
      if (j.verdict === j.expected) entry.correct++;
      weeks.set(week, entry);
    }
    out.set(r.reviewer, {
      correct: r.correct,
      total: r.total,
      accuracy: r.accuracy,
      interval: r.interval,
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
