import { assertCan, canSeeProject } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import { renderWebhookBody, TEST_EVENT_TYPE, type WebhookEventType } from '../core/webhooks/events.js';
import { newWebhookSecret } from '../core/webhooks/signature.js';
import { checkWebhookUrl, urlOrigin } from '../core/webhooks/url.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import {
  cancelPendingDeliveries,
  dueNow,
  ensureCursor,
  getCallbackSecret,
  getDelivery,
  getItemContent,
  getSubscription,
  insertDeliveries,
  insertSubscription,
  listAttempts,
  listDeliveries,
  listSubscriptions,
  requeueDelivery,
  updateCallbackSecret,
  updateSubscription,
  type AttemptRecord,
  type DeliveryRecord,
  type SubscriptionRecord,
} from '../store/webhook-repo.js';
import { auditEvent, sha256Hex } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';
import { ensureCallbackSecret } from './webhook-dispatch.js';
import { callbackAad, openSecret, storedSecret, subscriptionAad } from './webhook-secrets.js';

/** Enough for every consumer a project has; a bound, so a script gone wrong cannot make thousands. */
export const MAX_WEBHOOKS_PER_PROJECT = 50;
/** How long a rotated-out secret keeps signing beside the new one, unless the caller says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

export type WebhookView = Omit<SubscriptionRecord, 'secret' | 'previous_secret'>;

export interface CreatedWebhook {
  webhook: WebhookView;
  /** Shown once: when created and when rotated. */
  secret: string;
}

export interface WebhookInput {
  url: string;
  events: WebhookEventType[];
  description?: string;
}

export interface WebhookPatch {
  url?: string;
  events?: WebhookEventType[];
  description?: string | null;
  status?: 'active' | 'paused';
}

function view(s: SubscriptionRecord): WebhookView {
  const { secret: _secret, previous_secret: _previous, ...rest } = s;
  return rest;
}

function checkedUrl(raw: string, path: string): string {
  const r = checkWebhookUrl(raw);
  if ('problem' in r) throw new TollgateError('TG_VALIDATION_FAILED', `${path} ${r.problem}`, { errors: [{ path, message: r.problem }] });
  return r.url;
}

/** What the audit trail keeps of a URL: paths and queries often carry tokens, so the origin and a digest. */
const auditedUrl = (url: string) => ({ origin: urlOrigin(url), sha256: sha256Hex(url) });

/** A webhook the caller may manage, or 404 (also for another project's, which to a scoped key does not exist). */
async function requireWebhook(ex: Executor, who: Principal, id: string, opts: { forUpdate?: boolean } = {}): Promise<SubscriptionRecord> {
  const s = await getSubscription(ex, id, opts);
  if (s === undefined || s.status === 'deleted' || !canSeeProject(who, s.project_id))
    throw new TollgateError('TG_NOT_FOUND', `webhook ${id} not found`);
  return s;
}

export async function createWebhook(ctx: AppContext, who: Principal, projectId: string, input: WebhookInput): Promise<CreatedWebhook> {
  assertCan(who, 'projects:configure');
  const url = checkedUrl(input.url, 'url');
  return inTransaction(ctx.store, async (tx) => {
    await requireProject(tx, who, projectId);
    if ((await listSubscriptions(tx, projectId)).length >= MAX_WEBHOOKS_PER_PROJECT)
      throw new TollgateError('TG_CONFLICT', `project ${projectId} has ${MAX_WEBHOOKS_PER_PROJECT} webhooks already; delete one first`);
    const now = ctx.clock();
    const id = ctx.newId();
    const secret = newWebhookSecret();
    const row: SubscriptionRecord = {
      id,
      project_id: projectId,
      url,
      events: [...new Set(input.events)],
      description: input.description ?? null,
      status: 'active',
      secret: storedSecret(ctx, subscriptionAad(id), secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      paused_reason: null,
      paused_at: null,
      failure_streak: 0,
      failing_since: null,
      last_success_at: null,
      last_failure_at: null,
      created_at: now,
      created_by: who.actor,
      updated_at: now,
    };
    await insertSubscription(tx, row);
    await ensureCursor(tx, projectId);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'webhook.subscription_created',
        subject_type: 'webhook',
        subject_id: id,
        after: { url: auditedUrl(url), events: row.events },
        created_at: now,
      }),
    ]);
    return { webhook: view(row), secret };
  });
}

export async function listWebhooks(ctx: AppContext, who: Principal, projectId: string): Promise<WebhookView[]> {
  assertCan(who, 'projects:configure');
  await requireProject(ctx.store, who, projectId);
  return (await listSubscriptions(ctx.store, projectId)).map(view);
}

