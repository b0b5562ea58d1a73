import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext } from '../src/app/context.js';
import { captureItems } from '../src/app/ingest-service.js';
import { createProject } from '../src/app/project-service.js';
import { claimTask } from '../src/app/review-service.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore, type Store } from '../src/store/store.js';
import { maskUrl, type BenchEnv } from './lib/env.js';
import { BENCH_ADMIN, makeItems, REVIEW_ALL_POLICY, reviewer, RUBRIC } from './lib/fixtures.js';
import { startCpuMeter, type CpuReport } from './lib/cpu.js';
import { isStopping, registerCleanup } from './lib/proc.js';
import { startCpuProfile } from './lib/profiler.js';
import { QueryTrace } from './lib/query-trace.js';

export interface ClaimsResult {
  skipped: false;
  claims: number;
  seconds: number;
  claimsPerSec: number;
  errors: number;
  emptyQueue: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  claimers: number;
  pool: number;
  /** Claims completed in each second of the measured run: a falling line means the queue gets slower as it drains. */
  perSecond: number[];
  /** CPU of this process (the claimers) and of the PostgreSQL backends serving them. */
  cpu?: CpuReport;
  /** With BENCH_TRACE=1: per query kind, calls per claim and mean ms. */
  queries?: ReturnType<QueryTrace['summary']>;
  /** With BENCH_TRACE=1: EXPLAIN (ANALYZE, BUFFERS) of the claim statement after the run. */
  claimPlan?: string[];
  seeded: { tasks: number; seconds: number };
  checks: { claimsMade: number; claimedRows: number; maxClaimCount: number; claimAudits: number };
  server: { version: string; fsync: string; synchronous_commit: string; shared_buffers: string };
}

export type ClaimsOutcome = ClaimsResult | { skipped: true; reason: string };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function adminQuery(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => {}); // a dropped connection surfaces through the pending query instead
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

