/**
 * Tollgate under test, in its own process: startServer on a SQLite file, a project with the
 * benchmark policy and an ingest key. Prints `BENCH_READY {"url","projectId","ingestKey"}`.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createKey } from '../src/app/key-service.js';
import { createProject } from '../src/app/project-service.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { BENCH_ADMIN, POLICY, RUBRIC } from './lib/fixtures.js';
import { childConfig, serveUntilShutdown } from './lib/proc.js';

export interface TollgateChildConfig {
  databaseUrl: string;
}

export interface TollgateChildInfo {
  url: string;
  projectId: string;
  ingestKey: string;
  pid: number;
}

const cfg = childConfig<TollgateChildConfig>();
// The production defaults (body limits, pool size, sweep interval) from the real config loader;
// an admin key keeps startServer from minting (and printing) a first one.
const config = loadConfig(
  {
    TOLLGATE_DATABASE_URL: cfg.databaseUrl,
    TOLLGATE_PORT: '0',
    TOLLGATE_HOST: '127.0.0.1',
    TOLLGATE_LOG_LEVEL: 'warn',
    TOLLGATE_ADMIN_KEY: `bench-admin-${randomBytes(16).toString('hex')}`,
  },
  process.cwd(),
);
// Logs to stderr: stdout carries the ready line.
const server = await startServer(config, pino({ level: 'warn', base: { service: 'tollgate' } }, pino.destination(2)));
const project = await createProject(server.ctx, BENCH_ADMIN, { name: 'Bench support bot', policy: POLICY, rubric: RUBRIC });
const ingest = await createKey(server.ctx, BENCH_ADMIN, { role: 'ingest', project_id: project.id, name: 'bench ingest' });
await serveUntilShutdown(
  { url: server.url, projectId: project.id, ingestKey: ingest.key, pid: process.pid } satisfies TollgateChildInfo,
  () => server.close(),
);