export async function getWebhook(ctx: AppContext, who: Principal, id: string): Promise<WebhookView> {
  assertCan(who, 'projects:configure');
  return view(await requireWebhook(ctx.store, who, id));
}

/** Changes a webhook's URL, events or description, and pauses or resumes it; each change is audited. */
export async function updateWebhook(ctx: AppContext, who: Principal, id: string, patch: WebhookPatch): Promise<WebhookView> {
  assertCan(who, 'projects:configure');
  const url = patch.url === undefined ? undefined : checkedUrl(patch.url, 'url');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireWebhook(tx, who, id, { forUpdate: true });
    const now = ctx.clock();
    const next: SubscriptionRecord = { ...s };
    const audit = [];
    const config = {
      ...(url === undefined || url === s.url ? {} : { url }),
      ...(patch.events === undefined ? {} : { events: [...new Set(patch.events)] }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
    };
    if (Object.keys(config).length > 0) {
      Object.assign(next, config, { updated_at: now });
      audit.push(
        auditEvent(ctx, {
          project_id: s.project_id,
          actor: who.actor,
          action: 'webhook.subscription_updated',
          subject_type: 'webhook',
          subject_id: id,
          before: { url: auditedUrl(s.url), events: s.events, description_changed: config.description !== undefined },
          after: { url: auditedUrl(next.url), events: next.events },
          created_at: now,
        }),
      );
    }
    if (patch.status !== undefined && patch.status !== s.status) {
      const resume = patch.status === 'active';
      Object.assign(
        next,
        resume
          ? { status: 'active', paused_reason: null, paused_at: null, failure_streak: 0, failing_since: null }
          : { status: 'paused', paused_reason: `paused by ${who.actor}`, paused_at: now },
        { updated_at: now },
      );
      // What waited during the pause goes out now, not at its backed-off time.
      if (resume) await dueNow(tx, id, now);
      audit.push(
        auditEvent(ctx, {
          project_id: s.project_id,
          actor: who.actor,
          action: resume ? 'webhook.subscription_resumed' : 'webhook.subscription_paused',
          subject_type: 'webhook',
          subject_id: id,
          before: { status: s.status, ...(s.paused_reason === null ? {} : { reason: s.paused_reason }) },
          after: { status: next.status, ...(next.paused_reason === null ? {} : { reason: next.paused_reason }) },
          created_at: now,
        }),
      );
    }
    if (audit.length === 0) return view(s);
    const { id: _id, project_id: _p, created_at: _c, created_by: _b, ...changes } = next;
    await updateSubscription(tx, id, changes);
    await appendAudit(tx, audit);
    return view(next);
  });
}

/** Deletes a webhook: nothing more is sent to it, its waiting deliveries are cancelled, its secret is wiped; its log stays. */
export async function deleteWebhook(ctx: AppContext, who: Principal, id: string): Promise<WebhookView> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireWebhook(tx, who, id, { forUpdate: true });
    const now = ctx.clock();
    await updateSubscription(tx, id, {
      status: 'deleted',
      secret: '',
      previous_secret: null,
      previous_secret_expires_at: null,
      updated_at: now,
    });
    await cancelPendingDeliveries(tx, id);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: s.project_id,
        actor: who.actor,
        action: 'webhook.subscription_deleted',
        subject_type: 'webhook',
        subject_id: id,
        before: { url: auditedUrl(s.url), events: s.events, status: s.status },
        created_at: now,
      }),
    ]);
    return view({ ...s, status: 'deleted', updated_at: now });
  });
}

/**
 * A fresh secret, shown once. For `grace_seconds` the old one keeps signing beside it (each
 * delivery carries both signatures), so receivers can switch without missing a delivery.
 */
export async function rotateWebhookSecret(
  ctx: AppContext,
  who: Principal,
  id: string,
  input: { grace_seconds?: number },
): Promise<CreatedWebhook> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireWebhook(tx, who, id, { forUpdate: true });
    const now = ctx.clock();
    const grace = (input.grace_seconds ?? DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
    const secret = newWebhookSecret();
    const next: SubscriptionRecord = {
      ...s,
      secret: storedSecret(ctx, subscriptionAad(id), secret),
      previous_secret: grace > 0 ? s.secret : null,
      previous_secret_expires_at: grace > 0 ? now + grace : null,
      updated_at: now,
    };
    await updateSubscription(tx, id, {
      secret: next.secret,
      previous_secret: next.previous_secret,
      previous_secret_expires_at: next.previous_secret_expires_at,
      updated_at: now,
    });
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: s.project_id,
        actor: who.actor,
        action: 'webhook.secret_rotated',
        subject_type: 'webhook',
        subject_id: id,
        after: { grace_seconds: grace / 1000 },
        created_at: now,
      }),
    ]);
    return { webhook: view(next), secret };
  });
}

