import { InvalidArgumentError, type Command } from 'commander';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from '../../core/review/lease.js';
import type { CriterionScale, JsonObject, JsonValue, PolicyDocument, RubricDocument } from '../../core/types.js';
import { MAX_BATCH_ITEMS } from '../../core/limits.js';
import { CliError } from '../cli-error.js';
import {
  TollgateClient,
  type CaptureResult,
  type ClaimedTask,
  type ClientConfig,
  type DocumentKind,
  type Item,
  type ItemQuery,
  type Outcome,
  type Project,
  type VersionedDocument,
} from '../http-client.js';
import { readCorrection, readItems, readJsonDocument, STDIN, type InputStream } from '../input-files.js';

/** Where the commands read and write; tests swap in their own. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdin: InputStream;
  out(text: string): void;
  err(text: string): void;
  fetch?: typeof fetch;
}

const processIo: CliIo = {
  env: process.env,
  stdin: process.stdin,
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

interface ClientOptions {
  url?: string;
  key?: string;
}

interface JsonOption {
  json?: boolean;
}

/** Commands that talk to a running server over HTTP, covering the whole review loop. */
export function registerClientCommands(program: Command, io: CliIo = processIo): void {
  registerProjectCommands(program, io);
  for (const kind of ['policy', 'rubric'] as const) registerDocumentCommands(program, io, kind);
  registerItemCommands(program, io);
  registerTaskCommands(program, io);
  registerOutcomeCommand(program, io);
}

// ---- Connection -----------------------------------------------------------------------------

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Flags win over the environment; the default URL matches the server's own default port. */
export function resolveClientConfig(opts: ClientOptions, env: CliIo['env']): ClientConfig {
  const raw = nonEmpty(opts.url) ?? nonEmpty(env.TOLLGATE_URL) ?? `http://127.0.0.1:${nonEmpty(env.TOLLGATE_PORT) ?? '8080'}`;
  const url = httpUrl(raw);
  if (url === null) throw new CliError(`server URL must be an http:// or https:// URL, got "${raw}"`);
  const key = nonEmpty(opts.key) ?? nonEmpty(env.TOLLGATE_KEY);
  if (key === undefined) {
    throw new CliError('no API key: pass --key <key> or set TOLLGATE_KEY (an admin mints keys with "tollgate keys create --role <role>")');
  }
  // Keep any path prefix, for a server mounted behind a reverse proxy.
  return { baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), key };
}

