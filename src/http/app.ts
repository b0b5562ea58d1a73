import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { KeyAuthenticator } from '../app/key-service.js';
import { DEFAULT_SESSION_TTL_SECONDS, SessionAuthenticator } from '../app/session-service.js';
import { OidcSignIn, type SsoConfig } from '../app/sso-service.js';
import type { AppContext } from '../app/context.js';
import { installAuth } from './auth.js';
import { AuthFailureLimiter } from './auth-limit.js';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './body-limits.js';
import { installErrorHandlers, MAX_PARAM_LENGTH, sendFrameworkError } from './error-handler.js';
import { installInputGuard } from './input-guard.js';
import { registerItemRoutes } from './routes/items.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerProjectRoutes } from './routes/projects.js';
import { registerBacktestRoutes } from './routes/backtest.js';
import { registerCalibrationRoutes } from './routes/calibrations.js';
import { registerComparisonRoutes } from './routes/comparisons.js';
import { registerGoldRoutes } from './routes/gold.js';
import { registerGuidelineRoutes } from './routes/guidelines.js';
import { registerEvaluatorRoutes } from './routes/evaluators.js';
import { registerMonitoringRoutes } from './routes/monitoring.js';
import { registerOutcomeRoutes } from './routes/outcomes.js';
import { registerQueueRoutes } from './routes/queues.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerDataProtectionRoutes } from './routes/data-protection.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerProxyRoutes } from './routes/proxy.js';
import type { UpstreamTimeouts } from '../app/proxy-upstream.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerExportRoutes } from './routes/exports.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerReviewerRoutes } from './routes/reviewers.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerUserRoutes } from './routes/users.js';
import { ErrorBody } from './schemas/common.js';
import { CaptureResult, CreateItemBody, Item, Judgment, Task } from './schemas/item.js';
import { Project } from './schemas/project.js';
import { installMissingConsoleNotice, installWebConsole } from './web-console.js';
import { createValidatorCompiler } from './validator.js';

export interface BuildAppOptions {
  ctx: AppContext;
  version: string;
  bodyLimits?: BodyLimits;
  /** Log each request; off in tests and benchmarks. */
  logRequests?: boolean;
  /** Failed authentications allowed per address and per key each minute; 0 turns the limit off. */
  authFailuresPerMinute?: number;
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For gives the client's address. */
  trustProxy?: boolean | string[];
  /** Browser sign-in (OpenID Connect) and sessions; without it single sign-on is off. */
  sso?: SsoConfig;
  /** The OpenAI-compatible proxy's timeouts for upstream calls (connect, total). */
  proxyTimeouts?: UpstreamTimeouts;
  /** The built web console to serve at `/` (dist/web); null or absent: API only. */
  webRoot?: string | null;
}

/** Generous for a person mistyping, ruinous for a script guessing. */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

const SHARED_SCHEMAS = [ErrorBody, CreateItemBody, Item, CaptureResult, Task, Judgment, Project];

/** Builds the HTTP app without listening, so tests can `inject()` and `start` can `listen()`. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const limits = opts.bodyLimits ?? DEFAULT_BODY_LIMITS;
  // Typed as Fastify's logger interface so the app's type does not depend on pino's generics.
  const logger: FastifyBaseLogger = opts.ctx.logger;
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: !opts.logRequests }),
    bodyLimit: limits.item,
    trustProxy: opts.trustProxy ?? false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: sendFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler(SHARED_SCHEMAS));
  for (const s of SHARED_SCHEMAS) app.addSchema(s);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tollgate API',
        version: opts.version,
        description:
          'Capture model outputs, route them by policy, review them and read their outcomes. ' +
          'Authenticate with `Authorization: Bearer <key>`, or from a browser with the `tollgate_session` cookie set by ' +
          "single sign-on (`/auth/oidc/login`), which needs the session's CSRF token in `x-csrf-token` on POST, PUT, PATCH " +
          'and DELETE. Errors are `{"error": {"code", "message", "details"}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'tollgate_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // Secure headers on every answer (nosniff, frame denial, a strict CSP, no referrer leaks);
  // the API reference pages carry their own CSP for the scripts and styles they ship.
  await app.register(helmet, { global: true });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const webRoot = opts.webRoot ?? null;
  const spaFallback = webRoot === null ? null : await installWebConsole(app, webRoot);
  installErrorHandlers(app, spaFallback);
  if (webRoot === null) installMissingConsoleNotice(app);
  installInputGuard(app);
  // The API speaks JSON only. Fastify's built-in text/plain parser would hand a text body (what
  // fetch sends for a string body without a content type) to validation as "body must be object".
  app.removeContentTypeParser('text/plain');
  const keys = new KeyAuthenticator(opts.ctx);
  const sessions = new SessionAuthenticator(opts.ctx);
  const limiter = new AuthFailureLimiter(opts.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE);
  installAuth(app, keys, sessions, limiter);
  const sso = opts.sso ?? { oidc: null, sessionTtlSeconds: DEFAULT_SESSION_TTL_SECONDS, secureCookies: false };
  const signIn = sso.oidc === null ? null : new OidcSignIn(opts.ctx, sso.oidc, sso.sessionTtlSeconds);
  signIn?.warm();

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerSystemRoutes(app, opts.ctx, opts.version);
  registerAuthRoutes(app, opts.ctx, { sso, signIn, sessions, limiter });
  registerKeyRoutes(app, opts.ctx, keys);
  registerUserRoutes(app, opts.ctx);
  registerProjectRoutes(app, opts.ctx);
  registerItemRoutes(app, opts.ctx, limits);
  registerTaskRoutes(app, opts.ctx);
  registerOutcomeRoutes(app, opts.ctx);
  registerBacktestRoutes(app, opts.ctx);
  registerQueueRoutes(app, opts.ctx);
  registerGuidelineRoutes(app, opts.ctx);
  registerEvaluatorRoutes(app, opts.ctx);
  registerMonitoringRoutes(app, opts.ctx);
  registerGoldRoutes(app, opts.ctx);
  registerComparisonRoutes(app, opts.ctx);
  registerCalibrationRoutes(app, opts.ctx);
  registerStatsRoutes(app, opts.ctx);
  registerReviewerRoutes(app, opts.ctx);
  registerAuditRoutes(app, opts.ctx);
  registerReportRoutes(app, opts.ctx, opts.version);
  registerDataProtectionRoutes(app, opts.ctx);
  registerWebhookRoutes(app, opts.ctx);
  registerProxyRoutes(app, opts.ctx, {
    bodyLimit: limits.item,
    ...(opts.proxyTimeouts === undefined ? {} : { timeouts: opts.proxyTimeouts }),
  });
  registerOtlpRoutes(app, opts.ctx, limits);
  registerExportRoutes(app, opts.ctx);
  return app;
}
