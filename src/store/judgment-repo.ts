import type { ItemOutput, JsonValue, Scores, Verdict } from '../core/types.js';
import type { Selectable } from 'kysely';
import type { Executor } from './executor.js';
import type { JudgmentsTable } from './schema.js';

export interface JudgmentRecord {
  id: string;
  task_id: string;
  item_id: string;
  project_id: string;
  reviewer: string;
  /** null on comparisons and rankings, whose judgment is `answer`. */
  verdict: Verdict | null;
  scores: Scores;
  correction: ItemOutput | null;
  comment: string | null;
  time_spent_ms: number | null;
  rubric_version: number;
  /** The guideline version the reviewer saw (0: the project had none). */
  guideline_version: number;
  created_at: number;
  /** A comparison's preference or a ranking; null on reviews. */
  answer: JsonValue | null;
}

export async function insertJudgment(ex: Executor, j: JudgmentRecord): Promise<void> {
  await ex.db
    .insertInto('judgments')
    .values({
      ...j,
      scores: ex.json.write(j.scores),
      correction: j.correction === null ? null : ex.json.write(j.correction),
      answer: j.answer === null ? null : ex.json.write(j.answer),
    })
    .execute();
}

export async function listJudgmentsForItem(ex: Executor, itemId: string): Promise<JudgmentRecord[]> {
  const rows = await ex.db.selectFrom('judgments').selectAll().where('item_id', '=', itemId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => fromJudgmentRow(ex, r));
}

/** Judgments of a project made under a guideline version below `version`, newest first (keyset paged). */
export async function listJudgmentsBeforeGuideline(
  ex: Executor,
  projectId: string,
  version: number,
  limit: number,
  after?: { created_at: number; id: string },
): Promise<JudgmentRecord[]> {
  let q = ex.db.selectFrom('judgments').selectAll().where('project_id', '=', projectId).where('guideline_version', '<', version);
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', after.created_at), eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => fromJudgmentRow(ex, r));
}

function fromJudgmentRow(ex: Executor, r: Selectable<JudgmentsTable>): JudgmentRecord {
  return {
    ...r,
    verdict: r.verdict as Verdict | null,
    scores: ex.json.read<Scores>(r.scores),
    correction: r.correction === null ? null : ex.json.read<ItemOutput>(r.correction),
    answer: r.answer === null ? null : ex.json.read<JsonValue>(r.answer),
  };
}
