import { sql } from 'kysely';
import type { TaskStatus } from '../core/types.js';
import { insertRows } from './bulk-insert.js';
import type { Executor } from './executor.js';
import type { Selectable } from 'kysely';
import type { TasksTable } from './schema.js';

export type TaskRecord = Omit<Selectable<TasksTable>, 'status'> & { status: TaskStatus };

const TASK_COLUMNS = [
  'id',
  'project_id',
  'item_id',
  'kind',
  'queue',
  'status',
  'priority',
  'rubric_version',
  'lease_owner',
  'lease_expires_at',
  'claim_count',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof TaskRecord)[];

export async function insertTasks(ex: Executor, tasks: readonly TaskRecord[]): Promise<void> {
  if (tasks.length === 0) return;
  await insertRows(
    ex,
    'tasks',
    TASK_COLUMNS,
    tasks.map((t) => TASK_COLUMNS.map((c) => t[c])),
  );
}

export async function getTaskRecord(ex: Executor, id: string): Promise<TaskRecord | undefined> {
  return (await ex.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()) as TaskRecord | undefined;
}

export async function listTasksForItem(ex: Executor, itemId: string): Promise<TaskRecord[]> {
  return (await ex.db
    .selectFrom('tasks')
    .selectAll()
    .where('item_id', '=', itemId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as TaskRecord[];
}

/** Namespace of the per-reviewer claim locks (the first key of the two-key advisory lock). */
const CLAIM_LOCK_SPACE = 0x7467;

export interface ClaimRequest {
  project_id: string;
  actor: string;
  queue?: string;
  now: number;
  lease_expires_at: number;
}

/**
 * Leases the next task in one statement: highest priority, then oldest, skipping items the
 * reviewer already holds or judged. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent
 * claimers (in any number of server processes) each take a different row without waiting;
 * SQLite runs the statement under its single-writer lock, so the pick and the update are
 * atomic there too.
 */
export async function claimNextTask(ex: Executor, r: ClaimRequest): Promise<TaskRecord | undefined> {
  // One reviewer's concurrent claims (two tabs, a parallel client) would each see no task of
  // theirs on an item and take both of its tasks; on PostgreSQL they queue on a per-reviewer
  // lock held to the end of the claim's transaction, so each sees the claims before it.
  if (ex.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK_SPACE}, hashtext(${r.actor}))`.execute(ex.db);
  const pick = ex.db
    .selectFrom('tasks as t')
    .select('t.id')
    .where('t.project_id', '=', r.project_id)
    .where('t.status', '=', 'pending')
    .$if(r.queue !== undefined, (q) => q.where('t.queue', '=', r.queue as string))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('tasks as o')
            .select(sql.lit(1).as('one'))
            .whereRef('o.item_id', '=', 't.item_id')
            .where('o.lease_owner', '=', r.actor)
            .where('o.status', 'in', ['claimed', 'done']),
        ),
      ),
    )
    .orderBy('t.priority', 'desc')
    .orderBy('t.created_at', 'asc')
    .orderBy('t.id', 'asc')
    .limit(1)
    .$if(ex.dialect === 'postgres', (q) => q.forUpdate().skipLocked());

  const row = await ex.db
    .updateTable('tasks')
    .set((eb) => ({
      status: 'claimed',
      lease_owner: r.actor,
      lease_expires_at: r.lease_expires_at,
      claim_count: eb('claim_count', '+', 1),
      updated_at: r.now,
    }))
    .where('id', '=', pick)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return row as TaskRecord | undefined;
}

export interface ExpiredLease {
  id: string;
  project_id: string;
  item_id: string;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

/** Returns tasks whose lease ran out to the queue; reports them so the caller can audit each. */
export async function reclaimExpiredLeases(ex: Executor, now: number, projectId?: string): Promise<ExpiredLease[]> {
  const expired = await ex.db
    .selectFrom('tasks')
    .select(['id', 'project_id', 'item_id', 'lease_owner', 'lease_expires_at'])
    .where('status', '=', 'claimed')
    .where('lease_expires_at', '<=', now)
    .$if(projectId !== undefined, (q) => q.where('project_id', '=', projectId as string))
    .limit(500)
    .execute();
  const reclaimed: ExpiredLease[] = [];
  for (const t of expired) {
    // Guarded by the old owner and expiry: a renewal or a judgment that won the race stands.
    const res = await ex.db
      .updateTable('tasks')
      .set({ status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
      .where('id', '=', t.id)
      .where('status', '=', 'claimed')
      .where('lease_expires_at', '<=', now)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) reclaimed.push(t);
  }
  return reclaimed;
}

export async function updateLease(ex: Executor, id: string, actor: string, expiresAt: number, now: number): Promise<boolean> {
  const res = await ex.db
    .updateTable('tasks')
    .set({ lease_expires_at: expiresAt, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'claimed')
    .where('lease_owner', '=', actor)
    .where('lease_expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function releaseLease(ex: Executor, id: string, actor: string, now: number): Promise<boolean> {
  const res = await ex.db
    .updateTable('tasks')
    .set({ status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'claimed')
    .where('lease_owner', '=', actor)
    .where('lease_expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Marks the task done if (and only if) the caller still holds a live lease on it. */
export async function completeLeasedTask(ex: Executor, id: string, actor: string, now: number): Promise<boolean> {
  const res = await ex.db
    .updateTable('tasks')
    .set({ status: 'done', lease_expires_at: null, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'claimed')
    .where('lease_owner', '=', actor)
    .where('lease_expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function cancelOpenTasks(ex: Executor, itemId: string, now: number): Promise<number> {
  const res = await ex.db
    .updateTable('tasks')
    .set({ status: 'cancelled', lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('item_id', '=', itemId)
    .where('status', 'in', ['pending', 'claimed'])
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