function httpUrl(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** A leaf command with the connection flags every client command takes. */
function clientCommand(parent: Command, spec: string, description: string): Command {
  return parent
    .command(spec)
    .description(description)
    .option('--url <url>', 'server URL (default: TOLLGATE_URL, else http://127.0.0.1:$TOLLGATE_PORT, port 8080 if unset)')
    .option('--key <key>', 'API key (default: TOLLGATE_KEY)');
}

const connect = (opts: ClientOptions, io: CliIo): TollgateClient => new TollgateClient(resolveClientConfig(opts, io.env), io.fetch);

// ---- Argument parsing -----------------------------------------------------------------------

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`,
      );
    }
    return n;
  };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Shell arguments are all strings; rubric scales want numbers and booleans, so those are parsed. */
export function parseScoreValue(raw: string): boolean | number | string {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return NUMBER.test(raw) ? Number(raw) : raw;
}

/** `--score accuracy=4`, repeatable: each flag adds one key to the scores. */
export function collectScore(
  flag: string,
  previous: Record<string, boolean | number | string> | undefined,
): Record<string, boolean | number | string> {
  const eq = flag.indexOf('=');
  const key = eq < 0 ? '' : flag.slice(0, eq).trim();
  if (key === '') throw new InvalidArgumentError('expected key=value, e.g. accuracy=4');
  return { ...previous, [key]: parseScoreValue(flag.slice(eq + 1)) };
}

export function parseScoresJson(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"accuracy": 4}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"accuracy": 4}\'');
  return value as JsonObject;
}

// ---- Output ---------------------------------------------------------------------------------

const prettyJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** Columns padded to their widest cell; the last one is left ragged. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A chat message with nothing but a role and text reads best as "role: text". */
function asChatLine(v: JsonValue | undefined): string | undefined {
  if (!isObject(v) || typeof v.role !== 'string' || typeof v.content !== 'string') return undefined;
  return Object.keys(v).every((k) => k === 'role' || k === 'content') ? `${v.role}: ${v.content}` : undefined;
}

/** Model input or output as a reviewer wants to read it: text as text, JSON only when it is structured. */
export function formatContent(value: JsonValue): string {
  if (value === null) return '(none)';
  if (typeof value === 'string') return value;
  const chat = Array.isArray(value) ? value.map(asChatLine) : [asChatLine(value)];
  if (chat.every((l): l is string => l !== undefined)) return chat.join('\n');
  return JSON.stringify(value, null, 2);
}

const captureLine = (r: CaptureResult): string =>
  `${r.id}  ${r.decision.action}  ${r.decision.matched_rules.map((m) => m.name).join(',') || '-'}  (${r.created ? 'new' : 'existing'})\n`;

const seconds = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');

/** "no rules", "1 rule", "3 rules": counts read as words in a terminal. */
function count(n: number, one: string, many: string): string {
  return n === 0 ? `no ${many}` : `${n} ${n === 1 ? one : many}`;
}

function summarizeDocument(doc: PolicyDocument | RubricDocument): string {
  const [what, names] =
    'rules' in doc
      ? [count(doc.rules.length, 'rule', 'rules'), doc.rules.map((r) => r.name)]
      : [count(doc.criteria.length, 'criterion', 'criteria'), doc.criteria.map((c) => c.key)];
  return names.length === 0 ? what : `${what}: ${names.join(', ')}`;
}

function describeScale(s: CriterionScale): string {
  switch (s.type) {
    case 'likert':
      return `likert ${s.min}-${s.max}`;
    case 'boolean':
      return 'true|false';
    case 'categorical':
      return `one of ${s.options.join('|')}`;
    case 'numeric':
      return `number ${s.min}-${s.max}${s.step === undefined ? '' : ` step ${s.step}`}`;
  }
}

function formatClaim(c: ClaimedTask): string {
  const { task, item } = c;
  const facts = [item.model && `model ${item.model}`, item.confidence !== null && `confidence ${item.confidence}`]
    .filter(Boolean)
    .join(', ');
  const why = item.decision.matched_rules.map((r) => `${r.name} (${r.reason})`).join('; ') || `default action ${item.decision.action}`;
  const criteria = c.rubric.document.criteria;
  const keyWidth = Math.max(0, ...criteria.map((k) => k.key.length));
  const rubric = criteria.map(
    (k) => `  ${k.key.padEnd(keyWidth)}  ${k.label}: ${describeScale(k.scale)}${k.required ? ' (required)' : ''}`,
  );
  return (
    [
      `task    ${task.id}`,
      `queue   ${task.queue} (priority ${task.priority})${task.lease_expires_at ? `, leased until ${seconds(task.lease_expires_at)}` : ''}`,
      `item    ${item.id}${facts ? `  (${facts})` : ''}`,
      `why     ${why}`,
      'input',
      indent(formatContent(item.input)),
      'output',
      indent(formatContent(item.output)),
      `rubric  v${c.rubric.version}${criteria.length === 0 ? ' (no criteria)' : ''}`,
      ...rubric,
    ].join('\n') + '\n'
  );
}

function formatOutcome(o: Outcome): string {
  const output = formatContent(o.output);
  return (
    [
      `status      ${o.status}`,
      `decided_by  ${o.decided_by ?? '-'}`,
      `decided_at  ${o.decided_at ?? '-'}`,
      `reason      ${o.reason ?? '-'}`,
      output.includes('\n') ? `output\n${indent(output)}` : `output      ${output}`,
    ].join('\n') + '\n'
  );
}

// ---- Projects, policies, rubrics ------------------------------------------------------------

function registerProjectCommands(program: Command, io: CliIo): void {
  const projects = program.command('projects').description('Create and inspect projects (client of a running server)');

  clientCommand(projects, 'create', 'Create a project, optionally with its policy and rubric, and print it')
    .requiredOption('--name <name>', 'project name')
    .option('--description <text>', 'what the project oversees')
    .option('--policy <file>', 'routing policy JSON file, or - for stdin')
    .option('--rubric <file>', 'rubric JSON file, or - for stdin')
    .option('--quiet', 'print only the project id')
    .action(async (opts: ClientOptions & { name: string; description?: string; policy?: string; rubric?: string; quiet?: boolean }) => {
      if (opts.policy === STDIN && opts.rubric === STDIN) throw new CliError('--policy and --rubric cannot both read stdin');
      const client = connect(opts, io);
      const project = await client.createProject({
        name: opts.name,
        description: opts.description,
        policy: opts.policy === undefined ? undefined : await readJsonDocument(opts.policy, io.stdin, 'policy'),
        rubric: opts.rubric === undefined ? undefined : await readJsonDocument(opts.rubric, io.stdin, 'rubric'),
      });
      io.out(opts.quiet ? `${project.id}\n` : prettyJson(project));
    });

  clientCommand(projects, 'list', 'List the projects your key can see')
    .option('--json', 'print projects as JSONL')
    .action(async (opts: ClientOptions & JsonOption) => {
      const list = await connect(opts, io).listProjects();
      if (opts.json) return io.out(list.map(jsonLine).join(''));
      if (list.length === 0) return io.out('no projects\n');
      io.out(formatTable(['ID', 'NAME', 'POLICY', 'RUBRIC', 'CREATED'], list.map(projectRow)));
    });

  clientCommand(projects, 'show <project-id>', 'Print a project with its current policy and rubric').action(
    async (projectId: string, opts: ClientOptions) => io.out(prettyJson(await connect(opts, io).getProject(projectId))),
  );
}

const projectRow = (p: Project): string[] => [
  p.id,
  p.name,
  `v${p.policy.version} (${count(p.policy.document.rules.length, 'rule', 'rules')})`,
  `v${p.rubric.version} (${count(p.rubric.document.criteria.length, 'criterion', 'criteria')})`,
  seconds(p.created_at),
];

function registerDocumentCommands(program: Command, io: CliIo, kind: DocumentKind): void {
  const group = program.command(kind).description(`Version a project's ${kind}: every save is a new version, old ones are kept`);

  clientCommand(group, 'set <project-id> <file>', `Save a new ${kind} version from a JSON file (- for stdin)`)
    .option('--json', 'print the saved version as JSON')
    .action(async (projectId: string, file: string, opts: ClientOptions & JsonOption) => {
      const client = connect(opts, io);
      const saved = await client.saveDocument(projectId, kind, await readJsonDocument(file, io.stdin, kind));
      io.out(
        opts.json
          ? jsonLine(saved)
          : `project ${projectId}: ${kind} version ${saved.version} saved (${summarizeDocument(saved.document)})\n`,
      );
    });

  clientCommand(group, 'versions <project-id>', `List every ${kind} version, newest first`)
    .option('--json', 'print versions as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const versions = await connect(opts, io).listDocumentVersions(projectId, kind);
      if (opts.json) return io.out(versions.map(jsonLine).join(''));
      io.out(formatTable(['VERSION', 'CREATED', 'BY', 'CONTENT'], versions.map(versionRow)));
    });
}

