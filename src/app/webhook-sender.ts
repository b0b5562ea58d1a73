import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { isTollgateError } from '../core/errors.js';
import { renderWebhookBody } from '../core/webhooks/events.js';
import { retryDelayMs, shouldPause } from '../core/webhooks/retry.js';
import { signatureHeader } from '../core/webhooks/signature.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import {
  finishDeliveryAttempt,
  getCallbackSecret,
  getItemContent,
  getSubscription,
  insertAttempt,
  leaseDueDeliveries,
  releaseDeliveryLease,
  updateSubscription,
  type DeliveryRecord,
} from '../store/webhook-repo.js';
import { VERSION } from '../version.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { callbackAad, signingSecrets, subscriptionAad } from './webhook-secrets.js';

export interface WebhookSendSettings {
  /** Deliveries in flight at once, per server. */
  concurrency: number;
  /** How long one attempt may take, connection to last byte. */
  timeoutMs: number;
  /**
   * Which private addresses (loopback, RFC 1918, link-local, unique-local, …) deliveries may go
   * to: all (`true`, the default: a self-hosted server's receivers are often internal), none
   * (`false`), or only these addresses and CIDR ranges. Checked on the address actually
   * connected to, after DNS, so a name that resolves to a private address is caught too.
   */
  allowPrivate: boolean | string[];
}

export const DEFAULT_WEBHOOK_SEND: WebhookSendSettings = { concurrency: 8, timeoutMs: 10_000, allowPrivate: true };

/** What is kept of a receiver's answer for the delivery log. */
const RESPONSE_KEPT_BYTES = 2048;
/** A lease outlives the attempt's timeout by this much, so it never lapses during a live attempt. */
const LEASE_MARGIN_MS = 30_000;

interface AttemptResult {
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  duration_ms: number;
}

/**
 * Sends due deliveries, at most `concurrency` at a time per server, each signed by the Standard
 * Webhooks rules and recorded as an attempt. A delivery is leased while in flight, so servers
 * sharing a store never send it twice at once; a server that dies mid-send leaves a lease that
 * lapses, and the delivery is sent again (receivers deduplicate on `webhook-id`). A failure
 * schedules the next attempt by the backoff; a webhook failing every attempt for a day is paused.
 */
