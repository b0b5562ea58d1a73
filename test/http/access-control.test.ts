import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, type Permission } from '../../src/core/access/permissions.js';
import { ROLES, type Role } from '../../src/core/types.js';
import { countRows, DIALECTS, openTestStore, type TableName, type TestStore } from '../support/stores.js';
import { ROOT, testApi, type TestApi } from '../support/http.js';
import { createKey } from '../../src/app/key-service.js';
import type { AppContext } from '../../src/app/context.js';
import { raiseAlert } from '../../src/app/alert-service.js';
import { inTransaction } from '../../src/store/executor.js';
import { buildOpenApiDocument } from '../../src/http/openapi/openapi-build.js';

/**
 * Least privilege on every route, as one table: which roles may call it. The table is written
 * out here (not derived), checked against permissions.ts, and then against the running API:
 * allowed roles succeed, the rest get 403 TG_FORBIDDEN and change nothing.
 */
const POLICY = { rules: [{ name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 }] };
const ITEM = { input: 'q', output: 'a', confidence: 0.1 };

const ALL: Role[] = ['admin', 'manager', 'expert', 'reviewer', 'viewer', 'ingest'];
const READERS: Role[] = ['admin', 'manager', 'expert', 'reviewer', 'viewer'];
const WORKERS: Role[] = ['admin', 'manager', 'expert', 'reviewer'];
const CONFIGURERS: Role[] = ['admin', 'manager'];
const INGESTERS: Role[] = ['admin', 'manager', 'ingest'];
// Reviewers see no figures built from their peers' judgments.
const STATS_READERS: Role[] = ['admin', 'manager', 'viewer'];

interface Ctx {
  api: TestApi;
  /** The server's context, for setups that make what no route makes (an alert). */
  appCtx: AppContext;
  projectId: string;
  role: Role;
  key: string;
  /** A task this key holds a lease on (claimed just now), or some other task for roles that may not work. */
  task(): Promise<string>;
  /** A key nobody uses, to revoke. */
  spareKeyId(): Promise<string>;
  /** A console user nobody signs in as, to change. */
  spareUserId(): Promise<string>;
  itemId: string;
  /**
   * An item this key may read: reviewers and experts read blind, only items they work on, so
   * they claim one; other readers take the shared item.
   */
  readableItem(): Promise<string>;
  /** `key:<id>`: who this key is in judgments and standings. */
  actor: string;
  /** An item this key may read whose outcome is decided (a finished event stream). */
  decidedItem(): Promise<string>;
  /** An open calibration session on the shared item with this key as its member. */
  session(): Promise<string>;
  /** An item with a gold answer, for the routes that change or remove one. */
  goldItem(): Promise<string>;
  /** A webhook of the project, made by the admin. */
  webhook(): Promise<string>;
  /** A delivery (a webhook.test) of a fresh webhook of the project, made by the admin. */
  delivery(): Promise<string>;
}

/** A saved evaluator set with a `pii` check (an admin's save; saving the same set again is a no-op). */
async function ensureEvaluators(c: Ctx): Promise<string> {
  const admin = await c.api.key('admin');
  const res = await c.api.call('PUT', `/v1/projects/${c.projectId}/evaluators`, admin, {
    evaluators: [{ name: 'pii', check: { type: 'pii', target: 'output' } }],
  });
  expect([200, 201]).toContain(res.statusCode);
  return 'pii';
}

/** An open alert (with a sampling boost) of the project, raised as a monitor would. */
async function openAlertWithBoost(c: Ctx): Promise<{ alert: string; boost: string }> {
  const ctx = c.appCtx;
  const { alert } = await inTransaction(ctx.store, (tx) =>
    raiseAlert(ctx, tx, {
      projectId: c.projectId,
      monitor: `m-${Math.random().toString(36).slice(2)}`,
      kind: 'drift',
      evidence: { test: 'psi', statistic: 0.4 },
      boost: { sample_rate: 0.5, hours: 1, segment: null },
    }),
  );
  const boost = await ctx.store.db.selectFrom('sampling_boosts').select('id').where('alert_id', '=', alert.id).executeTakeFirstOrThrow();
  return { alert: alert.id, boost: boost.id };
}

async function openAlert(c: Ctx): Promise<string> {
  return (await openAlertWithBoost(c)).alert;
}

interface RouteCase {
  route: string;
  /** The operation as the OpenAPI document names it: every documented operation must have a row. */
  endpoint: string;
  permission: Permission;
  allowed: Role[];
  ok: number;
  /** Makes what the call needs (a session, a key to revoke), before the refused-call snapshot. */
  setup?(c: Ctx): Promise<string>;
  send(c: Ctx, made: string): Promise<LightMyRequestResponse>;
}

