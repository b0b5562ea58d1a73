import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAll, verifyAudit } from '../../src/app/audit-chain-service.js';
import { createKey } from '../../src/app/key-service.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import type { Role } from '../../src/core/types.js';
import { buildApp } from '../../src/http/app.js';
import { buildOpenApiDocument } from '../../src/http/openapi/openapi-build.js';
import { EXAMPLE_POLICY, EXAMPLE_RUBRIC } from '../../src/http/schemas/examples.js';
import {
  describeRequest,
  operationsOf,
  requestArbitrary,
  resolverOf,
  schemaValues,
  type FuzzRequest,
  type GenContext,
  type Operation,
} from '../support/fuzz-openapi.js';
import { forbidOutboundNetwork } from '../support/fuzz-network.js';
import { ROOT } from '../support/http.js';
import { DIALECTS, openTestStore, type DialectName, type TestStore } from '../support/stores.js';

/**
 * Hostile input on every route: fast-check sends each operation of the OpenAPI document
 * malformed, oversized, deeply nested and hostile requests (prototype-pollution keys, huge and
 * unrepresentable numbers, lone surrogates and NUL, SQL and script fragments, traversal in path
 * parameters, repeated and mistyped query parameters, wrong content types, bytes that are not
 * UTF-8), as the admin and as lower roles. Every answer must be below 500, every 4xx must be
 * `{"error": {"code": "TG_…", "message"}}` and must change nothing; afterwards the store must
 * hold no corrupt JSON, an intact audit trail, an untouched bystander project, and everything
 * stored must read back through the API.
 *
 * FUZZ_RUNS multiplies the cases per operation (FUZZ_RUNS=10 for a deep local run); FC_SEED
 * picks the sample (see fast-check-setup.ts).
 */
const MULTIPLIER = Number(process.env.FUZZ_RUNS ?? '1');
if (!(MULTIPLIER > 0)) throw new Error(`FUZZ_RUNS must be a positive number, got ${process.env.FUZZ_RUNS}`);
const RUNS: Record<DialectName, number> = { sqlite: Math.ceil(100 * MULTIPLIER), postgres: Math.ceil(20 * MULTIPLIER) };
/** A request that has not answered by then is reported, rather than hanging the file. */
const CASE_TIMEOUT_MS = 15_000;

const NETWORK = forbidOutboundNetwork();

const DOC = await buildOpenApiDocument('fuzz');
const OPERATIONS = operationsOf(DOC);

/**
 * Routes that wait for a person (the outcome long-poll, the event stream) answer at once only
 * for a decided item: they get decided items as their existing ids, and unknown ids. A new
 * route that waits belongs here; until it is, the per-case timeout names it.
 */
const WAITS_FOR_DECISION = new Set(['GET /v1/items/{item_id}/outcome', 'GET /v1/items/{item_id}/events']);

const ITEM = (i: number) => ({
  input: `question ${i}`,
  output: `answer ${i}`,
  confidence: 0.1,
  external_id: `fz-${i}`,
  metadata: { intent: 'refund', amount: i * 10 },
  tags: ['fuzz'],
});

/** Object.prototype and friends as they were before any request. */
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };
const PROTO_NAMES = Object.fromEntries(Object.entries(PROTOTYPES).map(([k, p]) => [k, Object.getOwnPropertyNames(p).sort()]));

/** JSON columns, read from the schema so a new one is checked too. */
function jsonColumns(): { table: string; column: string }[] {
  const text = readFileSync(new URL('../../src/store/schema.ts', import.meta.url), 'utf8');
  const byInterface = new Map<string, string[]>();
  for (const m of text.matchAll(/export interface (\w+) \{([^}]*)\}/g)) {
    byInterface.set(
      m[1]!,
      [...m[2]!.matchAll(/^\s*(\w+)\??: JsonColumn/gm)].map((c) => c[1]!),
    );
  }
  const database = /export interface Database \{([^}]*)\}/.exec(text)?.[1] ?? '';
  const out: { table: string; column: string }[] = [];
  for (const m of database.matchAll(/(\w+): (\w+);/g))
    for (const column of byInterface.get(m[2]!) ?? []) out.push({ table: m[1]!, column });
  return out;
}

