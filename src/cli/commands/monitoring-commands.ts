import { Option, type Command } from 'commander';
import type { JsonObject, JsonValue } from '../../core/types.js';
import { describeSource, readText } from '../input-files.js';
import { formatTable, indent, jsonLine, prettyJson, seconds } from '../output-format.js';
import { clientCommand, connect, processIo, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { call, connectWithStatus, parseSetFile, seg } from './versioned-set-client.js';
import { intArg } from './option-parsers.js';

/*
 * The monitoring API's JSON shapes as the commands read them; src/http/routes/monitoring.ts and
 * src/core/monitoring/monitor-spec.ts are the contract.
 */

interface Segment {
  field: string;
  value: string;
}

interface Boost {
  sample_rate: number;
  hours: number;
}

type ReferenceWindow = { type: 'rolling'; days: number; gap_days: number } | { type: 'fixed'; since: string; until: string };

interface DriftMonitor {
  name: string;
  kind: 'drift';
  field: string;
  value_type: string;
  test: string;
  threshold: number;
  reference: ReferenceWindow;
  current_hours: number;
  min_samples: number;
  segment: Segment | null;
  boost: Boost | null;
}

interface ErrorRateMonitor {
  name: string;
  kind: 'error_rate';
  detector: string;
  baseline_rate: number;
  detect_rate: number;
  threshold: number;
  segment: Segment | null;
  boost: Boost | null;
}

type Monitor = DriftMonitor | ErrorRateMonitor;

interface MonitorSet {
  version: number;
  monitors: Monitor[];
  created_at: string | null;
  created_by: string | null;
}

interface MonitorRun {
  monitor: string;
  kind: string;
  status: 'ok' | 'drift' | 'insufficient' | 'alarm';
  alert_id: string | null;
  opened: boolean;
  evidence: JsonObject;
}

const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

interface Alert {
  id: string;
  project_id: string;
  monitor: string;
  kind: string;
  status: (typeof ALERT_STATUSES)[number];
  evidence: JsonObject;
  opened_at: string;
  last_seen_at: string;
  occurrences: number;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  note: string | null;
}

interface SamplingBoost {
  id: string;
  project_id: string;
  alert_id: string | null;
  monitor: string;
  segment: Segment | null;
  sample_rate: number;
  starts_at: string;
  ends_at: string;
  ended_at: string | null;
  ended_by: string | null;
}

const monitorsPath = (projectId: string): string => `/v1/projects/${seg(projectId)}/monitors`;

/** A monitor set file: `{"monitors": [...]}` as the API takes it, or the bare array people write first. */
export function parseMonitorSetFile(text: string, source: string): JsonObject {
  return parseSetFile(text, source, 'monitors');
}

/** Statistics span many magnitudes (a p-value of 1e-9 is not 0): four significant digits, tiny ones in exponent form. */
export function figure(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

const names = (set: MonitorSet): string => (set.monitors.length === 0 ? 'no monitors' : set.monitors.map((m) => m.name).join(', '));
const segmentText = (s: Segment | null): string => (s === null ? '-' : `${s.field}=${s.value}`);
const boostText = (b: Boost | null): string => (b === null ? '-' : `${figure(b.sample_rate)} for ${b.hours}h`);

function windowsOf(m: DriftMonitor): string {
  const r = m.reference;
  const reference =
    r.type === 'fixed'
      ? `${seconds(r.since)} to ${seconds(r.until)}`
      : `${r.days}d before${r.gap_days === 0 ? '' : ` (gap ${r.gap_days}d)`}`;
  return `last ${m.current_hours}h vs ${reference}`;
}

const monitorRow = (m: Monitor): string[] =>
  m.kind === 'drift'
    ? [m.name, m.kind, m.field, m.test, figure(m.threshold), windowsOf(m), segmentText(m.segment), boostText(m.boost)]
    : [
        m.name,
        m.kind,
        `${m.detector} (${figure(m.baseline_rate)} to ${figure(m.detect_rate)})`,
        '-',
        figure(m.threshold),
        '-',
        segmentText(m.segment),
        boostText(m.boost),
      ];

const num = (v: JsonValue | undefined): number | null => (typeof v === 'number' ? v : null);

/** The evidence a person reads first: the test's figures against the threshold. */
function evidenceOf(r: MonitorRun): string {
  const e = r.evidence;
  if (r.kind === 'error_rate') {
    const rate = num(e.error_rate_this_pass);
    return (
      `statistic ${figure(num(e.statistic))}, threshold ${figure(num(e.threshold))}, ` +
      `error rate this pass ${rate === null ? '-' : figure(rate)} (${figure(num(e.read_this_pass))} read)`
    );
  }
  // An insufficient verdict has no statistic; its reason says how many values each window had.
  if (r.status === 'insufficient') return typeof e.reason === 'string' ? e.reason : 'too few values for a verdict';
  const test = typeof e.test === 'string' ? e.test : 'drift';
  const p = num(e.p_value);
  return (
    `${test} statistic ${figure(num(e.statistic))}${p === null ? '' : `, p-value ${figure(p)}`}, threshold ${figure(num(e.threshold))}` +
    ` (n ${figure(num(e.reference_n))} vs ${figure(num(e.current_n))})`
  );
}

const alertOfRun = (r: MonitorRun): string => (r.alert_id === null ? '-' : `${r.alert_id} (${r.opened ? 'opened' : 'updated'})`);

const at = (iso: string | null): string => (iso === null ? '-' : seconds(iso));

const alertRow = (a: Alert): string[] => [
  a.id,
  a.monitor,
  a.kind,
  a.status,
  seconds(a.opened_at),
  seconds(a.last_seen_at),
  String(a.occurrences),
];

/** A boost's state as of now: ended by hand (or by its alert's resolution), run its course, or in force. */
function boostState(b: SamplingBoost, now: number): string {
  if (b.ended_at !== null) return `ended ${seconds(b.ended_at)} by ${b.ended_by ?? '-'}`;
  return Date.parse(b.ends_at) <= now ? 'expired' : 'in force';
}

function boostTable(boosts: readonly SamplingBoost[]): string {
  const now = Date.now();
  return formatTable(
    ['ID', 'MONITOR', 'SEGMENT', 'RATE', 'STARTS', 'ENDS', 'ALERT', 'STATE'],
    boosts.map((b) => [
      b.id,
      b.monitor,
      segmentText(b.segment),
      figure(b.sample_rate),
      seconds(b.starts_at),
      seconds(b.ends_at),
      b.alert_id ?? '-',
      boostState(b, now),
    ]),
  );
}

function alertDetail(a: Alert, boosts: readonly SamplingBoost[]): string {
  const rows: [string, string][] = [
    ['alert', a.id],
    ['project', a.project_id],
    ['monitor', `${a.monitor} (${a.kind})`],
    ['status', a.status],
    ['opened', seconds(a.opened_at)],
    ['last seen', seconds(a.last_seen_at)],
    ['occurrences', String(a.occurrences)],
    ['acknowledged', a.acknowledged_at === null ? '-' : `${at(a.acknowledged_at)} by ${a.acknowledged_by ?? '-'}`],
    ['resolved', a.resolved_at === null ? '-' : `${at(a.resolved_at)} by ${a.resolved_by ?? '-'}`],
    ['note', a.note ?? '-'],
  ];
  return (
    rows.map(([label, value]) => `${label.padEnd(13)}${value}`).join('\n') +
    `\n\nevidence:\n${indent(prettyJson(a.evidence).trimEnd())}\n\n` +
    (boosts.length === 0 ? 'no boosts\n' : `boosts:\n${boostTable(boosts)}`)
  );
}

const changed = (a: Alert, what: 'acknowledged' | 'resolved'): string =>
  `alert ${a.id} (${a.monitor}) ${what}${a.note === null ? '' : `: ${a.note}`}\n`;

/** `tollgate monitors ...`, `tollgate alerts ...`, `tollgate boosts ...`: production monitoring, from a running server. */
export function registerMonitoringCommands(program: Command, io: CliIo = processIo): void {
  const monitors = program.command('monitors').description("Version a project's monitors (drift, error rate) and run them now");

  clientCommand(monitors, 'show <project-id>', 'Print the current monitor set')
    .option('--json', 'print the set as JSON, every default filled in')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const set = await call<MonitorSet>(connect(opts, io), 'GET', monitorsPath(projectId));
      if (opts.json) return io.out(jsonLine(set));
      if (set.version === 0) return io.out(`project ${projectId} has no monitors yet\n`);
      io.out(
        `# version ${set.version}, ${at(set.created_at)} by ${set.created_by ?? '-'}\n` +
          formatTable(['NAME', 'KIND', 'FIELD/DETECTOR', 'TEST', 'THRESHOLD', 'WINDOWS', 'SEGMENT', 'BOOST'], set.monitors.map(monitorRow)),
      );
    });

  clientCommand(monitors, 'set <project-id>', 'Save a monitor set as a new version; saving the current set again changes nothing')
    .requiredOption('--file <file>', 'JSON file (- for stdin): {"monitors": [...]} or an array of monitors')
    .option('--json', 'print the saved version as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { file: string }) => {
      const body = parseMonitorSetFile(await readText(opts.file, io.stdin), describeSource(opts.file));
      const { client, status } = connectWithStatus(opts, io);
      const set = await call<MonitorSet>(client, 'PUT', monitorsPath(projectId), body);
      if (opts.json) return io.out(jsonLine({ ...set, created: status() === 201 }));
      io.out(
        status() === 201
          ? `project ${projectId}: monitors version ${set.version} saved, new (${names(set)})\n`
          : `project ${projectId}: monitors unchanged, still version ${set.version} (${names(set)})\n`,
      );
    });

  clientCommand(monitors, 'run <project-id>', 'Run the monitors now, as a scheduler pass would: alerts open or update')
    .option('--json', 'print each run (with its whole evidence) as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const { runs } = await call<{ runs: MonitorRun[] }>(connect(opts, io), 'POST', `${monitorsPath(projectId)}/run`);
      if (opts.json) return io.out(runs.map(jsonLine).join(''));
      if (runs.length === 0) return io.out(`project ${projectId} has no monitors to run\n`);
      io.out(
        formatTable(
          ['MONITOR', 'STATUS', 'ALERT', 'EVIDENCE'],
          runs.map((r) => [r.monitor, r.status, alertOfRun(r), evidenceOf(r)]),
        ),
      );
    });

  const alerts = program.command('alerts').description('Alerts monitors opened: list, inspect, acknowledge, resolve');

  clientCommand(alerts, 'list <project-id>', "The project's alerts, newest first")
    .addOption(new Option('--status <status>', 'only alerts in this state').choices(ALERT_STATUSES))
    .option('--limit <n>', 'at most this many (default 100)', intArg(1, 500))
    .option('--json', 'print alerts as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { status?: string; limit?: number }) => {
      const q = new URLSearchParams();
      if (opts.status !== undefined) q.set('status', opts.status);
      if (opts.limit !== undefined) q.set('limit', String(opts.limit));
      const qs = q.toString();
      const { alerts: list } = await call<{ alerts: Alert[] }>(
        connect(opts, io),
        'GET',
        `/v1/projects/${seg(projectId)}/alerts${qs === '' ? '' : `?${qs}`}`,
      );
      if (opts.json) return io.out(list.map(jsonLine).join(''));
      if (list.length === 0) return io.out('no alerts\n');
      io.out(formatTable(['ID', 'MONITOR', 'KIND', 'STATUS', 'OPENED', 'LAST SEEN', 'OCCURRENCES'], list.map(alertRow)));
    });

  clientCommand(alerts, 'show <alert-id>', 'One alert with its evidence and the sampling boosts it started')
    .option('--json', 'print {alert, boosts} as JSON')
    .action(async (alertId: string, opts: ClientOptions & JsonOption) => {
      const view = await call<{ alert: Alert; boosts: SamplingBoost[] }>(connect(opts, io), 'GET', `/v1/alerts/${seg(alertId)}`);
      if (opts.json) return io.out(jsonLine(view));
      io.out(alertDetail(view.alert, view.boosts));
    });

  for (const [name, verb, to, description] of [
    ['ack', 'acknowledge', 'acknowledged', 'Acknowledge an alert: someone is on it'],
    ['resolve', 'resolve', 'resolved', 'Resolve an alert: its boosts end, and the monitor may open a new one'],
  ] as const) {
    clientCommand(alerts, `${name} <alert-id>`, description)
      .option('--note <text>', 'why, for the audit trail')
      .option('--json', 'print the alert as JSON')
      .action(async (alertId: string, opts: ClientOptions & JsonOption & { note?: string }) => {
        const alert = await call<Alert>(
          connect(opts, io),
          'POST',
          `/v1/alerts/${seg(alertId)}/${verb}`,
          opts.note === undefined ? {} : { note: opts.note },
        );
        io.out(opts.json ? jsonLine(alert) : changed(alert, to));
      });
  }

  const boosts = program.command('boosts').description('Sampling boosts alerts started: list them, end one early');

  clientCommand(boosts, 'list <project-id>', 'Sampling boosts, newest first (in force or not)')
    .option('--json', 'print boosts as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const { boosts: list } = await call<{ boosts: SamplingBoost[] }>(connect(opts, io), 'GET', `/v1/projects/${seg(projectId)}/boosts`);
      if (opts.json) return io.out(list.map(jsonLine).join(''));
      if (list.length === 0) return io.out('no boosts\n');
      io.out(boostTable(list));
    });

  clientCommand(boosts, 'end <boost-id>', 'End a sampling boost before its time (audited)')
    .option('--json', 'print the boost as JSON')
    .action(async (boostId: string, opts: ClientOptions & JsonOption) => {
      const b = await call<SamplingBoost>(connect(opts, io), 'POST', `/v1/boosts/${seg(boostId)}/end`);
      io.out(opts.json ? jsonLine(b) : `boost ${b.id} (${b.monitor}) ended\n`);
    });
}
