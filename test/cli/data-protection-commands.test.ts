import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetadataPairs, registerDataProtectionCommands } from '../../src/cli/commands/data-protection-commands.js';
import { parseOriginalKey } from '../../src/core/data-protection/original-cipher.js';
import type { RunningServer } from '../../src/server.js';
import { runCli, startLocalServer, type LocalServer } from '../support/cli-run.js';

describe('data-protection commands against a running server', () => {
  let local: LocalServer;
  let server: RunningServer;
  let admin: string;
  const run = (args: string[], stdin?: string) =>
    runCli(registerDataProtectionCommands, args, { url: server.url, key: admin, ...(stdin === undefined ? {} : { stdin }) });

  beforeAll(async () => {
    const keygen = await runCli(registerDataProtectionCommands, ['data-protection', 'keygen']);
    expect(keygen.code).toBe(0);
    local = await startLocalServer({ TOLLGATE_PII_ENCRYPTION_KEY: keygen.stdout.trim() });
    ({ server, admin } = local);
  });
  afterAll(async () => {
    await local?.close();
  });

  async function api(method: string, url: string, body?: unknown) {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  it('sets redaction from a file, reads an original back, and erases a subject', async () => {
    const project = (await api('POST', '/v1/projects', { name: 'cli' })).id as string;
    const settings = { redaction: { detectors: ['email'], original: 'encrypt' }, retention: { days: 30 } };
    const set = await run(['data-protection', 'set', project, '-'], JSON.stringify(settings));
    expect(set).toMatchObject({ code: 0, stdout: 'redaction: ["email"], originals "encrypt"\nretention: delete after 30 days\n' });

    const item = await api('POST', `/v1/projects/${project}/items`, {
      input: 'mail me at ann@example.org',
      output: 'ok',
      external_id: 'ann',
      metadata: { user: 7 },
    });
    expect(item.input).toBe('mail me at [REDACTED:email]');
    const original = await run(['data-protection', 'original', item.id as string]);
    expect(JSON.parse(original.stdout)).toMatchObject({ input: 'mail me at ann@example.org' });

    const dry = await run(['data-protection', 'erase', project, '--metadata', 'user=7', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stdout: `would erase 1 item(s)\n  ${String(item.id)}\n` });
    const erased = await run(['data-protection', 'erase', project, '--external-id', 'ann', '--json']);
    expect(JSON.parse(erased.stdout)).toMatchObject({ dry_run: false, items: 1 });
    const list = await run(['data-protection', 'erasures', project]);
    expect(list.stdout).toMatch(/external_id\s+1\s/);
  });

  it('refuses bad input with a message and a non-zero exit', async () => {
    const project = (await api('POST', '/v1/projects', { name: 'cli-bad' })).id as string;
    const bad = await run(['data-protection', 'set', project, '-'], JSON.stringify({ retention: { days: -1 } }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('TG_INVALID_DATA_PROTECTION');
    expect(bad.stderr).toContain('retention.days');
    const neither = await run(['data-protection', 'erase', project]);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toContain('exactly one of --external-id or --metadata');
  });

  it('types metadata values the way erasure matches them', () => {
    expect(parseMetadataPairs(['a=42', 'b=true', 'c="42"', 'd=x=y', 'e=1.5'])).toEqual({ a: 42, b: true, c: '42', d: 'x=y', e: 1.5 });
    expect(() => parseMetadataPairs(['novalue'])).toThrow('field=value');
  });

  it('makes keys the server accepts', async () => {
    const k = await runCli(registerDataProtectionCommands, ['data-protection', 'keygen']);
    expect(parseOriginalKey(k.stdout.trim()).key).toHaveLength(32);
  });
});
