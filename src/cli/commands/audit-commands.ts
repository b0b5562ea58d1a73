import { readFile, writeFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import type { Store } from '../../store/store.js';
import { CliError } from '../cli-error.js';
import { intArg } from './option-parsers.js';

// Store-side: an auditor runs these with read access to the database, no server needed.

/** `tollgate audit …`: seal, verify and key generation for the tamper-evident trail. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit trail: verify it, seal it, make signing keys');

  audit
    .command('verify')
    .description('Walk the audit hash chains and recompute every link; exit 1 naming the first broken link')
    .option('--project <id>', "only this project's chain")
    .option('--public-key <file>', 'check the signed checkpoints with this Ed25519 public key (PEM)')
    .option('--grace <seconds>', 'events unsealed for longer than this count as inserted (default 300)', intArg(0))
    .option('--json', 'print the full report as JSON')
    .action(async (opts: { project?: string; publicKey?: string; grace?: number; json?: boolean }) => {
      const [{ verifyAudit }, { readPublicKey }] = await Promise.all([
        import('../../app/audit-chain-service.js'),
        import('../../app/audit-keys.js'),
      ]);
      let publicKey: KeyObject | undefined;
      if (opts.publicKey !== undefined) {
        const text = await readKeyFile(opts.publicKey);
        try {
          publicKey = readPublicKey(text, opts.publicKey);
        } catch (err) {
          throw new CliError((err as Error).message, 2);
        }
      }
      // Read only: an auditor may hold read access alone, so the schema is not migrated here.
      await withStore({ migrate: false }, async (store) => {
        const report = await verifyAudit(store, {
          ...(opts.project === undefined ? {} : { chain: opts.project }),
          ...(publicKey === undefined ? {} : { publicKey }),
          ...(opts.grace === undefined ? {} : { graceMs: opts.grace * 1000 }),
          now: Date.now(),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          for (const c of report.chains) {
            const name = c.chain === '' ? '(outside projects)' : `project ${c.chain}`;
            const signed = c.checkpoints === null ? '' : `, ${c.checkpoints.valid}/${c.checkpoints.checked} checkpoints valid`;
            process.stdout.write(
              `${c.problem === null ? 'ok    ' : 'BROKEN'} ${name}: ${c.sealed} events${c.head ? ` to ${c.head.hash.slice(0, 16)}…` : ''}${signed}\n`,
            );
          }
          process.stdout.write(`${report.events_checked} events checked in ${report.elapsed_ms} ms\n`);
        }
        const broken = report.chains.find((c) => c.problem !== null);
        if (broken?.problem) {
          const name = broken.chain === '' ? 'the chain outside projects' : `project ${broken.chain}`;
          throw new CliError(`audit trail broken in ${name}: ${broken.problem.message}`);
        }
      });
    });

  audit
    .command('seal')
    .description('Seal audit events not sealed yet (servers do this every second; for stores no server runs on)')
    .action(async () => {
      const { sealAll } = await import('../../app/audit-chain-service.js');
      await withStore({ migrate: true }, async (store) => {
        process.stdout.write(`sealed ${await sealAll(store, Date.now())} events\n`);
      });
    });

  audit
    .command('keygen')
    .description('Make an Ed25519 key pair for signed checkpoints: PREFIX.key (the server’s) and PREFIX.pub (for auditors)')
    .requiredOption('--out <prefix>', 'where to write PREFIX.key and PREFIX.pub')
    .action(async (opts: { out: string }) => {
      const { generateSigningKeys } = await import('../../app/audit-keys.js');
      const { privatePem, publicPem } = generateSigningKeys();
      await writeFile(`${opts.out}.key`, privatePem, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(err.code === 'EEXIST' ? `${opts.out}.key exists; not overwriting a key` : err.message);
      });
      await writeFile(`${opts.out}.pub`, publicPem, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(err.code === 'EEXIST' ? `${opts.out}.pub exists` : err.message);
      });
      process.stdout.write(
        `wrote ${opts.out}.key (keep it secret: TOLLGATE_AUDIT_SIGNING_KEY="$(cat ${opts.out}.key)") and ${opts.out}.pub (give it to auditors)\n`,
      );
    });
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, 2);
  }
}

async function withStore(opts: { migrate: boolean }, fn: (store: Store) => Promise<void>): Promise<void> {
  const [{ loadConfig }, { openStore }, { migrateToLatest }] = await Promise.all([
    import('../../config.js'),
    import('../../store/store.js'),
    import('../../store/migrate.js'),
  ]);
  const config = loadConfig(process.env, process.cwd());
  const store = openStore(config.store);
  try {
    if (opts.migrate) await migrateToLatest(store);
    await fn(store);
  } finally {
    await store.close();
  }
}
