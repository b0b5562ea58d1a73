/** Benchmark knobs, all from the environment so `npm run bench` needs no flags. */

function num(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

export type BenchName = 'ingest' | 'batch' | 'claims' | 'stats' | 'audit' | 'redaction' | 'export' | 'evaluators';
export const ALL_BENCHES: readonly BenchName[] = ['ingest', 'batch', 'claims', 'stats', 'audit', 'redaction', 'export', 'evaluators'];

function only(): BenchName[] {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return [...ALL_BENCHES];
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names)
    if (!(ALL_BENCHES as readonly string[]).includes(n))
      throw new Error(`BENCH_ONLY: unknown benchmark "${n}"; use ${ALL_BENCHES.join('|')}`);
  return names as BenchName[];
}

export interface BenchEnv {
  only: BenchName[];
  /** Seconds per measured load run (ingest: each server; claims: the claim loop). */
  duration: number;
  /** Seconds of unmeasured load before each measured run. */
  warmup: number;
  connections: number;
  batchRows: number;
  batchSize: number;
  batchConcurrency: number;
  pgUrl: string;
  claimTasks: number;
  claimers: number;
  pgPool: number;
  cpuProf: boolean;
  trace: boolean;
  claimsReanalyze: boolean;
  claimsSetupSql: string | undefined;
  /** Audit events written, sealed and verified by the audit benchmark. */
  auditEvents: number;
  /** Items captured per variant by the redaction benchmark. */
  redactionItems: number;
  /** Reviewed items the export benchmark streams out. */
  exportItems: number;
  /** Items captured per variant by the evaluators benchmark. */
  evaluatorItems: number;
}

export function loadBenchEnv(): BenchEnv {
  return {
    only: only(),
    duration: num('BENCH_DURATION', 10, 1),
    warmup: num('BENCH_WARMUP', 2, 0),
    connections: num('BENCH_CONNECTIONS', 20, 1),
    batchRows: num('BENCH_BATCH_ROWS', 50_000, 1000),
    batchSize: num('BENCH_BATCH_SIZE', 1000, 1),
    batchConcurrency: num('BENCH_BATCH_CONCURRENCY', 2, 1),
    pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    claimTasks: num('BENCH_CLAIM_TASKS', 100_000, 1000),
    claimers: num('BENCH_CLAIMERS', 20, 1),
    pgPool: num('BENCH_PG_POOL', 20, 1),
    cpuProf: process.env.BENCH_CPU_PROF === '1',
    trace: process.env.BENCH_TRACE === '1',
    claimsReanalyze: process.env.BENCH_CLAIMS_REANALYZE === '1',
    claimsSetupSql: process.env.BENCH_CLAIMS_SETUP_SQL || undefined,
    auditEvents: num('BENCH_AUDIT_EVENTS', 1_000_000, 1000),
    redactionItems: num('BENCH_REDACTION_ITEMS', 20_000, 1000),
    evaluatorItems: num('BENCH_EVALUATOR_ITEMS', 20_000, 1000),
    exportItems: num('BENCH_EXPORT_ITEMS', 100_000, 1000),
  };
}

/** A connection URL safe to print: the password masked. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
