import { InvalidArgumentError, type Command } from 'commander';
import { WEBHOOK_EVENT_TYPES } from '../../core/webhooks/events.js';
import { CliError } from '../cli-error.js';
import type { TollgateClient } from '../http-client.js';
import { formatTable, jsonLine, seconds } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { intArg } from './option-parsers.js';

/* The public JSON shapes of the webhook routes (src/http/schemas/webhook.ts is the contract). */

export interface Webhook {
  id: string;
  project_id: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'active' | 'paused' | 'deleted';
  paused_reason: string | null;
  failure_streak: number;
  last_success_at: string | null;
  last_failure_at: string | null;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  webhook_id: string | null;
  callback_url: string | null;
  event_type: string;
  item_id: string | null;
  status: string;
  attempt_count: number;
  max_attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
  attempts: { number: number; trigger: string; started_at: string; status_code: number | null; error: string | null }[];
}

const seg = (id: string): string => encodeURIComponent(id);

async function call<T>(client: TollgateClient, method: string, path: string, body?: unknown): Promise<T> {
  const result = await client.request<T>(method, path, body);
  if (result === null) throw new CliError(`${method} ${path}: the server sent no body`);
  return result;
}

/** `--event a --event b` or `--event a,b`: each flag adds event types. */
function collectEvents(value: string, previous: string[] | undefined): string[] {
  const added = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const e of added)
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))
      throw new InvalidArgumentError(`must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  return [...(previous ?? []), ...added];
}

function webhookLine(w: Webhook): string {
  const health =
    w.status === 'paused' ? `paused: ${w.paused_reason ?? ''}` : w.failure_streak > 0 ? `${w.failure_streak} failures in a row` : 'ok';
  return `${w.id} ${w.status} ${w.url} [${w.events.join(', ')}] ${health}\n`;
}

function lastAttempt(d: WebhookDelivery): string {
  const a = d.attempts.at(-1);
  if (a === undefined) return '-';
  return a.error === null ? `${a.status_code ?? ''} ok` : a.error;
}

function printDeliveries(io: CliIo, rows: WebhookDelivery[]): void {
  if (rows.length === 0) return io.out('no deliveries\n');
  io.out(
    formatTable(
      ['DELIVERY', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT', 'CREATED'],
      rows.map((d) => [
        d.id,
        d.event_type,
        d.status,
        `${d.attempt_count}/${d.max_attempts}`,
        lastAttempt(d),
        d.next_attempt_at === null ? '-' : seconds(d.next_attempt_at),
        seconds(d.created_at),
      ]),
    ),
  );
}

/** Webhook subscriptions, their delivery logs, replays and the hold callback secret (client of a running server; managers). */
export function registerWebhookCommands(program: Command, io: CliIo): void {
  const group = program
    .command('webhooks')
    .description('Signed webhooks (Standard Webhooks): subscriptions, delivery log, replay, hold callback secret');

  clientCommand(group, 'create <project-id>', 'Subscribe a URL to events of the project; prints the signing secret once')
    .requiredOption('--endpoint <url>', 'where deliveries are POSTed (http or https)')
    .requiredOption('--event <type>', `event types, repeatable or comma-separated: ${WEBHOOK_EVENT_TYPES.join(', ')}`, collectEvents)
    .option('--description <text>', 'what the endpoint is for')
    .option('--json', 'print the webhook (with its secret) as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { endpoint: string; event: string[]; description?: string }) => {
      const created = await call<Webhook & { secret: string }>(connect(opts, io), 'POST', `/v1/projects/${seg(projectId)}/webhooks`, {
        url: opts.endpoint,
        events: [...new Set(opts.event)],
        ...(opts.description === undefined ? {} : { description: opts.description }),
      });
      if (opts.json) return io.out(jsonLine(created));
      io.out(`${created.id}\nsecret (shown this once; receivers verify webhook-signature with it): ${created.secret}\n`);
    });

  clientCommand(group, 'list <project-id>', "The project's webhooks and their health")
    .option('--json', 'print webhooks as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const { webhooks } = await call<{ webhooks: Webhook[] }>(connect(opts, io), 'GET', `/v1/projects/${seg(projectId)}/webhooks`);
      if (opts.json) return io.out(webhooks.map(jsonLine).join(''));
      if (webhooks.length === 0) return io.out('no webhooks\n');
      io.out(webhooks.map(webhookLine).join(''));
    });

  clientCommand(
    group,
    'deliveries <webhook-id>',
    "The webhook's delivery log, newest first (--callbacks PROJECT: the project's hold callbacks)",
  )
    .option('--status <status>', 'pending | delivered | failed | cancelled')
    .option('--limit <n>', 'how many (1-200)', intArg(1, 200), 50)
    .option('--callbacks', 'read <webhook-id> as a project id and list its hold callbacks')
    .option('--json', 'print deliveries, with their attempts, as JSONL')
    .action(async (id: string, opts: ClientOptions & JsonOption & { status?: string; limit: number; callbacks?: boolean }) => {
      const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.status === undefined ? {} : { status: opts.status }) });
      const path = opts.callbacks ? `/v1/projects/${seg(id)}/webhooks/callback-deliveries` : `/v1/webhooks/${seg(id)}/deliveries`;
      const { deliveries } = await call<{ deliveries: WebhookDelivery[] }>(connect(opts, io), 'GET', `${path}?${query.toString()}`);
      if (opts.json) return io.out(deliveries.map(jsonLine).join(''));
      printDeliveries(io, deliveries);
    });

  clientCommand(group, 'replay <delivery-id>', 'Send a delivery again on the next pass, with the same webhook-id (audited)')
    .option('--json', 'print the delivery as JSON')
    .action(async (id: string, opts: ClientOptions & JsonOption) => {
      const d = await call<WebhookDelivery>(connect(opts, io), 'POST', `/v1/webhook-deliveries/${seg(id)}/replay`);
      io.out(opts.json ? jsonLine(d) : `${d.id} queued (${d.event_type}, ${d.attempt_count} attempts so far)\n`);
    });

  for (const [name, status, what] of [
    ['pause', 'paused', 'Stop sending to a webhook; its deliveries wait (audited)'],
    ['resume', 'active', 'Resume a paused webhook; what waited is sent at once (audited)'],
  ] as const) {
    clientCommand(group, `${name} <webhook-id>`, what)
      .option('--json', 'print the webhook as JSON')
      .action(async (id: string, opts: ClientOptions & JsonOption) => {
        const w = await call<Webhook>(connect(opts, io), 'PATCH', `/v1/webhooks/${seg(id)}`, { status });
        io.out(opts.json ? jsonLine(w) : webhookLine(w));
      });
  }

  clientCommand(group, 'delete <webhook-id>', 'Delete a webhook: nothing more is sent, waiting deliveries are cancelled (audited)').action(
    async (id: string, opts: ClientOptions) => {
      const w = await call<Webhook>(connect(opts, io), 'DELETE', `/v1/webhooks/${seg(id)}`);
      io.out(`${w.id} deleted\n`);
    },
  );

  clientCommand(group, 'rotate-secret <webhook-id>', 'A fresh signing secret, printed once; the old one keeps signing for the grace period')
    .option('--grace <seconds>', 'how long the old secret also signs (0-604800)', intArg(0, 604_800), 86_400)
    .option('--json', 'print the webhook (with its secret) as JSON')
    .action(async (id: string, opts: ClientOptions & JsonOption & { grace: number }) => {
      const r = await call<Webhook & { secret: string }>(connect(opts, io), 'POST', `/v1/webhooks/${seg(id)}/rotate-secret`, {
        grace_seconds: opts.grace,
      });
      io.out(opts.json ? jsonLine(r) : `secret (shown this once): ${r.secret}\n`);
    });

  clientCommand(group, 'test <webhook-id>', 'Send the webhook a webhook.test event on the next pass')
    .option('--json', 'print the delivery as JSON')
    .action(async (id: string, opts: ClientOptions & JsonOption) => {
      const d = await call<WebhookDelivery>(connect(opts, io), 'POST', `/v1/webhooks/${seg(id)}/test`);
      io.out(opts.json ? jsonLine(d) : `${d.id} queued; see \`tollgate webhooks deliveries ${id}\`\n`);
    });

  clientCommand(group, 'callback-secret <project-id>', "Print the secret the project's hold callbacks are signed with")
    .option('--rotate', 'replace it first (the old one keeps signing for the grace period)')
    .option('--grace <seconds>', 'with --rotate: how long the old secret also signs', intArg(0, 604_800), 86_400)
    .action(async (projectId: string, opts: ClientOptions & { rotate?: boolean; grace: number }) => {
      const base = `/v1/projects/${seg(projectId)}/webhooks/callback-secret`;
      const client = connect(opts, io);
      const r = opts.rotate
        ? await call<{ secret: string }>(client, 'POST', `${base}/rotate`, { grace_seconds: opts.grace })
        : await call<{ secret: string }>(client, 'GET', base);
      io.out(`${r.secret}\n`);
    });
}
