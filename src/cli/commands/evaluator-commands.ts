import type { Command } from 'commander';
import type { Decision, JsonObject } from '../../core/types.js';
import { CliError } from '../cli-error.js';
import { describeSource, readJsonDocument, readText, STDIN, type InputStream } from '../input-files.js';
import { count, formatTable, jsonLine, seconds } from '../output-format.js';
import { clientCommand, connect, processIo, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { call, connectWithStatus, parseSetFile, seg } from './versioned-set-client.js';
import { intArg } from './option-parsers.js';

/*
 * The evaluator API's JSON shapes as the commands read them; src/http/schemas/evaluator.ts and
 * src/http/routes/evaluators.ts are the contract.
 */

interface EvaluatorView {
  name: string;
  description: string | null;
  mode: 'sync' | 'async';
  latency_budget_ms: number | null;
  check: ({ type: string } & JsonObject) | null;
  judge: { model: string; criterion: string; daily_budget: number | null } | null;
}

interface EvaluatorSet {
  version: number;
  evaluators: EvaluatorView[];
  created_at: string | null;
  created_by: string | null;
}

interface EvalResult {
  evaluator: string;
  evaluator_version: number;
  mode: string;
  status: 'pass' | 'fail' | 'unknown';
  score: number | null;
  label: string | null;
  found: boolean | null;
  explanation: string | null;
  latency_ms: number;
  cost: number | null;
}

interface Estimate {
  value: number;
  low: number;
  high: number;
}

interface AgreementReport {
  n: number;
  unknown: number;
  confusion: { pass_pass: number; pass_fail: number; fail_pass: number; fail_fail: number };
  agreement: Estimate | null;
  kappa: Estimate | null;
  precision: Estimate | null;
  recall: Estimate | null;
  scores: { n: number; alpha: Estimate | null; weighted_kappa: Estimate | null; mean_difference: number } | null;
}

interface Agreement {
  evaluator: string;
  kind: string;
  criterion: string | null;
  since: string;
  until: string;
  truncated: boolean;
  report: AgreementReport;
  segment: string | null;
  segments: { segment: string | null; report: AgreementReport }[] | null;
}

interface Disagreement {
  item_id: string;
  decided_at: string;
  evaluator: { status: 'pass' | 'fail'; score: number | null; label: string | null; explanation: string | null; version: number };
  human: { verdict: 'pass' | 'fail'; outcome_status: string; score: number | null };
}

interface TrustRule {
  rule: string;
  evaluator: string;
  trusted: boolean;
  kappa: number | null;
  checks: number;
  reason: string;
  current: boolean;
  changed_at: string | null;
  evaluated_at: string | null;
}

interface TrustChange {
  rule: string;
  evaluator: string;
  trusted: boolean;
  reason: string;
}

interface WindowOptions {
  since?: string;
  until?: string;
}

const base = (projectId: string): string => `/v1/projects/${seg(projectId)}/evaluators`;

/** An evaluator set file: `{"evaluators": [...]}` as the API takes it, or the bare array people write first. */
export function parseEvaluatorSetFile(text: string, source: string): JsonObject {
  return parseSetFile(text, source, 'evaluators');
}

async function readEvaluatorSetFile(file: string, stdin: InputStream): Promise<JsonObject> {
  return parseEvaluatorSetFile(await readText(file, stdin), describeSource(file));
}

const number = (n: number | null): string => (n === null ? '-' : String(Number(n.toFixed(3))));
const fixed = (n: number): string => n.toFixed(3);
const estimate = (e: Estimate | null): string => (e === null ? '-' : `${fixed(e.value)} [${fixed(e.low)}, ${fixed(e.high)}]`);

function kindOf(e: EvaluatorView): string {
  if (e.check !== null) return e.check.type;
  return e.judge === null ? '-' : `judge ${e.judge.model} (${e.judge.criterion})`;
}

/** What an evaluator may spend: a sync judge's wait at capture, and a judge's daily spend. */
function budgetOf(e: EvaluatorView): string {
  const parts = [
    ...(e.latency_budget_ms === null ? [] : [`${e.latency_budget_ms} ms`]),
    ...(e.judge?.daily_budget === null || e.judge?.daily_budget === undefined ? [] : [`${e.judge.daily_budget}/day`]),
  ];
  return parts.length === 0 ? '-' : parts.join(', ');
}

const names = (set: EvaluatorSet): string => (set.evaluators.length === 0 ? 'no evaluators' : set.evaluators.map((e) => e.name).join(', '));

function decisionLine(d: Decision): string {
  const rules = d.matched_rules.map((r) => `${r.name}${r.untrusted ? ' (untrusted)' : r.audit_sampled ? ' (audit sample)' : ''}`);
  const where = d.queue === null ? '' : ` to queue ${d.queue}`;
  return `decision: ${d.action}${where}, priority ${d.priority}; ${rules.length === 0 ? 'no rule matched' : `rules: ${rules.join(', ')}`}\n`;
}

/** The figures of one agreement report, a label a line. */
function reportLines(r: AgreementReport): string {
  const rows: [string, string][] = [
    ['n', `${r.n} (unknown ${r.unknown})`],
    ['kappa', estimate(r.kappa)],
    ['agreement', estimate(r.agreement)],
    ['precision', estimate(r.precision)],
    ['recall', estimate(r.recall)],
    ['scores alpha', r.scores === null ? '-' : `${estimate(r.scores.alpha)} (n ${r.scores.n})`],
  ];
  const c = r.confusion;
  return (
    rows.map(([label, value]) => `${label.padEnd(13)}${value}`).join('\n') +
    '\n\n' +
    formatTable(
      ['EVALUATOR \\ PEOPLE', 'PASS', 'FAIL'],
      [
        ['pass', String(c.pass_pass), String(c.pass_fail)],
        ['fail', String(c.fail_pass), String(c.fail_fail)],
      ],
    )
  );
}

const segmentRow = (s: { segment: string | null; report: AgreementReport }): string[] => [
  s.segment ?? '(none)',
  String(s.report.n),
  String(s.report.unknown),
  estimate(s.report.kappa),
  estimate(s.report.agreement),
  estimate(s.report.precision),
  estimate(s.report.recall),
];

/** The options that were given, as a query string (empty when none were). */
function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) q.set(name, String(value));
  const qs = q.toString();
  return qs === '' ? '' : `?${qs}`;
}

