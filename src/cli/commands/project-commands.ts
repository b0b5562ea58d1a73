import type { Command } from 'commander';
import type { PolicyDocument, RubricDocument } from '../../core/types.js';
import { CliError } from '../cli-error.js';
import type { DocumentKind, Project, VersionedDocument } from '../http-client.js';
import { readJsonDocument, STDIN } from '../input-files.js';
import { count, formatTable, jsonLine, prettyJson, seconds } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';

export function registerProjectCommands(program: Command, io: CliIo): void {
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

/** Policies and rubrics are versioned the same way, so one set of commands serves both. */
export function registerDocumentCommands(program: Command, io: CliIo, kind: DocumentKind): void {
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

  if (kind === 'policy') registerBacktestCommand(group, io);

  clientCommand(group, 'versions <project-id>', `List every ${kind} version, newest first`)
    .option('--json', 'print versions as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const versions = await connect(opts, io).listDocumentVersions(projectId, kind);
      if (opts.json) return io.out(versions.map(jsonLine).join(''));
      io.out(formatTable(['VERSION', 'CREATED', 'BY', 'CONTENT'], versions.map(versionRow)));
    });
}

function registerBacktestCommand(group: Command, io: CliIo): void {
  clientCommand(group, 'backtest <file>', 'Replay a candidate policy (JSON file, - for stdin) over stored items; changes nothing')
    .requiredOption('--project <id>', 'the project whose items to replay')
    .option('--since <iso>', 'items captured at or after (default: 30 days before --until)')
    .option('--until <iso>', 'items captured before (default: now)')
    .option('--json', 'print the whole report as JSON')
    .action(async (file: string, opts: ClientOptions & JsonOption & { project: string; since?: string; until?: string }) => {
      const policy = await readJsonDocument(file, io.stdin, 'policy');
      const r = await connect(opts, io).backtestPolicy(opts.project, {
        policy,
        ...(opts.since === undefined ? {} : { since: opts.since }),
        ...(opts.until === undefined ? {} : { until: opts.until }),
      });
      if (opts.json) return io.out(jsonLine(r));
      const pct = (share: number | null) => (share === null ? '-' : `${(share * 100).toFixed(1)}%`);
      const { candidate: c, current: k } = r.overall;
      const kf = r.known_failures;
      io.out(
        [
          `${r.items} item(s) from ${r.since} to ${r.until}`,
          '',
          formatTable(
            ['', 'ROUTED', 'SHARE', 'HELD', 'REVIEW TASKS'],
            [
              ['candidate', String(c.routed), pct(c.share), String(c.held), String(c.review_tasks)],
              ['current', String(k.routed), pct(k.share), String(k.held), String(k.review_tasks)],
            ],
          ).trimEnd(),
          '',
          formatTable(
            ['RULE', 'ACTION', 'MATCHED', 'DECISIVE', 'ONLY RULE'],
            r.per_rule.map((x) => [x.name, x.action, String(x.matched), String(x.decisive), String(x.only_rule)]),
          ).trimEnd(),
          '',
          formatTable(
            ['DAY', 'ITEMS', 'CANDIDATE TASKS', 'CURRENT TASKS'],
            r.per_day.map((d) => [d.day, String(d.items), String(d.candidate_tasks), String(d.current_tasks)]),
          ).trimEnd(),
          '',
          `known failures (rejected or corrected by people): ${kf.total}; candidate routes ${kf.candidate_caught}, current routed ${kf.current_caught}` +
            (kf.candidate_recall === null
              ? ''
              : ` (candidate recall ${pct(kf.candidate_recall.rate)}, 95% ${pct(kf.candidate_recall.interval.low)}–${pct(kf.candidate_recall.interval.high)})`),
          ...(kf.missed_by_candidate.length > 0 ? [`missed by the candidate: ${kf.missed_by_candidate.join(', ')}`] : []),
          '',
          ...r.caveats.map((x) => `note: ${x}`),
          '',
        ].join('\n'),
      );
    });
}

const versionRow = (v: VersionedDocument): string[] => [
  String(v.version),
  seconds(v.created_at),
  v.created_by,
  summarizeDocument(v.document),
];

function summarizeDocument(doc: PolicyDocument | RubricDocument): string {
  const [what, names] =
    'rules' in doc
      ? [count(doc.rules.length, 'rule', 'rules'), doc.rules.map((r) => r.name)]
      : [count(doc.criteria.length, 'criterion', 'criteria'), doc.criteria.map((c) => c.key)];
  return names.length === 0 ? what : `${what}: ${names.join(', ')}`;
}
