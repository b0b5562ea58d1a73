import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext } from '../src/app/context.js';
import { openExport } from '../src/app/export-service.js';
import { captureItems } from '../src/app/ingest-service.js';
import { createKey } from '../src/app/key-service.js';
import { createProject } from '../src/app/project-service.js';
import { buildApp } from '../src/http/app.js';
import { insertRows } from '../src/store/bulk-insert.js';
import { inTransaction } from '../src/store/executor.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';
import { BENCH_ADMIN, makeItems, REVIEW_ALL_POLICY, RUBRIC } from './lib/fixtures.js';

export interface ExportRun {
  name: string;
  records: number;
  bytes: number;
  seconds: number;
  /** Items read per second (every item of the window is read, whatever the format keeps). */
  itemsPerSec: number;
  recordsPerSec: number;
  /**
   * CPU time of the process (server and the in-process client) per 1,000 records: steadier than
   * throughput when other processes share the cores.
   */
  cpuMsPer1000Records: number;
  /** Highest resident set size seen during the run, above the RSS when it started. */
  rssGrowthMiB: number;
  /** Highest heap in use seen, garbage included, above where it started. */
  heapGrowthMiB: number;
}

/** Heap still in use after a full garbage collection, taken every few MiB of an export. */
export interface RetainedHeap {
  name: string;
  /** Lines read (for CSV, the header and any newline inside a field count too). */
  lines: number;
  samples: number;
  /** After the first chunk, the largest, and after the last: flat when nothing accumulates. */
  firstMiB: number;
  maxMiB: number;
  lastMiB: number;
}

export interface ExportBenchResult {
  items: number;
  setupSeconds: number;
  runs: ExportRun[];
  retained: RetainedHeap[];
}

const MiB = 1024 * 1024;

/** A full collection on demand, without starting node with --expose-gc. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * Exports over HTTP from a SQLite file holding `count` reviewed support items (each with one
 * judgment: 90% approved, 7% corrected, 3% rejected), read by a client in the same process that
 * discards the bytes as they come; and the SFT export through the service alone, for what HTTP
 * adds. Peaks of RSS and heap are sampled every 10 ms, garbage included; the heap retained after
 * full collections during the largest formats, over the first tenth of the items and over all
 * of them, shows whether anything accumulates with the size of the export.
 */
