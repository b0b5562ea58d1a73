import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { CliError } from '../../src/cli/cli-error.js';
import type { CliIo } from '../../src/cli/commands/client-options.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command line the way main.ts does, in this process, against the commands `register`
 * adds and the server at `url`: what it prints and the exit code it would give.
 */
export async function runCli(
  register: (program: Command, io: CliIo) => void,
  args: string[],
  opts: { url: string; key: string; stdin?: string; fetch?: typeof fetch },
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  register(program, {
    env: { TOLLGATE_URL: opts.url, TOLLGATE_KEY: opts.key },
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    fetch: opts.fetch ?? fetch,
  });
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
