import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { CliError } from '../../src/cli/cli-error.js';
import type { CliIo } from '../../src/cli/commands/client-options.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions<Io extends CliIo = CliIo> {
  /** Shorthands for TOLLGATE_URL and TOLLGATE_KEY in `env`. */
  url?: string;
  key?: string;
  env?: Record<string, string>;
  stdin?: string;
  fetch?: typeof fetch;
  /** Anything else a command reads from its io (a TTY flag, a byte sink). */
  io?: Partial<Io>;
}

/**
 * Runs one command line the way main.ts does, in this process, with the commands `register`
 * adds: what it prints and the exit code it would give.
 */
export async function runCli<Io extends CliIo = CliIo>(
  register: (program: Command, io: Io) => void,
  args: string[],
  opts: CliRunOptions<Io> = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const env = {
    ...opts.env,
    ...(opts.url === undefined ? {} : { TOLLGATE_URL: opts.url }),
    ...(opts.key === undefined ? {} : { TOLLGATE_KEY: opts.key }),
  };
  // The command's own io fields (a TTY flag, a byte sink) come from the caller, hence the cast.
  register(program, {
    env,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    ...opts.io,
  } as Io);
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode;
    else if (e instanceof CliError) {
      err.push(`tollgate: ${e.message}\n`);
      code = e.exitCode;
    } else throw e;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

export interface LocalServer {
  server: RunningServer;
  dir: string;
  /** The value of TOLLGATE_ADMIN_KEY the server started with. */
  admin: string;
  close(): Promise<void>;
}

/** A real server on a SQLite file in a fresh temporary folder, on a free loopback port. */
export async function startLocalServer(env: Record<string, string> = {}): Promise<LocalServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-test-'));
  const admin = 'test-admin-key-0123456789';
  const server = await startServer(
    loadConfig(
      {
        TOLLGATE_DATABASE_URL: path.join(dir, 'db.sqlite'),
        TOLLGATE_PORT: '0',
        TOLLGATE_HOST: '127.0.0.1',
        TOLLGATE_ADMIN_KEY: admin,
        TOLLGATE_LOG_LEVEL: 'silent',
        ...env,
      },
      dir,
    ),
  );
  return {
    server,
    dir,
    admin,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
