import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';

/**
 * Tollgate as real child processes: `tollgate start` run from source through tsx, driven over
 * real HTTP, for the tests that need a process to crash, restart or share a database.
 */
export const ROOT_DIR = path.resolve(import.meta.dirname, '../..');
/** The CLI entry point, from source: run it as `node --import tsx CLI_MAIN ...`. */
export const CLI_MAIN = path.join(ROOT_DIR, 'src/cli/main.ts');

/** A port that was free a moment ago: good enough for a server to take, or for "nothing listens here". */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
}

const running = new Set<ChildProcess>();

/**
 * Spawns `tollgate start` on a free port of 127.0.0.1, with this process's environment plus
 * `env` (the log level is `warn` unless `env` says otherwise). Does not wait: see waitHealthy.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'start', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT_DIR,
    env: { ...process.env, TOLLGATE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, url: `http://127.0.0.1:${port}`, output: () => out };
}

/** Resolves once GET /healthz answers 200; fails with the server's output if it exits or takes too long. */
export async function waitHealthy(s: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.proc.exitCode !== null) throw new Error(`server exited with ${s.proc.exitCode}:\n${s.output()}`);
    try {
      const res = await fetch(`${s.url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${s.url} not healthy after ${timeoutMs} ms:\n${s.output()}`);
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; a process already gone is left as it is. */
export async function stopServer(s: ServerProcess): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = once(s.proc, 'exit');
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** SIGKILLs every server this file spawned that is still running: a safety net for afterAll. */
export function killServers(): void {
  for (const p of running) p.kill('SIGKILL');
}

/** Response bodies are read loosely; each use site asserts the shape it relies on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** One JSON request with a bearer key; an empty body reads as null. */
export async function call(
  base: string,
  method: string,
  url: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; json: Loose }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}