const versionRow = (v: VersionedDocument): string[] => [
  String(v.version),
  seconds(v.created_at),
  v.created_by,
  summarizeDocument(v.document),
];

// ---- Items ----------------------------------------------------------------------------------

function registerItemCommands(program: Command, io: CliIo): void {
  const items = program.command('items').description('Send model outputs and inspect how they were routed (client of a running server)');

  clientCommand(
    items,
    'send <project-id> [file]',
    'Send items from a JSON or JSONL file (stdin when omitted or -) and print how each was routed',
  )
    .option('--json', 'print the raw responses as JSONL')
    .option('--batch-size <n>', `items per batch request, 1-${MAX_BATCH_ITEMS}`, intArg(1, MAX_BATCH_ITEMS), MAX_BATCH_ITEMS)
    .action(async (projectId: string, file: string | undefined, opts: ClientOptions & JsonOption & { batchSize: number }) => {
      const client = connect(opts, io);
      const list = await readItems(file ?? STDIN, io.stdin);
      let created = 0;
      await sendItems(client, projectId, list, opts.batchSize, (results) => {
        created += results.filter((r) => r.created).length;
        io.out(results.map(opts.json ? jsonLine : captureLine).join(''));
      });
      if (!opts.json) io.err(`sent ${list.length} item(s): ${created} new, ${list.length - created} existing\n`);
    });

  clientCommand(items, 'list <project-id>', 'List items newest first, with how they were routed and resolved')
    .option('--action <action>', 'only items routed to pass | review | hold')
    .option('--outcome <status>', 'only items with outcome pending | approved | rejected | corrected | timed_out')
    .option('--model <model>', 'only items from this model')
    .option('--since <iso>', 'created at or after this time (ISO 8601)')
    .option('--until <iso>', 'created before this time (ISO 8601)')
    .option('--limit <n>', 'items per page, 1-500 (server default 50; 500 with --all)', intArg(1, 500))
    .option('--cursor <cursor>', 'start from a next_cursor of an earlier page')
    .option('--all', 'follow next_cursor through every page')
    .option('--json', 'print items as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & Omit<ItemQuery, 'limit'> & { limit?: number; all?: boolean }) => {
      const client = connect(opts, io);
      const query: ItemQuery = {
        action: opts.action,
        outcome: opts.outcome,
        model: opts.model,
        since: opts.since,
        until: opts.until,
        cursor: opts.cursor,
      };
      query.limit = opts.limit ?? (opts.all ? 500 : undefined);
      // A table needs every row to size its columns; JSONL streams page by page.
      const rows: Item[] = [];
      const next = await forEachPage(client, projectId, query, opts.all === true, (page) =>
        opts.json ? io.out(page.map(jsonLine).join('')) : rows.push(...page),
      );
      if (!opts.json)
        io.out(
          rows.length === 0
            ? 'no items\n'
            : formatTable(['ID', 'CREATED', 'ACTION', 'OUTCOME', 'MODEL', 'CONF', 'RULES'], rows.map(itemRow)),
        );
      if (next !== null) io.err(`more items: run again with --cursor ${next}, or with --all\n`);
    });

  clientCommand(items, 'show <item-id>', 'Print an item with its decision (rules and reasons), tasks, judgments and outcome').action(
    async (itemId: string, opts: ClientOptions) => io.out(prettyJson(await connect(opts, io).getItem(itemId))),
  );
}

