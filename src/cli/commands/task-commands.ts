import type { Command } from 'commander';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from '../../core/review/lease.js';
import type { CriterionScale, JsonObject } from '../../core/types.js';
import type { ClaimedTask, QueueRow } from '../http-client.js';
import { readCorrection } from '../input-files.js';
import { formatContent, formatTable, indent, jsonLine, seconds } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { collectScore, intArg, parseScoresJson, type Scores } from './option-parsers.js';

interface JudgeOptions extends ClientOptions, JsonOption {
  verdict: string;
  score?: Scores;
  scores?: JsonObject;
  correction?: string;
  comment?: string;
  timeSpentMs?: number;
}

export function registerTaskCommands(program: Command, io: CliIo): void {
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

  clientCommand(tasks, 'escalate <task-id>', 'Hand a task you hold to the experts; an expert’s judgment then decides the item')
    .requiredOption('--reason <reason>', 'unsure | policy_question | harmful_content | other')
    .option('--comment <text>', 'what the expert should know')
    .option('--verdict <verdict>', 'your tentative verdict, shown to the expert')
    .option('--score <key=value>', 'a tentative rubric score, repeatable', collectScore)
    .option('--correction <text|@file>', 'a draft correction; @file reads a file, @- stdin')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        taskId: string,
        opts: ClientOptions & JsonOption & { reason: string; comment?: string; verdict?: string; score?: Scores; correction?: string },
      ) => {
        const partial = {
          ...(opts.verdict === undefined ? {} : { verdict: opts.verdict }),
          ...(opts.score === undefined ? {} : { scores: opts.score }),
          ...(opts.correction === undefined ? {} : { correction: await readCorrection(opts.correction, io.stdin) }),
        };
        const result = await connect(opts, io).escalateTask(taskId, {
          reason: opts.reason,
          ...(opts.comment === undefined ? {} : { comment: opts.comment }),
          ...(Object.keys(partial).length === 0 ? {} : { partial }),
        });
        io.out(
          opts.json
            ? jsonLine(result)
            : `task ${taskId} escalated (${result.escalation.reason}); expert task ${result.expert_task.id} in queue ${result.expert_task.queue}\n`,
        );
      },
    );

  clientCommand(program, 'queues <project-id>', 'Backlog per queue: waiting and claimed tasks, oldest wait, overdue tasks, SLA breaches')
    .option('--json', 'print the report as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const rows = await connect(opts, io).queueReport(projectId);
      if (opts.json) return io.out(jsonLine(rows));
      if (rows.length === 0) return io.out('no queues yet\n');
      const sla = (r: QueueRow) =>
        r.sla === null ? '-' : `${r.sla.sla.map((b) => `p>=${b.min_priority}: ${b.seconds}s`).join(', ')} → ${r.sla.on_breach}`;
      io.out(
        formatTable(
          ['QUEUE', 'PENDING', 'CLAIMED', 'OLDEST', 'OVERDUE', 'BREACHED 24H', 'SLA'],
          rows.map((r) => [
            r.queue,
            String(r.pending),
            String(r.claimed),
            r.oldest_pending_seconds === null ? '-' : `${r.oldest_pending_seconds}s`,
            String(r.overdue),
            String(r.breached_24h),
            sla(r),
          ]),
        ),
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
      ...(c.escalation
        ? [
            `escalated by ${c.escalation.by} (${c.escalation.reason})${c.escalation.comment ? `: ${c.escalation.comment}` : ''}`,
            ...(c.escalation.partial ? [`  so far: ${JSON.stringify(c.escalation.partial)}`] : []),
          ]
        : []),
      'input',
      indent(formatContent(item.input)),
      'output',
      indent(formatContent(item.output)),
      `rubric  v${c.rubric.version}${criteria.length === 0 ? ' (no criteria)' : ''}`,
      ...rubric,
    ].join('\n') + '\n'
  );
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
    case 'labels':
      return `${s.multiple === true ? 'labels, any of' : 'one label of'} ${s.options.map((o) => o.value).join('|')}`;
    case 'spans':
      return `spans over the ${s.target} text, labelled ${s.labels.join('|')} (JSON [{start, end, label}])`;
  }
}
