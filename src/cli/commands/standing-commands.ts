import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ReviewerStanding } from '../http-client.js';
import { formatTable, jsonLine } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';

const STATUSES = ['active', 'suspended', 'qualifying', 'recalibrating'] as const;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${Math.round(x * 100)}%`);

function progress(s: ReviewerStanding): string {
  return s.attempt === null ? '-' : `${s.attempt.purpose} ${s.attempt.judged}/${s.attempt.total}`;
}

/** Reviewer standings: who may take live work, why, and a manager's overrides (client of a running server). */
export function registerStandingCommands(program: Command, io: CliIo): void {
  const group = program.command('standings').description("Reviewers' standing in a project: qualifying, active, recalibrating, suspended");

  clientCommand(group, 'list <project-id>', "Every reviewer's standing, why, and rolling accuracy on gold (managers)")
    .option('--json', 'print standings as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const rows = await connect(opts, io).listStandings(projectId);
      if (opts.json) return io.out(rows.map(jsonLine).join(''));
      if (rows.length === 0) return io.out('no reviewers yet\n');
      io.out(
        formatTable(
          ['REVIEWER', 'STATUS', 'SET', 'ROLLING GOLD', 'UNSEEN GOLD', 'REASON'],
          rows.map((s) => [
            s.reviewer,
            s.status,
            progress(s),
            s.rolling === null ? '-' : `${pct(s.rolling.accuracy)} of ${s.rolling.total}`,
            s.gold_unseen === null ? '-' : String(s.gold_unseen),
            s.reason,
          ]),
        ),
      );
    });

  clientCommand(group, 'mine <project-id>', 'Your own standing in the project, and how far along a set you are')
    .option('--json', 'print it as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const s = await connect(opts, io).myStanding(projectId);
      if (opts.json) return io.out(jsonLine(s));
      io.out(`${s.status}${s.attempt === null ? '' : ` (${progress(s)})`}: ${s.reason}\n`);
    });

  clientCommand(group, 'set <project-id> <reviewer>', "Override a reviewer's standing, with a reason (managers; audited)")
    .requiredOption('--status <status>', STATUSES.join(' | '))
    .requiredOption('--reason <text>', 'why, recorded in the audit trail')
    .option('--json', 'print the new standing as JSON')
    .action(async (projectId: string, reviewer: string, opts: ClientOptions & JsonOption & { status: string; reason: string }) => {
      if (!(STATUSES as readonly string[]).includes(opts.status))
        throw new CliError(`--status must be one of ${STATUSES.join(', ')}, got "${opts.status}"`);
      const s = await connect(opts, io).setStanding(projectId, reviewer, { status: opts.status, reason: opts.reason });
      io.out(opts.json ? jsonLine(s) : `${s.reviewer}: ${s.status}${s.attempt === null ? '' : ` (${progress(s)})`}\n`);
    });
}
