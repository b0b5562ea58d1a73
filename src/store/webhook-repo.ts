import { sql, type Selectable } from 'kysely';
import type { WebhookItemFacts, WebhookTaskFacts } from '../core/webhooks/events.js';
import type { HoldTerms, JsonValue, MatchedRule } from '../core/types.js';
import { chunkRows, type Executor } from './executor.js';
import type {
  ItemCallbacksTable,
  WebhookAttemptsTable,
  WebhookCallbackSecretsTable,
  WebhookDeliveriesTable,
  WebhookSubscriptionsTable,
} from './schema.js';

// ---- Subscriptions ------------------------------------------------------------------------

export interface SubscriptionRecord extends Omit<WebhookSubscriptionsTable, 'events'> {
  events: string[];
}

const toSubscription = (ex: Executor, r: Selectable<WebhookSubscriptionsTable>): SubscriptionRecord => ({
  ...r,
  events: ex.json.read<string[]>(r.events),
});

export async function insertSubscription(ex: Executor, s: SubscriptionRecord): Promise<void> {
  await ex.db
    .insertInto('webhook_subscriptions')
    .values({ ...s, events: ex.json.write(s.events) })
    .execute();
}

/** A subscription, deleted ones included; locked on PostgreSQL when `forUpdate`. */
export async function getSubscription(
  ex: Executor,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<SubscriptionRecord | undefined> {
  const row = await ex.db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', id)
    .$if(opts.forUpdate === true && ex.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : toSubscription(ex, row);
}

/** A project's subscriptions that are not deleted, oldest first. */
export async function listSubscriptions(ex: Executor, projectId: string): Promise<SubscriptionRecord[]> {
  const rows = await ex.db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('status', '<>', 'deleted')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => toSubscription(ex, r));
}

export async function updateSubscription(
  ex: Executor,
  id: string,
  patch: Partial<Omit<SubscriptionRecord, 'id' | 'project_id' | 'created_at' | 'created_by'>>,
): Promise<void> {
  const { events, ...rest } = patch;
  await ex.db
    .updateTable('webhook_subscriptions')
    .set({ ...rest, ...(events === undefined ? {} : { events: ex.json.write(events) }) })
    .where('id', '=', id)
    .execute();
}

// ---- Hold callbacks and their secret ------------------------------------------------------

export async function insertItemCallbacks(ex: Executor, rows: readonly ItemCallbacksTable[]): Promise<void> {
  for (const chunk of chunkRows(rows, 4, ex.dialect)) await ex.db.insertInto('item_callbacks').values(chunk).execute();
}

export async function listItemCallbacks(ex: Executor, itemIds: readonly string[]): Promise<Map<string, ItemCallbacksTable>> {
  if (itemIds.length === 0) return new Map();
  const rows = await ex.db.selectFrom('item_callbacks').selectAll().where('item_id', 'in', itemIds).execute();
  return new Map(rows.map((r) => [r.item_id, r]));
}

export function getCallbackSecret(ex: Executor, projectId: string): Promise<WebhookCallbackSecretsTable | undefined> {
  return ex.db.selectFrom('webhook_callback_secrets').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

/** Inserts the project's callback secret unless one exists (two first reads racing keep the first). */
export async function insertCallbackSecret(ex: Executor, row: WebhookCallbackSecretsTable): Promise<boolean> {
  const r = await ex.db
    .insertInto('webhook_callback_secrets')
    .values(row)
    .onConflict((oc) => oc.column('project_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateCallbackSecret(
  ex: Executor,
  projectId: string,
  patch: Pick<WebhookCallbackSecretsTable, 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'rotated_at'>,
): Promise<void> {
  await ex.db.updateTable('webhook_callback_secrets').set(patch).where('project_id', '=', projectId).execute();
}

// ---- Dispatch cursors ---------------------------------------------------------------------

/**
 * Starts reading a project's chain at its current head, unless a cursor exists already. Events
 * sealed later but made before the listener existed are filtered out by their time.
 */
export async function ensureCursor(ex: Executor, chain: string): Promise<void> {
  await ex.db
    .insertInto('webhook_cursors')
    .columns(['chain', 'pos'])
    .expression((eb) =>
      eb
        .selectFrom('audit_seals')
        .select((s) => [sql.val(chain).as('chain'), s.fn.coalesce(s.fn.max('pos'), sql.lit(0)).as('pos')])
        .where('chain', '=', chain),
    )
    .onConflict((oc) => oc.column('chain').doNothing())
    .execute();
}

export async function listCursorChains(ex: Executor): Promise<string[]> {
  const rows = await ex.db.selectFrom('webhook_cursors').select('chain').orderBy('chain').execute();
  return rows.map((r) => r.chain);
}

/**
 * The cursor of a chain, locked for this transaction. On PostgreSQL a dispatcher on another
 * server holding it makes this answer undefined at once (SKIP LOCKED): that server is on it.
 */
export async function lockCursor(ex: Executor, chain: string): Promise<number | undefined> {
  const row = await ex.db
    .selectFrom('webhook_cursors')
    .select('pos')
    .where('chain', '=', chain)
    .$if(ex.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.pos);
}

export async function setCursor(ex: Executor, chain: string, pos: number): Promise<void> {
  await ex.db.updateTable('webhook_cursors').set({ pos }).where('chain', '=', chain).execute();
}

/** What the dispatcher needs of each subscription of a project still able to receive. */
export async function listDispatchTargets(
  ex: Executor,
  projectId: string,
): Promise<{ id: string; events: string[]; created_at: number }[]> {
  const rows = await ex.db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'events', 'created_at'])
    .where('project_id', '=', projectId)
    .where('status', '<>', 'deleted')
    .execute();
  return rows.map((r) => ({ id: r.id, events: ex.json.read<string[]>(r.events), created_at: Number(r.created_at) }));
}

/** The facts webhooks report about items: decisions and outcomes, never payloads. */
export async function listWebhookItemFacts(ex: Executor, ids: readonly string[]): Promise<WebhookItemFacts[]> {
  if (ids.length === 0) return [];
  const rows = await ex.db
    .selectFrom('items')
    .select([
      'id',
      'kind',
      'probe_of',
      'created_at',
      'decision_action',
      'decision_priority',
      'decision_rules',
      'policy_version',
      'outcome_status',
      'outcome_decided_at',
      'outcome_decided_by',
      'outcome_reason',
      'outcome_fallback',
    ])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return rows.map((r) => {
    const rules = ex.json.read<{ matched_rules: MatchedRule[]; queue: string | null; hold?: HoldTerms }>(r.decision_rules);
    return {
      id: r.id,
      kind: r.kind,
      probe: r.probe_of !== null,
      created_at: Number(r.created_at),
      decision: {
        action: r.decision_action,
        // Over-budget rules matched but routed nothing: they did not decide this item.
        rules: rules.matched_rules.filter((m) => m.action === r.decision_action && m.over_budget !== true).map((m) => m.name),
        priority: r.decision_priority,
        queue: rules.queue,
        policy_version: r.policy_version,
        hold: rules.hold ?? null,
      },
      outcome: {
        status: r.outcome_status,
        decided_at: r.outcome_decided_at === null ? null : Number(r.outcome_decided_at),
        decided_by: r.outcome_decided_by,
        reason: r.outcome_reason,
        fallback: r.outcome_fallback,
      },
    };
  });
}

export async function listTaskItems(ex: Executor, ids: readonly string[]): Promise<WebhookTaskFacts[]> {
  if (ids.length === 0) return [];
  return ex.db
    .selectFrom('tasks')
    .select(['id', 'item_id'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

/** The content a payload is completed with when sent. */
export async function getItemContent(
  ex: Executor,
  itemId: string,
): Promise<{ external_id: string | null; outcome_output: JsonValue | null } | undefined> {
  const row = await ex.db.selectFrom('items').select(['external_id', 'outcome_output']).where('id', '=', itemId).executeTakeFirst();
  if (row === undefined) return undefined;
  return { external_id: row.external_id, outcome_output: row.outcome_output === null ? null : ex.json.read<JsonValue>(row.outcome_output) };
}

// ---- Deliveries and attempts --------------------------------------------------------------

export type DeliveryRecord = WebhookDeliveriesTable;
export type AttemptRecord = WebhookAttemptsTable;

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): DeliveryRecord => ({
  ...r,
  event_seq: r.event_seq === null ? null : Number(r.event_seq),
  next_attempt_at: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  lease_until: r.lease_until === null ? null : Number(r.lease_until),
  created_at: Number(r.created_at),
  delivered_at: r.delivered_at === null ? null : Number(r.delivered_at),
});

/** Inserts deliveries, skipping any already made for the same event and destination; returns how many were new. */
export async function insertDeliveries(ex: Executor, rows: readonly DeliveryRecord[]): Promise<number> {
  let added = 0;
  for (const chunk of chunkRows(rows, 20, ex.dialect)) {
    const r = await ex.db
      .insertInto('webhook_deliveries')
      .values(chunk)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

export async function getDelivery(ex: Executor, id: string): Promise<DeliveryRecord | undefined> {
  const row = await ex.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toDelivery(row);
}

/**
 * Leases up to `limit` deliveries that are due, in the order they fell due, to the caller:
 * pending, past their next attempt, not leased to another sender, and either a hold callback,
 * for an active webhook, or asked for by a manager. One statement, so two senders never lease
 * the same delivery: on PostgreSQL the candidates are locked with SKIP LOCKED, and SQLite has a
 * single writer.
 */
export async function leaseDueDeliveries(
  ex: Executor,
  o: { now: number; limit: number; token: string; leaseUntil: number },
): Promise<DeliveryRecord[]> {
  const rows = await ex.db
    .updateTable('webhook_deliveries')
    .set({ lease_token: o.token, lease_until: o.leaseUntil })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries as d')
        .leftJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .select('d.id')
        .where('d.status', '=', sql.lit('pending'))
        .where('d.next_attempt_at', '<=', o.now)
        .where((w) => w.or([w('d.lease_until', 'is', null), w('d.lease_until', '<', o.now)]))
        .where((w) =>
          w.or([
            w('d.subscription_id', 'is', null),
            w('s.status', '=', sql.lit('active')),
            w.and([w('d.manual', '=', sql.lit(1)), w('s.status', '<>', sql.lit('deleted'))]),
          ]),
        )
        .orderBy('d.next_attempt_at')
        .limit(o.limit)
        .$if(ex.dialect === 'postgres', (q) => q.forUpdate('d').skipLocked()),
    )
    .returningAll()
    .execute();
  return rows.map(toDelivery);
}

/** Gives back a lease without recording an attempt (the sender stopped before an answer). */
export async function releaseDeliveryLease(ex: Executor, id: string, token: string): Promise<void> {
  await ex.db
    .updateTable('webhook_deliveries')
    .set({ lease_token: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .execute();
}

/** Applies an attempt's result to the delivery if the caller still holds its lease; false when it does not. */
export async function finishDeliveryAttempt(
  ex: Executor,
  id: string,
  token: string,
  patch: Pick<DeliveryRecord, 'status' | 'attempts' | 'next_attempt_at' | 'delivered_at'>,
): Promise<boolean> {
  const r = await ex.db
    .updateTable('webhook_deliveries')
    .set({ ...patch, manual: 0, lease_token: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertAttempt(ex: Executor, a: AttemptRecord): Promise<void> {
  await ex.db.insertInto('webhook_attempts').values(a).execute();
}

export async function listAttempts(ex: Executor, deliveryIds: readonly string[]): Promise<Map<string, AttemptRecord[]>> {
  const out = new Map<string, AttemptRecord[]>();
  if (deliveryIds.length === 0) return out;
  const rows = await ex.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('number')
    .execute();
  for (const r of rows) {
    const a = { ...r, started_at: Number(r.started_at) };
    out.set(r.delivery_id, [...(out.get(r.delivery_id) ?? []), a]);
  }
  return out;
}

export interface DeliveryFilter {
  /** A webhook's deliveries, or (null) the project's hold callbacks. */
  subscription_id: string | null;
  project_id: string;
  status?: string;
  item_id?: string;
  event_type?: string;
}

/** Newest first, keyed by (created_at, id) so pages never skip or repeat a row. */
export async function listDeliveries(
  ex: Executor,
  f: DeliveryFilter,
  page: { limit: number; before?: { created_at: number; id: string } },
): Promise<DeliveryRecord[]> {
  const before = page.before;
  const rows = await ex.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('project_id', '=', f.project_id)
    .where((eb) => (f.subscription_id === null ? eb('subscription_id', 'is', null) : eb('subscription_id', '=', f.subscription_id)))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.item_id !== undefined, (q) => q.where('item_id', '=', f.item_id!))
    .$if(f.event_type !== undefined, (q) => q.where('event_type', '=', f.event_type!))
    .$if(before !== undefined, (q) =>
      q.where((eb) =>
        eb.or([eb('created_at', '<', before!.created_at), eb.and([eb('created_at', '=', before!.created_at), eb('id', '<', before!.id)])]),
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
  return rows.map(toDelivery);
}

/** Puts a delivery back in the queue for an attempt now, asked for by a manager. */
export async function requeueDelivery(ex: Executor, id: string, now: number, maxAttempts: number): Promise<void> {
  await ex.db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now, manual: 1, max_attempts: maxAttempts })
    .where('id', '=', id)
    .execute();
}

/** A deleted webhook's deliveries still waiting will never be sent. */
export async function cancelPendingDeliveries(ex: Executor, subscriptionId: string): Promise<void> {
  await ex.db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', next_attempt_at: null, lease_token: null, lease_until: null })
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .execute();
}

/** On resume: what waited while the webhook was paused goes out at once rather than at its backed-off time. */
export async function dueNow(ex: Executor, subscriptionId: string, now: number): Promise<void> {
  await ex.db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: now })
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '>', now)
    .execute();
}
