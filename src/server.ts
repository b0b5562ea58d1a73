import { defaultWebRoot } from './http/web-console.js';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext, type AppContext } from './app/context.js';
import { bootstrapFirstAdminKey, ensureAdminKey } from './app/key-service.js';
import { startScheduler } from './app/scheduler.js';
import { ProxyCredentials } from './app/proxy-credentials.js';
import { DEFAULT_WEBHOOK_SEND } from './app/webhook-sender.js';
import { readPrivateKey } from './app/audit-keys.js';
import { ITEM_CHANNEL } from './store/notify-repo.js';
import type { ServerConfig } from './config.js';
import { buildApp } from './http/app.js';
import { migrateToLatest } from './store/migrate.js';
import { openStore } from './store/store.js';
import { describeStoreTarget } from './store/store-url.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  close(): Promise<void>;
}

/**
 * Secrets never reach the logs: request logs carry no headers by default, and should one be
 * logged (a plugin, a debug serializer) its credentials are censored here as well.
 */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-csrf-token"]',
  'key',
  'password',
  'secret',
  '*.key',
  '*.password',
  '*.secret',
];

/** Sign-in URLs carry the provider's authorization code and state in their query: logged without it. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  return q >= 0 && url.startsWith('/auth/') ? `${url.slice(0, q)}?[redacted]` : url;
}

interface LoggedRequest {
  method: string;
  url: string;
  headers?: Record<string, unknown>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer, with `loggableUrl`: a request log line never holds a sign-in code. */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: loggableUrl(req.url),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'tollgate' },
    redact: { paths: LOG_REDACTIONS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Opens the store, migrates, bootstraps the admin key, listens, and runs the scheduler. */
export interface StartOptions {
  /** On an empty store only: load the demo project and the demo console users (`npm start`). */
  demo?: boolean;
}

export async function startServer(
  config: ServerConfig,
  logger: Logger = createLogger(config.logLevel),
  opts: StartOptions = {},
): Promise<RunningServer> {
  // A bad key stops the start before anything is opened.
  const signingKey =
    config.auditSigningKey === undefined ? undefined : readPrivateKey(config.auditSigningKey, 'TOLLGATE_AUDIT_SIGNING_KEY');
  const store = openStore(config.store, { poolSize: config.pgPoolSize });
  const ctx = createContext({
    store,
    clock: Date.now,
    newId: uuidv7,
    logger,
    originalKey: config.piiEncryptionKey ?? null,
    proxyCredentials: new ProxyCredentials(config.proxy.keyEnvs),
  });
  try {
    const { applied } = await migrateToLatest(store);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    if (config.adminKey !== undefined) await ensureAdminKey(ctx, config.adminKey);
    else {
      const first = await bootstrapFirstAdminKey(ctx);
      if (first) {
        // Shown once, on stderr and outside the JSON log, so it does not end up in log storage by default.
        process.stderr.write(
          `\nNo API key existed, so an admin key was created. It is shown only this once:\n\n    ${first.key}\n\nKeep it safe; create more with \`tollgate keys create --role ...\`.\n\n`,
        );
      }
    }
    if (opts.demo === true) await seedDemoWhenEmpty(ctx, logger);
  } catch (err) {
    await store.close();
    throw err;
  }
  const app = await buildApp({
    ctx,
    version: VERSION,
    bodyLimits: config.bodyLimits,
    logRequests: config.logLevel === 'debug' || config.logLevel === 'trace',
    authFailuresPerMinute: config.authFailuresPerMinute,
    trustProxy: config.trustProxy,
    sso: config.sso,
    proxyTimeouts: config.proxy.timeouts,
    webRoot: defaultWebRoot(),
  });
  const url = await app.listen({ port: config.port, host: config.host });
  logger.info({ url, store: describeStoreTarget(config.store), version: VERSION }, 'tollgate listening');

  // Other servers on the same PostgreSQL announce item changes; wake the waits held here.
  const unsubscribe = await store.subscribe(ITEM_CHANNEL, {
    message: (itemId) => ctx.itemEvents.emit(itemId),
    reset: () => ctx.itemEvents.emitAll(),
    error: (err) => logger.warn({ err }, 'item change channel lost; reconnecting'),
  });
  const scheduler = startScheduler(ctx, {
    intervalMs: config.sweepIntervalMs,
    logger,
    ...(signingKey === undefined ? {} : { audit: { signingKey, checkpointMs: config.auditCheckpointMs } }),
    webhooks: { ...DEFAULT_WEBHOOK_SEND, allowPrivate: config.webhookAllowPrivate },
  });

  return {
    app,
    ctx,
    url,
    async close() {
      await scheduler.stop();
      await app.close();
      await unsubscribe();
      await store.close();
    },
  };
}

/**
 * A first run should show something: on a store with no project and no console user, load the
 * demo (a project with two weeks of traffic and reviews, and the README's demo sign-ins). Any
 * store that already holds work is left alone, so a real deployment never gains demo users.
 */
async function seedDemoWhenEmpty(ctx: AppContext, logger: Logger): Promise<void> {
  const project = await ctx.store.db.selectFrom('projects').select('id').limit(1).executeTakeFirst();
  const user = await ctx.store.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (project || user) return;
  const { loadDemo } = await import('./cli/commands/demo.js');
  const summary = await loadDemo(
    ctx,
    { key_id: 'demo', role: 'admin', project_id: null, actor: 'system:demo' },
    { people: true, historyDays: 14 },
  );
  logger.warn(
    'empty store: loaded the demo project and demo users (password "tollgate-demo"); run `tollgate start` without --demo in production',
  );
  process.stderr.write(`\n${summary}\n`);
}
