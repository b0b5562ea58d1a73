import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';
import type { BenchEnv } from './lib/env.js';
import { makeItems } from './lib/fixtures.js';
import { startCpuMeter, type CpuReport } from './lib/cpu.js';
import { registerCleanup, spawnServer } from './lib/proc.js';
import type { TollgateChildInfo } from './serve-tollgate.js';

const WARMUP_BATCHES = 3;

export interface RowsRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  cpu?: CpuReport;
}

export interface BatchResult {
  tollgate: RowsRun & { requests: number; concurrency: number; batchSize: number; msPerRequest: { p50: number; max: number } };
  /** Raw better-sqlite3 inserts of the same item rows: the headline baseline. */
  rawItems: RowsRun;
  /** Raw inserts of every row Tollgate wrote for those items (items + tasks + audit events). */
  rawAllRows: RowsRun & { tasks: number; audit: number };
  ratio: number;
}

/** Same pragmas as src/store/store.ts. */
function openRaw(file: string): SQLite.Database {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

type Row = Record<string, unknown>;

function insertStatement(db: SQLite.Database, table: string, sample: Row): SQLite.Statement {
  const cols = Object.keys(sample);
  return db.prepare(`insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
}

/** A fresh file with Tollgate's own schema (same tables, indexes, constraints) and the project row. */
async function freshBaseline(file: string, source: SQLite.Database): Promise<SQLite.Database> {
  const store = openStore({ dialect: 'sqlite', filename: file });
  await migrateToLatest(store);
  await store.close();
  const db = openRaw(file);
  for (const table of ['projects', 'policy_versions', 'rubric_versions']) {
    const rows = source.prepare(`select * from ${table}`).all() as Row[];
    const first = rows[0];
    if (!first) continue;
    const stmt = insertStatement(db, table, first);
    for (const r of rows) stmt.run(r);
  }
  return db;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runBatch(env: BenchEnv, profDir: string | undefined): Promise<BatchResult> {
  const batches = Math.ceil(env.batchRows / env.batchSize);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-batch-'));
  const unregister = registerCleanup(() => fs.promises.rm(tmp, { recursive: true, force: true }));
  try {
    const dbFile = path.join(tmp, 'tollgate.sqlite');
    const run = Date.now().toString(36);
    // Serialized up front so the client spends no CPU on it while the clock runs.
    const bodies = Array.from({ length: WARMUP_BATCHES + batches }, (_, b) =>
      JSON.stringify({ items: makeItems(env.batchSize, { seed: 1000 + b, externalIdPrefix: `batch-${run}-${b}` }) }),
    );

    const tg = await spawnServer<TollgateChildInfo>('serve-tollgate.ts', {
      label: 'tollgate-batch',
      config: { databaseUrl: dbFile },
      ...(profDir === undefined ? {} : { cpuProfDir: profDir }),
    });
    let tollgate: BatchResult['tollgate'];
    try {
      const url = `${tg.info.url}/v1/projects/${tg.info.projectId}/items/batch`;
      const headers = { authorization: `Bearer ${tg.info.ingestKey}`, 'content-type': 'application/json' };
      const post = async (body: string, check: boolean): Promise<void> => {
        const res = await fetch(url, { method: 'POST', headers, body });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`batch ingest answered ${res.status}: ${text.slice(0, 500)}`);
        if (check) {
          const n = (JSON.parse(text) as { items: unknown[] }).items.length;
          if (n !== env.batchSize) throw new Error(`batch ingest returned ${n} items, expected ${env.batchSize}`);
        }
      };
      for (let b = 0; b < WARMUP_BATCHES; b++) await post(bodies[b]!, b === 0);

      const latencies: number[] = [];
      let next = WARMUP_BATCHES;
      const worker = async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const t = performance.now();
          await post(body, false);
          latencies.push(performance.now() - t);
        }
      };
      const meter = startCpuMeter({ server: [tg.pid], client: [process.pid] });
      const t0 = performance.now();
      await Promise.all(Array.from({ length: env.batchConcurrency }, worker));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = meter();
      latencies.sort((a, b) => a - b);
      const rows = batches * env.batchSize;
      tollgate = {
        rows,
        seconds,
        rowsPerSec: rows / seconds,
        requests: batches,
        concurrency: env.batchConcurrency,
        batchSize: env.batchSize,
        msPerRequest: { p50: percentile(latencies, 50), max: latencies[latencies.length - 1] ?? 0 },
        ...(cpu === undefined ? {} : { cpu }),
      };
    } finally {
      await tg.stop();
    }

    // The rows exactly as Tollgate stored them, in insertion order.
    const source = new SQLite(dbFile, { readonly: true });
    const itemRows = source.prepare('select * from items order by rowid').all() as Row[];
    const taskRows = source.prepare('select * from tasks order by rowid').all() as Row[];
    const auditRows = source.prepare("select * from audit_events where action = 'item.captured' order by seq").all() as Row[];
    const expected = (WARMUP_BATCHES + batches) * env.batchSize;
    if (itemRows.length !== expected) throw new Error(`Tollgate stored ${itemRows.length} items, expected ${expected}`);
    const warmRows = WARMUP_BATCHES * env.batchSize;
    /** Runs the warm-up batches untimed, then times the rest: wall clock and this process's CPU. */
    const timeInserts = (insertBatch: (rows: Row[]) => void): { seconds: number; cpu: CpuReport | undefined } => {
      for (let i = 0; i < warmRows; i += env.batchSize) insertBatch(itemRows.slice(i, i + env.batchSize));
      const meter = startCpuMeter({ bench: [process.pid] });
      const t0 = performance.now();
      for (let i = warmRows; i < itemRows.length; i += env.batchSize) insertBatch(itemRows.slice(i, i + env.batchSize));
      const seconds = (performance.now() - t0) / 1000;
      return { seconds, cpu: meter() };
    };

    // Baseline 1: the item rows alone, one transaction per batch, one prepared statement.
    const rawItems = await (async (): Promise<RowsRun> => {
      const db = await freshBaseline(path.join(tmp, 'raw-items.sqlite'), source);
      const stmt = insertStatement(db, 'items', itemRows[0]!);
      const insertBatch = db.transaction((rows: Row[]) => {
        for (const r of rows) stmt.run(r);
      });
      const { seconds, cpu } = timeInserts(insertBatch);
      db.close();
      const rows = itemRows.length - warmRows;
      return { rows, seconds, rowsPerSec: rows / seconds, ...(cpu === undefined ? {} : { cpu }) };
    })();

    // Baseline 2: everything Tollgate writes for those items (item, its tasks, its audit event).
    const rawAllRows = await (async (): Promise<BatchResult['rawAllRows']> => {
      const db = await freshBaseline(path.join(tmp, 'raw-all.sqlite'), source);
      const itemStmt = insertStatement(db, 'items', itemRows[0]!);
      const taskStmt = taskRows[0] ? insertStatement(db, 'tasks', taskRows[0]) : undefined;
      const auditCols = Object.keys(auditRows[0] ?? {}).filter((c) => c !== 'seq');
      const auditStmt = db.prepare(
        `insert into audit_events (${auditCols.map((c) => `"${c}"`).join(', ')}) values (${auditCols.map((c) => `@${c}`).join(', ')})`,
      );
      const tasksByItem = new Map<unknown, Row[]>();
      for (const t of taskRows) tasksByItem.set(t.item_id, [...(tasksByItem.get(t.item_id) ?? []), t]);
      const auditByItem = new Map<unknown, Row>(auditRows.map((a) => [a.subject_id, Object.fromEntries(auditCols.map((c) => [c, a[c]]))]));
      const insertBatch = db.transaction((rows: Row[]) => {
        for (const r of rows) itemStmt.run(r);
        for (const r of rows) for (const t of tasksByItem.get(r.id) ?? []) taskStmt?.run(t);
        for (const r of rows) {
          const a = auditByItem.get(r.id);
          if (a) auditStmt.run(a);
        }
      });
      const { seconds, cpu } = timeInserts(insertBatch);
      const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      const tasks = count('tasks');
      const audit = count('audit_events');
      db.close();
      const rows = itemRows.length - warmRows;
      return { rows, seconds, rowsPerSec: rows / seconds, tasks, audit, ...(cpu === undefined ? {} : { cpu }) };
    })();

    source.close();
    return { tollgate, rawItems, rawAllRows, ratio: tollgate.rowsPerSec / rawItems.rowsPerSec };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    unregister();
  }
}
