import { createHash } from 'node:crypto';
import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Expression,
  type QueryCreator,
} from 'kysely';
import pg from 'pg';
import type { StoreDialect } from './dialect.js';
import type { Database, ItemsTable, TasksTable } from './schema.js';
import type { Store } from './store.js';

/** What picks a task: a value, or (in a statement prepared once) the placeholder of one. */
export interface PickArgs {
  project_id: string | Expression<string>;
  actor: string | Expression<string>;
  queue?: string | Expression<string>;
  /** Leave this queue out (the expert queue, for a claimer who may not work it). */
  excludeQueue?: string;
}

/**
 * The queue order (highest priority, then oldest) and the rule that a reviewer never gets a
 * second task of an item they hold or judged. Both dialects' claims select through this.
 */
export function pickNext(db: QueryCreator<Database>, dialect: StoreDialect, a: PickArgs) {
  const queue = a.queue;
  return (
    db
      .selectFrom('tasks as t')
      .where('t.project_id', '=', a.project_id)
      .where('t.status', '=', sql.lit('pending'))
      .$if(queue !== undefined, (q) => q.where('t.queue', '=', queue as string | Expression<string>))
      // A literal: the set of prepared claim statements stays fixed.
      .$if(a.excludeQueue !== undefined, (q) => q.where('t.queue', '<>', sql.lit(a.excludeQueue ?? '')))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('tasks as o')
              .select(sql.lit(1).as('one'))
              .whereRef('o.item_id', '=', 't.item_id')
              .where('o.lease_owner', '=', a.actor)
              // Literals, not parameters: the planner matches them to the predicate of the partial
              // index tasks_item_owner_uq even when it plans without parameter values.
              .where('o.status', 'in', [sql.lit('claimed'), sql.lit('done')])
              // On PostgreSQL, OFFSET 0 keeps the NOT EXISTS from becoming an anti-join. As a join it
              // was planned from statistics that (taken before any claim) count no claimed rows: a
              // scan of every reviewer's claims filtered by lease_owner, growing with the queue's
              // history. Left a subquery, it is one probe of tasks_item_owner_uq on (item_id,
              // lease_owner) per candidate task, whatever the statistics say. (SQLite accepts no
              // OFFSET without LIMIT, and needs no hint.)
              .$if(dialect === 'postgres', (q) => q.offset(sql.lit(0))),
          ),
        ),
      )
      .orderBy('t.priority', 'desc')
      .orderBy('t.created_at', 'asc')
      .orderBy('t.id', 'asc')
      .limit(sql.lit(1))
  );
}

const TASK_FIELDS: Record<Exclude<keyof TasksTable, 'escalation'>, true> = {
  due_at: true,
  sla_breached_at: true,
  guideline_version: true,
  id: true,
  project_id: true,
  item_id: true,
  kind: true,
  queue: true,
  status: true,
  priority: true,
  rubric_version: true,
  lease_owner: true,
  lease_expires_at: true,
  claim_count: true,
  created_at: true,
  updated_at: true,
};

/** A record rather than a list, so that a column added to `items` but not here fails to compile. */
const ITEM_FIELDS: Record<keyof ItemsTable, true> = {
  novelty: true,
  id: true,
  project_id: true,
  external_id: true,
  input: true,
  output: true,
  model: true,
  model_version: true,
  confidence: true,
  metadata: true,
  tags: true,
  created_at: true,
  decision_action: true,
  decision_priority: true,
  decision_rules: true,
  policy_version: true,
  required_reviews: true,
  review_probability: true,
  kind: true,
  hold_deadline: true,
  hold_escalated_at: true,
  outcome_fallback: true,
  outcome_status: true,
  outcome_output: true,
  outcome_decided_at: true,
  outcome_decided_by: true,
  outcome_reason: true,
  probe_of: true,
  redactions: true,
  purged_at: true,
  purge_reason: true,
};

/** Item columns come back beside the task's, which share names with them (id, created_at). */
export const ITEM_PREFIX = 'item__';

/** Builds SQL text only; it never connects. */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * The claim statement's parameters, in the order of its PREPARE. Cast, because the statement
 * also runs unprepared (see executeClaim), where nothing else types the one inside
 * jsonb_build_object.
 */
const P = {
  project_id: sql<string>`$1::text`,
  actor: sql<string>`$2::text`,
  now: sql<number>`$3::bigint`,
  lease_expires_at: sql<number>`$4::bigint`,
  queue: sql<string>`$5::text`,
};
const PARAM_TYPES = ['text', 'text', 'bigint', 'bigint', 'text'];

/**
 * The PostgreSQL claim: pick, lease, audit and read the item in one statement. The audit row
 * is written from what the update returned, so it exists exactly when the lease was taken; a
 * failed update (the unique index) fails the whole statement, audit row included.
 */
