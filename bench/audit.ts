import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sealAll, verifyAudit } from '../src/app/audit-chain-service.js';
import { insertRows } from '../src/store/bulk-insert.js';
import { inTransaction } from '../src/store/executor.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';

export interface AuditBenchResult {
  events: number;
  chains: number;
  /** Writing the events themselves (setup, not measured against a target). */
  insertSeconds: number;
  sealSeconds: number;
  sealPerSec: number;
  verifySeconds: number;
  verifyPerSec: number;
  ok: boolean;
}

/**
 * `tollgate audit verify` over a trail of `events` (default one million) on a SQLite file: the
 * events are written in bulk, shaped like the server's (judgments and captures with small before
 * and after objects), spread over ten project chains; then sealed, then verified from scratch.
 */
export async function runAuditBench(events: number): Promise<AuditBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-audit-'));
  const store = openStore({ dialect: 'sqlite', filename: path.join(dir, 'audit.sqlite') });
  try {
    await migrateToLatest(store);
    const chains = 10;
    const t0 = performance.now();
    const columns = ['project_id', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'created_at'] as const;
    const start = Date.UTC(2026, 10, 1);
    for (let done = 0; done < events;) {
      const n = Math.min(50_000, events - done);
      await inTransaction(store, async (tx) => {
        const rows: unknown[][] = [];
        for (let i = 0; i < n; i++) {
          const k = done + i;
          const judged = k % 3 === 0;
          rows.push([
            `project-${k % chains}`,
            `key:reviewer-${k % 17}`,
            judged ? 'judgment.submitted' : 'item.captured',
            'item',
            `item-${Math.floor(k / 3)}`,
            null,
            tx.json.write(
              judged
                ? { judgment_id: `j-${k}`, task_id: `t-${k}`, verdict: k % 7 === 0 ? 'reject' : 'approve' }
                : { external_id: `conv-${k}`, action: 'review', rules: ['low-confidence'], policy_version: 3 },
            ),
            start + k * 10,
          ]);
        }
        await insertRows(tx, 'audit_events', columns, rows);
      });
      done += n;
    }
    const t1 = performance.now();
    const sealed = await sealAll(store, start + events * 10 + 3_600_000);
    const t2 = performance.now();
    const report = await verifyAudit(store, { now: start + events * 10 + 3_600_000 });
    const t3 = performance.now();
    if (sealed !== events || report.events_checked !== events)
      throw new Error(`sealed ${sealed}, verified ${report.events_checked} of ${events}`);
    return {
      events,
      chains,
      insertSeconds: (t1 - t0) / 1000,
      sealSeconds: (t2 - t1) / 1000,
      sealPerSec: events / ((t2 - t1) / 1000),
      verifySeconds: (t3 - t2) / 1000,
      verifyPerSec: events / ((t3 - t2) / 1000),
      ok: report.ok,
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