// ---- Deliveries ---------------------------------------------------------------------------

export interface DeliveryView {
  delivery: DeliveryRecord;
  attempts: AttemptRecord[];
  /** The body as it would be sent now (single reads only). */
  payload?: unknown;
}

/** Sends the webhook a `webhook.test` event (whatever it subscribes to, even while paused), on the next pass. */
export async function sendTestEvent(ctx: AppContext, who: Principal, id: string): Promise<DeliveryView> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireWebhook(tx, who, id);
    const now = ctx.clock();
    const deliveryId = ctx.newId();
    const delivery: DeliveryRecord = {
      id: deliveryId,
      project_id: s.project_id,
      subscription_id: id,
      callback_url: null,
      dedupe_key: `test:${deliveryId}`,
      event_type: TEST_EVENT_TYPE,
      event_seq: null,
      item_id: null,
      envelope: JSON.stringify({
        type: TEST_EVENT_TYPE,
        timestamp: new Date(now).toISOString(),
        data: { project_id: s.project_id, webhook_id: id, message: `A test event from Tollgate, requested by ${who.actor}` },
      }),
      status: 'pending',
      attempts: 0,
      max_attempts: 1,
      next_attempt_at: now,
      manual: 1,
      lease_token: null,
      lease_until: null,
      created_at: now,
      delivered_at: null,
    };
    await insertDeliveries(tx, [delivery]);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: s.project_id,
        actor: who.actor,
        action: 'webhook.test_requested',
        subject_type: 'webhook',
        subject_id: id,
        after: { delivery_id: deliveryId },
        created_at: now,
      }),
    ]);
    return { delivery, attempts: [] };
  });
}

/** A delivery the caller may see: its webhook's project (or, for a hold callback, its own) must be visible. */
async function requireDelivery(ex: Executor, who: Principal, id: string): Promise<DeliveryRecord> {
  const d = await getDelivery(ex, id);
  if (d === undefined || !canSeeProject(who, d.project_id)) throw new TollgateError('TG_NOT_FOUND', `webhook delivery ${id} not found`);
  if (d.subscription_id !== null) {
    const s = await getSubscription(ex, d.subscription_id);
    if (s === undefined || s.status === 'deleted') throw new TollgateError('TG_NOT_FOUND', `webhook delivery ${id} not found`);
  }
  return d;
}

export async function getDeliveryDetail(ctx: AppContext, who: Principal, id: string): Promise<DeliveryView> {
  assertCan(who, 'projects:configure');
  const d = await requireDelivery(ctx.store, who, id);
  const content = d.item_id === null ? null : ((await getItemContent(ctx.store, d.item_id)) ?? null);
  const attempts = (await listAttempts(ctx.store, [d.id])).get(d.id) ?? [];
  return { delivery: d, attempts, payload: JSON.parse(renderWebhookBody(d.envelope, content)) as unknown };
}

/**
 * Sends a delivery again now, with the same `webhook-id` (receivers deduplicate on it), even
 * while its webhook is paused. A delivery still being retried just moves its next attempt to
 * now; a finished one (delivered or failed) gets one more attempt.
 */
export async function replayDelivery(ctx: AppContext, who: Principal, id: string): Promise<DeliveryView> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const d = await requireDelivery(tx, who, id);
    const now = ctx.clock();
    if (d.status === 'cancelled') throw new TollgateError('TG_CONFLICT', `webhook delivery ${id} was cancelled with its webhook`);
    if (d.lease_until !== null && d.lease_until > now)
      throw new TollgateError('TG_CONFLICT', `webhook delivery ${id} is being sent right now; look again in a few seconds`);
    const maxAttempts = d.status === 'pending' ? d.max_attempts : d.attempts + 1;
    await requeueDelivery(tx, id, now, maxAttempts);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: d.project_id,
        actor: who.actor,
        action: 'webhook.delivery_replayed',
        subject_type: 'webhook_delivery',
        subject_id: id,
        before: { status: d.status, attempts: d.attempts },
        created_at: now,
      }),
    ]);
    const attempts = (await listAttempts(tx, [id])).get(id) ?? [];
    return { delivery: { ...d, status: 'pending', next_attempt_at: now, manual: 1, max_attempts: maxAttempts }, attempts };
  });
}