export class WebhookSender {
  private readonly inflight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private filling: Promise<number> | undefined;
  private stopped = false;
  private readonly agents: { http: http.Agent | undefined; https: https.Agent | undefined };

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: WebhookSendSettings = DEFAULT_WEBHOOK_SEND,
    private readonly logger: Logger = ctx.logger,
  ) {
    const allow = settings.allowPrivate;
    this.agents =
      allow === true
        ? { http: undefined, https: undefined }
        : {
            http: new RequestFilteringHttpAgent({ allowPrivateIPAddress: false, allowIPAddressList: allow === false ? [] : allow }),
            https: new RequestFilteringHttpsAgent({ allowPrivateIPAddress: false, allowIPAddressList: allow === false ? [] : allow }),
          };
  }

  /** Fills free slots with due deliveries and returns once they are started (not answered): the scheduler's pass never waits on a receiver. */
  pump(): void {
    void this.fill().catch((err: unknown) => this.logger.warn({ err }, 'webhook sending failed'));
  }

  /** Sends every delivery due now and waits for the answers; returns how many attempts were made. */
  async drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      const started = await this.fill();
      await this.idle();
      sent += started;
      if (started === 0) return sent;
    }
  }

  /** Resolves once nothing is in flight. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight.values()].map((f) => f.done));
  }

  /** Abandons what is in flight (its leases are given back, nothing is recorded) and sends no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.filling?.catch(() => 0);
    for (const f of this.inflight.values()) f.abort.abort();
    await this.idle();
  }

  private fill(): Promise<number> {
    this.filling ??= this.lease().finally(() => (this.filling = undefined));
    return this.filling;
  }

  private async lease(): Promise<number> {
    const free = this.settings.concurrency - this.inflight.size;
    if (this.stopped || free <= 0) return 0;
    const now = this.ctx.clock();
    const token = randomBytes(12).toString('base64url');
    const leased = await leaseDueDeliveries(this.ctx.store, {
      now,
      limit: free,
      token,
      leaseUntil: now + this.settings.timeoutMs + LEASE_MARGIN_MS,
    });
    for (const d of leased) {
      const abort = new AbortController();
      const done = this.attempt(d, token, abort.signal)
        .catch((err: unknown) => this.logger.warn({ err, delivery_id: d.id }, 'webhook attempt could not be recorded'))
        .finally(() => this.inflight.delete(d.id));
      this.inflight.set(d.id, { abort, done });
    }
    return leased.length;
  }

  private async attempt(d: DeliveryRecord, token: string, signal: AbortSignal): Promise<void> {
    const startedAt = this.ctx.clock();
    const started = performance.now();
    let result: AttemptResult;
    try {
      const target = await this.target(d, startedAt);
      const content = d.item_id === null ? null : ((await getItemContent(this.ctx.store, d.item_id)) ?? null);
      const body = renderWebhookBody(d.envelope, content);
      const timestamp = Math.floor(startedAt / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': `Tollgate-Webhooks/${VERSION}`,
        'webhook-id': d.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(target.secrets, d.id, timestamp, body),
      };
      result = await this.post(target.url, body, headers, signal);
    } catch (err) {
      // Nothing was sent: the secret cannot be opened, or the webhook went away.
      result = { status_code: null, error: isTollgateError(err) ? err.message : String(err), response_body: null, duration_ms: 0 };
    }
    result.duration_ms = Math.round(performance.now() - started);
    if (signal.aborted) {
      await releaseDeliveryLease(this.ctx.store, d.id, token);
      return;
    }
    await this.record(d, token, startedAt, result);
  }

  private async target(d: DeliveryRecord, now: number): Promise<{ url: string; secrets: string[] }> {
    if (d.subscription_id === null) {
      const row = await getCallbackSecret(this.ctx.store, d.project_id);
      if (row === undefined || d.callback_url === null) throw new Error('the project has no callback secret');
      return { url: d.callback_url, secrets: signingSecrets(this.ctx, callbackAad(d.project_id), row, now) };
    }
    const s = await getSubscription(this.ctx.store, d.subscription_id);
    if (s === undefined || s.status === 'deleted') throw new Error('the webhook was deleted');
    return { url: s.url, secrets: signingSecrets(this.ctx, subscriptionAad(s.id), s, now) };
  }

  private post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<AttemptResult> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const agent = secure ? this.agents.https : this.agents.http;
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]);
    return new Promise<AttemptResult>((resolve) => {
      const done = (r: Omit<AttemptResult, 'duration_ms'>) => resolve({ ...r, duration_ms: 0 });
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          // Receivers answer quickly or not at all; a connection kept open per endpoint buys little.
          ...(agent === undefined ? { agent: false } : { agent }),
          signal: deadline,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          const finish = () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            done({
              status_code: status,
              // Redirects are not followed: a webhook URL that moved must be changed by a manager.
              error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
              response_body: text === '' ? null : text,
            });
          };
          res.on('data', (chunk: Buffer) => {
            if (kept >= RESPONSE_KEPT_BYTES) return;
            const part = chunk.subarray(0, RESPONSE_KEPT_BYTES - kept);
            chunks.push(part);
            kept += part.length;
            if (kept >= RESPONSE_KEPT_BYTES) {
              res.destroy();
              finish();
            }
          });
          res.on('end', finish);
          res.on('error', () => finish());
        },
      );
      req.on('error', (err) => {
        const timedOut = deadline.aborted && !signal.aborted;
        done({ status_code: null, error: timedOut ? `no answer within ${this.settings.timeoutMs} ms` : err.message, response_body: null });
      });
      req.end(body);
    });
  }

  /** Records the attempt and its consequences in one transaction: the delivery's state, the webhook's health. */
  private async record(d: DeliveryRecord, token: string, startedAt: number, r: AttemptResult): Promise<void> {
    const ctx = this.ctx;
    const ok = r.error === null;
    const now = ctx.clock();
    const attempts = d.attempts + 1;
    const status = ok ? 'delivered' : attempts >= d.max_attempts ? 'failed' : 'pending';
    await inTransaction(ctx.store, async (tx) => {
      const mine = await finishDeliveryAttempt(tx, d.id, token, {
        status,
        attempts,
        next_attempt_at: status === 'pending' ? now + retryDelayMs(attempts, ctx.random()) : null,
        delivered_at: ok ? now : d.delivered_at,
      });
      // The lease lapsed and another sender took the delivery over: its attempt is the one that counts.
      if (!mine) return;
      await insertAttempt(tx, {
        delivery_id: d.id,
        number: attempts,
        trigger: d.manual === 1 ? 'manual' : 'scheduled',
        started_at: startedAt,
        duration_ms: r.duration_ms,
        status_code: r.status_code,
        error: r.error === null ? null : r.error.slice(0, 500),
        response_body: r.response_body,
      });
      if (d.subscription_id === null) return;
      const s = await getSubscription(tx, d.subscription_id, { forUpdate: true });
      if (s === undefined || s.status === 'deleted') return;
      if (ok) {
        await updateSubscription(tx, s.id, { failure_streak: 0, failing_since: null, last_success_at: now });
        return;
      }
      const streak = s.failure_streak + 1;
      const since = s.failing_since ?? startedAt;
      const pause = s.status === 'active' && shouldPause(streak, since, now);
      const reason = `every attempt failed for ${Math.round((now - since) / 3_600_000)} h (${streak} in a row; last: ${r.error})`;
      await updateSubscription(tx, s.id, {
        failure_streak: streak,
        failing_since: since,
        last_failure_at: now,
        ...(pause ? { status: 'paused', paused_reason: reason, paused_at: now, updated_at: now } : {}),
      });
      if (pause) {
        await appendAudit(tx, [
          auditEvent(ctx, {
            project_id: s.project_id,
            actor: 'system:webhooks',
            action: 'webhook.subscription_paused',
            subject_type: 'webhook',
            subject_id: s.id,
            before: { status: 'active' },
            after: { status: 'paused', reason, failure_streak: streak },
            created_at: now,
          }),
        ]);
        this.logger.warn({ webhook_id: s.id, project_id: s.project_id, failure_streak: streak }, 'webhook paused after repeated failures');
      }
    });
  }
}
