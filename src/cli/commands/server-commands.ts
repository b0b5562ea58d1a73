import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { ROLES, type Role } from '../../core/types.js';
import { randomBytes } from 'node:crypto';
import { CliError } from '../cli-error.js';
import { intArg } from './option-parsers.js';

// The server stack (Fastify, Kysely, database drivers) is imported only by the commands that
// need it, so the client commands, which most people run, start fast.

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}

/** The roles a person can hold (ingest is for keys); kept here so the CLI starts without the server stack. */
const USER_ROLE_NAMES = ROLES.filter((r) => r !== 'ingest');

/** A principal for work done at the console by whoever can already read the store. */
const CONSOLE = { key_id: 'cli', role: 'admin' as const, project_id: null, actor: 'cli' };

/** Commands that act on the store directly: they need TOLLGATE_DATABASE_URL, not a running server. */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description('Run the server (migrations run first)')
    .option('--port <n>', 'port to listen on (default TOLLGATE_PORT or 8080)', parsePort)
    .option('--host <addr>', 'address to bind (default TOLLGATE_HOST or 0.0.0.0)')
    .option('--demo', 'on an empty store, load the demo project and demo console users first (npm start does; not for production)')
    .action(async (opts: { port?: number; host?: string; demo?: boolean }) => {
      const [{ loadConfig }, { startServer }] = await Promise.all([import('../../config.js'), import('../../server.js')]);
      const config = loadConfig(process.env, process.cwd());
      if (opts.port !== undefined) config.port = opts.port;
      if (opts.host !== undefined) config.host = opts.host;
      const server = await startServer(config, undefined, { demo: opts.demo === true });
      const stop = (signal: string) => {
        server.ctx.logger.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date and exit')
    .action(async () => {
      const [{ loadConfig }, { openStore }, { migrateToLatest }, { describeStoreTarget }] = await Promise.all([
        import('../../config.js'),
        import('../../store/store.js'),
        import('../../store/migrate.js'),
        import('../../store/store-url.js'),
      ]);
      const config = loadConfig(process.env, process.cwd());
      const store = openStore(config.store);
      try {
        const { applied } = await migrateToLatest(store);
        process.stdout.write(
          `${describeStoreTarget(config.store)}: ${applied.length === 0 ? 'already up to date' : `applied ${applied.join(', ')}`}\n`,
        );
      } finally {
        await store.close();
      }
    });

  const keys = program.command('keys').description('Manage API keys');
  keys
    .command('create')
    .description('Create an API key and print it (shown once)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--project <id>', 'restrict the key to one project')
    .option('--name <name>', 'who or what will use the key')
    .option('--expires-at <time>', 'when the key stops working (ISO 8601, in the future); default: never')
    .option('--json', 'print the key record as JSON')
    .action(async (opts: { role: string; project?: string; name?: string; expiresAt?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(opts.role))
        throw new CliError(`--role must be one of ${ROLES.join(', ')}, got "${opts.role}"`);
      const { createKey } = await import('../../app/key-service.js');
      await withStore(async (ctx) => {
        const created = await createKey(ctx, CONSOLE, {
          role: opts.role as Role,
          ...(opts.project === undefined ? {} : { project_id: opts.project }),
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.expiresAt === undefined ? {} : { expires_at: opts.expiresAt }),
        });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ id: created.id, key: created.key, role: created.role, project_id: created.project_id })}\n`
            : `${created.key}\n`,
        );
        if (!opts.json)
          process.stderr.write(
            `created ${created.role} key ${created.id}${created.project_id ? ` for project ${created.project_id}` : ''}; it is shown only once\n`,
          );
      });
    });

  keys
    .command('rotate <key-id>')
    .description('Replace a key with a fresh one of the same role, project and name (printed once)')
    .option('--grace <seconds>', 'how long the old key keeps working (default 0)', intArg(0))
    .action(async (keyId: string, opts: { grace?: number }) => {
      const { rotateKey, KeyAuthenticator } = await import('../../app/key-service.js');
      await withStore(async (ctx) => {
        const r = await rotateKey(
          ctx,
          CONSOLE,
          keyId,
          opts.grace === undefined ? {} : { grace_seconds: opts.grace },
          new KeyAuthenticator(ctx),
        );
        process.stdout.write(`${r.created.key}\n`);
        process.stderr.write(
          `key ${keyId} replaced by ${r.created.id}; the old key ${opts.grace ? `works until ${new Date(r.old.expires_at ?? 0).toISOString()}` : 'stopped working'}; the new key is shown only once\n`,
        );
      });
    });

  const users = program.command('users').description('Manage console users (email and password sign-in)');
  users
    .command('create')
    .description('Create a console user; without --password-stdin a strong password is generated and printed once')
    .requiredOption('--email <email>', 'the address the person signs in with')
    .requiredOption('--role <role>', `one of ${USER_ROLE_NAMES.join(', ')}`)
    .option('--name <name>', 'the name shown in the console')
    .option('--project <id>', 'restrict the user to one project')
    .option('--password-stdin', 'read the password from standard input (at least 12 characters)')
    .action(async (opts: { email: string; role: string; name?: string; project?: string; passwordStdin?: boolean }) => {
      if (!(USER_ROLE_NAMES as readonly string[]).includes(opts.role))
        throw new CliError(`--role must be one of ${USER_ROLE_NAMES.join(', ')}, got "${opts.role}"`);
      const password = opts.passwordStdin ? await readPasswordFromStdin() : generatePassword();
      const { createUser } = await import('../../app/user-service.js');
      await withStore(async (ctx) => {
        const user = await createUser(ctx, CONSOLE, {
          email: opts.email,
          password,
          role: opts.role as Role,
          name: opts.name ?? null,
          project_id: opts.project ?? null,
        });
        process.stderr.write(
          `created ${user.role} ${user.email} (${user.id})${user.project_id ? ` for project ${user.project_id}` : ''}\n`,
        );
        if (!opts.passwordStdin) process.stdout.write(`${password}\n`);
        if (!opts.passwordStdin) process.stderr.write('the password above is shown only once; the user signs in at / with it\n');
      });
    });
  users
    .command('list')
    .description('List console users')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listUsers } = await import('../../app/user-service.js');
      await withStore(async (ctx) => {
        const list = await listUsers(ctx, CONSOLE);
        if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else
          for (const u of list)
            process.stdout.write(
              `${u.email}\t${u.role}\t${u.project_id ?? '*'}\t${u.disabled_at === null ? 'active' : 'disabled'}\t${u.name ?? ''}\n`,
            );
      });
    });
  users
    .command('set-password <email>')
    .description("Set a user's password (their open sessions end); without --password-stdin one is generated and printed once")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: { passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readPasswordFromStdin() : generatePassword();
      await changeUser(email, { password });
      if (!opts.passwordStdin) process.stdout.write(`${password}\n`);
      process.stderr.write(`password of ${email.toLowerCase()} changed; open sessions ended\n`);
    });
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${verb} <email>`)
      .description(
        disabled ? 'Stop a user from signing in (open sessions end); their work stays attributed' : 'Let a disabled user sign in again',
      )
      .action(async (email: string) => {
        await changeUser(email, { disabled });
        process.stderr.write(`${email.toLowerCase()} ${disabled ? 'disabled' : 'enabled'}\n`);
      });
  }

  program
    .command('demo')
    .description('Load a demo project with realistic items, so the loop is visible at once')
    .action(async () => {
      const { loadDemo } = await import('./demo.js');
      await withStore(async (ctx) => {
        const summary = await loadDemo(ctx, CONSOLE);
        process.stdout.write(summary);
      });
    });
}

