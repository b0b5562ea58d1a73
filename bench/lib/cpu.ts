import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * CPU accounting for one measured run, from /proc (Linux; elsewhere it reports nothing): how
 * busy the whole machine was, how much of that was the processes under test, and how much
 * was everything else (other people's builds and tests on a shared box).
 * All figures are percent of one core, so a 2-core machine tops out at 200.
 */
export interface CpuReport {
  machineBusy: number;
  groups: Record<string, number>;
  others: number;
}

const HZ = 100; // USER_HZ: the unit of /proc/*/stat times on every mainstream Linux build

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function pidTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

function pidsNamed(comm: string): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

export type PidSource = number | { comm: string };

export function startCpuMeter(groups: Record<string, PidSource[]>): () => CpuReport | undefined {
  const resolve = (src: PidSource[]) => src.flatMap((s) => (typeof s === 'number' ? [s] : pidsNamed(s.comm)));
  const m0 = machineTicks();
  const t0 = performance.now();
  const before = new Map<string, Map<number, number>>(
    Object.entries(groups).map(([g, src]) => [g, new Map(resolve(src).flatMap((p) => [[p, pidTicks(p) ?? 0] as [number, number]]))]),
  );
  return () => {
    const m1 = machineTicks();
    if (!m0 || !m1) return undefined;
    const seconds = (performance.now() - t0) / 1000;
    const pct = (ticks: number) => Math.round((ticks / HZ / seconds) * 1000) / 10;
    const machineBusy = Math.round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * os.cpus().length * 1000) / 10;
    const out: Record<string, number> = {};
    for (const [g, src] of Object.entries(groups)) {
      const b = before.get(g) ?? new Map<number, number>();
      let ticks = 0;
      for (const p of resolve(src)) {
        const now = pidTicks(p);
        if (now !== undefined) ticks += now - (b.get(p) ?? 0);
      }
      out[g] = pct(ticks);
    }
    const ours = Object.values(out).reduce((a, b) => a + b, 0);
    return { machineBusy, groups: out, others: Math.max(0, Math.round((machineBusy - ours) * 10) / 10) };
  };
}
