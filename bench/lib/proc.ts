import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startCpuProfile } from './profiler.js';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const READY_PREFIX = 'BENCH_READY ';

const live = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let hooked = false;
let stopping = false;

/** True once the bench was interrupted: measurement loops should stop at once. */
export function isStopping(): boolean {
  return stopping;
}

/** Work to do if the bench is interrupted (drop a database, remove a temp dir); returns an unregister function. */
export function registerCleanup(fn: () => Promise<void>): () => void {
  hookExit();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Children never outlive the bench: killed on exit and on Ctrl-C (they also exit when their stdin closes). */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      stopping = true;
      process.stderr.write(`\n${sig}: stopping servers and cleaning up\n`);
      setTimeout(() => process.exit(130), 15_000).unref();
      // Children first (they hold the temp files), then the registered cleanups, then exit.
      const exits = [...live].map(
        (c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()))),
      );
      for (const c of live) c.kill('SIGTERM');
      void Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))])
        .then(() => Promise.allSettled([...cleanups].map((fn) => fn())))
        .then(() => process.exit(130));
    });
  }
}

export interface Child<T> {
  pid: number;
  info: T;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Passed to the child as BENCH_CHILD_CONFIG (JSON). */
  config: object;
  /** Profile the child while it serves (not its startup) into `<cpuProfDir>/<label>.cpuprofile`. */
  cpuProfDir?: string;
  label: string;
  readyTimeoutMs?: number;
}

/**
 * Starts `node --import tsx bench/<script>` as its own process (its own event loop and core),
 * and resolves with the JSON the child prints after READY_PREFIX once it listens.
 */
export async function spawnServer<T>(script: string, opts: SpawnOptions): Promise<Child<T>> {
  hookExit();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, script)], {
    env: {
      ...process.env,
      BENCH_CHILD_CONFIG: JSON.stringify(opts.config),
      BENCH_CHILD_PROFILE: opts.cpuProfDir === undefined ? '' : path.join(opts.cpuProfDir, `${opts.label}.cpuprofile`),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );

  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.label}: not ready after ${opts.readyTimeoutMs ?? 30_000} ms`)),
      opts.readyTimeoutMs ?? 30_000,
    );
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)) as T);
      } else if (line.trim() !== '') {
        process.stderr.write(`[${opts.label}] ${line}\n`);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${opts.label} exited before it was ready (code ${code}, signal ${signal})`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
  });

  return {
    pid: child.pid ?? -1,
    info,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** For the child: read its config, and shut down once on SIGTERM/SIGINT or when the parent goes away. */
export function childConfig<T>(): T {
  const raw = process.env.BENCH_CHILD_CONFIG;
  if (raw === undefined) throw new Error('BENCH_CHILD_CONFIG is not set: start this through bench/run.ts');
  return JSON.parse(raw) as T;
}

/**
 * Marks the child ready and arranges one clean shutdown (SIGTERM/SIGINT, or the parent going
 * away); when the parent asked for a profile, profiles everything in between.
 */
export async function serveUntilShutdown(info: object, close: () => Promise<void>): Promise<void> {
  const profileFile = process.env.BENCH_CHILD_PROFILE;
  const stopProfile = profileFile ? await startCpuProfile() : undefined;
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    (stopProfile && profileFile ? stopProfile(profileFile) : Promise.resolve())
      .then(close)
      .catch((err: unknown) => console.error(err))
      .finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(info)}\n`);
}
