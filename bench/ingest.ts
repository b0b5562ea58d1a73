import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { BenchEnv } from './lib/env.js';
import { makeItems } from './lib/fixtures.js';
import { postLoad, type LoadResult } from './lib/load.js';
import { registerCleanup, spawnServer } from './lib/proc.js';
import type { TollgateChildInfo } from './serve-tollgate.js';

export interface IngestResult {
  tollgate: LoadResult;
  hello: LoadResult;
  ratio: number;
  routing: Record<string, number>;
  itemsStored: number;
  tasksStored: number;
  auditEvents: number;
}

/** Request bodies: realistic items, each with a fresh external_id (the idempotent path clients should use). */
function bodySource(runId: string): () => string {
  const templates = makeItems(1000, { seed: 11 }).map((i) => JSON.stringify(i).slice(0, -1));
  let n = 0;
  return () => {
    const i = n++;
    return `${templates[i % templates.length]},"external_id":"${runId}-${i}"}`;
  };
}

export async function runIngest(env: BenchEnv, profDir: string | undefined): Promise<IngestResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-ingest-'));
  const unregister = registerCleanup(() => fs.promises.rm(tmp, { recursive: true, force: true }));
  try {
    const dbFile = path.join(tmp, 'tollgate.sqlite');
    const load = async (url: string, headers: Record<string, string>, runId: string, serverPid: number): Promise<LoadResult> => {
      const body = bodySource(runId);
      if (env.warmup > 0) await postLoad({ url, connections: env.connections, seconds: env.warmup, headers, body });
      return postLoad({
        url,
        connections: env.connections,
        seconds: env.duration,
        headers,
        body,
        cpu: { server: [serverPid], autocannon: [process.pid] },
      });
    };

    const tg = await spawnServer<TollgateChildInfo>('serve-tollgate.ts', {
      label: 'tollgate-ingest',
      config: { databaseUrl: dbFile },
      ...(profDir === undefined ? {} : { cpuProfDir: profDir }),
    });
    let tollgate: LoadResult;
    try {
      tollgate = await load(
        `${tg.info.url}/v1/projects/${tg.info.projectId}/items`,
        { authorization: `Bearer ${tg.info.ingestKey}` },
        `ing-${Date.now()}`,
        tg.pid,
      );
    } finally {
      await tg.stop();
    }

    const hl = await spawnServer<{ url: string }>('serve-hello.ts', {
      label: 'hello',
      config: {},
      ...(profDir === undefined ? {} : { cpuProfDir: profDir }),
    });
    let hello: LoadResult;
    try {
      hello = await load(`${hl.info.url}/hello`, { authorization: 'Bearer not-checked' }, `hello-${Date.now()}`, hl.pid);
    } finally {
      await hl.stop();
    }

    const db = new SQLite(dbFile, { readonly: true });
    const routing = Object.fromEntries(
      (
        db.prepare('select decision_action as a, count(*) as n from items group by decision_action').all() as { a: string; n: number }[]
      ).map((r) => [r.a, r.n]),
    );
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const result = {
      tollgate,
      hello,
      ratio: tollgate.rps / hello.rps,
      routing,
      itemsStored: count('items'),
      tasksStored: count('tasks'),
      auditEvents: count('audit_events'),
    };
    db.close();
    return result;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    unregister();
  }
}
