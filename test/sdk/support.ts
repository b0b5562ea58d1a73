import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKey } from '../../src/app/key-service.js';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/core/types.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { Tollgate, type FetchLike, type TollgateOptions } from '../../packages/sdk/src/index.js';
import { ROOT } from '../support/http.js';

export const ADMIN_KEY = 'sdk-test-admin-key-0123456789';

/** The hold rules the SDK tests use: one per fate, told apart by `metadata.kind`. */
export const POLICY = {
  rules: [
    {
      name: 'refund',
      when: { 'metadata.kind': { eq: 'refund' } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 600,
      on_timeout: 'reject',
    },
    {
      name: 'quick-reject',
      when: { 'metadata.kind': { eq: 'quick-reject' } },
      action: 'hold',
      priority: 80,
      timeout_seconds: 1,
      on_timeout: 'reject',
    },
    {
      name: 'quick-approve',
      when: { 'metadata.kind': { eq: 'quick-approve' } },
      action: 'hold',
      priority: 80,
      timeout_seconds: 1,
      on_timeout: 'approve',
    },
    { name: 'look-later', when: { 'metadata.kind': { eq: 'review' } }, action: 'review', priority: 50 },
  ],
};

export interface SdkServer {
  server: RunningServer;
  dir: string;
  admin: Tollgate;
  /** A client with a fresh key of the role (scoped to the project when given). */
  client(role: Role, projectId?: string, options?: Partial<TollgateOptions>): Promise<Tollgate>;
  key(role: Role, projectId?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real server on a free port with a fast scheduler (hold timeouts apply within ~100 ms of their deadline). */
export async function startSdkServer(): Promise<SdkServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-sdk-'));
  const server = await startServer(
    loadConfig(
      {
        TOLLGATE_DATABASE_URL: path.join(dir, 'db.sqlite'),
        TOLLGATE_PORT: '0',
        TOLLGATE_HOST: '127.0.0.1',
        TOLLGATE_ADMIN_KEY: ADMIN_KEY,
        TOLLGATE_LOG_LEVEL: 'silent',
        TOLLGATE_SWEEP_INTERVAL_MS: '100',
      },
      dir,
    ),
  );
  const key = async (role: Role, projectId?: string) =>
    (await createKey(server.ctx, ROOT, { role, ...(projectId === undefined ? {} : { project_id: projectId }) })).key;
  return {
    server,
    dir,
    admin: new Tollgate({ baseUrl: server.url, apiKey: ADMIN_KEY }),
    key,
    client: async (role, projectId, options = {}) => new Tollgate({ baseUrl: server.url, apiKey: await key(role, projectId), ...options }),
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fetch that counts and records each request before handing it to `inner`. */
export function recordingFetch(inner: FetchLike = (url, init) => fetch(url, init)) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  const f: FetchLike = (url, init) => {
    calls.push({ method: init.method ?? 'GET', url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
    return inner(url, init);
  };
  return { fetch: f, calls };
}

/** What Node's fetch throws when the connection drops: a TypeError whose cause carries the code. */
export function connectionError(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`read ${code}`), { code }) });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
