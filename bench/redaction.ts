import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext, type AppContext } from '../src/app/context.js';
import { captureItems, type ItemSubmission } from '../src/app/ingest-service.js';
import { createProject } from '../src/app/project-service.js';
import { newOriginalKeyText, parseOriginalKey } from '../src/core/data-protection/original-cipher.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';
import { BENCH_ADMIN, makeItems, POLICY } from './lib/fixtures.js';

export interface RedactionRun {
  itemsPerSec: number;
  seconds: number;
}

export interface RedactionBenchResult {
  items: number;
  batchSize: number;
  plain: RedactionRun;
  /** Every built-in detector and a custom pattern, originals dropped. */
  redacted: RedactionRun;
  /** The same, with each original sealed with AES-256-GCM. */
  sealed: RedactionRun;
  /** redacted / plain items per second. */
  ratio: number;
  /** Share of items in which the detectors found something. */
  itemsWithPii: number;
}

const REDACTION = {
  detectors: ['email', 'phone', 'payment_card', 'iban'],
  phone_default_country: 'US',
  custom: [{ name: 'order', pattern: '#\\d{4,}' }],
};

/** The bench items with personal data written into a third of them, as support chats carry it. */
function withPii(items: ItemSubmission[]): ItemSubmission[] {
  return items.map((item, i) => {
    if (i % 3 !== 0 || !Array.isArray(item.input)) return item;
    const input = item.input.map((m) =>
      m.role === 'user' && typeof m.content === 'string'
        ? { ...m, content: `${m.content} Reach me at jane.doe${i}@example.com or +1 415 555 ${String(1000 + (i % 9000))}.` }
        : m,
    );
    return { ...item, input };
  });
}

async function run(ctx: AppContext, projectId: string, items: ItemSubmission[], batchSize: number): Promise<RedactionRun> {
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += batchSize) await captureItems(ctx, BENCH_ADMIN, projectId, items.slice(i, i + batchSize));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, itemsPerSec: items.length / seconds };
}

/**
 * Capture cost of redaction: the same items captured in batches through the service layer (no
 * HTTP) into a SQLite file, by a project without redaction, one redacting with every detector,
 * and one that also seals each original. Each project gets its own fresh file.
 */
export async function runRedactionBench(count: number, batchSize = 500): Promise<RedactionBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-redaction-'));
  const items = withPii(makeItems(count));
  const variants = [
    ['plain', undefined],
    ['redacted', { redaction: REDACTION }],
    ['sealed', { redaction: { ...REDACTION, original: 'encrypt' } }],
  ] as const;
  const out: Partial<Record<(typeof variants)[number][0], RedactionRun>> = {};
  let itemsWithPii = 0;
  try {
    for (const [name, dataProtection] of variants) {
      const store = openStore({ dialect: 'sqlite', filename: path.join(dir, `${name}.sqlite`) });
      await migrateToLatest(store);
      const ctx = createContext({
        store,
        clock: Date.now,
        newId: uuidv7,
        logger: pino({ level: 'silent' }),
        originalKey: parseOriginalKey(newOriginalKeyText()),
      });
      const project = await createProject(ctx, BENCH_ADMIN, {
        name,
        policy: POLICY,
        ...(dataProtection === undefined ? {} : { data_protection: dataProtection }),
      });
      // Warm the JIT and the caches on a first slice, then measure on a fresh project.
      await run(ctx, project.id, makeItems(1000, { seed: 99 }), batchSize);
      const measured = await createProject(ctx, BENCH_ADMIN, {
        name: `${name}-measured`,
        policy: POLICY,
        ...(dataProtection === undefined ? {} : { data_protection: dataProtection }),
      });
      out[name] = await run(ctx, measured.id, items, batchSize);
      if (name === 'redacted') {
        const row = await store.db
          .selectFrom('items')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('project_id', '=', measured.id)
          .where('redactions', 'is not', null)
          .executeTakeFirstOrThrow();
        itemsWithPii = Number(row.n) / count;
      }
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const plain = out.plain!;
  const redacted = out.redacted!;
  return { items: count, batchSize, plain, redacted, sealed: out.sealed!, ratio: redacted.itemsPerSec / plain.itemsPerSec, itemsWithPii };
}
