import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Argument, InvalidArgumentError, type Command } from 'commander';
import { EXPORT_FORMATS } from '../../core/export/types.js';
import { CliError } from '../cli-error.js';
import { ApiError } from '../http-client.js';
import { clientCommand, processIo, resolveClientConfig, type CliIo, type ClientOptions } from './client-options.js';
import { intArg } from './option-parsers.js';

/** What the export command writes to beyond text: a byte stream for stdout, and whether stderr is a terminal. */
export interface ExportIo extends CliIo {
  stdout?: Writable;
  stderrIsTTY?: boolean;
}

interface ExportOptions extends ClientOptions {
  project: string;
  out?: string;
  since?: string;
  until?: string;
  modelVersion?: string;
  verdict?: string;
  guidelineVersion?: number;
  queue?: string;
  minAgreement?: number;
  includeUnreviewed?: boolean;
  style?: string;
  as?: string;
  evaluator?: string;
  disagreementsOnly?: boolean;
}

function shareArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

/** The query string: the flags as the route names them; CSV when asked, or when judgments go to a .csv file. */
export function exportQuery(format: string, o: ExportOptions): URLSearchParams {
  const q = new URLSearchParams();
  const set = (name: string, v: string | number | boolean | undefined) => v !== undefined && q.set(name, String(v));
  set('since', o.since);
  set('until', o.until);
  set('model_version', o.modelVersion);
  set('verdict', o.verdict);
  set('guideline_version', o.guidelineVersion);
  set('queue', o.queue);
  set('min_agreement', o.minAgreement);
  if (o.includeUnreviewed) set('include_unreviewed', true);
  set('style', o.style);
  set('evaluator', o.evaluator);
  if (o.disagreementsOnly) set('disagreements_only', true);
  const csvFile = format === 'judgments' && o.out !== undefined && path.extname(o.out).toLowerCase() === '.csv';
  set('as', o.as ?? (csvFile ? 'csv' : undefined));
  return q;
}

/**
 * Counts records as the bytes go by: a JSON Lines record ends at each newline (JSON escapes the
 * ones inside strings); a CSV row at each newline outside quotes (a doubled quote inside a
 * quoted field toggles twice, so the parity stays right).
 */
export function recordCounter(csv: boolean): { transform: Transform; records(): number; bytes(): number } {
  let newlines = 0;
  let bytes = 0;
  let quoted = false;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (const byte of chunk) {
        if (csv && byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted) newlines++;
      }
      done(null, chunk);
    },
  });
  // CSV's first row is the header.
  return { transform, records: () => (csv ? Math.max(0, newlines - 1) : newlines), bytes: () => bytes };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const size = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

function writableOf(write: (text: string) => void): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(decoder.write(chunk));
      done();
    },
    final(done) {
      const rest = decoder.end();
      if (rest !== '') write(rest);
      done();
    },
  });
}

async function apiFailure(res: Response, route: string): Promise<CliError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = body.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') return new ApiError(res.status, e.code, e.message, e.details);
  } catch {
    // Not JSON: a proxy's page, reported as it is below.
  }
  return new CliError(`HTTP ${res.status} from GET ${route}: ${text.replace(/\s+/g, ' ').slice(0, 200) || '(empty body)'}`);
}

/**
 * `tollgate export FORMAT --project ID [-o FILE]`: streams an export from a running server to a
 * file or stdout without holding it in memory. On a terminal, stderr shows a running count; the
 * total is not known before the end (filters such as --min-agreement are applied item by item
 * as the server reads), so it is a counter rather than a bar.
 */
export function registerExportCommands(program: Command, io: ExportIo = processIo): void {
  clientCommand(
    program,
    'export',
    'Stream training and evaluation data from a project (managers, admins): sft, preference (DPO pairs), eval, judgments; see docs/exports.md',
  )
    .addArgument(new Argument('<format>', 'what to export').choices(EXPORT_FORMATS))
    .requiredOption('--project <id>', 'the project')
    .option('-o, --out <file>', 'write to this file ("-" or none: stdout)')
    .option('--since <iso>', 'items captured at or after this instant')
    .option('--until <iso>', 'items captured before this instant')
    .option('--model-version <version>', 'items of this model version (comparisons: a candidate of it)')
    .option('--verdict <verdict>', "approve | correct | reject: the item's final verdict (judgments: the judgment's)")
    .option('--guideline-version <n>', 'items all of whose judgments were made under this guideline version', intArg(0))
    .option('--queue <name>', 'items judged in this queue')
    .option('--min-agreement <share>', 'items judged by 2+ people, at least this share of whom agree (0-1)', shareArg)
    .option('--include-unreviewed', 'sft, eval: also items no person decided (passed by policy, hold timeouts)')
    .option('--style <style>', 'preference: conversational (default) | standard')
    .option('--as <type>', 'jsonl (default) | csv (judgments; chosen by default for a .csv --out)')
    .option('--evaluator <name>', "eval: add this evaluator's result to each case")
    .option('--disagreements-only', 'eval with --evaluator: only cases where the evaluator and people disagree')
    .action(async (format: string, opts: ExportOptions) => {
      const config = resolveClientConfig(opts, io.env);
      const query = exportQuery(format, opts);
      const route = `/v1/projects/${encodeURIComponent(opts.project)}/exports/${format}`;
      const qs = query.toString();
      let res: Response;
      try {
        res = await (io.fetch ?? fetch)(`${config.baseUrl}${route}${qs === '' ? '' : `?${qs}`}`, {
          headers: { authorization: `Bearer ${config.key}` },
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
        throw new CliError(
          `cannot reach ${config.baseUrl}: ${cause} (is the server running? Point the CLI at it with --url or TOLLGATE_URL)`,
        );
      }
      if (!res.ok) throw await apiFailure(res, route);
      if (res.body === null) throw new CliError(`GET ${route}: the server sent no body`);

      const toFile = opts.out !== undefined && opts.out !== '-';
      const counter = recordCounter(query.get('as') === 'csv');
      const tty = io.stderrIsTTY ?? (io.err === processIo.err && process.stderr.isTTY === true);
      const started = Date.now();
      const line = () => {
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? ` (${fmt(counter.records() / seconds)}/s)` : '';
        return `${fmt(counter.records())} records, ${size(counter.bytes())}${rate}`;
      };
      const progress = tty ? setInterval(() => io.err(`\r${line()}\u001b[K`), 200) : undefined;
      // process.stdout honours backpressure; io.out (tests, embedders) takes text.
      const stdout: Writable = io.stdout ?? (io.out === processIo.out ? process.stdout : writableOf((text) => io.out(text)));
      const sink = toFile ? createWriteStream(opts.out!) : stdout;
      try {
        // Ending process.stdout would close the terminal's stream for whatever comes after.
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), counter.transform, sink, {
          end: sink !== process.stdout,
        });
      } catch (err) {
        if (toFile) await unlink(opts.out!).catch(() => undefined);
        throw new CliError(
          `export interrupted after ${fmt(counter.records())} records: ${err instanceof Error ? err.message : String(err)}${toFile ? `; ${opts.out} removed` : ''}`,
        );
      } finally {
        if (progress !== undefined) {
          clearInterval(progress);
          io.err(`\r${line()}\u001b[K\n`);
        }
      }
      const kind = `${format}${query.get('as') === 'csv' ? ', CSV' : ''}`;
      if (toFile && !tty) io.out(`${opts.out}: ${fmt(counter.records())} records (${kind}, ${size(counter.bytes())})\n`);
    });
}