const itemRow = (i: Item): string[] => [
  i.id,
  seconds(i.created_at),
  i.decision.action,
  i.outcome.status,
  i.model ?? '-',
  i.confidence === null ? '-' : String(i.confidence),
  i.decision.matched_rules.map((r) => r.name).join(',') || '-',
];

/**
 * One item goes to the single-item route; more go in batches, each its own transaction, so a
 * failure part-way leaves the earlier batches stored (and already printed).
 */
export async function sendItems(
  client: TollgateClient,
  projectId: string,
  items: readonly JsonObject[],
  batchSize: number,
  onStored: (results: CaptureResult[]) => void,
): Promise<void> {
  const [only] = items;
  if (items.length === 1 && only !== undefined) return onStored([await client.captureItem(projectId, only)]);
  for (let start = 0; start < items.length; start += batchSize) {
    try {
      onStored(await client.captureBatch(projectId, items.slice(start, start + batchSize)));
    } catch (err) {
      if (start === 0 || !(err instanceof CliError)) throw err;
      throw new CliError(
        `${err.message}\n  note: items 0-${start - 1} were stored; item numbers in this error count from item ${start} of the input`,
        err.exitCode,
      );
    }
  }
}

/** Returns the cursor of the page after the last one read (null at the end). */
async function forEachPage(
  client: TollgateClient,
  projectId: string,
  query: ItemQuery,
  all: boolean,
  onPage: (items: Item[]) => void,
): Promise<string | null> {
  let cursor = query.cursor;
  for (;;) {
    const page = await client.listItems(projectId, { ...query, cursor });
    onPage(page.items);
    if (!all || page.next_cursor === null) return page.next_cursor;
    cursor = page.next_cursor;
  }
}

// ---- Review tasks ---------------------------------------------------------------------------

type Scores = Record<string, boolean | number | string>;

interface JudgeOptions extends ClientOptions, JsonOption {
  verdict: string;
  score?: Scores;
  scores?: JsonObject;
  correction?: string;
  comment?: string;
  timeSpentMs?: number;
}

