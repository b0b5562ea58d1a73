import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { sealAll, writeCheckpoints } from './audit-chain-service.js';
import type { AppContext } from './context.js';
import { applyRetention } from './data-protection-service.js';
import { applyDueHolds } from './hold-service.js';
import { returnExpiredLeases } from './review-service.js';
import { applySlaBreaches } from './sla-service.js';
import { runEvalJobs } from './eval-jobs.js';
import { reassessAllTrust } from './trust-service.js';
import { runAllMonitors } from './monitor-service.js';
import { dispatchWebhooks } from './webhook-dispatch.js';
import { WebhookSender, type WebhookSendSettings } from './webhook-sender.js';

const RETENTION_EVERY_MS = 60_000;
/** Trust moves with human checks, which arrive at people's pace: once a minute is prompt. */
const TRUST_EVERY_MS = 60_000;
/** Error-rate detectors read new outcomes each minute; drift windows span hours, so every ten minutes is prompt. */
const ERROR_MONITORS_EVERY_MS = 60_000;
const DRIFT_MONITORS_EVERY_MS = 10 * 60_000;

export interface Scheduler {
  /** Runs one pass now (also what each tick does); resolves when it is done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The one background loop of a server: returns expired leases to the queue, applies queue SLA
 * breaches, hold timeouts and retention, seals the audit trail and signs its checkpoints, and
 * turns sealed events into webhook deliveries and sends them. Every server runs it; the work
 * it does is guarded in the store (conditional updates, row locks, leases), so with several
 * servers on one PostgreSQL each lease and each timeout is handled exactly once. Passes never
 * overlap within a process, and the first runs at once, so timeouts that fell due while the
 * server was down apply on start.
 */
export function startScheduler(
  ctx: AppContext,
  opts: {
    intervalMs: number;
    logger: Logger;
    audit?: { signingKey: KeyObject; checkpointMs: number };
    webhooks?: WebhookSendSettings;
  },
): Scheduler {
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastCheckpoint = 0;
  let lastRetention = 0;
  let lastTrust = 0;
  let lastErrorMonitors = 0;
  let lastDriftMonitors = 0;
  const webhooks = new WebhookSender(ctx, opts.webhooks, opts.logger);

  const pass = async (): Promise<void> => {
    try {
      const leases = await returnExpiredLeases(ctx);
      if (leases > 0) opts.logger.info({ returned: leases }, 'expired leases returned to the queue');
    } catch (err) {
      opts.logger.warn({ err }, 'lease sweep failed');
    }
    try {
      for (;;) {
        const { breached } = await applySlaBreaches(ctx);
        if (breached > 0) opts.logger.info({ breached }, 'SLA breaches applied');
        if (stopped || breached < 100) break;
      }
    } catch (err) {
      opts.logger.warn({ err }, 'SLA sweep failed');
    }
    try {
      // Keep going while a pass finds a full batch: a backlog after downtime clears at once.
      for (;;) {
        const { timedOut, escalated } = await applyDueHolds(ctx);
        if (timedOut + escalated > 0) opts.logger.info({ timed_out: timedOut, escalated }, 'hold timeouts applied');
        if (stopped || timedOut + escalated < 100) break;
      }
    } catch (err) {
      opts.logger.warn({ err }, 'hold timeout sweep failed');
    }
    try {
      // Deferred evaluations: a full batch means a backlog, so keep going within the pass.
      for (;;) {
        const { done, rerouted } = await runEvalJobs(ctx);
        if (rerouted > 0) opts.logger.info({ rerouted }, 'items re-routed by late evaluator results');
        if (stopped || done < 64) break;
      }
    } catch (err) {
      opts.logger.warn({ err }, 'evaluation pass failed');
    }
    try {
      const now = ctx.clock();
      if (now - lastTrust >= TRUST_EVERY_MS) {
        lastTrust = now;
        await reassessAllTrust(ctx);
      }
    } catch (err) {
      opts.logger.warn({ err }, 'evaluator trust pass failed');
    }
    try {
      const now = ctx.clock();
      const kinds = new Set<'drift' | 'error_rate'>();
      if (now - lastErrorMonitors >= ERROR_MONITORS_EVERY_MS) kinds.add('error_rate');
      if (now - lastDriftMonitors >= DRIFT_MONITORS_EVERY_MS) kinds.add('drift');
      if (kinds.has('error_rate')) lastErrorMonitors = now;
      if (kinds.has('drift')) lastDriftMonitors = now;
      // Before sealing: the alerts opened here are sealed, and their webhooks sent, in this pass.
      if (kinds.size > 0) await runAllMonitors(ctx, kinds);
    } catch (err) {
      opts.logger.warn({ err }, 'monitor pass failed');
    }
    try {
      // Retention is measured in days: once a minute is prompt enough, and keeps the pass cheap.
      const now = ctx.clock();
      if (now - lastRetention >= RETENTION_EVERY_MS) {
        lastRetention = now;
        const { items } = await applyRetention(ctx);
        if (items > 0) opts.logger.info({ items }, 'retention applied');
      }
    } catch (err) {
      opts.logger.warn({ err }, 'retention pass failed');
    }
    try {
      // Last, so that the events the passes above wrote are sealed in the same pass.
      const sealed = await sealAll(ctx.store, ctx.clock());
      if (sealed > 0) opts.logger.debug({ sealed }, 'audit events sealed');
      const now = ctx.clock();
      if (opts.audit && now - lastCheckpoint >= opts.audit.checkpointMs) {
        lastCheckpoint = now;
        const signed = await writeCheckpoints(ctx.store, opts.audit.signingKey, now);
        if (signed > 0) opts.logger.info({ signed }, 'audit checkpoints signed');
      }
    } catch (err) {
      opts.logger.warn({ err }, 'audit sealing failed');
    }
    try {
      // After sealing: webhooks are made from sealed events. Sending is not awaited, so a slow
      // receiver never holds up the next pass.
      const queued = await dispatchWebhooks(ctx);
      if (queued > 0) opts.logger.debug({ queued }, 'webhook deliveries queued');
      if (!stopped) webhooks.pump();
    } catch (err) {
      opts.logger.warn({ err }, 'webhook dispatch failed');
    }
  };

  const runOnce = (): Promise<void> => {
    running ??= pass().finally(() => (running = undefined));
    return running;
  };

  void runOnce();
  const timer = setInterval(() => {
    if (running === undefined && !stopped) void runOnce();
  }, opts.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await webhooks.stop();
    },
  };
}