interface Stats {
  cases: number;
  byOperation: Map<string, number>;
  byStatus: Map<number, number>;
  /** Per operation: status and error → count, printed with FUZZ_REPORT=1. */
  detail: Map<string, Map<string, number>>;
  requestMs: number;
  checkMs: number;
}

describe('the fuzzer covers the API', () => {
  it('finds the operations in the OpenAPI document, with their parameters and body schemas', () => {
    expect(OPERATIONS.length).toBeGreaterThan(40);
    const items = OPERATIONS.find((o) => o.id === 'POST /v1/projects/{project_id}/items');
    expect(items?.pathParams.map((p) => p.name)).toEqual(['project_id']);
    expect(items?.body).toBeDefined();
    expect(OPERATIONS.find((o) => o.id === 'GET /v1/projects/{project_id}/items')?.queryParams.length).toBeGreaterThan(3);
  });
});

describe.each(DIALECTS)('hostile input on every route (%s)', (dialect) => {
  let t: TestStore;
  let app: FastifyInstance;
  const keys = new Map<'admin' | 'reviewer' | 'viewer' | 'ingest', string>();
  const pools = new Map<string, string[]>();
  let decidedItem: string;
  let projectA: string;
  let bystander: string;
  const setup = { items: [] as string[], tasks: [] as string[], keys: [] as string[], sessions: [] as string[] };
  let tables: string[];
  let lastError: Error | undefined;
  let fingerprintBefore: string;
  let bystanderBefore: string;
  const stats: Stats = { cases: 0, byOperation: new Map(), byStatus: new Map(), detail: new Map(), requestMs: 0, checkMs: 0 };
  let started = 0;

  const call = async (method: string, url: string, key: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (res.statusCode >= 300) throw new Error(`setup: ${method} ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    return res.json<Record<string, unknown>>();
  };

  async function makeProject(name: string, admin: string, reviewer: string) {
    const project = (await call('POST', '/v1/projects', admin, { name, policy: EXAMPLE_POLICY, rubric: EXAMPLE_RUBRIC })).id as string;
    const batch = await call('POST', `/v1/projects/${project}/items/batch`, admin, {
      items: Array.from({ length: 16 }, (_, i) => ITEM(i)),
    });
    const items = (batch.items as { id: string }[]).map((x) => x.id);
    const claim = (key: string) =>
      call('POST', `/v1/projects/${project}/tasks/claim`, key, {}) as Promise<{ task: { id: string }; item: { id: string } }>;
    const decided = await claim(admin);
    await call('POST', `/v1/tasks/${decided.task.id}/judgments`, admin, { verdict: 'approve', scores: { accuracy: 5 } });
    const comparison = (await call('POST', `/v1/projects/${project}/comparisons`, admin, {
      input: 'which?',
      candidates: [{ output: 'x' }, { output: 'y' }],
      priority: 100,
    })) as { id: string };
    const tasks = [decided.task.id];
    for (let i = 0; i < 4; i++) tasks.push((await claim(admin)).task.id);
    for (let i = 0; i < 3; i++) tasks.push((await claim(reviewer)).task.id);
    await call('PUT', `/v1/items/${items[3]!}/gold`, admin, { verdict: 'approve', scores: { accuracy: 4 }, note: 'gold' });
    const authored = (await call('POST', `/v1/projects/${project}/gold`, admin, {
      item: { input: 'gold q', output: 'gold a', external_id: 'fz-gold' },
      verdict: 'reject',
    })) as { item: { id: string } };
    await call('PUT', `/v1/projects/${project}/guidelines`, admin, { markdown: '# Guidelines', change_note: 'first' });
    return { project, items: [...items, comparison.id, authored.item.id], tasks, decided: decided.item.id };
  }

  beforeAll(async () => {
    started = Date.now();
    t = await openTestStore(dialect);
    app = await buildApp({ ctx: t.ctx, version: 'test', authFailuresPerMinute: 0 });
    // The error behind a 500, for the failure report (the log is silent in tests).
    app.addHook('onError', async (_req, _reply, err) => {
      lastError = err;
    });
    await app.ready();
    const mint = async (role: Role, projectId?: string) => {
      const created = await createKey(t.ctx, ROOT, { role, ...(projectId === undefined ? {} : { project_id: projectId }) });
      setup.keys.push(created.id);
      return created;
    };
    const admin = await mint('admin');
    keys.set('admin', admin.key);
    // The bystander project comes first and is never addressed: nothing may change it.
    const bystanderReviewer = await mint('reviewer');
    const b = await makeProject('Bystander', admin.key, bystanderReviewer.key);
    bystander = b.project;

    const reviewer = await mint('reviewer');
    keys.set('reviewer', reviewer.key);
    const a = await makeProject('Fuzzed', admin.key, reviewer.key);
    projectA = a.project;
    decidedItem = a.decided;
    keys.set('viewer', (await mint('viewer')).key);
    keys.set('ingest', (await mint('ingest', projectA)).key);
    const reviewerActor = `key:${reviewer.id}`;
    const session = (await call('POST', `/v1/projects/${projectA}/calibrations`, admin.key, {
      name: 'calibration',
      item_ids: a.items.slice(0, 3),
      reviewers: [reviewerActor, `key:${admin.id}`],
    })) as { id: string };
    // Keys the fuzzer may revoke or rotate: never the ones it sends requests with.
    const spare: string[] = [];
    for (let i = 0; i < 6; i++)
      spare.push(((await call('POST', '/v1/keys', admin.key, { role: 'viewer', name: `spare ${i}` })) as { id: string }).id);
    setup.keys.push(...spare);
    setup.items.push(...a.items);
    setup.tasks.push(...a.tasks);
    setup.sessions.push(session.id);
    pools.set('project_id', [projectA]);
    pools.set('item_id', a.items);
    pools.set('task_id', a.tasks);
    pools.set('session_id', [session.id]);
    pools.set('key_id', spare);
    pools.set('reviewer', [reviewerActor, `key:${admin.id}`, 'key:nobody']);

    tables =
      dialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
              t.store.db,
            )
          ).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(t.store.db)).rows.map(
            (r) => r.name,
          );
    fingerprintBefore = await fingerprint();
    bystanderBefore = await projectRows(bystander);
  }, 60_000);

  afterAll(async () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statuses = [...stats.byStatus].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}×${n}`);
    console.log(
      `fuzz (${dialect}): ${stats.cases} cases over ${stats.byOperation.size} operations in ${seconds} s (${RUNS[dialect]} runs per operation; requests ${(stats.requestMs / 1000).toFixed(1)} s, store checks ${(stats.checkMs / 1000).toFixed(1)} s); statuses ${statuses.join(' ')}`,
    );
    if (process.env.FUZZ_REPORT === '1') {
      for (const [id, answers] of stats.detail) {
        console.log(`  ${id}:`);
        for (const [answer, n] of [...answers].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`    ${n}× ${answer}`);
      }
    }
    await app?.close();
    await t?.close();
  });

  const ctxFor = (op: Operation): GenContext => ({
    resolve: resolverOf(DOC),
    ids(name) {
      if (name === 'item_id' && WAITS_FOR_DECISION.has(op.id)) return [decidedItem];
      if (name === undefined) return [...pools.values()].flat();
      const exact = pools.get(name);
      if (exact) return exact;
      // calibration_session_id → session_id, gold_item_id → item_id; another *_id gets any id.
      for (const [k, v] of pools) if (name.endsWith(k)) return v;
      return name.endsWith('_id') ? [...pools.values()].flat() : undefined;
    },
  });

  /** Row counts of every table, and the rows made in setup (last use of a key aside). */
  async function fingerprint(): Promise<string> {
    const db = t.store.db;
    // In parallel: on PostgreSQL each query is a round trip, and this runs after every request.
    const [counts, projects, items, tasks, keyRows, sessions, gold, standings] = await Promise.all([
      sql.raw<Record<string, unknown>>(`select ${tables.map((n) => `(select count(*) from "${n}") as "${n}"`).join(', ')}`).execute(db),
      db.selectFrom('projects').selectAll().where('id', '=', projectA).execute(),
      db.selectFrom('items').selectAll().where('id', 'in', setup.items).orderBy('id').execute(),
      db.selectFrom('tasks').selectAll().where('id', 'in', setup.tasks).orderBy('id').execute(),
      db
        .selectFrom('api_keys')
        .select(['id', 'key_hash', 'role', 'project_id', 'name', 'revoked_at', 'expires_at', 'rotated_to'])
        .where('id', 'in', setup.keys)
        .orderBy('id')
        .execute(),
      db.selectFrom('calibration_sessions').selectAll().where('id', 'in', setup.sessions).execute(),
      db.selectFrom('gold_answers').selectAll().where('item_id', 'in', setup.items).orderBy('item_id').execute(),
      db.selectFrom('reviewer_standings').selectAll().where('project_id', '=', projectA).orderBy('reviewer').execute(),
    ]);
    return JSON.stringify({
      counts: Object.fromEntries(Object.entries(counts.rows[0] ?? {}).map(([k, v]) => [k, Number(v)])),
      projects,
      items,
      tasks,
      keys: keyRows,
      sessions,
      gold,
      standings,
    });
  }

  /** Everything stored about one project. */
  async function projectRows(projectId: string): Promise<string> {
    const db = t.store.db;
    const of = <
      T extends 'items' | 'tasks' | 'judgments' | 'gold_answers' | 'calibration_sessions' | 'reviewer_standings' | 'audit_events',
    >(
      table: T,
    ) =>
      db
        .selectFrom(table as 'items')
        .selectAll()
        .where('project_id', '=', projectId)
        .execute()
        .then((rows) => rows.map((r) => JSON.stringify(r)).sort());
    return JSON.stringify({
      project: await db.selectFrom('projects').selectAll().where('id', '=', projectId).execute(),
      policy: await db.selectFrom('policy_versions').selectAll().where('project_id', '=', projectId).orderBy('version').execute(),
      rubric: await db.selectFrom('rubric_versions').selectAll().where('project_id', '=', projectId).orderBy('version').execute(),
      guidelines: await db.selectFrom('guideline_versions').selectAll().where('project_id', '=', projectId).orderBy('version').execute(),
      items: await of('items'),
      tasks: await of('tasks'),
      judgments: await of('judgments'),
      gold: await of('gold_answers'),
      sessions: await of('calibration_sessions'),
      standings: await of('reviewer_standings'),
      audit: await of('audit_events'),
    });
  }

  async function send(r: FuzzRequest) {
    const headers: Record<string, string> = {};
    if (r.principal === 'garbage') headers.authorization = r.authorization ?? '';
    else if (r.principal !== 'anonymous') headers.authorization = `Bearer ${keys.get(r.principal)!}`;
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CASE_TIMEOUT_MS} ms: does this route wait (WAITS_FOR_DECISION)?`)),
        CASE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([
        app.inject({ method: r.method, url: r.url, headers, ...(r.payload === undefined ? {} : { payload: r.payload }) }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  /** Which parts of two fingerprints differ: `counts.items 40 → 41`, `tasks`. */
  function changedParts(before: string, after: string): string {
    const [b, a] = [JSON.parse(before), JSON.parse(after)] as Record<string, unknown>[];
    const parts: string[] = [];
    for (const [k, v] of Object.entries(a!)) {
      if (k === 'counts') {
        for (const [table, n] of Object.entries(v as Record<string, number>)) {
          const was = (b!.counts as Record<string, number>)[table];
          if (was !== n) parts.push(`counts.${table} ${was} → ${n}`);
        }
      } else if (JSON.stringify(v) !== JSON.stringify(b![k])) parts.push(k);
    }
    return parts.join(', ');
  }

  const INTERNALS = /SQLITE_|syntax error|relation "|duplicate key|violates|node_modules|\/src\/|at async |kysely/i;

  async function runCase(op: Operation, r: FuzzRequest): Promise<void> {
    lastError = undefined;
    const sent = performance.now();
    const res = await send(r);
    stats.requestMs += performance.now() - sent;
    stats.cases++;
    stats.byOperation.set(op.id, (stats.byOperation.get(op.id) ?? 0) + 1);
    stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
    const detail = stats.detail.get(op.id) ?? new Map<string, number>();
    const why = res.statusCode >= 400 ? ` ${res.body.replace(/^\{"error":\{"code":"(\w+)","message":"/, '$1 ').slice(0, 70)}` : '';
    detail.set(`${res.statusCode}${why}`, (detail.get(`${res.statusCode}${why}`) ?? 0) + 1);
    stats.detail.set(op.id, detail);
    const what = () =>
      `${describeRequest(r)}\n→ ${res.statusCode} ${res.body.slice(0, 500)}${lastError ? `\n${lastError.stack ?? String(lastError)}` : ''}`;
    // The store after this request is the baseline of the next, whatever this one's verdict
    // (shrinking replays requests after a failure).
    const checked = performance.now();
    const before = fingerprintBefore;
    const after = (fingerprintBefore = await fingerprint());
    stats.checkMs += performance.now() - checked;
    if (res.statusCode >= 500) throw new Error(`5xx: ${what()}`);
    const json = /^application\/json/.test(String(res.headers['content-type']));
    if (res.statusCode < 400) {
      if (json && res.body.length > 0 && !parses(res.body)) throw new Error(`a success whose JSON does not parse: ${what()}`);
      return;
    }
    if (!json || !parses(res.body)) throw new Error(`4xx without a JSON body: ${what()}`);
    const body: unknown = JSON.parse(res.body);
    const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
    const shaped =
      typeof body === 'object' &&
      body !== null &&
      Object.keys(body).join() === 'error' &&
      typeof error?.code === 'string' &&
      /^TG_[A-Z_]+$/.test(error.code) &&
      error.code in ERROR_CODES &&
      typeof error.message === 'string' &&
      error.message.length > 0;
    if (!shaped) throw new Error(`4xx not in the error shape: ${what()}`);
    if (INTERNALS.test(String(error?.message))) throw new Error(`4xx message leaks internals: ${what()}`);
    if (after !== before) throw new Error(`a refused request changed the store (${changedParts(before, after)}): ${what()}`);
  }

  for (const op of OPERATIONS) {
    it(
      op.id,
      async () => {
        await fc.assert(
          fc.asyncProperty(requestArbitrary(op, ctxFor(op)), (r) => runCase(op, r)),
          { numRuns: RUNS[dialect] },
        );
      },
      120_000 * MULTIPLIER,
    );
  }

  it('exercised every operation the running app documents', () => {
    const live = operationsOf(app.swagger() as unknown as Record<string, unknown>).map((o) => o.id);
    expect(live).toEqual(OPERATIONS.map((o) => o.id));
    for (const id of live) expect(stats.byOperation.get(id) ?? 0, id).toBeGreaterThanOrEqual(RUNS[dialect]);
  });

  it('made no connection beyond this machine', () => {
    expect(NETWORK.refused).toEqual([]);
  });

  it('polluted no prototype', () => {
    for (const [name, proto] of Object.entries(PROTOTYPES))
      expect(Object.getOwnPropertyNames(proto).sort(), name).toEqual(PROTO_NAMES[name]);
    const probe = {} as Record<string, unknown>;
    for (const key of ['polluted', 'isAdmin', 'role', 'project_id', 'a', 'x']) expect(probe[key], key).toBeUndefined();
  });

  it('stored only JSON that parses', async () => {
    // Read from schema.ts, and checked where the migrations made the table.
    const columns = jsonColumns().filter((c) => tables.includes(c.table));
    expect(columns.length).toBeGreaterThan(10);
    let checked = 0;
    for (const { table, column } of columns) {
      // PostgreSQL hands jsonb back parsed: its text form is what is checked there.
      const value = dialect === 'postgres' ? sql`cast(${sql.ref(column)} as text)` : sql.ref(column);
      const rows = await sql<{ v: unknown }>`select ${value} as v from ${sql.table(table)}`.execute(t.store.db);
      for (const { v } of rows.rows) {
        if (v === null) continue;
        if (typeof v === 'string') expect(() => JSON.parse(v), `${table}.${column}: ${v.slice(0, 200)}`).not.toThrow();
        else expect(v, `${table}.${column}`).toBeDefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('left the bystander project exactly as it was', async () => {
    expect(await projectRows(bystander)).toBe(bystanderBefore);
  });

  it('keeps an audit trail that seals and verifies', async () => {
    await sealAll(t.store, t.clock());
    const v = await verifyAudit(t.store, { now: t.clock() });
    expect(v.chains.filter((c) => c.problem !== null)).toEqual([]);
    expect(v.ok).toBe(true);
    for (const project of [projectA, bystander]) {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/projects/${project}/audit/verify`,
        headers: { authorization: `Bearer ${keys.get('admin')!}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ ok: true, problem: null });
    }
  });

  it('reads back everything it stored through the API', async () => {
    const admin = keys.get('admin')!;
    const get = async (url: string, stateful = false) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } });
      // A read that depends on state the fuzzer may have changed (a closed calibration session,
      // an item with no redacted original) may be a conflict or not found; nothing else.
      if (stateful && res.statusCode >= 400 && res.statusCode < 500) {
        expect(['TG_CONFLICT', 'TG_NOT_FOUND'], `${url}: ${res.body.slice(0, 300)}`).toContain(res.json().error.code);
      } else expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBeLessThan(300);
      return res;
    };
    // Every documented read of the API (the /auth pages need a browser session), on the setup's objects.
    for (const op of OPERATIONS.filter((o) => o.method === 'GET' && o.path.startsWith('/v1/'))) {
      const ids = ctxFor(op);
      const value = (name: string) => {
        const param = op.pathParams.find((p) => p.name === name);
        const named = param === undefined ? [] : schemaValues(param);
        return (ids.ids(name) ?? (named.length > 0 ? named : ids.ids(undefined)))![0]!;
      };
      await get(
        op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(value(name))),
        true,
      );
    }
    // Every project, and every item in it, page by page.
    const projects = (await get('/v1/projects')).json<{ projects: { id: string }[] }>().projects;
    let items = 0;
    for (const { id } of projects) {
      await get(`/v1/projects/${id}`);
      await get(`/v1/projects/${id}/policy/versions`);
      await get(`/v1/projects/${id}/rubric/versions`);
      await get(`/v1/projects/${id}/guidelines/versions`);
      await get(`/v1/projects/${id}/audit/export`);
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; next_cursor: string | null } = (
          await get(`/v1/projects/${id}/items?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
        ).json();
        for (const item of page.items.slice(0, 50)) await get(`/v1/items/${item.id}`);
        items += page.items.length;
        cursor = page.next_cursor;
      } while (cursor !== null);
    }
    expect(items).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * The inputs the fuzzer found, pinned: each answered 5xx, or was stored other than as sent,
 * before the fix named beside it.
 */
describe.each(DIALECTS)('hostile input the fuzzer found (%s)', (dialect) => {
  let t: TestStore;
  let app: FastifyInstance;
  let admin: string;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    app = await buildApp({ ctx: t.ctx, version: 'test', authFailuresPerMinute: 0 });
    await app.ready();
    admin = (await createKey(t.ctx, ROOT, { role: 'admin' })).key;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { authorization: `Bearer ${admin}` },
      payload: { name: 'p' },
    });
    projectId = res.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const send = (method: 'GET' | 'POST', url: string, payload?: string) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${admin}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload }),
    });
  const items = () => `/v1/projects/${projectId}/items`;
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it.each([
    // Router refusals came in Fastify's shape ({"error": "Bad Request", "code": "FST_ERR_BAD_URL"}), and 414 for a long id.
    ['a malformed percent-escape in the path', 'GET', '/v1/items/%zz', undefined, 'the URL path holds a malformed percent-escape'],
    [
      'a path parameter over 200 characters',
      'GET',
      `/v1/items/${'a'.repeat(201)}`,
      undefined,
      'a path parameter is longer than 200 characters',
    ],
    // 500: JSON.stringify overflowed the stack storing a free-form field.
    [
      'an output nested 10,000 deep',
      'POST',
      '',
      `{"input":"q","output":{"a":${deep(10_000)}}}`,
      'output.a[0][0][0][0][0][0]… nests deeper than 256 levels',
    ],
    // 500 on PostgreSQL: text and jsonb hold no NUL.
    ['NUL in a JSON field', 'POST', '', '{"input":"a\\u0000b","output":"x"}', 'input contains a NUL character (U+0000)'],
    ['NUL in a text column', 'POST', '', '{"input":"q","output":"x","model":"m\\u0000"}', 'model contains a NUL character (U+0000)'],
    ['NUL in a path parameter', 'GET', '/v1/items/%00', undefined, 'params.item_id contains a NUL character (U+0000)'],
    ['NUL in a query parameter', 'GET', '?model=%00', undefined, 'querystring.model contains a NUL character (U+0000)'],
    // 500 on PostgreSQL (jsonb refuses the escape); stored as U+FFFD in text columns; and on
    // SQLite a lone surrogate in an audit event stopped the audit chain from ever sealing again.
    [
      'a lone surrogate in a tag',
      'POST',
      '',
      '{"input":"q","output":"x","tags":["\\ud800"]}',
      'tags[0] is not well-formed Unicode (a lone UTF-16 surrogate)',
    ],
    [
      'a lone surrogate in a key',
      'POST',
      '',
      '{"input":"q","output":{"\\udc00":1}}',
      'output has a key that is not well-formed Unicode (a lone UTF-16 surrogate)',
    ],
    // Stored as null: JSON.parse reads 1e309 as Infinity, which JSON.stringify writes as null.
    [
      'a number past the double range',
      'POST',
      '',
      '{"input":"q","output":"x","metadata":{"n":1e309}}',
      'metadata.n is a number too large to represent',
    ],
  ] as const)('%s → 400 TG_VALIDATION_FAILED', async (_name, method, path, payload, message) => {
    const url = path.startsWith('/') ? path : `${items()}${path}`;
    const before = await t.store.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await send(method, url, payload);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'TG_VALIDATION_FAILED', message } });
    const after = await t.store.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('still takes deep, odd but storable input, and keeps the audit trail sealable', async () => {
    const output = {
      nested: JSON.parse(deep(200)) as unknown,
      emoji: '\ud83d\ude00',
      rtl: '\u202e',
      sql: "' or 1=1 --",
      big: 2 ** 53 + 2,
    };
    const res = await send('POST', items(), JSON.stringify({ input: '<script>alert(1)</script>', output, tags: ['%', '_'] }));
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    const stored = await send('GET', `/v1/items/${res.json<{ id: string }>().id}`);
    expect(stored.json()).toMatchObject({
      input: '<script>alert(1)</script>',
      output: { emoji: '\ud83d\ude00', sql: "' or 1=1 --" },
      tags: ['%', '_'],
    });
    await sealAll(t.store, t.clock());
    expect((await verifyAudit(t.store, { now: t.clock() })).ok).toBe(true);
  });
});