const ROUTES: RouteCase[] = [
  {
    route: 'POST /v1/keys',
    endpoint: 'POST /v1/keys',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 201,
    send: (c) => c.api.call('POST', '/v1/keys', c.key, { role: 'viewer', name: 'made' }),
  },
  {
    route: 'GET /v1/keys',
    endpoint: 'GET /v1/keys',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 200,
    send: (c) => c.api.call('GET', '/v1/keys', c.key),
  },
  {
    route: 'DELETE /v1/keys/:id',
    endpoint: 'DELETE /v1/keys/{key_id}',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 200,
    setup: (c) => c.spareKeyId(),
    send: (c, id) => c.api.call('DELETE', `/v1/keys/${id}`, c.key),
  },
  {
    route: 'POST /v1/users',
    endpoint: 'POST /v1/users',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 201,
    send: (c) =>
      c.api.call('POST', '/v1/users', c.key, { email: `made-by-${c.role}@example.com`, password: 'long enough password', role: 'viewer' }),
  },
  {
    route: 'GET /v1/users',
    endpoint: 'GET /v1/users',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 200,
    send: (c) => c.api.call('GET', '/v1/users', c.key),
  },
  {
    route: 'PATCH /v1/users/:id',
    endpoint: 'PATCH /v1/users/{user_id}',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 200,
    setup: (c) => c.spareUserId(),
    send: (c, id) =>
      c.api.app.inject({
        method: 'PATCH',
        url: `/v1/users/${id}`,
        headers: { authorization: `Bearer ${c.key}` },
        payload: { name: 'Renamed' },
      }),
  },
  {
    route: 'POST /v1/projects',
    endpoint: 'POST /v1/projects',
    permission: 'projects:create',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) => c.api.call('POST', '/v1/projects', c.key, { name: `by ${c.role}` }),
  },
  {
    route: 'GET /v1/projects',
    endpoint: 'GET /v1/projects',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', '/v1/projects', c.key),
  },
  {
    route: 'GET /v1/projects/:id',
    endpoint: 'GET /v1/projects/{project_id}',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}`, c.key),
  },
  {
    route: 'PUT policy',
    endpoint: 'PUT /v1/projects/{project_id}/policy',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/projects/${c.projectId}/policy`, c.key, POLICY),
  },
  {
    route: 'PUT rubric',
    endpoint: 'PUT /v1/projects/{project_id}/rubric',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/projects/${c.projectId}/rubric`, c.key, { criteria: [] }),
  },
  {
    route: 'GET policy versions',
    endpoint: 'GET /v1/projects/{project_id}/policy/versions',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/policy/versions`, c.key),
  },
  {
    route: 'GET rubric versions',
    endpoint: 'GET /v1/projects/{project_id}/rubric/versions',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/rubric/versions`, c.key),
  },
  {
    route: 'POST items',
    endpoint: 'POST /v1/projects/{project_id}/items',
    permission: 'items:create',
    allowed: INGESTERS,
    ok: 201,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/items`, c.key, ITEM),
  },
  {
    route: 'POST items/batch',
    endpoint: 'POST /v1/projects/{project_id}/items/batch',
    permission: 'items:create',
    allowed: INGESTERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/items/batch`, c.key, { items: [ITEM, ITEM] }),
  },
  {
    route: 'GET items',
    endpoint: 'GET /v1/projects/{project_id}/items',
    permission: 'items:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/items`, c.key),
  },
  {
    route: 'GET /v1/items/:id',
    endpoint: 'GET /v1/items/{item_id}',
    permission: 'items:read',
    allowed: READERS,
    ok: 200,
    send: async (c) => c.api.call('GET', `/v1/items/${await c.readableItem()}`, c.key),
  },
  {
    route: 'POST tasks/claim',
    endpoint: 'POST /v1/projects/{project_id}/tasks/claim',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/tasks/claim`, c.key, {}),
  },
  {
    route: 'POST tasks/:id/renew',
    endpoint: 'POST /v1/tasks/{task_id}/renew',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    send: async (c) => c.api.call('POST', `/v1/tasks/${await c.task()}/renew`, c.key, {}),
  },
  {
    route: 'POST tasks/:id/release',
    endpoint: 'POST /v1/tasks/{task_id}/release',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    send: async (c) => c.api.call('POST', `/v1/tasks/${await c.task()}/release`, c.key),
  },
  {
    route: 'POST tasks/:id/judgments',
    endpoint: 'POST /v1/tasks/{task_id}/judgments',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 201,
    send: async (c) => c.api.call('POST', `/v1/tasks/${await c.task()}/judgments`, c.key, { verdict: 'approve' }),
  },
  {
    route: 'POST escalate',
    endpoint: 'POST /v1/tasks/{task_id}/escalate',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    send: async (c) => c.api.call('POST', `/v1/tasks/${await c.task()}/escalate`, c.key, { reason: 'unsure' }),
  },
  {
    route: 'GET audit',
    endpoint: 'GET /v1/projects/{project_id}/audit',
    permission: 'audit:read',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/audit`, c.key),
  },
  {
    route: 'POST policy/backtest',
    endpoint: 'POST /v1/projects/{project_id}/policy/backtest',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/policy/backtest`, c.key, { policy: POLICY }),
  },
  {
    route: 'PUT guidelines',
    endpoint: 'PUT /v1/projects/{project_id}/guidelines',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/projects/${c.projectId}/guidelines`, c.key, { markdown: '# G', change_note: `by ${c.role}` }),
  },
  {
    route: 'GET guidelines',
    endpoint: 'GET /v1/projects/{project_id}/guidelines',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/guidelines`, c.key),
  },
  {
    route: 'GET guidelines/versions',
    endpoint: 'GET /v1/projects/{project_id}/guidelines/versions',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/guidelines/versions`, c.key),
  },
  {
    route: 'PUT evaluators',
    endpoint: 'PUT /v1/projects/{project_id}/evaluators',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) =>
      c.api.call('PUT', `/v1/projects/${c.projectId}/evaluators`, c.key, {
        evaluators: [{ name: 'pii', description: `by ${c.role}`, check: { type: 'pii', target: 'output' } }],
      }),
  },
  {
    route: 'GET evaluators',
    endpoint: 'GET /v1/projects/{project_id}/evaluators',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators`, c.key),
  },
  {
    route: 'GET evaluators/versions',
    endpoint: 'GET /v1/projects/{project_id}/evaluators/versions',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators/versions`, c.key),
  },
  {
    route: 'GET evaluators/versions/{version}',
    endpoint: 'GET /v1/projects/{project_id}/evaluators/versions/{version}',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    setup: (c) => ensureEvaluators(c),
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators/versions/1`, c.key),
  },
  {
    route: 'POST evaluators/test',
    endpoint: 'POST /v1/projects/{project_id}/evaluators/test',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) =>
      c.api.call('POST', `/v1/projects/${c.projectId}/evaluators/test`, c.key, {
        item: ITEM,
        evaluators: { evaluators: [{ name: 'len', check: { type: 'length', max: 10, unit: 'chars', target: 'output' } }] },
      }),
  },
  {
    route: 'GET items/{id}/evals',
    endpoint: 'GET /v1/items/{item_id}/evals',
    permission: 'items:read',
    allowed: READERS,
    ok: 200,
    setup: (c) => (can(c.role, 'items:read') ? c.readableItem() : Promise.resolve(c.itemId)),
    send: (c, item) => c.api.call('GET', `/v1/items/${item}/evals`, c.key),
  },
  {
    route: 'GET evaluators/{name}/agreement',
    endpoint: 'GET /v1/projects/{project_id}/evaluators/{name}/agreement',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    setup: (c) => ensureEvaluators(c),
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators/pii/agreement`, c.key),
  },
  {
    route: 'GET evaluators/{name}/disagreements',
    endpoint: 'GET /v1/projects/{project_id}/evaluators/{name}/disagreements',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    setup: (c) => ensureEvaluators(c),
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators/pii/disagreements`, c.key),
  },
  {
    route: 'GET evaluators/trust',
    endpoint: 'GET /v1/projects/{project_id}/evaluators/trust',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/evaluators/trust`, c.key),
  },
  {
    route: 'POST evaluators/trust/reassess',
    endpoint: 'POST /v1/projects/{project_id}/evaluators/trust/reassess',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/evaluators/trust/reassess`, c.key),
  },
  {
    route: 'PUT monitors',
    endpoint: 'PUT /v1/projects/{project_id}/monitors',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) =>
      c.api.call('PUT', `/v1/projects/${c.projectId}/monitors`, c.key, {
        monitors: [{ name: `conf-${c.role}`, kind: 'drift', field: 'confidence' }],
      }),
  },
  {
    route: 'GET monitors',
    endpoint: 'GET /v1/projects/{project_id}/monitors',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/monitors`, c.key),
  },
  {
    route: 'GET monitors/versions',
    endpoint: 'GET /v1/projects/{project_id}/monitors/versions',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/monitors/versions`, c.key),
  },
  {
    route: 'POST monitors/run',
    endpoint: 'POST /v1/projects/{project_id}/monitors/run',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/monitors/run`, c.key),
  },
  {
    route: 'GET alerts',
    endpoint: 'GET /v1/projects/{project_id}/alerts',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/alerts`, c.key),
  },
  {
    route: 'GET alerts/{id}',
    endpoint: 'GET /v1/alerts/{alert_id}',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    setup: (c) => openAlert(c),
    send: (c, alert) => c.api.call('GET', `/v1/alerts/${alert}`, c.key),
  },
  {
    route: 'POST alerts/{id}/acknowledge',
    endpoint: 'POST /v1/alerts/{alert_id}/acknowledge',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => openAlert(c),
    send: (c, alert) => c.api.call('POST', `/v1/alerts/${alert}/acknowledge`, c.key, {}),
  },
  {
    route: 'POST alerts/{id}/resolve',
    endpoint: 'POST /v1/alerts/{alert_id}/resolve',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => openAlert(c),
    send: (c, alert) => c.api.call('POST', `/v1/alerts/${alert}/resolve`, c.key, {}),
  },
  {
    route: 'GET boosts',
    endpoint: 'GET /v1/projects/{project_id}/boosts',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/boosts`, c.key),
  },
  {
    route: 'POST boosts/{id}/end',
    endpoint: 'POST /v1/boosts/{boost_id}/end',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: async (c) => (await openAlertWithBoost(c)).boost,
    send: (c, boost) => c.api.call('POST', `/v1/boosts/${boost}/end`, c.key),
  },
  {
    route: 'GET judgments/outdated',
    endpoint: 'GET /v1/projects/{project_id}/judgments/outdated',
    permission: 'items:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/judgments/outdated`, c.key),
  },
  {
    route: 'PUT gold',
    endpoint: 'PUT /v1/items/{item_id}/gold',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/items/${c.itemId}/gold`, c.key, { verdict: 'approve' }),
  },
  {
    route: 'GET gold',
    endpoint: 'GET /v1/projects/{project_id}/gold',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/gold`, c.key),
  },
  {
    route: 'POST comparisons',
    endpoint: 'POST /v1/projects/{project_id}/comparisons',
    permission: 'items:create',
    allowed: INGESTERS,
    ok: 201,
    send: (c) =>
      c.api.call('POST', `/v1/projects/${c.projectId}/comparisons`, c.key, { input: 'q', candidates: [{ output: 'x' }, { output: 'y' }] }),
  },
  {
    route: 'POST calibrations',
    endpoint: 'POST /v1/projects/{project_id}/calibrations',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) =>
      c.api.call('POST', `/v1/projects/${c.projectId}/calibrations`, c.key, { name: 'c', item_ids: [c.itemId], reviewers: ['key:x'] }),
  },
  {
    route: 'GET calibrations',
    endpoint: 'GET /v1/projects/{project_id}/calibrations',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/calibrations`, c.key),
  },
  {
    route: 'GET queues',
    endpoint: 'GET /v1/projects/{project_id}/queues',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/queues`, c.key),
  },
  {
    route: 'GET outcome',
    endpoint: 'GET /v1/items/{item_id}/outcome',
    permission: 'outcomes:read',
    allowed: ALL,
    // The item is under review: allowed callers hear that it is pending.
    ok: 202,
    send: async (c) => c.api.call('GET', `/v1/items/${await c.readableItem()}/outcome`, c.key),
  },
  {
    route: 'GET stats/agreement',
    endpoint: 'GET /v1/projects/{project_id}/stats/agreement',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/stats/agreement`, c.key),
  },
  {
    route: 'GET stats/labels',
    endpoint: 'GET /v1/projects/{project_id}/stats/labels',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/stats/labels`, c.key),
  },
  {
    route: 'GET stats/reviewers',
    endpoint: 'GET /v1/projects/{project_id}/stats/reviewers',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/stats/reviewers`, c.key),
  },
  {
    route: 'DELETE gold',
    endpoint: 'DELETE /v1/items/{item_id}/gold',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.goldItem(),
    send: (c, item) => c.api.call('DELETE', `/v1/items/${item}/gold`, c.key),
  },
  {
    route: 'POST authored gold',
    endpoint: 'POST /v1/projects/{project_id}/gold',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/gold`, c.key, { item: { input: 'q', output: 'a' }, verdict: 'approve' }),
  },
  {
    route: 'GET calibration',
    endpoint: 'GET /v1/calibrations/{session_id}',
    permission: 'projects:read',
    allowed: READERS,
    ok: 200,
    setup: (c) => c.session(),
    send: (c, session) => c.api.call('GET', `/v1/calibrations/${session}`, c.key),
  },
  {
    route: 'GET calibration next',
    endpoint: 'GET /v1/calibrations/{session_id}/next',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    setup: (c) => c.session(),
    send: (c, session) => c.api.call('GET', `/v1/calibrations/${session}/next`, c.key),
  },
  {
    route: 'POST calibration judgments',
    endpoint: 'POST /v1/calibrations/{session_id}/judgments',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 201,
    setup: (c) => c.session(),
    send: (c, session) => c.api.call('POST', `/v1/calibrations/${session}/judgments`, c.key, { item_id: c.itemId, verdict: 'approve' }),
  },
  {
    route: 'POST calibration close',
    endpoint: 'POST /v1/calibrations/{session_id}/close',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.session(),
    send: (c, session) => c.api.call('POST', `/v1/calibrations/${session}/close`, c.key),
  },
  {
    route: 'GET calibration report',
    endpoint: 'GET /v1/calibrations/{session_id}/report',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.session(),
    send: (c, session) => c.api.call('GET', `/v1/calibrations/${session}/report`, c.key),
  },
  {
    route: 'GET item events',
    endpoint: 'GET /v1/items/{item_id}/events',
    permission: 'outcomes:read',
    allowed: ALL,
    // The item is decided, so the stream carries its last event and ends.
    ok: 200,
    send: async (c) => c.api.call('GET', `/v1/items/${await c.decidedItem()}/events`, c.key),
  },
  {
    route: 'GET audit export',
    endpoint: 'GET /v1/projects/{project_id}/audit/export',
    permission: 'audit:read',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/audit/export`, c.key),
  },
  {
    route: 'GET audit verify',
    endpoint: 'GET /v1/projects/{project_id}/audit/verify',
    permission: 'audit:read',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/audit/verify`, c.key),
  },
  {
    route: 'GET oversight report',
    endpoint: 'GET /v1/projects/{project_id}/reports/oversight',
    permission: 'audit:read',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/reports/oversight`, c.key),
  },
  {
    route: 'GET reviewers/me',
    endpoint: 'GET /v1/projects/{project_id}/reviewers/me',
    permission: 'tasks:work',
    allowed: WORKERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/reviewers/me`, c.key),
  },
  {
    route: 'GET reviewers/standing',
    endpoint: 'GET /v1/projects/{project_id}/reviewers/standing',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/reviewers/standing`, c.key),
  },
  {
    route: 'PUT reviewers standing',
    endpoint: 'PUT /v1/projects/{project_id}/reviewers/{reviewer}/standing',
    permission: 'reviewers:assess',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) =>
      c.api.call('PUT', `/v1/projects/${c.projectId}/reviewers/key:someone/standing`, c.key, { status: 'active', reason: 'matrix' }),
  },
  {
    route: 'POST keys rotate',
    endpoint: 'POST /v1/keys/{key_id}/rotate',
    permission: 'keys:manage',
    allowed: ['admin'],
    ok: 201,
    setup: (c) => c.spareKeyId(),
    send: (c, id) => c.api.call('POST', `/v1/keys/${id}/rotate`, c.key, {}),
  },
  {
    route: 'PUT data-protection',
    endpoint: 'PUT /v1/projects/{project_id}/data-protection',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/projects/${c.projectId}/data-protection`, c.key, { retention: { days: 3650 } }),
  },
  {
    route: 'PUT proxy',
    endpoint: 'PUT /v1/projects/{project_id}/proxy',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('PUT', `/v1/projects/${c.projectId}/proxy`, c.key, { upstream_base_url: 'http://127.0.0.1:9/v1' }),
  },
  {
    route: 'GET item original',
    endpoint: 'GET /v1/items/{item_id}/original',
    permission: 'items:read_original',
    allowed: ['admin'],
    // The matrix project keeps no originals: the admin passes the check and is told there is none.
    ok: 404,
    setup: (c) => c.readableItem(),
    send: (c, item) => c.api.call('GET', `/v1/items/${item}/original`, c.key),
  },
  {
    route: 'POST erasures',
    endpoint: 'POST /v1/projects/{project_id}/erasures',
    permission: 'data:erase',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/erasures`, c.key, { external_id: 'nobody-in-the-matrix' }),
  },
  {
    route: 'GET erasures',
    endpoint: 'GET /v1/projects/{project_id}/erasures',
    permission: 'audit:read',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/erasures`, c.key),
  },
  {
    route: 'GET stats/error-rate',
    endpoint: 'GET /v1/projects/{project_id}/stats/error-rate',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/stats/error-rate`, c.key),
  },
  {
    route: 'GET stats/timeseries',
    endpoint: 'GET /v1/projects/{project_id}/stats/timeseries',
    permission: 'stats:read',
    allowed: STATS_READERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/stats/timeseries`, c.key),
  },
  {
    route: 'POST webhooks',
    endpoint: 'POST /v1/projects/{project_id}/webhooks',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 201,
    send: (c) =>
      c.api.call('POST', `/v1/projects/${c.projectId}/webhooks`, c.key, { url: 'https://hooks.invalid/h', events: ['item.routed'] }),
  },
  {
    route: 'GET webhooks',
    endpoint: 'GET /v1/projects/{project_id}/webhooks',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/webhooks`, c.key),
  },
  {
    route: 'GET webhook',
    endpoint: 'GET /v1/webhooks/{webhook_id}',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.webhook(),
    send: (c, id) => c.api.call('GET', `/v1/webhooks/${id}`, c.key),
  },
  {
    route: 'PATCH webhook',
    endpoint: 'PATCH /v1/webhooks/{webhook_id}',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.webhook(),
    send: (c, id) =>
      c.api.app.inject({
        method: 'PATCH',
        url: `/v1/webhooks/${id}`,
        headers: { authorization: `Bearer ${c.key}` },
        payload: { status: 'paused' },
      }),
  },
  {
    route: 'DELETE webhook',
    endpoint: 'DELETE /v1/webhooks/{webhook_id}',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.webhook(),
    send: (c, id) => c.api.call('DELETE', `/v1/webhooks/${id}`, c.key),
  },
  {
    route: 'POST webhook rotate-secret',
    endpoint: 'POST /v1/webhooks/{webhook_id}/rotate-secret',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.webhook(),
    send: (c, id) => c.api.call('POST', `/v1/webhooks/${id}/rotate-secret`, c.key, {}),
  },
  {
    route: 'POST webhook test',
    endpoint: 'POST /v1/webhooks/{webhook_id}/test',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 202,
    setup: (c) => c.webhook(),
    send: (c, id) => c.api.call('POST', `/v1/webhooks/${id}/test`, c.key),
  },
  {
    route: 'GET webhook deliveries',
    endpoint: 'GET /v1/webhooks/{webhook_id}/deliveries',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.webhook(),
    send: (c, id) => c.api.call('GET', `/v1/webhooks/${id}/deliveries`, c.key),
  },
  {
    route: 'GET webhook delivery',
    endpoint: 'GET /v1/webhook-deliveries/{delivery_id}',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    setup: (c) => c.delivery(),
    send: (c, id) => c.api.call('GET', `/v1/webhook-deliveries/${id}`, c.key),
  },
  {
    route: 'POST webhook delivery replay',
    endpoint: 'POST /v1/webhook-deliveries/{delivery_id}/replay',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 202,
    setup: (c) => c.delivery(),
    send: (c, id) => c.api.call('POST', `/v1/webhook-deliveries/${id}/replay`, c.key),
  },
  {
    route: 'GET callback-secret',
    endpoint: 'GET /v1/projects/{project_id}/webhooks/callback-secret',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/webhooks/callback-secret`, c.key),
  },
  {
    route: 'POST callback-secret rotate',
    endpoint: 'POST /v1/projects/{project_id}/webhooks/callback-secret/rotate',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('POST', `/v1/projects/${c.projectId}/webhooks/callback-secret/rotate`, c.key, {}),
  },
  {
    route: 'GET callback-deliveries',
    endpoint: 'GET /v1/projects/{project_id}/webhooks/callback-deliveries',
    permission: 'projects:configure',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/webhooks/callback-deliveries`, c.key),
  },
  {
    route: 'GET exports',
    endpoint: 'GET /v1/projects/{project_id}/exports/{format}',
    permission: 'data:export',
    allowed: CONFIGURERS,
    ok: 200,
    send: (c) => c.api.call('GET', `/v1/projects/${c.projectId}/exports/judgments`, c.key),
  },
];

describe('the route table covers every documented operation', () => {
  it('has one row per operation of the OpenAPI document, and no row for an operation that does not exist', async () => {
    const doc = await buildOpenApiDocument('matrix');
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .filter((op) => op.includes(' /v1/'))
      .sort();
    expect(ROUTES.map((r) => r.endpoint).sort()).toEqual(operations);
  });
});
describe('the route table matches permissions.ts', () => {
  it.each(ROUTES)('$route', (r) => {
    expect(ROLES.filter((role) => can(role, r.permission))).toEqual(r.allowed);
  });
});

describe.each(DIALECTS)('access control (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;
  let otherTask: string;
  let itemId: string;
  const keys = new Map<Role, string>();
  const keyIds = new Map<Role, string>();
  let decidedItem: string;

  async function snapshot() {
    const count = (table: TableName) => countRows(t.store, table);
    return {
      items: await count('items'),
      projects: await count('projects'),
      judgments: await count('judgments'),
      audit: await count('audit_events'),
      keys: await count('api_keys'),
      revoked: await t.store.db.selectFrom('api_keys').select('id').where('revoked_at', 'is not', null).orderBy('id').execute(),
      versions: [await count('policy_versions'), await count('rubric_versions')],
      tasks: await t.store.db.selectFrom('tasks').select(['id', 'status', 'lease_owner', 'lease_expires_at']).orderBy('id').execute(),
    };
  }

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const res = await api.call('POST', '/v1/projects', admin, { name: 'Guarded', policy: POLICY });
    expect(res.statusCode).toBe(201);
    projectId = res.json<{ id: string }>().id;
    // A decided item, for the event stream: captured first and judged by the admin before the rest.
    await api.call('POST', `/v1/projects/${projectId}/items`, admin, ITEM);
    const decided = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, admin, {})).json<{
      task: { id: string };
      item: { id: string };
    }>();
    await api.call('POST', `/v1/tasks/${decided.task.id}/judgments`, admin, { verdict: 'approve' });
    decidedItem = decided.item.id;
    // Enough review work for every working role to claim a few tasks.
    const batch = await api.call('POST', `/v1/projects/${projectId}/items/batch`, admin, { items: Array.from({ length: 30 }, () => ITEM) });
    expect(batch.statusCode).toBe(200);
    itemId = batch.json<{ items: { id: string }[] }>().items[0]!.id;
    for (const role of ALL) {
      const created = await createKey(t.ctx, ROOT, { role });
      keys.set(role, created.key);
      keyIds.set(role, created.id);
    }
    // A task leased to someone else, for the roles that are refused before any lease check.
    const other = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, await api.key('reviewer'), {});
    otherTask = other.json<{ task: { id: string } }>().task.id;
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  const ctxFor = (role: Role): Ctx => {
    const key = keys.get(role)!;
    const actor = `key:${keyIds.get(role)!}`;
    return {
      api,
      appCtx: t.ctx,
      projectId,
      role,
      key,
      itemId,
      actor,
      async decidedItem() {
        if (role !== 'reviewer' && role !== 'expert') return decidedItem;
        const claimed = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {});
        const { task, item } = claimed.json<{ task: { id: string }; item: { id: string } }>();
        expect((await api.call('POST', `/v1/tasks/${task.id}/judgments`, key, { verdict: 'approve' })).statusCode).toBe(201);
        return item.id;
      },
      async session() {
        const res = await api.call('POST', `/v1/projects/${projectId}/calibrations`, admin, {
          name: `for ${role}`,
          item_ids: [itemId],
          reviewers: [actor],
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json<{ id: string }>().id;
      },
      async webhook() {
        const res = await api.call('POST', `/v1/projects/${projectId}/webhooks`, admin, {
          url: 'https://hooks.invalid/h',
          events: ['item.routed'],
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json<{ id: string }>().id;
      },
      async delivery() {
        const res = await api.call('POST', `/v1/webhooks/${await this.webhook()}/test`, admin);
        expect(res.statusCode, res.body).toBe(202);
        return res.json<{ id: string }>().id;
      },
      async goldItem() {
        expect((await api.call('PUT', `/v1/items/${itemId}/gold`, admin, { verdict: 'approve' })).statusCode).toBe(200);
        return itemId;
      },
      async task() {
        if (!can(role, 'tasks:work')) return otherTask;
        const res = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {});
        expect(res.statusCode).toBe(200);
        return res.json<{ task: { id: string } }>().task.id;
      },
      async readableItem() {
        if (role !== 'reviewer' && role !== 'expert') return itemId;
        const res = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {});
        expect(res.statusCode).toBe(200);
        return res.json<{ item: { id: string } }>().item.id;
      },
      async spareUserId() {
        const res = await api.call('POST', '/v1/users', admin, {
          email: `spare-${Math.random().toString(36).slice(2)}@example.com`,
          password: 'a spare password',
          role: 'viewer',
        });
        return res.json<{ id: string }>().id;
      },
      async spareKeyId() {
        const res = await api.call('POST', '/v1/keys', admin, { role: 'viewer', name: 'spare' });
        return res.json<{ id: string }>().id;
      },
    };
  };

  describe.each(ROUTES)('$route', (r) => {
    it.each(ALL)('%s', async (role) => {
      const c = ctxFor(role);
      const made = r.setup === undefined ? '' : await r.setup(c);
      if (r.allowed.includes(role)) {
        const res = await r.send(c, made);
        expect(res.statusCode, `${role} on ${r.route}: ${res.body.slice(0, 300)}`).toBe(r.ok);
        return;
      }
      // Setup happens before the snapshot; only the refused call is measured.
      const before = await snapshot();
      const res = await r.send(c, made);
      expect(res.statusCode, `${role} on ${r.route}: ${res.body.slice(0, 300)}`).toBe(403);
      expect(res.json()).toEqual({
        error: { code: 'TG_FORBIDDEN', message: expect.stringContaining(`role "${role}" may not`), details: { permission: r.permission } },
      });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('project-scoped keys', () => {
    let projectB: string;
    let itemB: string;
    let taskB: string;
    let sessionB: string;
    let keyB: string;
    let webhookB: string;
    let deliveryB: string;
    let alertB: string;

    beforeAll(async () => {
      const res = await api.call('POST', '/v1/projects', admin, { name: 'Other', policy: POLICY });
      projectB = res.json<{ id: string }>().id;
      itemB = (await api.call('POST', `/v1/projects/${projectB}/items`, admin, ITEM)).json<{ id: string }>().id;
      taskB = (await api.call('POST', `/v1/projects/${projectB}/tasks/claim`, admin, {})).json<{ task: { id: string } }>().task.id;
      sessionB = (
        await api.call('POST', `/v1/projects/${projectB}/calibrations`, admin, { name: 'b', item_ids: [itemB], reviewers: ['key:x'] })
      ).json<{ id: string }>().id;
      keyB = (await createKey(t.ctx, ROOT, { role: 'viewer', project_id: projectB })).id;
      webhookB = (
        await api.call('POST', `/v1/projects/${projectB}/webhooks`, admin, { url: 'https://hooks.invalid/b', events: ['item.routed'] })
      ).json<{ id: string }>().id;
      deliveryB = (await api.call('POST', `/v1/webhooks/${webhookB}/test`, admin)).json<{ id: string }>().id;
      alertB = (await openAlertWithBoost({ ...ctxFor('admin'), projectId: projectB })).alert;
    });

    it('a key scoped to project A finds nothing of project B (404), for every role', async () => {
      for (const role of ALL) {
        const key = await api.key(role, projectId);
        const before = await snapshot();
        const cases: [string, () => Promise<LightMyRequestResponse>, string][] = [
          ['GET project', () => api.call('GET', `/v1/projects/${projectB}`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET policy versions', () => api.call('GET', `/v1/projects/${projectB}/policy/versions`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET rubric versions', () => api.call('GET', `/v1/projects/${projectB}/rubric/versions`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET evaluators', () => api.call('GET', `/v1/projects/${projectB}/evaluators`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET evaluators/versions', () => api.call('GET', `/v1/projects/${projectB}/evaluators/versions`, key), 'TG_PROJECT_NOT_FOUND'],
          ['PUT evaluators', () => api.call('PUT', `/v1/projects/${projectB}/evaluators`, key, { evaluators: [] }), 'TG_PROJECT_NOT_FOUND'],
          [
            'GET evaluators/{name}/agreement',
            () => api.call('GET', `/v1/projects/${projectB}/evaluators/pii/agreement`, key),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET evaluators/trust', () => api.call('GET', `/v1/projects/${projectB}/evaluators/trust`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET monitors', () => api.call('GET', `/v1/projects/${projectB}/monitors`, key), 'TG_PROJECT_NOT_FOUND'],
          ['PUT monitors', () => api.call('PUT', `/v1/projects/${projectB}/monitors`, key, { monitors: [] }), 'TG_PROJECT_NOT_FOUND'],
          ['GET alerts', () => api.call('GET', `/v1/projects/${projectB}/alerts`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET alert of B', () => api.call('GET', `/v1/alerts/${alertB}`, key), 'TG_NOT_FOUND'],
          ['resolve alert of B', () => api.call('POST', `/v1/alerts/${alertB}/resolve`, key, {}), 'TG_NOT_FOUND'],
          ['GET boosts', () => api.call('GET', `/v1/projects/${projectB}/boosts`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET items/{id}/evals', () => api.call('GET', `/v1/items/${itemB}/evals`, key), 'TG_ITEM_NOT_FOUND'],
          ['PUT policy', () => api.call('PUT', `/v1/projects/${projectB}/policy`, key, POLICY), 'TG_PROJECT_NOT_FOUND'],
          ['PUT rubric', () => api.call('PUT', `/v1/projects/${projectB}/rubric`, key, { criteria: [] }), 'TG_PROJECT_NOT_FOUND'],
          ['POST items', () => api.call('POST', `/v1/projects/${projectB}/items`, key, ITEM), 'TG_PROJECT_NOT_FOUND'],
          [
            'POST items/batch',
            () => api.call('POST', `/v1/projects/${projectB}/items/batch`, key, { items: [ITEM] }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET items', () => api.call('GET', `/v1/projects/${projectB}/items`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET item', () => api.call('GET', `/v1/items/${itemB}`, key), 'TG_ITEM_NOT_FOUND'],
          ['claim', () => api.call('POST', `/v1/projects/${projectB}/tasks/claim`, key, {}), 'TG_PROJECT_NOT_FOUND'],
          ['renew', () => api.call('POST', `/v1/tasks/${taskB}/renew`, key, {}), 'TG_TASK_NOT_FOUND'],
          ['release', () => api.call('POST', `/v1/tasks/${taskB}/release`, key), 'TG_TASK_NOT_FOUND'],
          ['judgment', () => api.call('POST', `/v1/tasks/${taskB}/judgments`, key, { verdict: 'approve' }), 'TG_TASK_NOT_FOUND'],
          ['escalate', () => api.call('POST', `/v1/tasks/${taskB}/escalate`, key, { reason: 'unsure' }), 'TG_TASK_NOT_FOUND'],
          ['GET audit', () => api.call('GET', `/v1/projects/${projectB}/audit`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET outcome', () => api.call('GET', `/v1/items/${itemB}/outcome`, key), 'TG_ITEM_NOT_FOUND'],
          ['GET queues', () => api.call('GET', `/v1/projects/${projectB}/queues`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET calibrations', () => api.call('GET', `/v1/projects/${projectB}/calibrations`, key), 'TG_PROJECT_NOT_FOUND'],
          [
            'POST calibrations',
            () => api.call('POST', `/v1/projects/${projectB}/calibrations`, key, { name: 'c', item_ids: [itemB], reviewers: ['key:x'] }),
            'TG_PROJECT_NOT_FOUND',
          ],
          [
            'POST comparisons',
            () =>
              api.call('POST', `/v1/projects/${projectB}/comparisons`, key, { input: 'q', candidates: [{ output: 'x' }, { output: 'y' }] }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['PUT gold', () => api.call('PUT', `/v1/items/${itemB}/gold`, key, { verdict: 'approve' }), 'TG_ITEM_NOT_FOUND'],
          ['GET gold', () => api.call('GET', `/v1/projects/${projectB}/gold`, key), 'TG_PROJECT_NOT_FOUND'],
          [
            'PUT guidelines',
            () => api.call('PUT', `/v1/projects/${projectB}/guidelines`, key, { markdown: '# G', change_note: 'x' }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET guidelines', () => api.call('GET', `/v1/projects/${projectB}/guidelines`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET judgments/outdated', () => api.call('GET', `/v1/projects/${projectB}/judgments/outdated`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET events', () => api.call('GET', `/v1/items/${itemB}/events`, key), 'TG_ITEM_NOT_FOUND'],
          ['GET stats/agreement', () => api.call('GET', `/v1/projects/${projectB}/stats/agreement`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET stats/labels', () => api.call('GET', `/v1/projects/${projectB}/stats/labels`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET stats/reviewers', () => api.call('GET', `/v1/projects/${projectB}/stats/reviewers`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET stats/error-rate', () => api.call('GET', `/v1/projects/${projectB}/stats/error-rate`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET stats/timeseries', () => api.call('GET', `/v1/projects/${projectB}/stats/timeseries`, key), 'TG_PROJECT_NOT_FOUND'],
          ['DELETE gold', () => api.call('DELETE', `/v1/items/${itemB}/gold`, key), 'TG_ITEM_NOT_FOUND'],
          [
            'POST authored gold',
            () => api.call('POST', `/v1/projects/${projectB}/gold`, key, { item: { input: 'q', output: 'a' }, verdict: 'approve' }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET reviewers/me', () => api.call('GET', `/v1/projects/${projectB}/reviewers/me`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET reviewers/standing', () => api.call('GET', `/v1/projects/${projectB}/reviewers/standing`, key), 'TG_PROJECT_NOT_FOUND'],
          [
            'PUT reviewers standing',
            () => api.call('PUT', `/v1/projects/${projectB}/reviewers/key:x/standing`, key, { status: 'suspended', reason: 'x' }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET audit export', () => api.call('GET', `/v1/projects/${projectB}/audit/export`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET audit verify', () => api.call('GET', `/v1/projects/${projectB}/audit/verify`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET oversight report', () => api.call('GET', `/v1/projects/${projectB}/reports/oversight`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET calibration', () => api.call('GET', `/v1/calibrations/${sessionB}`, key), 'TG_NOT_FOUND'],
          ['GET calibration next', () => api.call('GET', `/v1/calibrations/${sessionB}/next`, key), 'TG_NOT_FOUND'],
          [
            'POST calibration judgments',
            () => api.call('POST', `/v1/calibrations/${sessionB}/judgments`, key, { item_id: itemB, verdict: 'approve' }),
            'TG_NOT_FOUND',
          ],
          ['POST calibration close', () => api.call('POST', `/v1/calibrations/${sessionB}/close`, key), 'TG_NOT_FOUND'],
          ['GET calibration report', () => api.call('GET', `/v1/calibrations/${sessionB}/report`, key), 'TG_NOT_FOUND'],
          [
            'PUT data-protection',
            () => api.call('PUT', `/v1/projects/${projectB}/data-protection`, key, { retention: { days: 1 } }),
            'TG_PROJECT_NOT_FOUND',
          ],
          [
            'PUT proxy',
            () => api.call('PUT', `/v1/projects/${projectB}/proxy`, key, { upstream_base_url: 'http://x/v1' }),
            'TG_PROJECT_NOT_FOUND',
          ],
          // The proxy answers in OpenAI's error shape, with Tollgate's code in `code`.
          [
            'POST proxy chat completions',
            () =>
              api.call('POST', `/proxy/${projectB}/v1/chat/completions`, key, { model: 'm', messages: [{ role: 'user', content: 'x' }] }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET proxy models', () => api.call('GET', `/proxy/${projectB}/v1/models`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET item original', () => api.call('GET', `/v1/items/${itemB}/original`, key), 'TG_ITEM_NOT_FOUND'],
          ['POST erasures', () => api.call('POST', `/v1/projects/${projectB}/erasures`, key, { external_id: 'x' }), 'TG_PROJECT_NOT_FOUND'],
          ['GET erasures', () => api.call('GET', `/v1/projects/${projectB}/erasures`, key), 'TG_PROJECT_NOT_FOUND'],
          [
            'POST webhooks',
            () => api.call('POST', `/v1/projects/${projectB}/webhooks`, key, { url: 'https://hooks.invalid/x', events: ['item.routed'] }),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET webhooks', () => api.call('GET', `/v1/projects/${projectB}/webhooks`, key), 'TG_PROJECT_NOT_FOUND'],
          ['GET webhook', () => api.call('GET', `/v1/webhooks/${webhookB}`, key), 'TG_NOT_FOUND'],
          [
            'PATCH webhook',
            () =>
              api.app.inject({
                method: 'PATCH',
                url: `/v1/webhooks/${webhookB}`,
                headers: { authorization: `Bearer ${key}` },
                payload: { status: 'paused' },
              }),
            'TG_NOT_FOUND',
          ],
          ['DELETE webhook', () => api.call('DELETE', `/v1/webhooks/${webhookB}`, key), 'TG_NOT_FOUND'],
          ['POST webhook rotate-secret', () => api.call('POST', `/v1/webhooks/${webhookB}/rotate-secret`, key, {}), 'TG_NOT_FOUND'],
          ['POST webhook test', () => api.call('POST', `/v1/webhooks/${webhookB}/test`, key), 'TG_NOT_FOUND'],
          ['GET webhook deliveries', () => api.call('GET', `/v1/webhooks/${webhookB}/deliveries`, key), 'TG_NOT_FOUND'],
          ['GET webhook delivery', () => api.call('GET', `/v1/webhook-deliveries/${deliveryB}`, key), 'TG_NOT_FOUND'],
          ['POST webhook delivery replay', () => api.call('POST', `/v1/webhook-deliveries/${deliveryB}/replay`, key), 'TG_NOT_FOUND'],
          ['GET callback-secret', () => api.call('GET', `/v1/projects/${projectB}/webhooks/callback-secret`, key), 'TG_PROJECT_NOT_FOUND'],
          [
            'POST callback-secret rotate',
            () => api.call('POST', `/v1/projects/${projectB}/webhooks/callback-secret/rotate`, key, {}),
            'TG_PROJECT_NOT_FOUND',
          ],
          [
            'GET callback-deliveries',
            () => api.call('GET', `/v1/projects/${projectB}/webhooks/callback-deliveries`, key),
            'TG_PROJECT_NOT_FOUND',
          ],
          ['GET exports', () => api.call('GET', `/v1/projects/${projectB}/exports/sft`, key), 'TG_PROJECT_NOT_FOUND'],
          ['POST keys rotate', () => api.call('POST', `/v1/keys/${keyB}/rotate`, key, {}), 'TG_NOT_FOUND'],
          ['DELETE key', () => api.call('DELETE', `/v1/keys/${keyB}`, key), 'TG_NOT_FOUND'],
        ];
        for (const [name, send, code] of cases) {
          const res = await send();
          // A role without the permission is refused before the project is looked up; every
          // role that has it must be told the project does not exist.
          const status = res.statusCode;
          expect([403, 404], `${role} scoped to A: ${name} → ${status} ${res.body.slice(0, 200)}`).toContain(status);
          if (status === 404) expect(res.json<{ error: { code: string } }>().error.code, `${role}: ${name}`).toBe(code);
          else expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_FORBIDDEN');
        }
        expect(await snapshot()).toEqual(before);
      }
      // And the 404s really are about scope: the same calls on project A work for a scoped reader.
      const viewerA = await api.key('viewer', projectId);
      expect((await api.call('GET', `/v1/projects/${projectId}`, viewerA)).statusCode).toBe(200);
      expect((await api.call('GET', `/v1/items/${itemId}`, viewerA)).statusCode).toBe(200);
    });

    it('a scoped key with the permission gets 404 (not 403) on project B', async () => {
      const manager = await api.key('manager', projectId);
      expect((await api.call('PUT', `/v1/projects/${projectB}/policy`, manager, POLICY)).statusCode).toBe(404);
      expect((await api.call('GET', `/v1/projects/${projectB}/audit`, manager)).statusCode).toBe(404);
      const ingest = await api.key('ingest', projectId);
      expect((await api.call('POST', `/v1/projects/${projectB}/items`, ingest, ITEM)).statusCode).toBe(404);
      expect((await api.call('POST', `/v1/projects/${projectId}/items`, ingest, ITEM)).statusCode).toBe(201);
      const reviewer = await api.key('reviewer', projectId);
      expect((await api.call('POST', `/v1/projects/${projectB}/tasks/claim`, reviewer, {})).statusCode).toBe(404);
      expect((await api.call('POST', `/v1/tasks/${taskB}/judgments`, reviewer, { verdict: 'approve' })).statusCode).toBe(404);
    });

    it('a scoped key lists only its own project', async () => {
      for (const role of READERS) {
        const res = await api.call('GET', '/v1/projects', await api.key(role, projectId));
        expect(res.statusCode).toBe(200);
        expect(res.json<{ projects: { id: string }[] }>().projects.map((p) => p.id)).toEqual([projectId]);
      }
      const all = (await api.call('GET', '/v1/projects', admin)).json<{ projects: { id: string }[] }>().projects.map((p) => p.id);
      expect(all).toEqual(expect.arrayContaining([projectId, projectB]));
    });

    it('a scoped key cannot create projects, even as manager or admin', async () => {
      for (const role of CONFIGURERS) {
        const key = await api.key(role, projectId);
        const before = await snapshot();
        const res = await api.call('POST', '/v1/projects', key, { name: 'sneaky' });
        expect(res.statusCode).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_FORBIDDEN');
        expect(await snapshot()).toEqual(before);
      }
    });

    it('a scoped admin manages keys of its own project only: it cannot mint an unscoped key or touch other keys', async () => {
      const scopedAdmin = await api.key('admin', projectId);
      const before = await snapshot();
      // An unscoped key (of any role) would escape the scope.
      const global = await api.call('POST', '/v1/keys', scopedAdmin, { role: 'admin' });
      expect(global.statusCode, global.body).toBe(403);
      expect(global.json<{ error: { code: string } }>().error.code).toBe('TG_FORBIDDEN');
      const other = await api.call('POST', '/v1/keys', scopedAdmin, { role: 'viewer', project_id: projectB });
      expect(other.statusCode).toBe(404);
      expect(other.json<{ error: { code: string } }>().error.code).toBe('TG_PROJECT_NOT_FOUND');
      // Revoking a key outside its project: that key does not exist, for it.
      const unscoped = (await api.call('POST', '/v1/keys', admin, { role: 'viewer', name: 'global' })).json<{ id: string }>().id;
      const inB = (await api.call('POST', '/v1/keys', admin, { role: 'viewer', project_id: projectB })).json<{ id: string }>().id;
      const mid = await snapshot();
      for (const id of [unscoped, inB]) {
        const res = await api.call('DELETE', `/v1/keys/${id}`, scopedAdmin);
        expect(res.statusCode).toBe(404);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_NOT_FOUND');
      }
      expect(await snapshot()).toEqual(mid);
      expect(before.keys + 2).toBe(mid.keys);
      // Its listing shows only its project's keys.
      const listed = (await api.call('GET', '/v1/keys', scopedAdmin)).json<{ keys: { id: string; project_id: string | null }[] }>().keys;
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((k) => k.project_id === projectId)).toBe(true);
      // Within its project it works.
      const own = await api.call('POST', '/v1/keys', scopedAdmin, { role: 'reviewer', project_id: projectId });
      expect(own.statusCode).toBe(201);
      expect((await api.call('DELETE', `/v1/keys/${own.json<{ id: string }>().id}`, scopedAdmin)).statusCode).toBe(200);
    });
  });

  describe('revoked keys', () => {
    it('a revoked key gets 401 at once on the app that revoked it', async () => {
      const created = await api.call('POST', '/v1/keys', admin, { role: 'reviewer', project_id: projectId });
      expect(created.statusCode).toBe(201);
      const { id, key } = created.json<{ id: string; key: string }>();
      // Used once, so the authenticator has it cached.
      expect((await api.call('GET', `/v1/projects/${projectId}`, key)).statusCode).toBe(200);
      const revoked = await api.call('DELETE', `/v1/keys/${id}`, admin);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json<{ revoked_at: string | null }>().revoked_at).not.toBeNull();
      const before = await snapshot();
      for (const send of [
        () => api.call('GET', `/v1/projects/${projectId}`, key),
        () => api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {}),
        () => api.call('GET', `/v1/projects/${projectId}/items`, key),
      ]) {
        const res = await send();
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: { code: 'TG_UNAUTHENTICATED', message: expect.stringContaining('revoked') } });
      }
      expect(await snapshot()).toEqual(before);
      // Revoking again is harmless and keeps the first revocation time.
      const again = await api.call('DELETE', `/v1/keys/${id}`, admin);
      expect(again.statusCode).toBe(200);
      expect(again.json<{ revoked_at: string }>().revoked_at).toBe(revoked.json<{ revoked_at: string }>().revoked_at);
      expect((await api.call('DELETE', '/v1/keys/no-such-key', admin)).json()).toMatchObject({ error: { code: 'TG_NOT_FOUND' } });
    });
  });
});
