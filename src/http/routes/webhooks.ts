import type { AppContext } from '../../app/context.js';
import {
  createWebhook,
  deleteWebhook,
  getCallbackSecretView,
  getDeliveryDetail,
  getWebhook,
  listCallbackDeliveries,
  listWebhookDeliveries,
  listWebhooks,
  replayDelivery,
  rotateCallbackSecret,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  type CallbackSecretView,
  type DeliveryPage,
  type DeliveryView,
  type WebhookView,
} from '../../app/webhook-service.js';
import { principalOf } from '../auth.js';
import { iso, isoOrNull } from '../present.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';
import {
  CallbackSecret,
  CreatedWebhook,
  CreateWebhookBody,
  Delivery,
  DeliveryList,
  DeliveryListQuery,
  DeliveryParams,
  RotateSecretBody,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookParams,
} from '../schemas/webhook.js';
import type { TypedApp } from '../typed-app.js';

const presentWebhook = (w: WebhookView) => ({
  id: w.id,
  project_id: w.project_id,
  url: w.url,
  events: w.events,
  description: w.description,
  status: w.status as 'active' | 'paused' | 'deleted',
  paused_reason: w.paused_reason,
  paused_at: isoOrNull(w.paused_at),
  failure_streak: w.failure_streak,
  failing_since: isoOrNull(w.failing_since),
  last_success_at: isoOrNull(w.last_success_at),
  last_failure_at: isoOrNull(w.last_failure_at),
  previous_secret_expires_at: isoOrNull(w.previous_secret_expires_at),
  created_at: iso(w.created_at),
  created_by: w.created_by,
  updated_at: iso(w.updated_at),
});

const presentDelivery = ({ delivery: d, attempts, payload }: DeliveryView) => ({
  id: d.id,
  webhook_id: d.subscription_id,
  callback_url: d.callback_url,
  event_type: d.event_type,
  item_id: d.item_id,
  status: d.status as 'pending' | 'delivered' | 'failed' | 'cancelled',
  attempt_count: d.attempts,
  max_attempts: d.max_attempts,
  next_attempt_at: d.status === 'pending' ? isoOrNull(d.next_attempt_at) : null,
  created_at: iso(d.created_at),
  delivered_at: isoOrNull(d.delivered_at),
  attempts: attempts.map((a) => ({
    number: a.number,
    trigger: a.trigger as 'scheduled' | 'manual',
    started_at: iso(a.started_at),
    duration_ms: a.duration_ms,
    status_code: a.status_code,
    error: a.error,
    response_body: a.response_body,
  })),
  ...(payload === undefined ? {} : { payload }),
});

const presentPage = (p: DeliveryPage) => ({ deliveries: p.deliveries.map(presentDelivery), next_cursor: p.next_cursor });

const presentCallbackSecret = (c: CallbackSecretView) => ({
  project_id: c.project_id,
  secret: c.secret,
  previous_secret_expires_at: isoOrNull(c.previous_secret_expires_at),
  created_at: iso(c.created_at),
  rotated_at: isoOrNull(c.rotated_at),
});