function buildClaim(withQueue: boolean, excludeQueue: string | undefined): string {
  const pick: PickArgs = {
    project_id: P.project_id,
    actor: P.actor,
    ...(withQueue ? { queue: P.queue } : {}),
    ...(excludeQueue === undefined ? {} : { excludeQueue }),
  };
  const q = compiler
    .with('picked', (db) => pickNext(db, 'postgres', pick).select('t.id').forUpdate().skipLocked())
    .with('claimed', (db) =>
      db
        .updateTable('tasks')
        .from('picked')
        .set((eb) => ({
          status: sql.lit('claimed'),
          lease_owner: P.actor,
          lease_expires_at: P.lease_expires_at,
          claim_count: eb('tasks.claim_count', '+', sql.lit(1)),
          updated_at: P.now,
        }))
        .whereRef('tasks.id', '=', 'picked.id')
        .where('tasks.status', '=', sql.lit('pending'))
        .returningAll('tasks'),
    )
    .with('audit', (db) =>
      db
        .insertInto('audit_events')
        .columns(['project_id', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'created_at'])
        .expression((eb) =>
          eb.selectFrom('claimed').select([
            'claimed.project_id',
            'claimed.lease_owner',
            sql.lit('task.claimed').as('action'),
            sql.lit('task').as('subject_type'),
            'claimed.id',
            sql<null>`null::jsonb`.as('before'),
            // The same event as the SQLite claim writes from JavaScript.
            sql<unknown>`jsonb_build_object('item_id', claimed.item_id, 'lease_expires_at', claimed.lease_expires_at)`.as('after'),
            'claimed.updated_at',
          ]),
        ),
    )
    .selectFrom('claimed')
    .innerJoin('items as i', 'i.id', 'claimed.item_id')
    // Columns by name, not *: a prepared statement whose result columns change (a column added
    // by a later migration) fails until it is prepared again.
    .select(Object.keys(TASK_FIELDS).map((c) => sql.ref(`claimed.${c}`).as(c)))
    .select(Object.keys(ITEM_FIELDS).map((c) => sql.ref(`i.${c}`).as(`${ITEM_PREFIX}${c}`)))
    .compile();
  if (q.parameters.length > 0) throw new Error('the claim statement must take its values only as $1..$5');
  return q.sql;
}

export interface ClaimArgs {
  project_id: string;
  actor: string;
  queue?: string;
  excludeQueue?: string;
  now: number;
  lease_expires_at: number;
}

interface Prepared {
  name: string;
  text: string;
  prepare: string;
}

const statements = new Map<string, Prepared>();

function claimStatement(withQueue: boolean, excludeQueue: string | undefined): Prepared {
  const key = `${withQueue}|${excludeQueue ?? ''}`;
  let s = statements.get(key);
  if (!s) {
    const text = buildClaim(withQueue, excludeQueue);
    // Named by content: the variants differ, and a session shared through a pooler never runs
    // another version's text under this name.
    const name = `tollgate_claim_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    const types = PARAM_TYPES.slice(0, withQueue ? 5 : 4).join(', ');
    s = { name, text, prepare: `prepare ${name} (${types}) as ${text}` };
    statements.set(key, s);
  }
  return s;
}

function literal(v: string | number): string {
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
  return String(v);
}

/** PostgreSQL's "prepared statement does not exist". */
const NO_SUCH_STATEMENT = '26000';
const DUPLICATE_STATEMENT = '42P05';
/** What a prepared statement raises once a schema change altered its result columns. */
const FEATURE_NOT_SUPPORTED = '0A000';

function pgCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/**
 * Runs the PostgreSQL claim as a statement prepared once per connection. Parsing and planning
 * it afresh took about as long as executing it; prepared, PostgreSQL plans it a few times and
 * then reuses a generic plan (the same index walk), so a claim is one short EXECUTE.
 *
 * The pool hands out any connection, so each call holds one for its EXECUTE and prepares
 * there when that connection has not seen the statement yet (a new connection answers the
 * first EXECUTE with 26000, logged once per connection by the server). EXECUTE takes no bind
 * parameters, so its arguments are escaped literals. Should a connection pooler in front of
 * PostgreSQL move the session between the PREPARE and the EXECUTE, the claim runs unprepared.
 */
export async function executeClaim(store: Store, a: ClaimArgs): Promise<Record<string, unknown> | undefined> {
  const s = claimStatement(a.queue !== undefined, a.queue === undefined ? a.excludeQueue : undefined);
  const args = [a.project_id, a.actor, a.now, a.lease_expires_at, ...(a.queue === undefined ? [] : [a.queue])];
  const execute = sql<Record<string, unknown>>`execute ${sql.raw(s.name)}(${sql.raw(args.map(literal).join(', '))})`;
  return store.db.connection().execute(async (db): Promise<Record<string, unknown> | undefined> => {
    try {
      return (await execute.execute(db)).rows[0];
    } catch (err) {
      const code = pgCode(err);
      if (code !== NO_SUCH_STATEMENT && code !== FEATURE_NOT_SUPPORTED) throw err;
      if (code === FEATURE_NOT_SUPPORTED) await sql`deallocate ${sql.raw(s.name)}`.execute(db);
    }
    try {
      await sql.raw(s.prepare).execute(db);
    } catch (err) {
      // Only behind a pooler: this session already had it, whatever the first EXECUTE saw.
      if (pgCode(err) !== DUPLICATE_STATEMENT) throw err;
    }
    try {
      return (await execute.execute(db)).rows[0];
    } catch (err) {
      if (pgCode(err) !== NO_SUCH_STATEMENT) throw err;
      return (await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(s.text, args))).rows[0];
    }
  });
}
