import { sql } from 'kysely';
import type { GivenAnswer, GoldExpectation, GoldPreference, GoldRanking } from '../core/review/gold-check.js';
import type { ProbePurpose } from '../core/review/quality.js';
import type { JsonValue, Scores, Verdict } from '../core/types.js';
import type { Executor } from './executor.js';

export interface GoldAnswer {
  item_id: string;
  project_id: string;
  verdict: Verdict | null;
  scores: Scores;
  /** The expected preference (`{winner}`) or ranking (`{order}`) of a comparison or ranking. */
  answer: GoldPreference | GoldRanking | null;
  note: string | null;
  created_at: number;
  created_by: string;
}

/** Sets (or replaces) an item's gold answer. */
export async function upsertGold(ex: Executor, g: GoldAnswer): Promise<void> {
  const row = { ...g, scores: ex.json.write(g.scores), answer: g.answer === null ? null : ex.json.write(g.answer) };
  await ex.db
    .insertInto('gold_answers')
    .values(row)
    .onConflict((oc) =>
      oc.column('item_id').doUpdateSet({
        verdict: row.verdict,
        scores: row.scores,
        answer: row.answer,
        note: row.note,
        created_at: row.created_at,
        created_by: row.created_by,
      }),
    )
    .execute();
}

export async function deleteGold(ex: Executor, itemId: string): Promise<boolean> {
  const res = await ex.db.deleteFrom('gold_answers').where('item_id', '=', itemId).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

export async function listGold(ex: Executor, projectId: string, onlyIds?: readonly string[]): Promise<GoldAnswer[]> {
  if (onlyIds !== undefined && onlyIds.length === 0) return [];
  const rows = await ex.db
    .selectFrom('gold_answers')
    .selectAll()
    .where('project_id', '=', projectId)
    .$if(onlyIds !== undefined, (q) => q.where('item_id', 'in', [...(onlyIds ?? [])]))
    .orderBy('created_at')
    .orderBy('item_id')
    .execute();
  return rows.map((r) => ({
    ...r,
    verdict: r.verdict as Verdict | null,
    scores: ex.json.read<Scores>(r.scores),
    answer: r.answer === null ? null : ex.json.read<GoldPreference | GoldRanking>(r.answer),
  }));
}

/** Where a gold judgment was made: on the gold item in production work, or on a probe served for a purpose. */
export type GoldContext = 'live' | ProbePurpose;

export interface GoldJudgment {
  reviewer: string;
  /** The gold item. */
  gold_item_id: string;
  /** The item judged: the gold item itself, or a probe of it. */
  judged_item_id: string;
  context: GoldContext;
  attempt_id: string | null;
  given: GivenAnswer;
  expected: GoldExpectation;
  created_at: number;
}

/**
 * Judgments on gold, oldest first: on gold items themselves (met in production work) and on
 * probes of them, each with the answer expected. Filter by window, reviewer, context or attempt.
 */
export async function listGoldJudgments(
  ex: Executor,
  projectId: string,
  f: { since?: number; until?: number; reviewer?: string; contexts?: readonly GoldContext[]; attempt_id?: string },
): Promise<GoldJudgment[]> {
  let q = ex.db
    .selectFrom('judgments as j')
    .leftJoin('gold_probes as p', 'p.item_id', 'j.item_id')
    .innerJoin('gold_answers as g', (join) => join.on(sql<boolean>`g.item_id = coalesce(p.gold_item_id, j.item_id)`))
    .select([
      'j.reviewer',
      'g.item_id as gold_item_id',
      'j.item_id as judged_item_id',
      'p.purpose',
      'p.attempt_id',
      'j.verdict',
      'j.scores',
      'j.answer',
      'g.verdict as expected_verdict',
      'g.scores as expected_scores',
      'g.answer as expected_answer',
      'j.created_at',
    ])
    .where('j.project_id', '=', projectId);
  if (f.since !== undefined) q = q.where('j.created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('j.created_at', '<', f.until);
  if (f.reviewer !== undefined) q = q.where('j.reviewer', '=', f.reviewer);
  if (f.attempt_id !== undefined) q = q.where('p.attempt_id', '=', f.attempt_id);
  const contexts = f.contexts;
  if (contexts !== undefined) {
    const purposes = contexts.filter((c): c is ProbePurpose => c !== 'live');
    q = q.where((eb) =>
      eb.or([
        ...(contexts.includes('live') ? [eb('p.purpose', 'is', null)] : []),
        ...(purposes.length > 0 ? [eb('p.purpose', 'in', purposes)] : []),
      ]),
    );
  }
  const rows = await q.orderBy('j.created_at').orderBy('j.id').execute();
  return rows.map((r) => ({
    reviewer: r.reviewer,
    gold_item_id: r.gold_item_id,
    judged_item_id: r.judged_item_id,
    context: (r.purpose ?? 'live') as GoldContext,
    attempt_id: r.attempt_id ?? null,
    given: {
      verdict: r.verdict as Verdict | null,
      scores: ex.json.read<Scores>(r.scores),
      answer: r.answer === null ? null : ex.json.read<JsonValue>(r.answer),
    },
    expected: {
      verdict: r.expected_verdict as Verdict | null,
      scores: ex.json.read<Scores>(r.expected_scores),
      answer: r.expected_answer === null ? null : ex.json.read<GoldPreference | GoldRanking>(r.expected_answer),
    },
    created_at: r.created_at,
  }));
}

export async function isGoldItem(ex: Executor, itemId: string): Promise<boolean> {
  return (await ex.db.selectFrom('gold_answers').select('item_id').where('item_id', '=', itemId).executeTakeFirst()) !== undefined;
}

/** Of these item ids, the ones that are not gold items of the project. */
export async function notGold(ex: Executor, projectId: string, ids: readonly string[]): Promise<string[]> {
  const found = new Set((await listGold(ex, projectId, ids)).map((g) => g.item_id));
  return ids.filter((id) => !found.has(id));
}

// ---- Probes -------------------------------------------------------------------------------

export interface GoldProbe {
  item_id: string;
  gold_item_id: string;
  project_id: string;
  reviewer: string;
  purpose: ProbePurpose;
  attempt_id: string | null;
  created_at: number;
}

export async function insertProbe(ex: Executor, p: GoldProbe): Promise<void> {
  await ex.db.insertInto('gold_probes').values(p).execute();
  await ex.db.updateTable('items').set({ probe_of: p.gold_item_id }).where('id', '=', p.item_id).execute();
}

/** An authored gold item is outside production like a probe: it names itself. */
export async function markAuthoredGold(ex: Executor, itemId: string): Promise<void> {
  await ex.db.updateTable('items').set({ probe_of: itemId }).where('id', '=', itemId).execute();
}

export async function getProbe(ex: Executor, itemId: string): Promise<GoldProbe | undefined> {
  const row = await ex.db.selectFrom('gold_probes').selectAll().where('item_id', '=', itemId).executeTakeFirst();
  return row === undefined ? undefined : { ...row, purpose: row.purpose as ProbePurpose };
}

/**
 * Gold items the reviewer may be served as gold: never one they judged, were served before (in
 * any set: they would know it), or hold a task of. Oldest gold first, at most `limit`.
 */
export async function servableGold(ex: Executor, projectId: string, reviewer: string, limit: number): Promise<string[]> {
  const rows = await ex.db
    .selectFrom('gold_answers as g')
    .select('g.item_id')
    .where('g.project_id', '=', projectId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('gold_probes as p')
            .select(sql.lit(1).as('one'))
            .whereRef('p.gold_item_id', '=', 'g.item_id')
            .where('p.reviewer', '=', reviewer),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('tasks as t')
            .select(sql.lit(1).as('one'))
            .whereRef('t.item_id', '=', 'g.item_id')
            .where('t.lease_owner', '=', reviewer),
        ),
      ),
    )
    .orderBy('g.created_at')
    .orderBy('g.item_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.item_id);
}

/**
 * The probes of an attempt whose task is still open or done: what has been served of its set.
 * (A probe whose task was released or expired is cancelled; its gold item is served again.)
 */
export async function attemptProgress(
  ex: Executor,
  attemptId: string,
): Promise<{ gold_item_id: string; item_id: string; status: string }[]> {
  return ex.db
    .selectFrom('gold_probes as p')
    .innerJoin('tasks as t', 't.item_id', 'p.item_id')
    .select(['p.gold_item_id', 'p.item_id', 't.status'])
    .where('p.attempt_id', '=', attemptId)
    .where('t.status', 'in', ['claimed', 'done', 'escalated'])
    .execute();
}

/** Cancels the open task of each probe among these tasks: a probe is one reviewer's, never requeued. */
export async function cancelProbeTasks(ex: Executor, taskIds: readonly string[], now: number): Promise<number> {
  if (taskIds.length === 0) return 0;
  const res = await ex.db
    .updateTable('tasks')
    .set({ status: 'cancelled', lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('id', 'in', [...taskIds])
    .where('status', '=', 'pending')
    .where('item_id', 'in', (eb) => eb.selectFrom('gold_probes').select('item_id'))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
