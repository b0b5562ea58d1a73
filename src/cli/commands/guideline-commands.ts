import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { GuidelineVersion } from '../http-client.js';
import { readText } from '../input-files.js';
import { formatTable, jsonLine, seconds } from '../output-format.js';
import { clientCommand, connect, type CliIo, type ClientOptions, type JsonOption } from './client-options.js';
import { intArg } from './option-parsers.js';

/** Reviewer guidelines: Markdown files published as versions (client of a running server). */
export function registerGuidelineCommands(program: Command, io: CliIo): void {
  const group = program.command('guidelines').description("Publish and read a project's versioned reviewer guidelines");

  clientCommand(group, 'publish <project-id> <file>', 'Publish a Markdown file (- for stdin) as the next guideline version')
    .requiredOption('--note <text>', 'what changed and why (shown to reviewers and kept in the audit trail)')
    .option('--requires-recalibration', 'reviewers must recalibrate on this change')
    .option('--json', 'print the published version as JSON')
    .action(
      async (projectId: string, file: string, opts: ClientOptions & JsonOption & { note: string; requiresRecalibration?: boolean }) => {
        const markdown = await readText(file, io.stdin);
        const saved = await connect(opts, io).publishGuidelines(projectId, {
          markdown,
          change_note: opts.note,
          requires_recalibration: opts.requiresRecalibration === true,
        });
        io.out(opts.json ? jsonLine(saved) : `project ${projectId}: guidelines version ${saved.version} published\n`);
      },
    );

  clientCommand(group, 'show <project-id>', 'Print the current guidelines (or one version with --version)')
    .option('--version <n>', 'an older version', intArg(1))
    .option('--json', 'print the version as JSON')
    .action(async (projectId: string, opts: ClientOptions & JsonOption & { version?: number }) => {
      const client = connect(opts, io);
      const shown: GuidelineVersion | null =
        opts.version === undefined
          ? await client.currentGuidelines(projectId)
          : ((await client.listGuidelineVersions(projectId)).find((v) => v.version === opts.version) ?? null);
      if (shown === null) {
        throw new CliError(
          opts.version === undefined
            ? `project ${projectId} has no guidelines yet`
            : `project ${projectId} has no guideline version ${opts.version}`,
        );
      }
      if (opts.json) return io.out(jsonLine(shown));
      io.out(
        `# version ${shown.version}, ${seconds(shown.created_at)} by ${shown.created_by}: ${shown.document.change_note}\n\n${shown.document.markdown.replace(/\n?$/, '\n')}`,
      );
    });

  clientCommand(group, 'versions <project-id>', 'List every guideline version, newest first')
    .option('--json', 'print versions as JSONL')
    .action(async (projectId: string, opts: ClientOptions & JsonOption) => {
      const versions = await connect(opts, io).listGuidelineVersions(projectId);
      if (opts.json) return io.out(versions.map(jsonLine).join(''));
      if (versions.length === 0) return io.out('no guidelines yet\n');
      io.out(
        formatTable(
          ['VERSION', 'PUBLISHED', 'BY', 'RECALIBRATE', 'NOTE'],
          versions.map((v) => [
            String(v.version),
            seconds(v.created_at),
            v.created_by,
            v.document.requires_recalibration ? 'yes' : 'no',
            v.document.change_note,
          ]),
        ),
      );
    });
}
