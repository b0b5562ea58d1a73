/**
 * Diagnostic (not part of `npm run bench`): where the time of one single-item capture goes,
 * without HTTP. In one process, on SQLite files in a temp dir:
 *   A. captureItems() for one item at a time (the service path the HTTP route calls);
 *   B. the same with every Kysely query timed (compile + prepare + run + parse);
 *   C. raw better-sqlite3 replaying exactly the rows A wrote, one transaction per item, with
 *      the statements the service issues (project lookup, external_id lookup, item, tasks,
 *      audit), prepared once;
 *   D. as C, but 20 items per transaction: what sharing one commit among concurrent requests saves.
 * A and C alternate in rounds so that noise from other processes hits both alike.
 *
 *   node --import tsx bench/ingest-breakdown.ts            (BENCH_BREAKDOWN_ITEMS=2000 per round)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext } from '../src/app/context.js';
import { captureItems } from '../src/app/ingest-service.js';
import { createProject } from '../src/app/project-service.js';
import type { Principal } from '../src/core/types.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore, type Store } from '../src/store/store.js';
import { BENCH_ADMIN, makeItems, POLICY, RUBRIC } from './lib/fixtures.js';
import { QueryTrace } from './lib/query-trace.js';

const N = Number(process.env.BENCH_BREAKDOWN_ITEMS ?? 2000);
const ROUNDS = 3;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-breakdown-'));
type Row = Record<string, unknown>;

try {
  const store = openStore({ dialect: 'sqlite', filename: path.join(tmp, 'service.sqlite') });
  await migrateToLatest(store);
  const trace = new QueryTrace();
  const traced: Store = { ...store, db: store.db.withPlugin(trace) };
  const logger = pino({ level: 'silent' });
  const ctx = createContext({ store, clock: Date.now, newId: uuidv7, logger });
  const tracedCtx = createContext({ store: traced, clock: Date.now, newId: uuidv7, logger });
  const project = await createProject(ctx, BENCH_ADMIN, { name: 'breakdown', policy: POLICY, rubric: RUBRIC });
  const ingest: Principal = { key_id: 'bench-ingest', role: 'ingest', project_id: project.id, actor: 'key:bench-ingest' };

  // Raw replay target: same schema and pragmas, the project rows copied.
  const rawFile = path.join(tmp, 'raw.sqlite');
  const rawStore = openStore({ dialect: 'sqlite', filename: rawFile });
  await migrateToLatest(rawStore);
  await rawStore.close();
  const raw = new SQLite(rawFile);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  const source = new SQLite(path.join(tmp, 'service.sqlite'), { readonly: true });
  const insertFor = (db: SQLite.Database, table: string, cols: string[]) =>
    db.prepare(`insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
  for (const t of ['projects', 'policy_versions', 'rubric_versions']) {
    for (const r of source.prepare(`select * from ${t}`).all() as Row[]) insertFor(raw, t, Object.keys(r)).run(r);
  }

  const timeService = async (c: typeof ctx, prefix: string) => {
    const items = makeItems(N, { seed: prefix.length * 31 + N, externalIdPrefix: prefix });
    const t0 = performance.now();
    for (const item of items) await captureItems(c, ingest, project.id, [item]);
    return ((performance.now() - t0) * 1000) / N;
  };

  let rawStmts:
    | { project: SQLite.Statement; ext: SQLite.Statement; item: SQLite.Statement; task: SQLite.Statement; audit: SQLite.Statement }
    | undefined;
  let replayed = 0;
  /** perTxn = 1 is what the service does; larger groups show what sharing one commit would save. */
  const timeRaw = (perTxn: number) => {
    const items = source.prepare('select * from items order by rowid limit ? offset ?').all(N, replayed) as Row[];
    replayed += items.length;
    const ids = items.map((i) => i.id);
    const tasks = new Map<unknown, Row[]>();
    for (const t of source.prepare(`select * from tasks where item_id in (${ids.map(() => '?').join(',')})`).all(...ids) as Row[]) {
      tasks.set(t.item_id, [...(tasks.get(t.item_id) ?? []), t]);
    }
    const audits = new Map<unknown, Row>();
    for (const a of source
      .prepare(`select * from audit_events where subject_id in (${ids.map(() => '?').join(',')})`)
      .all(...ids) as Row[]) {
      const { seq: _seq, ...rest } = a;
      audits.set(a.subject_id, rest);
    }
    const firstTask = [...tasks.values()][0]?.[0] ?? {};
    rawStmts ??= {
      project: raw.prepare('select * from projects where id = ?'),
      ext: raw.prepare('select * from items where project_id = ? and external_id in (?)'),
      item: insertFor(raw, 'items', Object.keys(items[0] ?? {})),
      task: insertFor(raw, 'tasks', Object.keys(firstTask)),
      audit: insertFor(raw, 'audit_events', Object.keys(audits.values().next().value ?? {})),
    };
    const s = rawStmts;
    const group = raw.transaction((rows: Row[]) => {
      for (const item of rows) {
        s.project.get(item.project_id);
        s.ext.all(item.project_id, item.external_id);
        s.item.run(item);
        for (const t of tasks.get(item.id) ?? []) s.task.run(t);
        const a = audits.get(item.id);
        if (a) s.audit.run(a);
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < items.length; i += perTxn) group(items.slice(i, i + perTxn));
    return ((performance.now() - t0) * 1000) / items.length;
  };

  await timeService(ctx, 'warm'); // JIT and policy cache
  const service: number[] = [];
  const rawUs: number[] = [];
  const grouped: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    service.push(await timeService(ctx, `svc${r}`));
    rawUs.push(timeRaw(1));
  }
  for (let r = 0; r < ROUNDS; r++) {
    await timeService(ctx, `svc-more${r}`); // more rows to replay
    grouped.push(timeRaw(20));
  }
  trace.reset();
  const tracedUs = await timeService(tracedCtx, 'traced');
  const queries = trace.summary(N);

  const best = (xs: number[]) => Math.min(...xs);
  console.log(`single-item capture on SQLite, ${N} items x ${ROUNDS} rounds (best round; microseconds per item)`);
  console.log(
    `  A. captureItems (service, no HTTP):         ${best(service).toFixed(0)} us   rounds ${service.map((x) => x.toFixed(0)).join(' / ')}`,
  );
  console.log(
    `  C. raw better-sqlite3, same rows and stmts: ${best(rawUs).toFixed(0)} us   rounds ${rawUs.map((x) => x.toFixed(0)).join(' / ')}`,
  );
  console.log(
    `  D. as C, 20 items per transaction:         ${best(grouped).toFixed(0)} us   rounds ${grouped.map((x) => x.toFixed(0)).join(' / ')}`,
  );
  console.log(`  B. captureItems with queries timed:         ${tracedUs.toFixed(0)} us; per query kind (calls per item, mean us):`);
  let inQueries = 0;
  for (const [label, q] of Object.entries(queries)) {
    inQueries += q.perUnit * q.meanMs * 1000;
    console.log(`       ${label.padEnd(22)} ${q.perUnit.toFixed(2)} x ${(q.meanMs * 1000).toFixed(0)} us`);
  }
  console.log(
    `     in queries ${inQueries.toFixed(0)} us; outside them (BEGIN/COMMIT, policy, records, audit building) ${(tracedUs - inQueries).toFixed(0)} us`,
  );
  raw.close();
  source.close();
  await store.close();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
