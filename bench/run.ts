/**
 * `npm run bench`: single-item HTTP ingest vs bare Fastify, batch ingest vs raw better-sqlite3,
 * and PostgreSQL claims/s. Prints a table and writes bench/results/latest.json.
 * Knobs: see docs/benchmarks.md (BENCH_ONLY, BENCH_DURATION, BENCH_WARMUP, BENCH_PG_URL, ...).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { VERSION } from '../src/version.js';
import { runBatch, type BatchResult } from './batch.js';
import { runClaims, type ClaimsOutcome } from './claims.js';
import { runIngest, type IngestResult } from './ingest.js';
import { runStats, type StatsResult } from './stats.js';
import { runAuditBench, type AuditBenchResult } from './audit.js';
import { runRedactionBench, type RedactionBenchResult } from './redaction.js';
import { runExportBench, type ExportBenchResult } from './export.js';
import { runEvaluatorBench, type EvaluatorBenchResult } from './evaluators.js';
import type { CpuReport } from './lib/cpu.js';
import { loadBenchEnv, maskUrl } from './lib/env.js';
import { BENCH_DIR, isStopping } from './lib/proc.js';

const env = loadBenchEnv();
const runEvaluators = env.only.includes('evaluators');
const evaluatorItems = env.evaluatorItems;
const resultsDir = path.join(BENCH_DIR, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const profDir = env.cpuProf ? path.join(resultsDir, 'profiles', stamp) : undefined;
if (profDir !== undefined) fs.mkdirSync(profDir, { recursive: true });

const sqliteVersion = (() => {
  const db = new SQLite(':memory:');
  const v = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return v;
})();

const cpus = os.cpus();
const machine = {
  cores: cpus.length,
  cpu: cpus[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  sqlite: sqliteVersion,
  loadAvgAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
  loadAvgAtEnd: [] as number[],
};

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
log(`Tollgate ${VERSION} | ${machine.cores} cores (${machine.cpu}) | node ${machine.node} | load avg ${machine.loadAvgAtStart.join(' ')}`);
log(`running ${env.only.join(', ')}; ${env.duration}s per measured run after ${env.warmup}s warm-up`);

const results: {
  ingest?: IngestResult;
  batch?: BatchResult;
  claims?: ClaimsOutcome;
  stats?: StatsResult;
  audit?: AuditBenchResult;
  redaction?: RedactionBenchResult;
  export?: ExportBenchResult;
  evaluators?: EvaluatorBenchResult;
} = {};
const failures: Record<string, string> = {};
const started = Date.now();
/** One benchmark failing (a port, a database permission) must not lose the others' numbers. */
async function attempt<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  if (isStopping()) return undefined;
  try {
    return await fn();
  } catch (err) {
    failures[name] = err instanceof Error ? err.message : String(err);
    log(`${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return undefined;
  }
}
if (env.only.includes('ingest')) {
  log(`ingest: Tollgate single-item POST, then bare Fastify, ${env.connections} connections each…`);
  results.ingest = await attempt('ingest', () => runIngest(env, profDir));
}
if (env.only.includes('batch')) {
  log(`batch: ${env.batchRows} rows in batches of ${env.batchSize} (concurrency ${env.batchConcurrency}), then raw better-sqlite3…`);
  results.batch = await attempt('batch', () => runBatch(env, profDir));
}
if (env.only.includes('claims')) {
  log(`claims: seeding ${env.claimTasks} tasks on PostgreSQL, then ${env.claimers} claimers…`);
  results.claims = await attempt('claims', () => runClaims(env, profDir));
}
if (env.only.includes('stats')) {
  log("stats: Krippendorff's alpha, 100,000 units x 5 raters, 10% missing, nominal and interval…");
  results.stats = await attempt('stats', () => Promise.resolve(runStats()));
}
if (env.only.includes('audit')) {
  log(`audit: writing ${env.auditEvents} audit events to SQLite, then sealing and verifying the chains…`);
  results.audit = await attempt('audit', () => runAuditBench(env.auditEvents));
}
if (env.only.includes('redaction')) {
  log(`redaction: capturing ${env.redactionItems} items without redaction, with every detector, and with sealed originals…`);
  results.redaction = await attempt('redaction', () => runRedactionBench(env.redactionItems));
}
if (env.only.includes('export')) {
  log(`export: ${env.exportItems} reviewed items on SQLite, each format streamed over HTTP…`);
  results.export = await attempt('export', () => runExportBench(env.exportItems));
}
if (runEvaluators) {
  log(`evaluators: capturing ${evaluatorItems} items without evaluators, then with seven sync checks, then the checks alone…`);
  results.evaluators = await attempt('evaluators', () => runEvaluatorBench(evaluatorItems));
}
if (isStopping()) {
  log('interrupted: no results written');
  await new Promise(() => {}); // the signal handler exits once cleanup is done
}
machine.loadAvgAtEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (r: number) => `${(r * 100).toFixed(0)}%`;
const status = (ok: boolean) => (ok ? 'met' : 'MISSED');
const rows: string[][] = [['benchmark', 'Tollgate', 'baseline', 'ratio', 'target', 'status']];
const notes: string[] = [];
if (results.ingest) {
  const r = results.ingest;
  rows.push([
    'single-item ingest, HTTP (req/s)',
    fmt(r.tollgate.rps),
    `${fmt(r.hello.rps)} (bare Fastify)`,
    pct(r.ratio),
    '>= 50%',
    status(r.ratio >= 0.5),
  ]);
  notes.push(
    `ingest latency p50/p99: Tollgate ${r.tollgate.latencyMs.p50}/${r.tollgate.latencyMs.p99} ms, Fastify ${r.hello.latencyMs.p50}/${r.hello.latencyMs.p99} ms; ` +
      `non-2xx ${r.tollgate.non2xx}/${r.hello.non2xx}, errors ${r.tollgate.errors}/${r.hello.errors}; routed ${JSON.stringify(r.routing)}`,
  );
}
if (results.batch) {
  const r = results.batch;
  rows.push([
    'batch ingest, SQLite (rows/s)',
    fmt(r.tollgate.rowsPerSec),
    `${fmt(r.rawItems.rowsPerSec)} (raw inserts)`,
    pct(r.ratio),
    '>= 50%',
    status(r.ratio >= 0.5),
  ]);
  notes.push(
    `batch: ${r.tollgate.requests} requests x ${r.tollgate.batchSize} items in ${r.tollgate.seconds.toFixed(2)} s, p50 ${r.tollgate.msPerRequest.p50.toFixed(0)} ms/request; ` +
      `raw items+tasks+audit rows: ${fmt(r.rawAllRows.rowsPerSec)} items/s (${pct(r.tollgate.rowsPerSec / r.rawAllRows.rowsPerSec)})`,
  );
}
if (results.claims) {
  const r = results.claims;
  if (r.skipped) {
    rows.push(['claims, PostgreSQL (claims/s)', 'skipped', '-', '-', '>= 1000/s', 'skipped']);
    notes.push(`claims skipped: ${r.reason}`);
  } else {
    rows.push([
      `claims, PostgreSQL, ${r.claimers} claimers (claims/s)`,
      fmt(r.claimsPerSec),
      '-',
      '-',
      '>= 1000/s',
      status(r.claimsPerSec >= 1000),
    ]);
    notes.push(
      `claims: ${r.claims} in ${r.seconds.toFixed(2)} s, latency p50/p99 ${r.latencyMs.p50.toFixed(1)}/${r.latencyMs.p99.toFixed(1)} ms, errors ${r.errors}, pool ${r.pool}; ` +
        `seeded ${r.seeded.tasks} tasks in ${r.seeded.seconds.toFixed(1)} s; fsync=${r.server.fsync}, synchronous_commit=${r.server.synchronous_commit}; ` +
        `checks: ${r.checks.claimsMade} claims made, ${r.checks.claimedRows} tasks claimed, ${r.checks.claimAudits} claim audits, max claim_count ${r.checks.maxClaimCount}`,
    );
  }
}

if (results.stats) {
  for (const a of results.stats.alpha) {
    rows.push([`Krippendorff alpha, ${a.level}, 100k units x 5 (ms)`, a.ms.toFixed(0), '-', '-', '< 1000 ms', status(a.ms < 1000)]);
    notes.push(
      `alpha ${a.level}: ${a.ratings} ratings, median of 5 warm runs ${a.ms.toFixed(0)} ms, cold ${a.coldMs.toFixed(0)} ms, alpha ${a.value.toFixed(4)}`,
    );
  }
}

if (results.audit) {
  const a = results.audit;
  // Target: a million events verified within a minute, so a nightly check of a busy trail is cheap.
  rows.push([
    `audit verify, ${fmt(a.events)} events, SQLite (events/s)`,
    fmt(a.verifyPerSec),
    '-',
    '-',
    '>= 16,667/s',
    status(a.verifyPerSec >= 1_000_000 / 60),
  ]);
  rows.push([`audit seal, ${fmt(a.events)} events, SQLite (events/s)`, fmt(a.sealPerSec), '-', '-', '-', '-']);
  notes.push(
    `audit: ${fmt(a.events)} events over ${a.chains} chains; sealed in ${a.sealSeconds.toFixed(1)} s, verified in ${a.verifySeconds.toFixed(1)} s (${a.ok ? 'intact' : 'BROKEN'}); writing them took ${a.insertSeconds.toFixed(1)} s`,
  );
}

if (results.redaction) {
  const r = results.redaction;
  // Target: redaction at capture costs at most a third of the capture rate on ordinary traffic.
  rows.push([
    'batch capture with PII redaction, SQLite (items/s)',
    fmt(r.redacted.itemsPerSec),
    `${fmt(r.plain.itemsPerSec)} (no redaction)`,
    pct(r.ratio),
    '>= 67%',
    status(r.ratio >= 2 / 3),
  ]);
  notes.push(
    `redaction: ${fmt(r.items)} items in batches of ${r.batchSize}, ${pct(r.itemsWithPii)} with personal data; every detector plus a custom pattern; ` +
      `with sealed originals ${fmt(r.sealed.itemsPerSec)} items/s (${pct(r.sealed.itemsPerSec / r.plain.itemsPerSec)})`,
  );
}

if (results.export) {
  const e = results.export;
  for (const r of e.runs)
    rows.push([`export ${r.name}, ${fmt(e.items)} items, SQLite (records/s)`, fmt(r.recordsPerSec), '-', '-', '-', '-']);
  // Target: memory that does not grow with the export; a page of 500 items is all it holds. Peak
  // RSS mostly measures when V8 gets round to collecting garbage, so the check is on the heap that
  // survives full collections taken every 2 MiB of the export.
  const growth = Math.max(...e.retained.map((h) => h.maxMiB - h.firstMiB));
  rows.push([`export heap retained after GC, growth during an export (MiB)`, growth.toFixed(1), '-', '-', '< 16 MiB', status(growth < 16)]);
  const heap = e.retained.map(
    (h) => `${h.name} ${h.firstMiB.toFixed(1)} → max ${h.maxMiB.toFixed(1)} → ${h.lastMiB.toFixed(1)} MiB (${h.samples} samples)`,
  );
  notes.push(
    `export: ${e.runs
      .map(
        (r) =>
          `${r.name} ${fmt(r.records)} records (${(r.bytes / 2 ** 20).toFixed(1)} MiB) in ${r.seconds.toFixed(2)} s, ${fmt(r.itemsPerSec)} items read/s, ` +
          `${r.cpuMsPer1000Records.toFixed(0)} CPU ms/1000 records, peak RSS +${r.rssGrowthMiB.toFixed(1)} MiB, heap +${r.heapGrowthMiB.toFixed(1)} MiB`,
      )
      .join('; ')}; heap retained after full GCs during the export: ${heap.join('; ')}; setup ${e.setupSeconds.toFixed(0)} s`,
  );
}

if (results.evaluators) {
  const r = results.evaluators;
  const us = (n: number) => n.toFixed(1);
  // Target: the same as redaction's, checks at capture cost at most a third of the capture rate.
  // An absolute budget: batch capture is the cheapest path (about 0.1 ms an item), so a ratio
  // against it would refuse any per-item work (docs/benchmarks.md explains the 0.2 ms).
  rows.push([
    'capture cost added by seven sync evaluator checks, SQLite (µs per item)',
    `+${us(r.overheadUsPerItem)} (${fmt(r.evaluated.itemsPerSec)} items/s)`,
    `${fmt(r.plain.itemsPerSec)} items/s (no evaluators)`,
    pct(r.ratio),
    '<= 200 µs',
    status(r.overheadUsPerItem <= 200),
  ]);
  const c = r.checks.usPerItem;
  const failed = Object.entries(r.outcomes)
    .map(([name, byStatus]) => `${name} ${fmt(byStatus['fail'] ?? 0)}`)
    .join(', ');
  notes.push(
    `evaluators: ${fmt(r.items)} items in batches of ${r.batchSize}, seven checks (PII on output and input, JSON Schema, regex, ` +
      `blocklist, length, refusal); capture cost +${us(r.overheadUsPerItem)} µs per item; the checks alone ${us(c.mean)} µs per item ` +
      `(p50 ${us(c.p50)}, p99 ${us(c.p99)}, max ${us(c.max)}; ${Object.entries(r.checks.byEvaluator)
        .map(([name, v]) => `${name} ${us(v)}`)
        .join(', ')}); failed: ${failed}; ${fmt(r.evaluated.rules['pii-in-reply'] ?? 0)} items matched the evals.pii.found rule`,
  );
}

const cpuLine = (name: string, c: CpuReport | undefined) =>
  c === undefined
    ? undefined
    : `CPU during ${name} (% of one core, machine max ${machine.cores * 100}): machine ${c.machineBusy}, ${Object.entries(c.groups)
        .map(([g, v]) => `${g} ${v}`)
        .join(', ')}, other processes ${c.others}`;
const cpuNotes = [
  cpuLine('Tollgate ingest', results.ingest?.tollgate.cpu),
  cpuLine('Fastify hello', results.ingest?.hello.cpu),
  cpuLine('Tollgate batch', results.batch?.tollgate.cpu),
  cpuLine('raw inserts', results.batch?.rawItems.cpu),
  cpuLine('claims', results.claims && !results.claims.skipped ? results.claims.cpu : undefined),
].filter((n): n is string => n !== undefined);
notes.push(...cpuNotes);

// CPU time per unit of work: steadier than throughput when other processes share the cores.
const costs: Record<string, number> = {};
const ms = (pctOfCore: number | undefined, units: number, seconds: number) =>
  pctOfCore === undefined || units === 0 ? undefined : Math.round(((pctOfCore / 100) * seconds * 1000 * 1000) / units) / 1000;
const addCost = (k: string, v: number | undefined) => v !== undefined && (costs[k] = v);
if (results.ingest) {
  const { tollgate: t, hello: h } = results.ingest;
  addCost('ingest: Tollgate server CPU ms/request', ms(t.cpu?.groups.server, t.ok, t.seconds));
  addCost('ingest: bare Fastify CPU ms/request', ms(h.cpu?.groups.server, h.ok, h.seconds));
}
if (results.batch) {
  const { tollgate: t, rawItems: r } = results.batch;
  addCost('batch: Tollgate server CPU ms/1000 rows', ms(t.cpu?.groups.server, t.rows / 1000, t.seconds));
  addCost('batch: raw inserts CPU ms/1000 rows', ms(r.cpu?.groups.bench, r.rows / 1000, r.seconds));
}
if (results.claims && !results.claims.skipped) {
  const c = results.claims;
  addCost('claims: Node (claimers) CPU ms/claim', ms(c.cpu?.groups.bench, c.claims, c.seconds));
  addCost('claims: PostgreSQL backends CPU ms/claim', ms(c.cpu?.groups.postgres, c.claims, c.seconds));
}
if (Object.keys(costs).length > 0)
  notes.push(
    `CPU per unit of work: ${Object.entries(costs)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
  );

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
console.log(`\nTollgate ${VERSION} benchmarks, ${new Date().toISOString()}`);
console.log(
  `machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}, SQLite ${machine.sqlite}`,
);
console.log(
  `load average at start ${machine.loadAvgAtStart.join(' ')}, at end ${machine.loadAvgAtEnd.join(' ')} (other processes may share the cores)\n`,
);
console.log(line(rows[0]!));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log('');
for (const n of notes) console.log(`- ${n}`);

for (const [name, msg] of Object.entries(failures)) console.log(`- ${name} FAILED: ${msg}`);

const out = {
  version: VERSION,
  date: new Date().toISOString(),
  elapsedSeconds: (Date.now() - started) / 1000,
  machine,
  config: { ...env, pgUrl: maskUrl(env.pgUrl) },
  results,
  cpuCostMs: costs,
  failures,
};
const file = path.join(resultsDir, 'latest.json');
fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
// Each run is also kept under its own name, so a profiling run does not lose the previous numbers.
fs.writeFileSync(path.join(resultsDir, `run-${stamp}.json`), `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
if (profDir !== undefined)
  console.log(
    `CPU profiles in ${path.relative(process.cwd(), profDir)}; summarize with: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [focus]`,
  );
if (Object.keys(failures).length > 0) process.exitCode = 1;