function registerTaskCommands(program: Command, io: CliIo): void {
  const tasks = program.command('tasks').description('Claim and judge review tasks (client of a running server)');
  const leaseArg = intArg(MIN_LEASE_SECONDS, MAX_LEASE_SECONDS);

  clientCommand(tasks, 'claim <project-id>', 'Lease the next task to review: highest priority first, then oldest')
    .option('--queue <queue>', 'only claim from this queue')
    .option('--lease-seconds <n>', `how long to hold the task, ${MIN_LEASE_SECONDS}-${MAX_LEASE_SECONDS} (server default 600)`, leaseArg)
    .option('--json', 'print the claimed task as JSON; print nothing when no task is available')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { queue?: string; leaseSeconds?: number }) => {
      const claimed = await connect(opts, io).claimTask(projectId, { queue: opts.queue, lease_seconds: opts.leaseSeconds });
      // An empty queue is a normal state, not a failure: scripts poll on the empty output.
      if (claimed === null) return opts.json ? undefined : io.out('no task available\n');
      if (opts.json) return io.out(jsonLine(claimed));
      io.out(formatClaim(claimed));
      io.err(`judge it: tollgate tasks judge ${claimed.task.id} --verdict approve|reject|correct [--score key=value ...]\n`);
    });

  clientCommand(tasks, 'judge <task-id>', 'Submit your judgment on a task you hold')
    .requiredOption('--verdict <verdict>', 'approve | reject | correct')
    .option('--score <key=value>', 'a rubric score, repeatable; numbers and true/false are parsed, anything else is text', collectScore)
    .option('--scores <json>', 'scores as one JSON object; --score flags override its keys', parseScoresJson)
    .option(
      '--correction <text|@file>',
      'the revised output (with --verdict correct); @file reads text or a JSON object from a file, @- from stdin',
    )
    .option('--comment <text>', 'a note for whoever reads the judgment')
    .option('--time-spent-ms <n>', 'time spent reviewing, in milliseconds', intArg(0))
    .option('--json', 'print the judgment and the outcome as JSON')
    .action(async (taskId: string, opts: JudgeOptions) => {
      const client = connect(opts, io);
      const scores = opts.scores === undefined && opts.score === undefined ? undefined : { ...opts.scores, ...opts.score };
      const result = await client.submitJudgment(taskId, {
        verdict: opts.verdict,
        scores,
        correction: opts.correction === undefined ? undefined : await readCorrection(opts.correction, io.stdin),
        comment: opts.comment,
        time_spent_ms: opts.timeSpentMs,
      });
      if (opts.json) return io.out(jsonLine(result));
      const { judgment, outcome } = result;
      io.out(
        `task ${taskId}: ${judgment.verdict} recorded (judgment ${judgment.id})\nitem ${judgment.item_id} outcome: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}\n`,
      );
    });

  clientCommand(tasks, 'release <task-id>', 'Give a task you hold back to the queue')
    .option('--json', 'print the task as JSON')
    .action(async (taskId: string, opts: ClientOptions & JsonOption) => {
      const task = await connect(opts, io).releaseTask(taskId);
      io.out(opts.json ? jsonLine(task) : `task ${task.id} released: ${task.status} in queue ${task.queue}\n`);
    });

  clientCommand(tasks, 'renew <task-id>', 'Extend your lease on a task')
    .option('--lease-seconds <n>', `new lease length from now, ${MIN_LEASE_SECONDS}-${MAX_LEASE_SECONDS} (server default 600)`, leaseArg)
    .option('--json', 'print the task as JSON')
    .action(async (taskId: string, opts: ClientOptions & JsonOption & { leaseSeconds?: number }) => {
      const task = await connect(opts, io).renewTask(taskId, opts.leaseSeconds);
      io.out(opts.json ? jsonLine(task) : `task ${task.id} leased until ${task.lease_expires_at ?? '-'}\n`);
    });
}

// ---- Outcome --------------------------------------------------------------------------------

function registerOutcomeCommand(program: Command, io: CliIo): void {
  clientCommand(program, 'outcome <item-id>', 'Print the outcome of an item: status, final output, who decided and why')
    .option('--json', 'print the outcome as JSON')
    .action(async (itemId: string, opts: ClientOptions & JsonOption) => {
      const { outcome } = await connect(opts, io).getItem(itemId);
      io.out(opts.json ? jsonLine(outcome) : formatOutcome(outcome));
    });
}
