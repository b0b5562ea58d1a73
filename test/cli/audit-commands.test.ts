import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { createProject } from '../../src/app/project-service.js';
import { captureItems } from '../../src/app/ingest-service.js';
import { readPrivateKey } from '../../src/app/audit-keys.js';
import { startScheduler } from '../../src/app/scheduler.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { ROOT } from '../support/http.js';
import { CLI_MAIN, ROOT_DIR } from '../support/server-process.js';

/* `tollgate audit …` as an auditor runs it: the real CLI in a child process, on a SQLite file. */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));

describe('tollgate audit', () => {
  let dir: string;
  let dbFile: string;
  let projectId: string;

  const tollgate = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', CLI_MAIN, ...args],
        { cwd: ROOT_DIR, env: { ...cleanEnv, TOLLGATE_DATABASE_URL: dbFile, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-audit-'));
    dbFile = path.join(dir, 'store.sqlite');
    const store = openStore({ dialect: 'sqlite', filename: dbFile });
    await migrateToLatest(store);
    const ctx = createContext({ store, clock: Date.now, newId: uuidv7, logger: pino({ level: 'silent' }) });
    projectId = (await createProject(ctx, ROOT, { name: 'Audited' })).id;
    await captureItems(ctx, ROOT, projectId, [
      { input: 'a', output: 'b' },
      { input: 'c', output: 'd' },
    ]);
    await store.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'seals, signs through a server pass, verifies, and exits 1 naming the first broken link once altered',
    { timeout: 120_000 },
    async () => {
      // Unsealed events are fine while fresh; verification says how many it checked.
      const keys = await tollgate(['audit', 'keygen', '--out', path.join(dir, 'audit')]);
      expect(keys.code, keys.stderr).toBe(0);
      expect(await readFile(path.join(dir, 'audit.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect((await tollgate(['audit', 'keygen', '--out', path.join(dir, 'audit')])).stderr).toContain('exists; not overwriting a key');

      const sealed = await tollgate(['audit', 'seal']);
      expect(sealed.stdout).toBe('sealed 3 events\n');
      const ok = await tollgate(['audit', 'verify', '--project', projectId]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^ok +project ${projectId}: 3 events to [0-9a-f]{16}…\\n3 events checked in \\d+ ms\\n$`));
      const json = JSON.parse((await tollgate(['audit', 'verify', '--json'])).stdout);
      expect(json).toMatchObject({ ok: true, events_checked: 3 });

      // A server pass with TOLLGATE_AUDIT_SIGNING_KEY signs the chain heads; auditors check them with the public key.
      const signer = openStore({ dialect: 'sqlite', filename: dbFile });
      try {
        const ctx = createContext({ store: signer, clock: Date.now, newId: uuidv7, logger: pino({ level: 'silent' }) });
        const signingKey = readPrivateKey(await readFile(path.join(dir, 'audit.key'), 'utf8'), 'audit.key');
        const scheduler = startScheduler(ctx, { intervalMs: 3_600_000, logger: ctx.logger, audit: { signingKey, checkpointMs: 1000 } });
        await scheduler.runOnce();
        await scheduler.stop();
      } finally {
        await signer.close();
      }
      const signed = await tollgate(['audit', 'verify', '--project', projectId, '--public-key', path.join(dir, 'audit.pub')]);
      expect(signed.code, signed.stderr).toBe(0);
      expect(signed.stdout).toContain(', 1/1 checkpoints valid');

      const store = openStore({ dialect: 'sqlite', filename: dbFile });
      try {
        await store.db.updateTable('audit_events').set({ actor: 'key:forged' }).where('action', '=', 'item.captured').execute();
      } finally {
        await store.close();
      }
      const broken = await tollgate(['audit', 'verify']);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(new RegExp(`BROKEN project ${projectId}: 1 events`));
      expect(broken.stderr).toMatch(
        new RegExp(`^tollgate: audit trail broken in project ${projectId}: position 2: event \\d+ was altered after it was sealed\\n$`),
      );

      await writeFile(path.join(dir, 'bad.pub'), 'not a key');
      const bad = await tollgate(['audit', 'verify', '--public-key', path.join(dir, 'bad.pub')]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('must be an Ed25519 public key');
    },
  );

  it('creates keys that expire and rotates them from the console', { timeout: 60_000 }, async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const created = await tollgate(['keys', 'create', '--role', 'viewer', '--name', 'dashboard', '--expires-at', expires, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    const past = await tollgate(['keys', 'create', '--role', 'viewer', '--expires-at', '2020-01-01T00:00:00Z']);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('expires_at: must be a date-time in the future');
    const rotated = await tollgate(['keys', 'rotate', key.id, '--grace', '60']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^tg_\S+\n$/);
    expect(rotated.stderr).toMatch(new RegExp(`^key ${key.id} replaced by \\S+; the old key works until `));
    const twice = await tollgate(['keys', 'rotate', key.id]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('TG_CONFLICT');
  });
});
