import type { Scores, Verdict } from '../core/types.js';
import { sql } from 'kysely';
import { chunkRows, type Executor } from './executor.js';

export interface CalibrationSession {
  id: string;
  project_id: string;
  name: string;
  status: 'open' | 'closed';
  item_ids: string[];
  /** Reviewer identities (the `actor` of their keys, e.g. `key:…`). */
  reviewers: string[];
  rubric_version: number;
  created_at: number;
  created_by: string;
  closed_at: number | null;
}

export interface CalibrationJudgment {
  session_id: string;
  item_id: string;
  reviewer: string;
  verdict: Verdict;
  scores: Scores;
  comment: string | null;
  created_at: number;
}

export async function insertSession(ex: Executor, s: CalibrationSession): Promise<void> {
  await ex.db
    .insertInto('calibration_sessions')
    .values({ ...s, item_ids: ex.json.write(s.item_ids), reviewers: ex.json.write(s.reviewers) })
    .execute();
}

export async function getSession(ex: Executor, id: string): Promise<CalibrationSession | undefined> {
  const r = await ex.db.selectFrom('calibration_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  return {
    ...r,
    status: r.status as CalibrationSession['status'],
    item_ids: ex.json.read<string[]>(r.item_ids),
    reviewers: ex.json.read<string[]>(r.reviewers),
  };
}

export async function closeSession(ex: Executor, id: string, now: number): Promise<boolean> {
  const res = await ex.db
    .updateTable('calibration_sessions')
    .set({ status: 'closed', closed_at: now })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function insertCalibrationJudgment(ex: Executor, j: CalibrationJudgment): Promise<void> {
  await ex.db
    .insertInto('calibration_judgments')
    .values({ ...j, scores: ex.json.write(j.scores) })
    .execute();
}

export async function listCalibrationJudgments(ex: Executor, sessionId: string): Promise<CalibrationJudgment[]> {
  const rows = await ex.db
    .selectFrom('calibration_judgments')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('created_at')
    .orderBy('item_id')
    .orderBy('reviewer')
    .execute();
  return rows.map((r) => ({ ...r, verdict: r.verdict as Verdict, scores: ex.json.read<Scores>(r.scores) }));
}

/** A project's sessions, newest first. */
export async function listSessions(
  ex: Executor,
  projectId: string,
  opts: { status?: CalibrationSession['status']; limit: number },
): Promise<CalibrationSession[]> {
  let q = ex.db.selectFrom('calibration_sessions').selectAll().where('project_id', '=', projectId);
  if (opts.status !== undefined) q = q.where('status', '=', opts.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({
    ...r,
    status: r.status as CalibrationSession['status'],
    item_ids: ex.json.read<string[]>(r.item_ids),
    reviewers: ex.json.read<string[]>(r.reviewers),
  }));
}

/** How many answers each reviewer has given in each of these sessions. */
export async function countJudgmentsBySession(
  ex: Executor,
  sessionIds: readonly string[],
): Promise<{ session_id: string; reviewer: string; count: number }[]> {
  const out: { session_id: string; reviewer: string; count: number }[] = [];
  for (const chunk of chunkRows(sessionIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('calibration_judgments')
      .where('session_id', 'in', chunk)
      .select(['session_id', 'reviewer', sql<number>`count(*)`.as('count')])
      .groupBy(['session_id', 'reviewer'])
      .execute();
    for (const r of rows) out.push({ session_id: r.session_id, reviewer: r.reviewer, count: Number(r.count) });
  }
  return out;
}
