import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { startCpuMeter, type CpuReport, type PidSource } from './cpu.js';

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx responses per second over the whole run. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  cpu?: CpuReport;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** Called once per request for its JSON body. */
  body: () => string;
  /** Processes whose CPU use to report for this run. */
  cpu?: Record<string, PidSource[]>;
}

function summarize(r: AutocannonResult): LoadResult {
  return {
    requests: r['2xx'] + r.non2xx,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    rps: r['2xx'] / r.duration,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  };
}

/** One autocannon run: `connections` keep-alive connections POSTing for `seconds`. */
export async function postLoad(o: LoadOptions): Promise<LoadResult> {
  const u = new URL(o.url);
  const headers = { 'content-type': 'application/json', ...o.headers };
  const request: AutocannonRequest = {
    method: 'POST',
    path: u.pathname,
    headers,
    setupRequest: (req) => ({ ...req, method: 'POST', path: u.pathname, headers, body: o.body() }),
  };
  const meter = o.cpu === undefined ? undefined : startCpuMeter(o.cpu);
  const result = await autocannon({ url: u.origin, connections: o.connections, duration: o.seconds, timeout: 30, requests: [request] });
  const cpu = meter?.();
  return { ...summarize(result), ...(cpu === undefined ? {} : { cpu }) };
}
