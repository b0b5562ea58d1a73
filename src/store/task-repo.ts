import type { QueryCreator, Selectable, Updateable } from 'kysely';
import type { Escalation } from '../core/review/queues.js';
import type { TaskStatus } from '../core/types.js';
import { appendAudit } from './audit-repo.js';
import { executeClaim, ITEM_PREFIX, pickNext } from './claim-sql.js';
import { insertRows } from './bulk-insert.js';
import { inTransaction, type Executor } from './executor.js';
import { fromItemRow, getItemRecord, type ItemRecord } from './item-repo.js';
import type { Database, ItemsTable, TasksTable } from './schema.js';
import type { Store } from './store.js';

/** A task row. Its escalation context is read apart (readEscalations): only expert tasks have one. */
export type TaskRecord = Omit<Selectable<TasksTable>, 'status' | 'escalation'> & { status: TaskStatus };

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
  'due_at',
  'sla_breached_at',
  'guideline_version',
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

/** Inserts an expert task together with why it was escalated. */
export async function insertEscalationTask(ex: Executor, task: TaskRecord, escalation: Escalation): Promise<void> {
  await insertTasks(ex, [task]);
  await ex.db
    .updateTable('tasks')
    .set({ escalation: ex.json.write(escalation) })
    .where('id', '=', task.id)
    .execute();
}

/** The escalation context of each of these tasks that has one. */
export async function readEscalations(ex: Executor, taskIds: readonly string[]): Promise<Map<string, Escalation>> {
  if (taskIds.length === 0) return new Map();
  const rows = await ex.db
    .selectFrom('tasks')
    .select(['id', 'escalation'])
    .where('id', 'in', [...taskIds])
    .where('escalation', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.id, ex.json.read<Escalation>(r.escalation)]));
}

/** Takes a leased task away from its holder for the experts; false when the lease is no longer theirs. */
export function markEscalated(ex: Executor, id: string, actor: string, now: number): Promise<boolean> {
  // The holder stays recorded as lease_owner: who escalated it.
  return updateHeldTask(ex, id, actor, now, { status: 'escalated', lease_expires_at: null });
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

export interface ClaimRequest {
  project_id: string;
  actor: string;
  queue?: string;
  /** Without `queue`: a queue to leave out. */
  excludeQueue?: string;
  now: number;
  lease_expires_at: number;
}

export interface ClaimedRow {
  task: TaskRecord;
  item: ItemRecord;
}

/**
 * Leases the next task (highest priority, then oldest, skipping items the reviewer already
 * holds or judged), writes its `task.claimed` audit event and reads its item, atomically.
 *
 * On PostgreSQL that is one autocommitted statement, so one round trip: `FOR UPDATE SKIP LOCKED`
 * lets concurrent claimers (in any number of server processes) each take a different row
 * without waiting. One reviewer's concurrent claims (two tabs, a parallel client) can still
 * pick two tasks of one item, each unaware of the other's uncommitted claim; the unique index
 * `tasks_item_owner_uq` then fails the later one with a unique violation, which the caller
 * retries. On SQLite the statements run in one transaction under its single-writer lock, so
 * they serialize and the NOT EXISTS sees every earlier claim.
 *
 * Takes the store itself, not a transaction: the claim is its own unit of work.
 */
export async function claimNextTask(store: Store, r: ClaimRequest): Promise<ClaimedRow | undefined> {
  return store.dialect === 'postgres' ? claimOnPostgres(store, r) : claimOnSqlite(store, r);
}

async function claimOnPostgres(store: Store, r: ClaimRequest): Promise<ClaimedRow | undefined> {
  const row = await executeClaim(store, r);
  if (!row) return undefined;
  const task: Record<string, unknown> = {};
  const item: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith(ITEM_PREFIX)) item[k.slice(ITEM_PREFIX.length)] = v;
    else task[k] = v;
  }
  return { task: task as TaskRecord, item: fromItemRow(store, item as Selectable<ItemsTable>) };
}