/** `tollgate evaluators ...`: a project's automatic checks and judges, and how far people agree with them. */
export function registerEvaluatorCommands(program: Command, io: CliIo = processIo): void {
  const group = program
    .command('evaluators')
    .description("Version a project's evaluators (checks, judge models), try them on an item, and measure them against people");

  clientCommand(group, 'show <project-id>', 'Print the current evaluator set (or one version with --version)')
    .option('--version <n>', 'an older version', intArg(1))
    .option('--json', 'print the set as JSON, every default filled in')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { version?: number }) => {
      const path = opts.version === undefined ? base(projectId) : `${base(projectId)}/versions/${opts.version}`;
      const set = await call<EvaluatorSet>(connect(opts, io), 'GET', path);
      if (opts.json) return io.out(jsonLine(set));
      if (set.version === 0) return io.out(`project ${projectId} has no evaluators yet\n`);
      io.out(
        `# version ${set.version}, ${set.created_at === null ? '-' : seconds(set.created_at)} by ${set.created_by ?? '-'}\n` +
          formatTable(
            ['NAME', 'MODE', 'KIND', 'BUDGET'],
            set.evaluators.map((e) => [e.name, e.mode, kindOf(e), budgetOf(e)]),
          ),
      );
    });

  clientCommand(group, 'set <project-id>', 'Save an evaluator set as a new version; saving the current set again changes nothing')
    .requiredOption('--file <file>', 'JSON file (- for stdin): {"evaluators": [...]} or an array of evaluators')
    .option('--json', 'print the saved version as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { file: string }) => {
      const body = await readEvaluatorSetFile(opts.file, io.stdin);
      const { client, status } = connectWithStatus(opts, io);
      const set = await call<EvaluatorSet>(client, 'PUT', base(projectId), body);
      if (opts.json) return io.out(jsonLine({ ...set, created: status() === 201 }));
      io.out(
        status() === 201
          ? `project ${projectId}: evaluators version ${set.version} saved, new (${names(set)})\n`
          : `project ${projectId}: evaluators unchanged, still version ${set.version} (${names(set)})\n`,
      );
    });

  clientCommand(group, 'versions <project-id>', 'List every evaluator set version, newest first')
    .option('--json', 'print versions as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const { versions } = await call<{ versions: EvaluatorSet[] }>(connect(opts, io), 'GET', `${base(projectId)}/versions`);
      if (opts.json) return io.out(versions.map(jsonLine).join(''));
      if (versions.length === 0) return io.out('no evaluator sets yet\n');
      io.out(
        formatTable(
          ['VERSION', 'CREATED', 'BY', 'EVALUATORS'],
          versions.map((v) => [String(v.version), v.created_at === null ? '-' : seconds(v.created_at), v.created_by ?? '-', names(v)]),
        ),
      );
    });

  clientCommand(
    group,
    'test <project-id>',
    'Run the evaluators (the current set, or --file) on one item and show the decision the policy would make; nothing is stored',
  )
    .requiredOption('--item <file>', 'the item as captured, a JSON object {input, output, metadata?, ...} (- for stdin)')
    .option('--file <file>', 'an evaluator set to try instead of the saved one: {"evaluators": [...]} or an array (- for stdin)')
    .option('--json', 'print the whole answer as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { item: string; file?: string }) => {
      if (opts.item === STDIN && opts.file === STDIN) throw new CliError('--item and --file cannot both read stdin');
      const item = await readJsonDocument(opts.item, io.stdin, 'item');
      const evaluators = opts.file === undefined ? undefined : await readEvaluatorSetFile(opts.file, io.stdin);
      const out = await call<{ version: number | null; results: EvalResult[]; decision: Decision }>(
        connect(opts, io),
        'POST',
        `${base(projectId)}/test`,
        { item, ...(evaluators === undefined ? {} : { evaluators }) },
      );
      if (opts.json) return io.out(jsonLine(out));
      const header =
        out.version === null ? `evaluators from ${describeSource(opts.file ?? '')} (not saved)` : `evaluators version ${out.version}`;
      io.out(
        `${header}\n` +
          (out.results.length === 0
            ? 'no evaluators ran\n'
            : formatTable(
                ['EVALUATOR', 'STATUS', 'SCORE', 'LABEL', 'LATENCY', 'EXPLANATION'],
                out.results.map((r) => [r.evaluator, r.status, number(r.score), r.label ?? '-', `${r.latency_ms} ms`, r.explanation ?? '']),
              )) +
          decisionLine(out.decision),
      );
    });

  clientCommand(group, 'agreement <project-id> <name>', 'How far an evaluator agrees with people on the outputs both judged')
    .option('--since <iso>', 'outcomes decided at or after (default: 30 days before --until)')
    .option('--until <iso>', 'outcomes decided before (default: now)')
    .option('--segment <field>', 'also report per value of model_version or metadata.<field>')
    .option('--json', 'print the whole report as JSON (with the figures over time)')
    .action(async (projectId: string, name: string, opts: ClientOptions & JsonOption & WindowOptions & { segment?: string }) => {
      const qs = queryString({ since: opts.since, until: opts.until, segment: opts.segment });
      const a = await call<Agreement>(connect(opts, io), 'GET', `${base(projectId)}/${seg(name)}/agreement${qs}`);
      if (opts.json) return io.out(jsonLine(a));
      const what = a.kind === 'judge' ? `judge on ${a.criterion ?? '-'}` : `${a.kind} check`;
      const parts = [
        `evaluator ${a.evaluator} (${what}), outcomes decided ${seconds(a.since)} to ${seconds(a.until)}\n\n`,
        reportLines(a.report),
      ];
      if (a.segments !== null) {
        parts.push(
          `\nby ${a.segment ?? 'segment'}:\n`,
          formatTable(['SEGMENT', 'N', 'UNKNOWN', 'KAPPA', 'AGREEMENT', 'PRECISION', 'RECALL'], a.segments.map(segmentRow)),
        );
      }
      if (a.truncated) parts.push('\nnote: the window holds more human checks than the report reads; the latest 50,000 were used\n');
      io.out(parts.join(''));
    });

  clientCommand(group, 'disagreements <project-id> <name>', 'Items where the evaluator and people disagreed, newest decision first')
    .option('--since <iso>', 'outcomes decided at or after (default: 30 days before --until)')
    .option('--until <iso>', 'outcomes decided before (default: now)')
    .option('--limit <n>', 'at most this many (default 100)', intArg(1, 1000))
    .option('--json', 'print disagreements as JSONL')
    .action(async (projectId: string, name: string, opts: ClientOptions & JsonOption & WindowOptions & { limit?: number }) => {
      const qs = queryString({ since: opts.since, until: opts.until, limit: opts.limit });
      const { disagreements } = await call<{ disagreements: Disagreement[] }>(
        connect(opts, io),
        'GET',
        `${base(projectId)}/${seg(name)}/disagreements${qs}`,
      );
      if (opts.json) return io.out(disagreements.map(jsonLine).join(''));
      if (disagreements.length === 0) return io.out('no disagreements\n');
      io.out(
        formatTable(
          ['ITEM', 'DECIDED', 'EVALUATOR', 'SCORE', 'PEOPLE', 'EXPLANATION'],
          disagreements.map((d) => [
            d.item_id,
            seconds(d.decided_at),
            `${d.evaluator.status}${d.evaluator.label === null ? '' : ` (${d.evaluator.label})`}`,
            number(d.evaluator.score),
            `${d.human.verdict} (${d.human.outcome_status})`,
            d.evaluator.explanation ?? '',
          ]),
        ),
      );
    });

  clientCommand(group, 'trust <project-id>', "Whether each trust rule's evaluator may auto-resolve outputs now, and why")
    .option('--reassess', 'judge the trust rules now instead of at the next scheduler pass, and print the switches made')
    .option('--json', 'print {rules} (and {changes} with --reassess) as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { reassess?: boolean }) => {
      const client = connect(opts, io);
      const changes = opts.reassess
        ? (await call<{ changes: TrustChange[] }>(client, 'POST', `${base(projectId)}/trust/reassess`)).changes
        : undefined;
      const { rules } = await call<{ rules: TrustRule[] }>(client, 'GET', `${base(projectId)}/trust`);
      if (opts.json) return io.out(jsonLine(changes === undefined ? { rules } : { changes, rules }));
      const out: string[] = [];
      if (changes !== undefined) {
        out.push(
          changes.length === 0
            ? 'reassessed: no trust changed\n'
            : changes
                .map((c) => `reassessed: rule ${c.rule} (${c.evaluator}) is now ${c.trusted ? 'trusted' : 'not trusted'}: ${c.reason}\n`)
                .join(''),
        );
      }
      if (rules.length === 0) out.push('the current policy has no trust rules\n');
      else {
        if (changes !== undefined) out.push('\n');
        out.push(
          formatTable(
            ['RULE', 'EVALUATOR', 'TRUSTED', 'KAPPA', 'CHECKS', 'EVALUATED', 'REASON'],
            rules.map((r) => [
              r.rule,
              r.evaluator,
              // The reason says why not, the requirement having changed among them.
              r.trusted ? 'yes' : 'no',
              number(r.kappa),
              String(r.checks),
              r.evaluated_at === null ? '-' : seconds(r.evaluated_at),
              r.reason,
            ]),
          ),
          `${count(rules.filter((r) => r.trusted).length, 'rule', 'rules')} trusted\n`,
        );
      }
      io.out(out.join(''));
    });
}
