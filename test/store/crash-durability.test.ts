import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import type { StoreTarget } from '../../src/store/store-url.js';
import { createTestDatabase, PG_URL, type DialectName, type TestDb } from '../support/stores.js';

/**
 * The durability promise, tested the hard way: a real server process takes a stream of item
 * captures (several in flight at once) and is SIGKILLed mid-stream. Every capture it
 * acknowledged must be in the store after a restart, with the decision it was acknowledged
 * with, and its review tasks (item, decision and tasks commit together or not at all).
 */
const ROOT_DIR = path.resolve(import.meta.dirname, '../..');
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

interface Server {
  proc: ChildProcess;
  url: string;
  output(): string;
}

const running = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

function databaseUrl(target: StoreTarget): string {
  return target.dialect === 'sqlite' ? `sqlite:${target.filename}` : target.connectionString;
}

async function startServer(target: StoreTarget): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT_DIR,
    env: { ...process.env, TOLLGATE_DATABASE_URL: databaseUrl(target), TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const s = { proc, url: `http://127.0.0.1:${port}`, output: () => out };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`server not healthy after 60 s:\n${out}`);
    const ok = await fetch(`${s.url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = once(s.proc, 'exit');
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Response bodies are read loosely; each use site asserts the shape it relies on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

async function call(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Loose }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

interface Ack {
  id: string;
  action: string;
  policy_version: number;
  required_reviews: number;
}

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

const TARGETS: DialectName[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(TARGETS)('a SIGKILLed server loses no acknowledged capture (%s)', (dialect) => {
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
    let second: Server | undefined;
    try {
      const project = await call(first.url, 'POST', '/v1/projects', { name: 'Crash', policy: POLICY });
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
            const res = await call(first.url, 'POST', `/v1/projects/${projectId}/items`, {
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
        const res = await call(second.url, 'GET', `/v1/projects/${projectId}/items?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
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
      const retry = await call(second.url, 'POST', `/v1/projects/${projectId}/items`, {
        input: 'again',
        output: 'again',
        external_id: someAck,
      });
      expect(retry.status).toBe(200);
      expect(retry.json).toMatchObject({ id: acks.get(someAck)?.id, created: false });
      for (const ext of failed) {
        const res = await call(second.url, 'POST', `/v1/projects/${projectId}/items`, {
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
