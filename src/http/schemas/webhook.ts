import { Type } from 'typebox';
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from '../../core/webhooks/events.js';
import { MAX_WEBHOOK_URL_LENGTH } from '../../core/webhooks/url.js';
import { Id, Json, Nullable, StringEnum, Timestamp } from './common.js';

export const WebhookParams = Type.Object({ webhook_id: Id('Webhook') });
export const DeliveryParams = Type.Object({ delivery_id: Id('Webhook delivery') });

const Url = (description: string) => Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH, description });

const Events = Type.Array(StringEnum(WEBHOOK_EVENT_TYPES), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  uniqueItems: true,
  description: `The event types to deliver: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
});

const Description = Type.String({ minLength: 1, maxLength: 500, description: 'What the endpoint is for, for the people managing it' });

export const CreateWebhookBody = Type.Object(
  {
    url: Url('Where deliveries are POSTed: http(s), without credentials or #fragment'),
    events: Events,
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url('A new endpoint; deliveries still waiting go there')),
    events: Type.Optional(Events),
    description: Type.Optional(Nullable(Description)),
    status: Type.Optional(
      StringEnum(['active', 'paused'] as const, {
        description: 'paused: nothing is sent (deliveries wait); active: resume, sending what waited at once',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RotateSecretBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 86_400,
        description: 'How long the old secret keeps signing beside the new one (each delivery carries both signatures); default 86400',
      }),
    ),
  },
  { additionalProperties: false },
);

const webhookFields = {
  id: Type.String(),
  project_id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: StringEnum(['active', 'paused', 'deleted'] as const),
  paused_reason: Nullable(Type.String({ description: 'Why it is paused: by whom, or the failures that paused it' })),
  paused_at: Nullable(Timestamp('When it was paused')),
  failure_streak: Type.Integer({ description: 'Attempts failed in a row; a success resets it' }),
  failing_since: Nullable(Timestamp('When the current run of failures began')),
  last_success_at: Nullable(Timestamp('The last delivery the endpoint accepted')),
  last_failure_at: Nullable(Timestamp('The last attempt that failed')),
  previous_secret_expires_at: Nullable(Timestamp('Until then deliveries are also signed with the secret before the last rotation')),
  created_at: Timestamp('When it was created'),
  created_by: Type.String(),
  updated_at: Timestamp('When it last changed'),
};

export const Webhook = Type.Object(webhookFields, {
  description: 'A webhook subscription; its secret is never shown again after creation',
});

export const CreatedWebhook = Type.Object(
  {
    ...webhookFields,
    secret: Type.String({
      description: 'The signing secret (whsec_…), shown this once: receivers verify webhook-signature with it (Standard Webhooks)',
    }),
  },
  { description: 'The webhook with its signing secret, shown this once' },
);

export const WebhookList = Type.Object({ webhooks: Type.Array(Webhook) });

const Attempt = Type.Object({
  number: Type.Integer({ description: 'From 1' }),
  trigger: StringEnum(['scheduled', 'manual'] as const, { description: 'scheduled: the retry schedule; manual: a replay or a test' }),
  started_at: Timestamp('When the attempt began'),
  duration_ms: Type.Integer(),
  status_code: Nullable(Type.Integer({ description: "The receiver's HTTP status; null when there was no answer" })),
  error: Nullable(Type.String({ description: 'Why it failed (HTTP status, timeout, refused address, …); null on success' })),
  response_body: Nullable(Type.String({ description: "The start of the receiver's answer (2 KiB at most)" })),
});

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

export const Delivery = Type.Object({
  id: Type.String({ description: 'Also the webhook-id header: the same on every attempt and replay' }),
  webhook_id: Nullable(Type.String({ description: 'null for a hold callback' })),
  callback_url: Nullable(Type.String({ description: "A hold callback's URL; null for a webhook" })),
  event_type: Type.String(),
  item_id: Nullable(Type.String()),
  status: StringEnum(DELIVERY_STATUSES, {
    description: 'pending (waiting for its next attempt), delivered, failed (every attempt failed), cancelled (its webhook was deleted)',
  }),
  attempt_count: Type.Integer(),
  max_attempts: Type.Integer(),
  next_attempt_at: Nullable(Timestamp('When it is tried next, while pending')),
  created_at: Timestamp('When it was made (before anything was sent)'),
  delivered_at: Nullable(Timestamp('When the receiver accepted it')),
  attempts: Type.Array(Attempt, { description: 'Every attempt, oldest first' }),
  payload: Type.Optional(Json('The body as it would be sent now: {type, timestamp, data}')),
});

export const DeliveryList = Type.Object({
  deliveries: Type.Array(Delivery),
  next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next (older) page; null on the last page' })),
});

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(DELIVERY_STATUSES)),
    event_type: Type.Optional(StringEnum([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE] as const)),
    item_id: Type.Optional(Id('Item')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const CallbackSecret = Type.Object({
  project_id: Type.String(),
  secret: Type.String({ description: "The secret the project's hold callbacks are signed with (whsec_…)" }),
  previous_secret_expires_at: Nullable(Timestamp('Until then callbacks are also signed with the secret before the last rotation')),
  created_at: Timestamp('When it was made'),
  rotated_at: Nullable(Timestamp('When it was last rotated')),
});
