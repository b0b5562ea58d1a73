import type { AuditFacts } from '../core/audit/chain.js';
import { itemsToLookUp, tasksToLookUp, webhookEventsOf, type WebhookEvent } from '../core/webhooks/events.js';
import { MAX_ATTEMPTS } from '../core/webhooks/retry.js';
import { TollgateError } from '../core/errors.js';
import { newWebhookSecret } from '../core/webhooks/signature.js';
import { checkWebhookUrl } from '../core/webhooks/url.js';
import { readChain } from '../store/audit-chain-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import {
  ensureCursor,
  getCallbackSecret,
  insertCallbackSecret,
  insertDeliveries,
  insertItemCallbacks,
  listCursorChains,
  listDispatchTargets,
  listItemCallbacks,
  listTaskItems,
  listWebhookItemFacts,
  lockCursor,
  setCursor,
  type DeliveryRecord,
} from '../store/webhook-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { callbackAad, storedSecret } from './webhook-secrets.js';

/** Events read from a chain per transaction. */
const DISPATCH_BATCH = 500;

/**
 * Turns newly sealed audit events into deliveries. The sealed trail is the outbox: every state
 * change writes its audit event in its own transaction, and sealing orders committed events
 * for good, so reading each project's chain past a cursor sees every change once, in order,
 * however late a transaction committed. The deliveries and the cursor's move commit together
 * (a crash between the two is impossible), and each delivery's dedupe key makes a repeat a
 * no-op. Several servers may run this at once: a chain's cursor is locked by one at a time.
 * Returns how many deliveries were made.
 */
export async function dispatchWebhooks(ctx: AppContext, batch = DISPATCH_BATCH): Promise<number> {
  let made = 0;
  for (const chain of await listCursorChains(ctx.store)) {
    for (;;) {
      const r = await inTransaction(ctx.store, (tx) => dispatchChain(ctx, tx, chain, batch));
      made += r.made;
      if (r.read < batch) break;
    }
  }
  return made;
}

async function dispatchChain(ctx: AppContext, tx: Executor, chain: string, batch: number): Promise<{ read: number; made: number }> {
  const pos = await lockCursor(tx, chain);
  if (pos === undefined) return { read: 0, made: 0 };
  const page = await readChain(tx, chain, pos, batch);
  if (page.length === 0) return { read: 0, made: 0 };
  const targets = await listDispatchTargets(tx, chain);
  // Without webhooks, only resolutions matter (hold callbacks): nothing else is looked up.
  const events = page.flatMap((r) =>
    r.event === undefined || (targets.length === 0 && r.event.action !== 'item.resolved') ? [] : [r.event],
  );

  const tasks = new Map((await listTaskItems(tx, events.flatMap(tasksToLookUp))).map((t) => [t.id, t]));
  const taskLookup = { task: (id: string) => tasks.get(id) };
  const itemFacts = await listWebhookItemFacts(
    tx,
    events.flatMap((e) => itemsToLookUp(e, taskLookup)),
  );
  const items = new Map(itemFacts.map((i) => [i.id, i]));
  const lookup = { ...taskLookup, item: (id: string) => items.get(id) };
  const produced = events.flatMap((e) => webhookEventsOf(e, lookup).map((w) => ({ audit: e, event: w })));

  const callbacks = await listItemCallbacks(
    tx,
    produced.flatMap((p) => (p.event.type === 'hold.resolved' && p.event.item_id !== null ? [p.event.item_id] : [])),
  );
  const now = ctx.clock();
  const deliveries: DeliveryRecord[] = [];
  for (const { audit, event } of produced) {
    for (const t of targets) {
      // A webhook hears of what happened after it was made, not of history sealed late.
      if (!t.events.includes(event.type) || t.created_at > audit.created_at) continue;
      deliveries.push(newDelivery(ctx, chain, audit, event, now, { subscription_id: t.id, callback_url: null }));
    }
    const callback = event.type === 'hold.resolved' && event.item_id !== null ? callbacks.get(event.item_id) : undefined;
    if (callback !== undefined)
      deliveries.push(newDelivery(ctx, chain, audit, event, now, { subscription_id: null, callback_url: callback.url }));
  }
  const made = await insertDeliveries(tx, deliveries);
  await setCursor(tx, chain, page.at(-1)!.seal.pos);
  return { read: page.length, made };
}

function newDelivery(
  ctx: AppContext,
  projectId: string,
  audit: AuditFacts,
  event: WebhookEvent,
  now: number,
  to: { subscription_id: string | null; callback_url: string | null },
): DeliveryRecord {
  return {
    id: ctx.newId(),
    project_id: projectId,
    subscription_id: to.subscription_id,
    callback_url: to.callback_url,
    dedupe_key: `${to.subscription_id ?? 'callback'}:${audit.seq}:${event.type}`,
    event_type: event.type,
    event_seq: audit.seq,
    item_id: event.item_id,
    envelope: JSON.stringify(event.envelope),
    status: 'pending',
    attempts: 0,
    max_attempts: MAX_ATTEMPTS,
    next_attempt_at: now,
    manual: 0,
    lease_token: null,
    lease_until: null,
    created_at: now,
    delivered_at: null,
  };
}

/**
 * Checks the `callback_url` of each submission before anything is written, naming the item of a
 * batch that carries a bad one (as the schema's own refusals do); returns them normalised.
 */
export function checkCallbackUrls(subs: readonly { callback_url?: string }[], batch: boolean): (string | undefined)[] {
  return subs.map((s, i) => {
    if (s.callback_url === undefined) return undefined;
    const r = checkWebhookUrl(s.callback_url);
    if ('url' in r) return r.url;
    const path = batch ? `items[${i}].callback_url` : 'callback_url';
    throw new TollgateError(
      'TG_VALIDATION_FAILED',
      batch ? `item ${i} rejected, batch not stored: ${path} ${r.problem}` : `${path} ${r.problem}`,
      { errors: [{ path, message: r.problem }], ...(batch ? { item_index: i } : {}) },
    );
  });
}

/**
 * Remembers where a held item's caller wants to hear the decision, in the capture's
 * transaction. Only held items: anything else is decided at once or does not keep the caller
 * waiting. Starts the dispatcher on the project's chain if nothing listened to it yet.
 */
export async function recordHoldCallbacks(
  ctx: AppContext,
  tx: Executor,
  projectId: string,
  actor: string,
  rows: { item_id: string; url: string; created_at: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await insertItemCallbacks(
    tx,
    rows.map((r) => ({ ...r, project_id: projectId })),
  );
  await ensureCallbackSecret(ctx, tx, projectId, actor);
  await ensureCursor(tx, projectId);
}

/**
 * Makes the project's hold callback secret if it has none, in the caller's transaction: on the
 * first capture naming a callback, or when a manager first asks for it.
 */
export async function ensureCallbackSecret(ctx: AppContext, tx: Executor, projectId: string, actor: string): Promise<void> {
  if ((await getCallbackSecret(tx, projectId)) !== undefined) return;
  const now = ctx.clock();
  const made = await insertCallbackSecret(tx, {
    project_id: projectId,
    secret: storedSecret(ctx, callbackAad(projectId), newWebhookSecret()),
    previous_secret: null,
    previous_secret_expires_at: null,
    created_at: now,
    rotated_at: null,
  });
  // Another transaction made it first: its event records the creation.
  if (!made) return;
  await appendAudit(tx, [
    auditEvent(ctx, {
      project_id: projectId,
      actor,
      action: 'webhook.callback_secret_created',
      subject_type: 'project',
      subject_id: projectId,
      created_at: now,
    }),
  ]);
}
