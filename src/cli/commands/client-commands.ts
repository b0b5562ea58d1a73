import type { Command } from 'commander';
import { processIo, type CliIo } from './client-options.js';
import { registerDataProtectionCommands } from './data-protection-commands.js';
import { registerExportCommands } from './export-commands.js';
import { registerGuidelineCommands } from './guideline-commands.js';
import { registerStandingCommands } from './standing-commands.js';
import { registerItemCommands, registerOutcomeCommand } from './item-commands.js';
import { registerDocumentCommands, registerProjectCommands } from './project-commands.js';
import { registerTaskCommands } from './task-commands.js';
import { registerWebhookCommands } from './webhook-commands.js';

export type { CliIo } from './client-options.js';

/** Commands that talk to a running server over HTTP, covering the whole review loop. */
export function registerClientCommands(program: Command, io: CliIo = processIo): void {
  // Registration order is the order `tollgate --help` lists the commands in.
  registerProjectCommands(program, io);
  for (const kind of ['policy', 'rubric'] as const) registerDocumentCommands(program, io, kind);
  registerGuidelineCommands(program, io);
  registerStandingCommands(program, io);
  registerItemCommands(program, io);
  registerTaskCommands(program, io);
  registerOutcomeCommand(program, io);
  registerDataProtectionCommands(program, io);
  registerWebhookCommands(program, io);
  registerExportCommands(program, io);
}