export interface DeliveryQuery {
  status?: string;
  event_type?: string;
  item_id?: string;
  limit?: number;
  cursor?: string;
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  next_cursor: string | null;
}

/** A webhook's delivery log, newest first, each delivery with its attempts. */
export async function listWebhookDeliveries(ctx: AppContext, who: Principal, id: string, q: DeliveryQuery): Promise<DeliveryPage> {
  assertCan(who, 'projects:configure');
  const s = await requireWebhook(ctx.store, who, id);
  return deliveryPage(ctx, { subscription_id: id, project_id: s.project_id }, q);
}

/** The project's hold callbacks, newest first, like a webhook's delivery log. */
export async function listCallbackDeliveries(ctx: AppContext, who: Principal, projectId: string, q: DeliveryQuery): Promise<DeliveryPage> {
  assertCan(who, 'projects:configure');
  await requireProject(ctx.store, who, projectId);
  return deliveryPage(ctx, { subscription_id: null, project_id: projectId }, q);
}

const DEFAULT_PAGE = 50;

async function deliveryPage(
  ctx: AppContext,
  f: { subscription_id: string | null; project_id: string },
  q: DeliveryQuery,
): Promise<DeliveryPage> {
  const limit = q.limit ?? DEFAULT_PAGE;
  const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const rows = await listDeliveries(
    ctx.store,
    {
      ...f,
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.event_type === undefined ? {} : { event_type: q.event_type }),
      ...(q.item_id === undefined ? {} : { item_id: q.item_id }),
    },
    { limit: limit + 1, ...(before === undefined ? {} : { before }) },
  );
  const page = rows.slice(0, limit);
  const attempts = await listAttempts(
    ctx.store,
    page.map((d) => d.id),
  );
  const last = page.at(-1);
  return {
    deliveries: page.map((d) => ({ delivery: d, attempts: attempts.get(d.id) ?? [] })),
    next_cursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): { created_at: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Ids are printable ASCII; anything else (a NUL the store would refuse) was not issued here.
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      /^[\x21-\x7e]{1,100}$/.test(parsed[1])
    )
      return { created_at: parsed[0] as number, id: parsed[1] };
  } catch {
    // Falls through to the refusal below.
  }
  throw new TollgateError('TG_INVALID_CURSOR', 'cursor is not one this server issued');
}

// ---- The hold callback secret ---------------------------------------------------------------

export interface CallbackSecretView {
  project_id: string;
  secret: string;
  previous_secret_expires_at: number | null;
  created_at: number;
  rotated_at: number | null;
}

/**
 * The secret hold callbacks of the project are signed with, made on first use (here, or when
 * an item names a callback). Managers read it to configure the services that receive callbacks.
 */
export async function getCallbackSecretView(ctx: AppContext, who: Principal, projectId: string): Promise<CallbackSecretView> {
  assertCan(who, 'projects:configure');
  await requireProject(ctx.store, who, projectId);
  let row = await getCallbackSecret(ctx.store, projectId);
  if (row === undefined) {
    await inTransaction(ctx.store, (tx) => ensureCallbackSecret(ctx, tx, projectId, who.actor));
    row = await getCallbackSecret(ctx.store, projectId);
    if (row === undefined) throw new TollgateError('TG_INTERNAL', `project ${projectId} has no callback secret`);
  }
  return {
    project_id: projectId,
    secret: openSecret(ctx, callbackAad(projectId), row.secret),
    previous_secret_expires_at: row.previous_secret_expires_at,
    created_at: Number(row.created_at),
    rotated_at: row.rotated_at,
  };
}

export async function rotateCallbackSecret(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  input: { grace_seconds?: number },
): Promise<CallbackSecretView> {
  assertCan(who, 'projects:configure');
  await inTransaction(ctx.store, async (tx) => {
    await requireProject(tx, who, projectId);
    await ensureCallbackSecret(ctx, tx, projectId, who.actor);
    const row = (await getCallbackSecret(tx, projectId))!;
    const now = ctx.clock();
    const grace = (input.grace_seconds ?? DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
    await updateCallbackSecret(tx, projectId, {
      secret: storedSecret(ctx, callbackAad(projectId), newWebhookSecret()),
      previous_secret: grace > 0 ? row.secret : null,
      previous_secret_expires_at: grace > 0 ? now + grace : null,
      rotated_at: now,
    });
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'webhook.callback_secret_rotated',
        subject_type: 'project',
        subject_id: projectId,
        after: { grace_seconds: grace / 1000 },
        created_at: now,
      }),
    ]);
  });
  return getCallbackSecretView(ctx, who, projectId);
}
