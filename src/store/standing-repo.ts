import type { StandingStatus } from '../core/review/quality.js';
import type { Executor } from './executor.js';
import type { Selectable } from 'kysely';
import type { ReviewerStandingsTable } from './schema.js';

/** A reviewer's recorded standing in a project. No row: the project's initial standing applies. */
export interface StandingRecord {
  project_id: string;
  reviewer: string;
  status: StandingStatus;
  reason: string;
  /** The qualification or recalibration attempt under way (those statuses only). */
  attempt_id: string | null;
  /** The attempt's set, fixed when it started. */
  attempt_items: string[] | null;
  pass_accuracy: number | null;
  since: number;
  updated_by: string;
}

export async function getStanding(
  ex: Executor,
  projectId: string,
  reviewer: string,
  opts: { forUpdate?: boolean } = {},
): Promise<StandingRecord | undefined> {
  let q = ex.db.selectFrom('reviewer_standings').selectAll().where('project_id', '=', projectId).where('reviewer', '=', reviewer);
  // SQLite has no row locks: its single writer serializes the transactions instead.
  if (opts.forUpdate && ex.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row === undefined ? undefined : fromRow(ex, row);
}

export async function listStandings(ex: Executor, projectId: string): Promise<StandingRecord[]> {
  const rows = await ex.db.selectFrom('reviewer_standings').selectAll().where('project_id', '=', projectId).orderBy('reviewer').execute();
  return rows.map((r) => fromRow(ex, r));
}

export async function putStanding(ex: Executor, s: StandingRecord): Promise<void> {
  const row = { ...s, attempt_items: s.attempt_items === null ? null : ex.json.write(s.attempt_items) };
  await ex.db
    .insertInto('reviewer_standings')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['project_id', 'reviewer']).doUpdateSet({
        status: row.status,
        reason: row.reason,
        attempt_id: row.attempt_id,
        attempt_items: row.attempt_items,
        pass_accuracy: row.pass_accuracy,
        since: row.since,
        updated_by: row.updated_by,
      }),
    )
    .execute();
}

function fromRow(ex: Executor, r: Selectable<ReviewerStandingsTable>): StandingRecord {
  return {
    ...r,
    status: r.status as StandingStatus,
    attempt_items: r.attempt_items === null ? null : ex.json.read<string[]>(r.attempt_items),
    pass_accuracy: r.pass_accuracy === null ? null : Number(r.pass_accuracy),
  };
}
