import type { Scores, Verdict } from '../core/types.js';
import type { Executor } from './executor.js';

export interface GoldAnswer {
  item_id: string;
  project_id: string;
  verdict: Verdict;
  scores: Scores;
  note: string | null;
  created_at: number;
  created_by: string;
}

/** Sets (or replaces) an item's gold answer. */
export async function upsertGold(ex: Executor, g: GoldAnswer): Promise<void> {
  const row = { ...g, scores: ex.json.write(g.scores) };
  await ex.db
    .insertInto('gold_answers')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('item_id')
        .doUpdateSet({ verdict: row.verdict, scores: row.scores, note: row.note, created_at: row.created_at, created_by: row.created_by }),
    )
    .execute();
}

export async function deleteGold(ex: Executor, itemId: string): Promise<boolean> {
  const res = await ex.db.deleteFrom('gold_answers').where('item_id', '=', itemId).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

export async function listGold(ex: Executor, projectId: string): Promise<GoldAnswer[]> {
  const rows = await ex.db
    .selectFrom('gold_answers')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .orderBy('item_id')
    .execute();
  return rows.map((r) => ({ ...r, verdict: r.verdict as Verdict, scores: ex.json.read<Scores>(r.scores) }));
}

/** Judgments on gold items in a window (by judgment time): what each reviewer said, and the answer. */
export async function listGoldJudgments(
  ex: Executor,
  projectId: string,
  w: { since?: number; until?: number },
): Promise<{ reviewer: string; item_id: string; verdict: Verdict; expected: Verdict; created_at: number }[]> {
  let q = ex.db
    .selectFrom('judgments as j')
    .innerJoin('gold_answers as g', 'g.item_id', 'j.item_id')
    .select(['j.reviewer', 'j.item_id', 'j.verdict', 'g.verdict as expected', 'j.created_at'])
    .where('j.project_id', '=', projectId)
    .where('j.verdict', 'is not', null);
  if (w.since !== undefined) q = q.where('j.created_at', '>=', w.since);
  if (w.until !== undefined) q = q.where('j.created_at', '<', w.until);
  const rows = await q.orderBy('j.created_at').orderBy('j.id').execute();
  return rows.map((r) => ({ ...r, verdict: r.verdict as Verdict, expected: r.expected as Verdict }));
}
