import type { Command } from 'commander';
import { newOriginalKeyText } from '../../core/data-protection/original-cipher.js';
import type { JsonObject } from '../../core/types.js';
import { CliError } from '../cli-error.js';
import { readJsonDocument } from '../input-files.js';
import { formatTable, jsonLine } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';

/**
 * `field=value` pairs for a metadata selector. Values that read as JSON numbers or booleans are
 * typed, since erasure matches the type too; quote a value (`id='"42"'`) to keep it a string.
 */
export function parseMetadataPairs(pairs: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--metadata takes field=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: string | number | boolean = raw;
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else if (/^".*"$/.test(raw)) value = raw.slice(1, -1);
    out[key] = value;
  }
  return out;
}

/** PII redaction, retention and data-subject erasure (client of a running server, except keygen). */
export function registerDataProtectionCommands(program: Command, io: CliIo): void {
  const group = program.command('data-protection').description('PII redaction at capture, retention, and erasure of a data subject');

  group
    .command('keygen')
    .description('Print a new AES-256 key for TOLLGATE_PII_ENCRYPTION_KEY (keeps redacted originals sealed)')
    .action(() => io.out(`${newOriginalKeyText()}\n`));

  clientCommand(
    group,
    'set <project-id> <file>',
    "Replace the project's redaction and retention settings from a JSON file (- for stdin; managers)",
  )
    .option('--json', 'print the settings as JSON')
    .action(async (projectId: string, file: string, opts: ClientOptions & JsonOption) => {
      const document = await readJsonDocument(file, io.stdin, 'data protection settings');
      const saved = await connect(opts, io).setDataProtection(projectId, document);
      if (opts.json) return io.out(jsonLine(saved));
      const redaction =
        saved.redaction === null
          ? 'off'
          : `${JSON.stringify(saved.redaction['detectors'])}, originals ${JSON.stringify(saved.redaction['original'])}`;
      const retention = saved.retention === null ? 'off' : `${saved.retention.action} after ${saved.retention.days} days`;
      io.out(`redaction: ${redaction}\nretention: ${retention}\n`);
    });

  clientCommand(group, 'erase <project-id>', "Erase a data subject's content from the project (managers; audited by digest)")
    .option('--external-id <id>', 'the external id the items were captured with')
    .option(
      '--metadata <field=value...>',
      'every item whose metadata has all these values (numbers and booleans typed; "42" quoted stays a string)',
    )
    .option('--dry-run', 'list what would be erased, erase nothing')
    .option('--json', 'print the result as JSON')
    .action(
      async (projectId: string, opts: ClientOptions & JsonOption & { externalId?: string; metadata?: string[]; dryRun?: boolean }) => {
        if ((opts.externalId === undefined) === (opts.metadata === undefined))
          throw new CliError('give exactly one of --external-id or --metadata');
        const result = await connect(opts, io).erase(projectId, {
          ...(opts.externalId === undefined ? {} : { external_id: opts.externalId }),
          ...(opts.metadata === undefined ? {} : { metadata: parseMetadataPairs(opts.metadata) }),
          ...(opts.dryRun === true ? { dry_run: true } : {}),
        });
        if (opts.json) return io.out(jsonLine(result));
        const verb = result.dry_run ? 'would erase' : 'erased';
        io.out(
          `${verb} ${result.items} item(s)${result.id === null ? '' : ` (erasure ${result.id})`}\n${result.item_ids.map((id) => `  ${id}\n`).join('')}`,
        );
      },
    );

  clientCommand(group, 'erasures <project-id>', 'Erasures carried out in the project: when, by whom, how many items')
    .option('--json', 'print erasures as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const rows = await connect(opts, io).listErasures(projectId);
      if (opts.json) return io.out(rows.map(jsonLine).join(''));
      if (rows.length === 0) return io.out('no erasures\n');
      io.out(
        formatTable(
          ['WHEN', 'BY', 'SELECTOR', 'ITEMS', 'DIGEST'],
          rows.map((r) => [r.created_at, r.requested_by, r.selector_kind, String(r.items_erased), r.selector_digest.slice(0, 16)]),
        ),
      );
    });

  clientCommand(
    group,
    'original <item-id>',
    'Print an item as sent, before redaction (roles the project allows; every read is audited)',
  ).action(async (itemId: string, opts: ClientOptions) => {
    io.out(jsonLine(await connect(opts, io).getOriginal(itemId)));
  });
}