export async function runExportBench(count: number): Promise<ExportBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-export-'));
  const store = openStore({ dialect: 'sqlite', filename: path.join(dir, 'export.sqlite') });
  const ctx = createContext({ store, clock: Date.now, newId: uuidv7, logger: pino({ level: 'silent' }) });
  const app = await buildApp({ ctx, version: 'bench', authFailuresPerMinute: 0 });
  try {
    await migrateToLatest(store);
    const t0 = performance.now();
    const project = await createProject(ctx, BENCH_ADMIN, { name: 'export', policy: REVIEW_ALL_POLICY, rubric: RUBRIC });
    const items = makeItems(count, { seed: 11 });
    // A batch's items share a capture time, so the first tenth ends on a batch boundary.
    const batch = 500;
    for (let i = 0; i < count; i += batch) await captureItems(ctx, BENCH_ADMIN, project.id, items.slice(i, i + batch));
    await judgeAll(ctx.store, project.id);
    const firstTenth = Math.max(batch, Math.round(count / 10 / batch) * batch);
    const tenth = await store.db
      .selectFrom('items')
      .select('created_at')
      .where('project_id', '=', project.id)
      .orderBy('created_at')
      .orderBy('id')
      .offset(firstTenth)
      .limit(1)
      .executeTakeFirstOrThrow();
    const setupSeconds = (performance.now() - t0) / 1000;

    const key = (await createKey(ctx, BENCH_ADMIN, { role: 'manager' })).key;
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const url = (query: string) => `${base}/v1/projects/${project.id}/exports/${query}`;
    const until = `until=${new Date(tenth.created_at).toISOString()}`;
    const plan: { name: string; source: () => AsyncIterable<Uint8Array>; csv: boolean; scanned: number }[] = [
      {
        name: 'sft, service only (no HTTP)',
        source: async function* () {
          const opened = await openExport(ctx, BENCH_ADMIN, project.id, 'sft', {});
          for await (const chunk of opened.chunks) yield Buffer.from(chunk);
        },
        csv: false,
        scanned: count,
      },
      ...(
        [
          ['sft, first tenth', `sft?${until}`, firstTenth],
          ['sft', 'sft', count],
          ['eval', 'eval', count],
          ['preference', 'preference', count],
          ['judgments, CSV', 'judgments?as=csv', count],
        ] as const
      ).map(([name, query, scanned]) => ({ name, source: () => fetchChunks(url(query), key), csv: query.includes('as=csv'), scanned })),
    ];
    // One unmeasured pass warms the JIT and SQLite's page cache.
    await measure(() => fetchChunks(url(`sft?${until}`), key), false);
    const runs: ExportRun[] = [];
    for (const p of plan) {
      const { cpuMs, ...r } = await measure(p.source, p.csv);
      runs.push({
        name: p.name,
        ...r,
        itemsPerSec: p.scanned / r.seconds,
        recordsPerSec: r.records / r.seconds,
        cpuMsPer1000Records: r.records === 0 ? 0 : (cpuMs / r.records) * 1000,
      });
    }
    const gc = collector();
    const retained: RetainedHeap[] = [];
    for (const [name, query] of [
      ['eval, first tenth', `eval?${until}`],
      ['eval', 'eval'],
      ['judgments, CSV', 'judgments?as=csv'],
    ] as const) {
      retained.push({ name, ...(await retainedHeap(() => fetchChunks(url(query), key), gc)) });
    }
    return { items: count, setupSeconds, runs, retained };
  } finally {
    await app.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every task judged by one reviewer, and each item's outcome set from its judgment, in bulk. */
async function judgeAll(store: ReturnType<typeof openStore>, projectId: string): Promise<void> {
  const tasks = await store.db.selectFrom('tasks').select(['id', 'item_id', 'created_at']).where('project_id', '=', projectId).execute();
  const columns = [
    'id',
    'task_id',
    'item_id',
    'project_id',
    'reviewer',
    'verdict',
    'scores',
    'correction',
    'comment',
    'time_spent_ms',
    'rubric_version',
    'guideline_version',
    'created_at',
  ] as const;
  for (let i = 0; i < tasks.length; i += 5000) {
    await inTransaction(store, async (tx) => {
      const rows = tasks.slice(i, i + 5000).map((t, k) => {
        const n = i + k;
        const verdict = n % 100 < 90 ? 'approve' : n % 100 < 97 ? 'correct' : 'reject';
        return [
          uuidv7(),
          t.id,
          t.item_id,
          projectId,
          `bench:reviewer-${n % 7}`,
          verdict,
          tx.json.write({ accuracy: verdict === 'approve' ? 5 : 2, policy_compliant: verdict === 'approve' }),
          verdict === 'correct'
            ? tx.json.write({ role: 'assistant', content: 'I have asked a manager to look at your order today.' })
            : null,
          verdict === 'approve' ? null : 'see the refund policy',
          20_000 + (n % 40_000),
          1,
          0,
          t.created_at + 60_000,
        ];
      });
      await insertRows(tx, 'judgments', columns, rows);
    });
  }
  await sql`update tasks set status = 'done' where project_id = ${projectId}`.execute(store.db);
  await sql`
    update items set
      outcome_status = (select case j.verdict when 'approve' then 'approved' when 'correct' then 'corrected' else 'rejected' end
                        from judgments j where j.item_id = items.id),
      outcome_output = (select case j.verdict when 'approve' then items.output when 'correct' then j.correction end
                        from judgments j where j.item_id = items.id),
      outcome_decided_at = created_at + 60000,
      outcome_decided_by = 'bench:reviewer'
    where project_id = ${projectId}`.execute(store.db);
}

async function* fetchChunks(url: string, key: string): AsyncGenerator<Uint8Array> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok || res.body === null) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  yield* res.body;
}

/** Reads an export to its end, discarding it, with the time, CPU and memory it took. */
async function measure(
  source: () => AsyncIterable<Uint8Array>,
  csv: boolean,
): Promise<Omit<ExportRun, 'name' | 'itemsPerSec' | 'recordsPerSec' | 'cpuMsPer1000Records'> & { cpuMs: number }> {
  const rss0 = process.memoryUsage.rss();
  const heap0 = process.memoryUsage().heapUsed;
  let rssPeak = rss0;
  let heapPeak = heap0;
  const sample = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 10);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    let bytes = 0;
    let newlines = 0;
    let quoted = false;
    for await (const chunk of source()) {
      bytes += chunk.length;
      for (const b of chunk) {
        if (csv && b === 0x22) quoted = !quoted;
        else if (b === 0x0a && !quoted) newlines++;
      }
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      records: csv ? newlines - 1 : newlines,
      bytes,
      seconds: (performance.now() - t0) / 1000,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssGrowthMiB: (rssPeak - rss0) / MiB,
      heapGrowthMiB: (heapPeak - heap0) / MiB,
    };
  } finally {
    clearInterval(sample);
  }
}

/** Reads an export, collecting garbage every 2 MiB and noting the heap that survives. */
async function retainedHeap(source: () => AsyncIterable<Uint8Array>, gc: () => void): Promise<Omit<RetainedHeap, 'name'>> {
  const samples: number[] = [];
  let bytes = 0;
  let lines = 0;
  let next = 0;
  for await (const chunk of source()) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 0x0a) lines++;
    if (bytes >= next) {
      gc();
      samples.push(process.memoryUsage().heapUsed / MiB);
      next = bytes + 2 * MiB;
    }
  }
  gc();
  samples.push(process.memoryUsage().heapUsed / MiB);
  return { lines, samples: samples.length, firstMiB: samples[0]!, maxMiB: Math.max(...samples), lastMiB: samples.at(-1)! };
}
