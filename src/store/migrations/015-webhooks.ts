import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Signed webhooks (Standard Webhooks) and hold callbacks.
 * - `webhook_subscriptions`: a project's endpoints, the event types each wants, its signing
 *   secret (sealed when the server has an encryption key; see webhook-secrets), and its health:
 *   the run of failed attempts that pauses it.
 * - `item_callbacks`: the URL a held item's caller named to be told of the decision.
 * - `webhook_callback_secrets`: the per-project secret hold callbacks are signed with.
 * - `webhook_cursors`: how far the dispatcher has read each project's sealed audit chain. The
 *   sealed trail is the outbox: a delivery is made from an event once it is final and ordered.
 * - `webhook_deliveries`: one per event and destination, written before anything is sent, with
 *   its retry state; `dedupe_key` makes a second dispatch of the same event a no-op. The body
 *   is stored without content (`external_id`, the outcome's output): those are read from the
 *   item when sending, so retention and erasure, which empty the item, reach webhooks too.
 * - `webhook_attempts`: every HTTP attempt of a delivery, for the delivery log.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', json, (c) => c.notNull())
    .addColumn('description', 'text')
    /** `active`, `paused` or `deleted`. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('paused_reason', 'text')
    .addColumn('paused_at', 'bigint')
    .addColumn('failure_streak', 'integer', (c) => c.notNull())
    .addColumn('failing_since', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_failure_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index webhook_subscriptions_project_idx on webhook_subscriptions (project_id, created_at)`.execute(db);

  await db.schema
    .createTable('item_callbacks')
    .addColumn('item_id', 'text', (c) => c.primaryKey().references('items.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_callback_secrets')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .execute();

  await db.schema
    .createTable('webhook_cursors')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('pos', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    /** null for a hold callback, which goes to `callback_url` instead. */
    .addColumn('subscription_id', 'text', (c) => c.references('webhook_subscriptions.id'))
    .addColumn('callback_url', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint')
    .addColumn('item_id', 'text')
    /** The Standard Webhooks payload as JSON text (key order kept), content left out. */
    .addColumn('envelope', 'text', (c) => c.notNull())
    /** `pending`, `delivered`, `failed` or `cancelled`. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    /** 1 when a manager asked for the next attempt (a replay or a test): it goes out even while the webhook is paused. */
    .addColumn('manual', 'integer', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_subscription_idx on webhook_deliveries (subscription_id, created_at)`.execute(db);
  await sql`create index webhook_deliveries_callback_idx on webhook_deliveries (project_id, created_at) where subscription_id is null`.execute(
    db,
  );

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    /** `scheduled` (the retry schedule) or `manual` (a replay or a test). */
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_body', 'text')
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'number'])
    .execute();
}