async function changeUser(email: string, change: { password?: string; disabled?: boolean }): Promise<void> {
  const { updateUser } = await import('../../app/user-service.js');
  await withStore(async (ctx) => {
    const row = await ctx.store.db.selectFrom('users').select('id').where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    if (!row) throw new CliError(`no user with email ${email}`);
    await updateUser(ctx, CONSOLE, row.id, change);
  });
}

/** 128 random bits, readable: what an admin hands over once and the person changes or keeps. */
function generatePassword(): string {
  return randomBytes(16).toString('base64url');
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is how `echo` and here-strings end; it is not part of the password.
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new CliError('no password on standard input');
  return password;
}

async function withStore<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { openStore }, { migrateToLatest }, { createContext }, { createLogger }, { uuidv7 }] = await Promise.all([
    import('../../config.js'),
    import('../../store/store.js'),
    import('../../store/migrate.js'),
    import('../../app/context.js'),
    import('../../server.js'),
    import('uuidv7'),
  ]);
  const config = loadConfig(process.env, process.cwd());
  const store = openStore(config.store);
  const ctx = createContext({
    store,
    clock: Date.now,
    newId: uuidv7,
    logger: createLogger('warn'),
    originalKey: config.piiEncryptionKey ?? null,
  });
  try {
    await migrateToLatest(store);
    return await fn(ctx);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code.startsWith('TG_')) throw new CliError(`${e.code}: ${String(e.message)}`);
    throw err;
  } finally {
    await store.close();
  }
}