export async function runClaims(env: BenchEnv, profDir: string | undefined): Promise<ClaimsOutcome> {
  let server: ClaimsResult['server'];
  try {
    const r = await adminQuery(
      env.pgUrl,
      "select version() as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit, current_setting('shared_buffers') as shared_buffers",
    );
    server = r.rows[0] as ClaimsResult['server'];
  } catch (err) {
    return {
      skipped: true,
      reason: `PostgreSQL unreachable at ${maskUrl(env.pgUrl)}: ${(err as Error).message}`,
    };
  }

  const name = `tollgate_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await adminQuery(env.pgUrl, `create database ${name}`);
  const drop = () => adminQuery(env.pgUrl, `drop database if exists ${name} with (force)`).then(() => undefined);
  const url = new URL(env.pgUrl);
  url.pathname = `/${name}`;
  const base = openStore({ dialect: 'postgres', connectionString: url.toString() }, { poolSize: env.pgPool });
  let closed = false;
  const closeStore = async () => {
    if (closed) return;
    closed = true;
    await base.close().catch(() => {});
  };
  // On Ctrl-C: close the pool first (so no idle client sees the forced disconnect), then drop.
  const unregister = registerCleanup(async () => {
    await closeStore();
    await drop();
  });
  // BENCH_TRACE=1 times every query of the claim path (slightly slower; for diagnosis).
  const trace = env.trace ? new QueryTrace(new PostgresQueryCompiler()) : undefined;
  const store: Store = trace ? { ...base, db: base.db.withPlugin(trace) } : base;
  try {
    await migrateToLatest(store);
    const ctx = createContext({ store, clock: Date.now, newId: uuidv7, logger: pino({ level: 'silent' }) });

    // Seed: one batch through the real ingest service (review-everything policy), then clone
    // those rows in SQL up to the target, each with its pending review task.
    const seedStart = performance.now();
    const project = await createProject(ctx, BENCH_ADMIN, { name: 'Bench claims', policy: REVIEW_ALL_POLICY, rubric: RUBRIC });
    const template = Math.min(1000, env.claimTasks);
    await captureItems(ctx, BENCH_ADMIN, project.id, makeItems(template, { seed: 3 }));
    const copies = Math.ceil(env.claimTasks / template) - 1;
    const seed = new pg.Client({ connectionString: url.toString() });
    seed.on('error', () => {}); // an interrupted run drops the database under it; the query reports that
    await seed.connect();
    try {
      await seed.query(
        `insert into items (id, project_id, external_id, input, output, model, model_version, confidence, metadata, tags, created_at,
           decision_action, decision_priority, decision_rules, policy_version, required_reviews, outcome_status, outcome_output,
           outcome_decided_at, outcome_decided_by, outcome_reason)
         select gen_random_uuid()::text, i.project_id, null, i.input, i.output, i.model, i.model_version, i.confidence, i.metadata, i.tags,
           i.created_at + g.n * 1000, i.decision_action, i.decision_priority, i.decision_rules, i.policy_version, i.required_reviews,
           i.outcome_status, i.outcome_output, i.outcome_decided_at, i.outcome_decided_by, i.outcome_reason
         from items i cross join generate_series(1, $2::int) as g(n) where i.project_id = $1`,
        [project.id, copies],
      );
      await seed.query(
        `insert into tasks (id, project_id, item_id, kind, queue, status, priority, rubric_version, lease_owner, lease_expires_at, claim_count, created_at, updated_at)
         select gen_random_uuid()::text, i.project_id, i.id, t.kind, t.queue, 'pending', i.decision_priority, t.rubric_version, null, null, 0, i.created_at, i.created_at
         from items i cross join (select kind, queue, rubric_version from tasks where project_id = $1 limit 1) t
         where i.project_id = $1 and not exists (select 1 from tasks x where x.item_id = i.id)`,
        [project.id],
      );
      // Experiments (e.g. a candidate index) without touching src/: run after the seed, before ANALYZE.
      if (env.claimsSetupSql !== undefined) await seed.query(env.claimsSetupSql);
      await seed.query('vacuum analyze items');
      await seed.query('vacuum analyze tasks');
      await seed.query('vacuum analyze audit_events');
    } finally {
      await seed.end();
    }
    const seededTasks = Number(
      (
        await store.db
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '=', 'pending')
          .executeTakeFirstOrThrow()
      ).n,
    );
    const seeded = { tasks: seededTasks, seconds: (performance.now() - seedStart) / 1000 };

    // Claim: `claimers` distinct reviewers, each claiming in a loop until the clock runs out.
    const phase = async (limitSeconds: number) => {
      const deadline = performance.now() + limitSeconds * 1000;
      const latencies: number[] = [];
      const perSecond: number[] = [];
      let errors = 0;
      let empty = 0;
      let firstError: unknown;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: env.claimers }, async (_, i) => {
          const who = reviewer(i, project.id);
          while (performance.now() < deadline && !isStopping()) {
            const t = performance.now();
            try {
              const claimed = await claimTask(ctx, who, project.id, {});
              if (claimed === null) {
                empty++;
                return;
              }
              const done = performance.now();
              latencies.push(done - t);
              const sec = Math.floor((done - t0) / 1000);
              perSecond[sec] = (perSecond[sec] ?? 0) + 1;
            } catch (err) {
              errors++;
              firstError ??= err;
              if (errors > 100) throw err;
            }
          }
        }),
      );
      if (firstError !== undefined) console.error('claim error (first of', errors, '):', firstError);
      const seconds = (performance.now() - t0) / 1000;
      return { latencies: latencies.sort((a, b) => a - b), perSecond: Array.from(perSecond, (n) => n ?? 0), errors, empty, seconds };
    };
    const warm = env.warmup > 0 ? await phase(env.warmup) : undefined;
    // Diagnostic: statistics taken at seed time say no task is claimed or done, which steers the
    // planner's choice for the claim's NOT EXISTS; BENCH_CLAIMS_REANALYZE=1 refreshes them first.
    if (env.claimsReanalyze) await sql`analyze tasks`.execute(base.db);
    // The claimers run in this process; profile only the measured phase.
    const stopProfile = profDir === undefined ? undefined : await startCpuProfile();
    trace?.reset();
    const backends = (
      await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(base.db)
    ).rows.map((r) => r.pid);
    const meter = startCpuMeter({ bench: [process.pid], postgres: backends });
    const run = await phase(env.duration);
    const cpu = meter();
    if (stopProfile && profDir !== undefined) await stopProfile(path.join(profDir, 'claims.cpuprofile'));

    // With BENCH_TRACE=1: the plan of the claim statement as the queue now stands (rolled back).
    let claimPlan: string[] | undefined;
    const claimSql = trace?.samples.get('update tasks');
    if (claimSql) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query('begin');
        const r = await client.query<Record<string, string>>(`explain (analyze, buffers) ${claimSql.sql}`, [...claimSql.parameters]);
        claimPlan = r.rows.map((row) => Object.values(row)[0] ?? '');
        await client.query('rollback');
      } finally {
        await client.end();
      }
    }

    const c = await store.db
      .selectFrom('tasks')
      .select((eb) => [eb.fn.countAll<string>().as('claimed'), eb.fn.max('claim_count').as('max_claims')])
      .where('status', '=', 'claimed')
      .executeTakeFirstOrThrow();
    const audits = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'task.claimed')
      .executeTakeFirstOrThrow();

    const claims = run.latencies.length;
    return {
      skipped: false,
      claims,
      seconds: run.seconds,
      claimsPerSec: claims / run.seconds,
      errors: run.errors,
      emptyQueue: run.empty,
      latencyMs: {
        p50: percentile(run.latencies, 50),
        p90: percentile(run.latencies, 90),
        p99: percentile(run.latencies, 99),
        max: run.latencies[run.latencies.length - 1] ?? 0,
      },
      claimers: env.claimers,
      pool: env.pgPool,
      perSecond: run.perSecond,
      ...(cpu === undefined ? {} : { cpu }),
      ...(trace ? { queries: trace.summary(claims) } : {}),
      ...(claimPlan ? { claimPlan } : {}),
      seeded,
      checks: {
        // Every successful claim (warm-up included) leased exactly one distinct task and wrote one audit event.
        claimsMade: (warm?.latencies.length ?? 0) + claims,
        claimedRows: Number(c.claimed),
        maxClaimCount: Number(c.max_claims),
        claimAudits: Number(audits.n),
      },
      server,
    };
  } finally {
    await closeStore();
    await drop();
    unregister();
  }
}
