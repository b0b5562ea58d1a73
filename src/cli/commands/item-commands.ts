import type { Command } from 'commander';
import { MAX_BATCH_ITEMS } from '../../core/limits.js';
import { CliError } from '../cli-error.js';
import type { CaptureResult, Item, ItemQuery, Outcome } from '../http-client.js';
import { readItems, STDIN } from '../input-files.js';
import { formatContent, formatTable, indent, jsonLine, prettyJson, seconds } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { forEachPage, sendItems } from './item-transfer.js';
import { intArg } from './option-parsers.js';

export function registerItemCommands(program: Command, io: CliIo): void {
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

/** Exit status of `tollgate outcome --wait` when the wait ended with no decision. */
export const STILL_PENDING_EXIT = 3;

export function registerOutcomeCommand(program: Command, io: CliIo): void {
  clientCommand(program, 'outcome <item-id>', 'Print the outcome of an item: status, final output, who decided and why')
    .option('--json', 'print the outcome as JSON')
    .option(
      '--wait <seconds>',
      `wait up to this long for a person to decide (held items); exit ${STILL_PENDING_EXIT} if still pending`,
      intArg(0, 86_400),
    )
    .action(async (itemId: string, opts: ClientOptions & JsonOption & { wait?: number }) => {
      const client = connect(opts, io);
      if (opts.wait === undefined) {
        const { outcome } = await client.getItem(itemId);
        io.out(opts.json ? jsonLine(outcome) : formatOutcome(outcome));
        return;
      }
      // The server holds one request up to 60 s; longer waits ask again until the time is up.
      const until = Date.now() + opts.wait * 1000;
      for (;;) {
        const answer = await client.getOutcome(itemId, Math.ceil((until - Date.now()) / 1000));
        if (answer.status !== 'pending') {
          const { item_id: _id, ...outcome } = answer;
          io.out(opts.json ? jsonLine(outcome) : formatOutcome(outcome));
          return;
        }
        if (Date.now() >= until) {
          io.out(opts.json ? jsonLine(answer) : `status      pending (no decision within ${opts.wait} s)\n`);
          throw new CliError('', STILL_PENDING_EXIT);
        }
      }
    });
}

const captureLine = (r: CaptureResult): string =>
  `${r.id}  ${r.decision.action}  ${r.decision.matched_rules.map((m) => m.name).join(',') || '-'}  (${r.created ? 'new' : 'existing'})\n`;

const itemRow = (i: Item): string[] => [
  i.id,
  seconds(i.created_at),
  i.decision.action,
  i.outcome.status,
  i.model ?? '-',
  i.confidence === null ? '-' : String(i.confidence),
  i.decision.matched_rules.map((r) => r.name).join(',') || '-',
];

function formatOutcome(o: Outcome): string {
  const output = formatContent(o.output);
  return (
    [
      `status      ${o.status}`,
      `decided_by  ${o.decided_by ?? '-'}`,
      `decided_at  ${o.decided_at ?? '-'}`,
      `reason      ${o.reason ?? '-'}`,
      ...(o.fallback ? [`fallback    ${o.fallback} (the hold timed out)`] : []),
      output.includes('\n') ? `output\n${indent(output)}` : `output      ${output}`,
    ].join('\n') + '\n'
  );
}
