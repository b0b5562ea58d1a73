import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';
import { runCli, startLocalServer, type CliRun, type LocalServer } from '../support/cli-run.js';
import { startReceiver, verifyWith, type WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * The webhook commands against a real server whose scheduler runs every 100 ms, posting to a
 * real receiver on the loopback address: what a person sees from the terminal.
 */
const POLICY = { rules: [{ name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 }] };

describe('tollgate webhooks', () => {
  let local: LocalServer;
  let receiver: WebhookReceiver;
  let projectId: string;

  const tollgate = (args: string[]): Promise<CliRun> => runCli(registerClientCommands, args, { url: local.server.url, key: local.admin });
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${local.server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${local.admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    local = await startLocalServer({ TOLLGATE_SWEEP_INTERVAL_MS: '100' });
    receiver = await startReceiver();
    projectId = ((await (await api('POST', '/v1/projects', { name: 'CLI webhooks', policy: POLICY })).json()) as { id: string }).id;
  });
  afterAll(async () => {
    await local?.close();
    await receiver?.close();
  });

  it('creates, lists, tests, replays, pauses, resumes, rotates and deletes', async () => {
    const created = await tollgate([
      'webhooks',
      'create',
      projectId,
      '--endpoint',
      `${receiver.url}/cli`,
      '--event',
      'item.routed,item.resolved',
      '--event',
      'hold.resolved',
      '--description',
      'the CLI test',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const [id, secretLine] = created.stdout.trim().split('\n');
    const secret = /whsec_\S+/.exec(secretLine ?? '')?.[0];
    expect(secret).toBeDefined();

    await api('POST', `/v1/projects/${projectId}/items`, { input: 'q', output: 'a', confidence: 0.1 });
    await receiver.waitFor(1);
    expect(verifyWith(secret!, receiver.received[0]!, Date.now())).toMatchObject({ type: 'item.routed' });

    const list = await tollgate(['webhooks', 'list', projectId]);
    expect(list.stdout).toContain(`${id} active ${receiver.url}/cli [item.routed, item.resolved, hold.resolved] ok`);
    expect(list.stdout).not.toContain('whsec_');

    const deliveries = await tollgate(['webhooks', 'deliveries', id!, '--json']);
    const [delivery] = deliveries.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string });
    expect(delivery).toMatchObject({ status: 'delivered' });
    const table = await tollgate(['webhooks', 'deliveries', id!]);
    expect(table.stdout).toMatch(/DELIVERY\s+EVENT\s+STATUS/);
    expect(table.stdout).toContain('item.routed');

    expect((await tollgate(['webhooks', 'replay', delivery!.id])).stdout).toContain('queued');
    await receiver.waitFor(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(delivery!.id);

    expect((await tollgate(['webhooks', 'pause', id!])).stdout).toContain('paused: paused by');
    expect((await tollgate(['webhooks', 'test', id!])).code).toBe(0);
    await receiver.waitFor(3);
    expect(verifyWith(secret!, receiver.received[2]!, Date.now())).toMatchObject({ type: 'webhook.test' });
    expect((await tollgate(['webhooks', 'resume', id!])).stdout).toContain(' active ');

    const rotated = await tollgate(['webhooks', 'rotate-secret', id!, '--grace', '0']);
    const fresh = /whsec_\S+/.exec(rotated.stdout)?.[0];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(secret);
    await tollgate(['webhooks', 'test', id!]);
    await receiver.waitFor(4);
    verifyWith(fresh!, receiver.received[3]!, Date.now());
    expect(() => verifyWith(secret!, receiver.received[3]!, Date.now())).toThrow();

    const callback = await tollgate(['webhooks', 'callback-secret', projectId]);
    expect(callback.stdout).toMatch(/^whsec_\S+\n$/);
    expect((await tollgate(['webhooks', 'deliveries', projectId, '--callbacks'])).stdout).toBe('no deliveries\n');

    expect((await tollgate(['webhooks', 'delete', id!])).stdout).toBe(`${id} deleted\n`);
    expect((await tollgate(['webhooks', 'list', projectId])).stdout).toBe('no webhooks\n');
  });

  it('refuses an unknown event type before calling the server, and reports the server’s refusals', async () => {
    const bad = await tollgate(['webhooks', 'create', projectId, '--endpoint', 'https://example.com/h', '--event', 'item.exploded']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be one of item.routed');
    const refused = await tollgate(['webhooks', 'create', projectId, '--endpoint', 'ftp://example.com/h', '--event', 'item.routed']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('TG_VALIDATION_FAILED');
  });
});
