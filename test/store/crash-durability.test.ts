import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import type { StoreTarget } from '../../src/store/store-url.js';
import { call, killServers, spawnServer, stopServer, waitHealthy, type Loose, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, DIALECTS, type TestDb } from '../support/stores.js';

/**
 * The durability promise, tested the hard way: a real server process takes a stream of item
 * captures (several in flight at once) and is SIGKILLed mid-stream. Every capture it
 * acknowledged must be in the store after a restart, with the decision it was acknowledged
 * with, and its review tasks (item, decision and tasks commit together or not at all).
 */
const ADMIN_KEY = 'tg_crash_durability_admin_key_0123456789';
const POLICY = {
  rules: [
    { name: 'double', when: { 'metadata.double': { eq: true } }, action: 'hold', priority: 80, overlap: 2 },
    { name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
  ],
};
const KILL_AFTER_ACKS = 200;
const IN_FLIGHT = 8;
const MAX_REQUESTS = 5_000;

async function startServer(target: StoreTarget): Promise<ServerProcess> {
  const databaseUrl = target.dialect === 'sqlite' ? `sqlite:${target.filename}` : target.connectionString;
  const s = await spawnServer({ TOLLGATE_DATABASE_URL: databaseUrl, TOLLGATE_ADMIN_KEY: ADMIN_KEY });
  await waitHealthy(s, 60_000);
  return s;
}

interface Ack {
  id: string;
  action: string;
  policy_version: number;
  required_reviews: number;
}

afterAll(killServers);

describe.each(DIALECTS)('a SIGKILLed server loses no acknowledged capture (%s)', (dialect) => {
  let db: TestDb | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every acknowledged external_id is stored with its decision after kill -9 and restart', async () => {
    let target: StoreTarget;
    if (dialect === 'sqlite') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-crash-'));
      target = { dialect: 'sqlite', filename: path.join(dir, 'tollgate.sqlite') };
    } else {
      db = await createTestDatabase('postgres');
      target = db.target;
    }

    const first = await startServer(target);
    let second: ServerProcess | undefined;
    try {
      const project = await call(first.url, 'POST', '/v1/projects', ADMIN_KEY, { name: 'Crash', policy: POLICY });
      expect(project.status, JSON.stringify(project.json)).toBe(201);
      const projectId: string = project.json.id;

      // The stream: IN_FLIGHT senders, each posting one item at a time with a fresh external_id.
      const acks = new Map<string, Ack>();
      const failed: string[] = [];
      let next = 0;
      let killed = false;
      const exited = once(first.proc, 'exit');
      const sender = async () => {
        while (next < MAX_REQUESTS) {
          const ext = `crash-${next}`;
          const n = next++;
          try {
            const res = await call(first.url, 'POST', `/v1/projects/${projectId}/items`, ADMIN_KEY, {
              input: `question ${n}`,
              output: { role: 'assistant', content: `answer ${n}` },
              confidence: n % 3 === 0 ? 0.2 : 0.9,
              metadata: { double: n % 7 === 0, n },
              external_id: ext,
            });
            if (res.status !== 201) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.json)}`);
            const d = res.json.decision;
            acks.set(ext, { id: res.json.id, action: d.action, policy_version: d.policy_version, required_reviews: d.required_reviews });
          } catch (err) {
            if (!killed) throw err;
            failed.push(ext);
            return;
          }
          if (acks.size >= KILL_AFTER_ACKS && !killed) {
            killed = true;
            first.proc.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
      await exited;
      expect(first.proc.signalCode).toBe('SIGKILL');
      expect(acks.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(next, 'the stream was still going when the server died').toBeLessThan(MAX_REQUESTS);
      // Requests were in flight when it died: the kill landed mid-stream, not between requests.
      expect(failed.length).toBeGreaterThan(0);
      const actions = new Set([...acks.values()].map((a) => a.action));
      expect(actions).toEqual(new Set(['pass', 'review', 'hold']));

      second = await startServer(target);

      // Read everything back through the restarted server.
      const stored = new Map<string, Loose>();
      let cursor: string | null = null;
      for (let page = 0; page < 50; page++) {
        const res = await call(
          second.url,
          'GET',
          `/v1/projects/${projectId}/items?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
          ADMIN_KEY,
        );
        expect(res.status).toBe(200);
        for (const item of res.json.items) stored.set(item.external_id, item);
        cursor = res.json.next_cursor;
        if (!cursor) break;
      }
      const missing = [...acks.keys()].filter((ext) => !stored.has(ext));
      expect(missing, 'acknowledged but lost').toEqual([]);
      for (const [ext, ack] of acks) {
        const item = stored.get(ext);
        expect(item.id, ext).toBe(ack.id);
        expect(item.decision, ext).toMatchObject({
          action: ack.action,
          policy_version: ack.policy_version,
          required_reviews: ack.required_reviews,
        });
        expect(item.outcome.status, ext).toBe(ack.action === 'pass' ? 'approved' : 'pending');
      }
      // Nothing beyond what was sent, and no item stored twice.
      expect(stored.size).toBeLessThanOrEqual(next);
      expect(new Set([...stored.values()].map((i) => i.id)).size).toBe(stored.size);

      // Straight from the store: every stored item (acknowledged or not) has exactly its tasks
      // and its capture audit event, because they commit in one transaction.
      const store = openStore(target, { poolSize: 2 });
      try {
        const tasks = await store.db.selectFrom('tasks').select(['item_id']).where('project_id', '=', projectId).execute();
        const audit = await store.db
          .selectFrom('audit_events')
          .select(['subject_id'])
          .where('project_id', '=', projectId)
          .where('action', '=', 'item.captured')
          .execute();
        const taskCount = new Map<string, number>();
        for (const t of tasks) taskCount.set(t.item_id, (taskCount.get(t.item_id) ?? 0) + 1);
        const captured = new Set(audit.map((e) => e.subject_id));
        expect(audit).toHaveLength(stored.size);
        for (const item of stored.values()) {
          expect(taskCount.get(item.id) ?? 0, `tasks of ${item.external_id}`).toBe(item.decision.required_reviews);
          expect(captured.has(item.id), `audit of ${item.external_id}`).toBe(true);
        }
        expect(tasks).toHaveLength([...stored.values()].reduce((n, i) => n + i.decision.required_reviews, 0));
      } finally {
        await store.close();
      }

      // The client's recovery after a crash is a retry: acknowledged ids come back as they were,
      // ids that died in flight are stored exactly once either way.
      const someAck = [...acks.keys()][acks.size - 1] as string;
      const retry = await call(second.url, 'POST', `/v1/projects/${projectId}/items`, ADMIN_KEY, {
        input: 'again',
        output: 'again',
        external_id: someAck,
      });
      expect(retry.status).toBe(200);
      expect(retry.json).toMatchObject({ id: acks.get(someAck)?.id, created: false });
      for (const ext of failed) {
        const res = await call(second.url, 'POST', `/v1/projects/${projectId}/items`, ADMIN_KEY, {
          input: 'again',
          output: 'again',
          external_id: ext,
        });
        expect(res.status).toBe(stored.has(ext) ? 200 : 201);
        if (stored.has(ext)) expect(res.json.id).toBe(stored.get(ext).id);
      }
    } finally {
      if (first.proc.exitCode === null && first.proc.signalCode === null) first.proc.kill('SIGKILL');
      if (second) await stopServer(second);
    }
  }, 180_000);
});