async function claimOnSqlite(store: Store, r: ClaimRequest): Promise<ClaimedRow | undefined> {
  return inTransaction(store, async (tx) => {
    const task = (await tx.db
      .updateTable('tasks')
      .set((eb) => ({
        status: 'claimed',
        lease_owner: r.actor,
        lease_expires_at: r.lease_expires_at,
        claim_count: eb('claim_count', '+', 1),
        updated_at: r.now,
      }))
      .where('id', '=', pickNext(tx.db, 'sqlite', r).select('t.id'))
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst()) as TaskRecord | undefined;
    if (!task) return undefined;
    await appendAudit(tx, [
      {
        project_id: task.project_id,
        actor: r.actor,
        action: 'task.claimed',
        subject_type: 'task',
        subject_id: task.id,
        after: { item_id: task.item_id, lease_expires_at: r.lease_expires_at },
        created_at: r.now,
      },
    ]);
    const item = await getItemRecord(tx, task.item_id);
    if (!item) throw new Error(`task ${task.id} refers to missing item ${task.item_id}`);
    return { task, item };
  });
}

export interface ExpiredLease {
  id: string;
  project_id: string;
  item_id: string;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

/** Bounds one reclaim's work; the caller sweeps again for the rest. */
export const RECLAIM_BATCH = 500;

/**
 * Returns tasks whose lease ran out to the queue, in one UPDATE, and reports each with the
 * holder it had so the caller can audit the expiry in the same transaction.
 */
export async function reclaimExpiredLeases(ex: Executor, now: number, projectId?: string): Promise<ExpiredLease[]> {
  const expired = (db: QueryCreator<Database>) =>
    db
      .selectFrom('tasks')
      .select(['id', 'lease_owner', 'lease_expires_at'])
      .where('status', '=', 'claimed')
      .where('lease_expires_at', '<=', now)
      .$if(projectId !== undefined, (q) => q.where('project_id', '=', projectId as string))
      .orderBy('lease_expires_at')
      .limit(RECLAIM_BATCH);
  if (ex.dialect === 'postgres') {
    // RETURNING shows the new row, whose holder is gone; the old holder comes from `expired`.
    // A row locked by a judgment or renewal in flight is skipped: that writer changes it.
    return ex.db
      .with('expired', (db) => expired(db).forUpdate().skipLocked())
      .updateTable('tasks')
      .from('expired')
      .set({ status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
      .whereRef('tasks.id', '=', 'expired.id')
      .returning(['tasks.id', 'tasks.project_id', 'tasks.item_id', 'expired.lease_owner', 'expired.lease_expires_at'])
      .execute();
  }
  // SQLite's RETURNING cannot see the FROM tables, so the old holders are read first. They
  // cannot go stale: should another connection write in between, SQLite fails this
  // transaction's first write rather than let it proceed on an old snapshot.
  const rows = await expired(ex.db).select(['project_id', 'item_id']).execute();
  if (rows.length === 0) return [];
  const updated = await ex.db
    .updateTable('tasks')
    .set({ status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
    .where(
      'id',
      'in',
      rows.map((t) => t.id),
    )
    .where('status', '=', 'claimed')
    .where('lease_expires_at', '<=', now)
    .returning('id')
    .execute();
  const done = new Set(updated.map((u) => u.id));
  return rows.filter((t) => done.has(t.id));
}

/**
 * The earliest expiry among the leases of the project (or of all projects) still running at
 * `now`, or null. Only a lease taken after `now` can expire sooner.
 */
export async function nextLeaseExpiry(ex: Executor, now: number, projectId?: string): Promise<number | null> {
  const row = await ex.db
    .selectFrom('tasks')
    .select((eb) => eb.fn.min('lease_expires_at').as('next'))
    .where('status', '=', 'claimed')
    .where('lease_expires_at', '>', now)
    .$if(projectId !== undefined, (q) => q.where('project_id', '=', projectId as string))
    .executeTakeFirst();
  return row?.next ?? null;
}

/**
 * Applies `changes` if (and only if) `actor` still holds a live lease on the task. The guard is
 * in the UPDATE itself, so a sweep or another reviewer that got there first wins cleanly.
 */
async function updateHeldTask(ex: Executor, id: string, actor: string, now: number, changes: Updateable<TasksTable>): Promise<boolean> {
  const res = await ex.db
    .updateTable('tasks')
    .set({ ...changes, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'claimed')
    .where('lease_owner', '=', actor)
    .where('lease_expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export function updateLease(ex: Executor, id: string, actor: string, expiresAt: number, now: number): Promise<boolean> {
  return updateHeldTask(ex, id, actor, now, { lease_expires_at: expiresAt });
}

export function releaseLease(ex: Executor, id: string, actor: string, now: number): Promise<boolean> {
  return updateHeldTask(ex, id, actor, now, { status: 'pending', lease_owner: null, lease_expires_at: null });
}

/** Marks the task done; the reviewer stays its lease_owner, which is how "judged it" is recorded. */
export function completeLeasedTask(ex: Executor, id: string, actor: string, now: number): Promise<boolean> {
  return updateHeldTask(ex, id, actor, now, { status: 'done', lease_expires_at: null });
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

export interface OverdueTask {
  id: string;
  project_id: string;
  item_id: string;
  queue: string;
  status: TaskStatus;
  priority: number;
  policy_version: number;
}

/**
 * Open tasks past their due time that have not breached yet, most overdue first, through
 * `tasks_due_idx`. The breach itself is a conditional update (see recordBreach), so servers
 * racing over the same task record it once.
 */
export async function listOverdueTasks(ex: Executor, now: number, limit: number): Promise<OverdueTask[]> {
  const rows = await ex.db
    .selectFrom('tasks as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .select(['t.id', 't.project_id', 't.item_id', 't.queue', 't.status', 't.priority', 'i.policy_version'])
    .where('t.sla_breached_at', 'is', null)
    .where('t.due_at', 'is not', null)
    // A gold probe is one reviewer's test: it is never raised or escalated to others.
    .where('i.probe_of', 'is', null)
    .where('t.status', 'in', ['pending', 'claimed'])
    .where('t.due_at', '<=', now)
    .orderBy('t.due_at')
    .limit(limit)
    .execute();
  return rows as OverdueTask[];
}

/**
 * Records a breach once: the update only applies to an open task that has not breached, and
 * can move it (`priority`, or `status` to `escalated`) in the same statement. False when another
 * server (or a judgment) got there first.
 */
export async function recordBreach(
  ex: Executor,
  id: string,
  now: number,
  change: { priority?: number; escalate?: boolean; requireStatus: TaskStatus },
): Promise<boolean> {
  const res = await ex.db
    .updateTable('tasks')
    .set({
      sla_breached_at: now,
      updated_at: now,
      ...(change.priority === undefined ? {} : { priority: change.priority }),
      ...(change.escalate ? { status: 'escalated' } : {}),
    })
    .where('id', '=', id)
    .where('sla_breached_at', 'is', null)
    .where('status', '=', change.requireStatus)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface QueueCounts {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_at: number | null;
  overdue: number;
  breached_since: number;
}

/** Backlog per queue of a project, and breaches recorded since `since`. */
export async function countQueues(ex: Executor, projectId: string, now: number, since: number): Promise<QueueCounts[]> {
  const rows = await ex.db
    .selectFrom('tasks')
    .select((eb) => [
      'queue',
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'pending').then(1).else(0).end()).as('pending'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'claimed').then(1).else(0).end()).as('claimed'),
      eb.fn.min<number | string | null>(eb.case().when('status', '=', 'pending').then(eb.ref('created_at')).end()).as('oldest_pending_at'),
      eb.fn
        .sum<number | string>(
          eb
            .case()
            .when(eb.and([eb('status', 'in', ['pending', 'claimed']), eb('due_at', '<=', now)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('overdue'),
      eb.fn.sum<number | string>(eb.case().when('sla_breached_at', '>=', since).then(1).else(0).end()).as('breached_since'),
    ])
    .where('project_id', '=', projectId)
    // Open tasks and recent breaches only: the project's history is not scanned.
    .where((eb) => eb.or([eb('status', 'in', ['pending', 'claimed']), eb('sla_breached_at', '>=', since)]))
    .groupBy('queue')
    .orderBy('queue')
    .execute();
  return rows.map((r) => ({
    queue: r.queue,
    pending: Number(r.pending),
    claimed: Number(r.claimed),
    oldest_pending_at: r.oldest_pending_at === null ? null : Number(r.oldest_pending_at),
    overdue: Number(r.overdue),
    breached_since: Number(r.breached_since),
  }));
}
