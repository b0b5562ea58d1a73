import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerServerCommands } from './commands/server-commands.js';
import { registerClientCommands } from './commands/client-commands.js';
import { registerStatsCommands } from './commands/stats-commands.js';
import { registerAuditCommands } from './commands/audit-commands.js';
import { registerReportCommands } from './commands/report-commands.js';
import { registerEvaluatorCommands } from './commands/evaluator-commands.js';
import { registerMonitoringCommands } from './commands/monitoring-commands.js';
import { CliError } from './cli-error.js';

const program = new Command()
  .name('tollgate')
  .description('Human oversight for AI models in production: capture, route, review, outcome.')
  .version(VERSION)
  // Program options only before the subcommand: `guidelines show P --version 2` means version 2, not the CLI's version.
  .enablePositionalOptions()
  .exitOverride()
  .showHelpAfterError();

registerServerCommands(program);
registerClientCommands(program);
registerStatsCommands(program);
registerAuditCommands(program);
registerReportCommands(program);
registerEvaluatorCommands(program);
registerMonitoringCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError) {
    // An empty message is a status with nothing more to say (`outcome --wait` still pending).
    if (err.message !== '') process.stderr.write(`tollgate: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const code = (err as { code?: unknown }).code;
  process.stderr.write(`tollgate: ${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