/** Webhook subscriptions, their delivery logs, replays, and the hold callback secret (managers and admins). */
export function registerWebhookRoutes(app: TypedApp, ctx: AppContext): void {
  // POSTs whose body is optional: an empty one takes the defaults.
  const emptyBodyIsObject = (req: { body: unknown }, _reply: unknown, done: () => void) => {
    if (req.body === undefined || req.body === null) req.body = {};
    done();
  };

  app.post(
    '/v1/projects/:project_id/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe an endpoint to events of the project (managers); answers with the signing secret, shown once',
        params: ProjectParams,
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await createWebhook(ctx, principalOf(req), req.params.project_id, req.body);
      return reply.code(201).send({ ...presentWebhook(created.webhook), secret: created.secret });
    },
  );
  app.get(
    '/v1/projects/:project_id/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The project's webhooks, oldest first (managers); secrets are never shown",
        params: ProjectParams,
        response: { 200: WebhookList, ...errorResponses },
      },
    },
    async (req) => ({ webhooks: (await listWebhooks(ctx, principalOf(req), req.params.project_id)).map(presentWebhook) }),
  );
  app.get(
    '/v1/webhooks/:webhook_id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'A webhook and its health: status, failures in a row, last success (managers)',
        params: WebhookParams,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (req) => presentWebhook(await getWebhook(ctx, principalOf(req), req.params.webhook_id)),
  );
  app.patch(
    '/v1/webhooks/:webhook_id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook: its URL, events or description; pause it, or resume it after a pause (managers; audited)',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (req) => presentWebhook(await updateWebhook(ctx, principalOf(req), req.params.webhook_id, req.body)),
  );
  app.delete(
    '/v1/webhooks/:webhook_id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook (managers; audited): nothing more is sent, waiting deliveries are cancelled, the secret is wiped',
        params: WebhookParams,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (req) => presentWebhook(await deleteWebhook(ctx, principalOf(req), req.params.webhook_id)),
  );
  app.post(
    '/v1/webhooks/:webhook_id/rotate-secret',
    {
      preValidation: emptyBodyIsObject,
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret (managers; shown once); the old one keeps signing beside it for grace_seconds',
        params: WebhookParams,
        body: RotateSecretBody,
        response: { 200: CreatedWebhook, ...errorResponses },
      },
    },
    async (req) => {
      const r = await rotateWebhookSecret(ctx, principalOf(req), req.params.webhook_id, req.body);
      return { ...presentWebhook(r.webhook), secret: r.secret };
    },
  );
  app.post(
    '/v1/webhooks/:webhook_id/test',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send the webhook a webhook.test event on the next pass, even while paused (managers); follow it in the delivery log',
        params: WebhookParams,
        response: { 202: Delivery, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(202).send(presentDelivery(await sendTestEvent(ctx, principalOf(req), req.params.webhook_id))),
  );
  app.get(
    '/v1/webhooks/:webhook_id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The webhook's delivery log, newest first, each delivery with its attempts (managers)",
        params: WebhookParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryList, ...errorResponses },
      },
    },
    async (req) => presentPage(await listWebhookDeliveries(ctx, principalOf(req), req.params.webhook_id, req.query)),
  );
  app.get(
    '/v1/webhook-deliveries/:delivery_id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'One delivery (a webhook or a hold callback) with its attempts and the body as it would be sent now (managers)',
        params: DeliveryParams,
        response: { 200: Delivery, ...errorResponses },
      },
    },
    async (req) => presentDelivery(await getDeliveryDetail(ctx, principalOf(req), req.params.delivery_id)),
  );
  app.post(
    '/v1/webhook-deliveries/:delivery_id/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again on the next pass, with the same webhook-id, even while its webhook is paused (managers; audited)',
        params: DeliveryParams,
        response: { 202: Delivery, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(202).send(presentDelivery(await replayDelivery(ctx, principalOf(req), req.params.delivery_id))),
  );
  app.get(
    '/v1/projects/:project_id/webhooks/callback-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The secret the project's hold callbacks are signed with (managers); made on first use",
        params: ProjectParams,
        response: { 200: CallbackSecret, ...errorResponses },
      },
    },
    async (req) => presentCallbackSecret(await getCallbackSecretView(ctx, principalOf(req), req.params.project_id)),
  );
  app.post(
    '/v1/projects/:project_id/webhooks/callback-secret/rotate',
    {
      preValidation: emptyBodyIsObject,
      schema: {
        tags: ['webhooks'],
        summary: "Replace the project's hold callback secret (managers; audited); the old one keeps signing beside it for grace_seconds",
        params: ProjectParams,
        body: RotateSecretBody,
        response: { 200: CallbackSecret, ...errorResponses },
      },
    },
    async (req) => presentCallbackSecret(await rotateCallbackSecret(ctx, principalOf(req), req.params.project_id, req.body)),
  );
  app.get(
    '/v1/projects/:project_id/webhooks/callback-deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The project's hold callbacks, newest first, each with its attempts (managers)",
        params: ProjectParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryList, ...errorResponses },
      },
    },
    async (req) => presentPage(await listCallbackDeliveries(ctx, principalOf(req), req.params.project_id, req.query)),
  );
}
