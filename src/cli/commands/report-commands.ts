import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ApiError } from '../http-client.js';
import { clientCommand, processIo, resolveClientConfig, type CliIo, type ClientOptions } from './client-options.js';

const FORMATS = ['html', 'md', 'pdf', 'json'] as const;
type Format = (typeof FORMATS)[number];

const EXTENSIONS: Record<string, Format> = {
  '.html': 'html',
  '.htm': 'html',
  '.md': 'md',
  '.markdown': 'md',
  '.pdf': 'pdf',
  '.json': 'json',
};

/** What the report command needs beyond text output: bytes (a PDF) and where they may go. */
export interface ReportIo extends CliIo {
  stdoutIsTTY: boolean;
  writeBytes(data: Uint8Array): void;
  writeFile(file: string, data: Uint8Array | string): Promise<void>;
}

export const processReportIo: ReportIo = {
  ...processIo,
  stdoutIsTTY: process.stdout.isTTY === true,
  writeBytes: (data) => void process.stdout.write(data),
  writeFile: (file, data) => writeFile(file, data),
};

interface OversightOptions extends ClientOptions {
  project: string;
  since?: string;
  until?: string;
  format?: string;
  out?: string;
}

/** The format asked for, else the one the output file's extension names, else Markdown (it reads in a terminal). */
function chooseFormat(opts: OversightOptions): Format {
  if (opts.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(opts.format))
      throw new CliError(`--format must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
    return opts.format as Format;
  }
  return (opts.out === undefined ? undefined : EXTENSIONS[path.extname(opts.out).toLowerCase()]) ?? 'md';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The server's `{error: {code, message}}` as the other client commands report it. */
async function failure(res: Response, what: string): Promise<CliError> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string')
    return new ApiError(res.status, error.code, error.message, error.details);
  return new CliError(`HTTP ${res.status} from ${what}: ${text.replace(/\s+/g, ' ').slice(0, 200) || '(empty body)'}`);
}

/** `tollgate report …`: documents for auditors, made by a running server (client of its HTTP API). */
export function registerReportCommands(program: Command, io: ReportIo = processReportIo): void {
  const group = program.command('report').description('Documents for auditors, made by a running server');

  clientCommand(
    group,
    'oversight',
    'The oversight report of a project for a period (managers, admins): routing, holds, overrides, timeouts, SLA breaches, reviewer standing, versions, audit verification, mapped to EU AI Act Art. 12/14 and NIST AI RMF MANAGE (not legal advice)',
  )
    .requiredOption('--project <id>', 'the project')
    .option('--since <iso>', 'start of the period, inclusive (default: 30 days before --until)')
    .option('--until <iso>', 'end of the period, exclusive (default: now)')
    .option('--format <format>', `${FORMATS.join(' | ')} (default: from the --out extension, else md)`)
    .option('-o, --out <file>', 'write the report to this file instead of stdout')
    .action(async (opts: OversightOptions) => {
      const format = chooseFormat(opts);
      // A PDF in a terminal is noise, and can leave it in a bad state.
      if (format === 'pdf' && opts.out === undefined && io.stdoutIsTTY)
        throw new CliError('refusing to write a PDF to the terminal: pass -o FILE, or redirect stdout');
      const config = resolveClientConfig(opts, io.env);
      const query = new URLSearchParams({ format });
      if (opts.since !== undefined) query.set('since', opts.since);
      if (opts.until !== undefined) query.set('until', opts.until);
      const route = `/v1/projects/${encodeURIComponent(opts.project)}/reports/oversight`;
      let res: Response;
      try {
        res = await (io.fetch ?? fetch)(`${config.baseUrl}${route}?${query.toString()}`, {
          headers: { authorization: `Bearer ${config.key}` },
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
        throw new CliError(
          `cannot reach ${config.baseUrl}: ${cause} (is the server running? Point the CLI at it with --url or TOLLGATE_URL)`,
        );
      }
      if (!res.ok) throw await failure(res, `GET ${route}`);
      const body = format === 'pdf' ? new Uint8Array(await res.arrayBuffer()) : await res.text();
      if (opts.out !== undefined) {
        await io.writeFile(opts.out, body);
        io.out(`${opts.out}: oversight report (${format}, ${body.length} ${format === 'pdf' ? 'bytes' : 'characters'})\n`);
      } else if (typeof body === 'string') io.out(body.endsWith('\n') ? body : `${body}\n`);
      else io.writeBytes(body);
    });
}
