import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContext, type AppContext } from '../src/app/context.js';
import { runSyncChecks } from '../src/app/eval-runner.js';
import { saveEvaluatorSet } from '../src/app/evaluator-service.js';
import { captureItems, factsOf, type ItemSubmission } from '../src/app/ingest-service.js';
import { createProject } from '../src/app/project-service.js';
import { compileEvaluatorSet, runCheckEvaluator } from '../src/core/evals/evaluator-run.js';
import { readEvaluatorSet } from '../src/core/evals/evaluator-set.js';
import type { JsonObject, PolicyDocument } from '../src/core/types.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';
import { BENCH_ADMIN, makeItems, POLICY } from './lib/fixtures.js';

/** BENCH_EVALUATOR_ITEMS: items captured per variant (default 20,000, at least 1,000). */

export interface EvaluatorCaptureRun {
  itemsPerSec: number;
  seconds: number;
  /** Items by routing action, to show the evaluated project's policy acts on the results. */
  actions: Record<string, number>;
  /** Items each policy rule matched. */
  rules: Record<string, number>;
}

export interface EvaluatorBenchResult {
  items: number;
  batchSize: number;
  plain: EvaluatorCaptureRun;
  /** The seven sync checks below, their results stored and read by the policy. */
  evaluated: EvaluatorCaptureRun;
  /** evaluated / plain items per second. */
  ratio: number;
  /** What the evaluators add to capturing one item: 1/evaluated - 1/plain, in microseconds. */
  overheadUsPerItem: number;
  /** The compiled checks alone, in the bench process, on the same items: no store, no policy. */
  checks: {
    usPerItem: { mean: number; p50: number; p99: number; max: number };
    /** Mean microseconds per item of each evaluator run on its own. */
    byEvaluator: Record<string, number>;
  };
  /** Stored results of the measured evaluated project, by evaluator and status. */
  outcomes: Record<string, Record<string, number>>;
}

/** Words a support reply must not contain: legal exposure, promises, payment scams, insults, competitors, leaks. */
const BLOCKLIST = [
  ...['lawsuit', 'attorney', 'sue us', 'class action', 'legal action', 'liable', 'liability', 'negligence', 'court', 'settlement'],
  ...['guaranteed', 'guarantee', 'promise', 'lifetime warranty', 'free forever', 'no questions asked', 'double refund', 'cash back'],
  ...['bitcoin', 'crypto', 'gift card', 'wire transfer', 'western union', 'paypal me', 'venmo', 'zelle', 'cashapp', 'moneygram'],
  ...['password', 'passcode', 'pin code', 'security answer', 'social security', 'ssn', 'login link', 'one-time code', 'otp', 'cvv'],
  ...['idiot', 'stupid', 'moron', 'dumb', 'shut up', 'loser', 'pathetic', 'useless', 'incompetent', 'ridiculous'],
  ...['globex', 'initech', 'umbrella corp', 'hooli', 'vandelay', 'wonka', 'stark industries', 'wayne enterprises', 'cyberdyne', 'soylent'],
  ...['internal only', 'confidential', 'do not share', 'not for customers', 'employee discount', 'staff code', 'backdoor', 'override'],
  ...['jailbreak', 'ignore previous', 'system prompt', 'developer mode', 'as a language model', 'openai', 'anthropic', 'chatgpt'],
  ...['recall', 'hazard', 'fire risk', 'explode', 'toxic', 'poison', 'injury', 'injured', 'lawsuit pending', 'class-action'],
  ...['chargeback', 'dispute it', 'call your bank', 'cancel your card', 'fraud', 'scam', 'stolen', 'hacked', 'breach', 'leaked'],
];

/**
 * The arguments of the tool call every reply records its resolution with. Refunds must say how
 * much; `pattern` runs on RE2 like a manager's schema would.
 */
const RESOLUTION_SCHEMA: JsonObject = {
  type: 'object',
  required: ['intent', 'order_id', 'resolution'],
  additionalProperties: false,
  properties: {
    intent: { enum: ['refund', 'shipping', 'account', 'complaint', 'product'] },
    order_id: { type: 'integer', minimum: 10_000, maximum: 99_999 },
    resolution: { enum: ['refunded', 'tracked', 'explained', 'escalated', 'answered', 'declined'] },
    amount: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
  if: { properties: { resolution: { const: 'refunded' } } },
  then: { required: ['amount', 'currency'] },
};

/** Seven sync checks, every built-in kind but `reference`, as a manager might set them up for this assistant. */
export const EVALUATORS = [
  { name: 'pii', check: { type: 'pii', target: 'output', phone_default_country: 'US' } },
  { name: 'pii_input', check: { type: 'pii', target: 'input', phone_default_country: 'US' } },
  { name: 'resolution', check: { type: 'json_schema', schema: RESOLUTION_SCHEMA } },
  { name: 'leak', check: { type: 'regex', pattern: '\\b(?:system prompt|internal use only|api[_ ]key)\\b', flags: 'i', target: 'output' } },
  { name: 'blocked_terms', check: { type: 'blocklist', terms: BLOCKLIST, target: 'output' } },
  { name: 'reply_length', check: { type: 'length', min: 5, max: 200, unit: 'words', target: 'output' } },
  { name: 'refusal', check: { type: 'refusal' } },
];

/** The bench policy, plus replies that carry personal data go to people. */
export const EVALUATED_POLICY: PolicyDocument = {
  ...POLICY,
  rules: [...POLICY.rules, { name: 'pii-in-reply', when: { 'evals.pii.found': { eq: true } }, action: 'review', priority: 80 }],
};

const RESOLUTIONS: Readonly<Record<string, string>> = {
  refund: 'refunded',
  shipping: 'tracked',
  account: 'explained',
  complaint: 'escalated',
  product: 'answered',
};

/**
 * The bench items with what these checks look for, in proportions a support assistant might
 * show: personal data in a third of the customers' messages (as in the redaction benchmark),
 * every reply recording its resolution with a tool call (one refund in twenty with an amount
 * the schema refuses), a reply in fifty echoing the customer's email, one in forty a refusal
 * and one in a hundred a promise the blocklist catches.
 */
export function withEvaluatedShapes(items: ItemSubmission[]): ItemSubmission[] {
  return items.map((item, i) => {
    const meta = item.metadata ?? {};
    const intent = typeof meta['intent'] === 'string' ? meta['intent'] : 'product';
    const email = `jane.doe${i}@example.com`;
    const input = Array.isArray(item.input)
      ? item.input.map((m) =>
          i % 3 === 0 && m.role === 'user' && typeof m.content === 'string'
            ? { ...m, content: `${m.content} Reach me at ${email} or +1 415 555 ${String(1000 + (i % 9000))}.` }
            : m,
        )
      : item.input;
    const refused = i % 40 === 5;
    const reply = typeof item.output === 'object' && typeof item.output['content'] === 'string' ? item.output['content'] : '';
    const content = refused
      ? "I'm sorry, but I can't help with that request."
      : i % 50 === 11
        ? `${reply} I have sent a confirmation to ${email}.`
        : i % 100 === 33
          ? `${reply} I guarantee this will not happen again.`
          : reply;
    const args: JsonObject = {
      intent,
      order_id: typeof meta['order_id'] === 'number' ? meta['order_id'] : 10_000,
      resolution: refused ? 'declined' : (RESOLUTIONS[intent] ?? 'answered'),
    };
    if (!refused && typeof meta['amount'] === 'number') {
      args['amount'] = i % 20 === 7 ? `${meta['amount']} USD` : meta['amount'];
      args['currency'] = 'USD';
    }
    const output = {
      role: 'assistant',
      content,
      tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'record_resolution', arguments: JSON.stringify(args) } }],
    };
    return { ...item, input, output };
  });
}

async function capture(ctx: AppContext, projectId: string, items: ItemSubmission[], batchSize: number): Promise<EvaluatorCaptureRun> {
  const actions: Record<string, number> = {};
  const rules: Record<string, number> = {};
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += batchSize) {
    for (const { item } of await captureItems(ctx, BENCH_ADMIN, projectId, items.slice(i, i + batchSize))) {
      actions[item.decision.action] = (actions[item.decision.action] ?? 0) + 1;
      for (const rule of item.decision.matched_rules) rules[rule.name] = (rules[rule.name] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, itemsPerSec: items.length / seconds, actions, rules };
}

async function newProject(ctx: AppContext, name: string, evaluated: boolean): Promise<string> {
  const project = await createProject(ctx, BENCH_ADMIN, { name, policy: evaluated ? EVALUATED_POLICY : POLICY });
  if (evaluated) await saveEvaluatorSet(ctx, BENCH_ADMIN, project.id, { evaluators: EVALUATORS });
  return project.id;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** The compiled set on its own, as capture runs it per item, then each evaluator alone. */
function measureChecks(ctx: AppContext, items: ItemSubmission[]): EvaluatorBenchResult['checks'] {
  const set = compileEvaluatorSet(readEvaluatorSet({ evaluators: EVALUATORS }, null, ctx.proxyCredentials.allowlist), 1);
  const facts = items.map((s, i) => factsOf(String(i), s));
  for (const f of facts) runSyncChecks(set, f);
  const each = new Float64Array(facts.length);
  const t0 = performance.now();
  for (const [i, f] of facts.entries()) {
    const start = performance.now();
    runSyncChecks(set, f);
    each[i] = (performance.now() - start) * 1000;
  }
  const mean = ((performance.now() - t0) * 1000) / facts.length;
  each.sort();
  const byEvaluator: Record<string, number> = {};
  for (const evaluator of set.syncChecks) {
    const started = performance.now();
    for (const f of facts) runCheckEvaluator(evaluator, set.version, f, () => 0);
    byEvaluator[evaluator.spec.name] = ((performance.now() - started) * 1000) / facts.length;
  }
  return { usPerItem: { mean, p50: quantile(each, 0.5), p99: quantile(each, 0.99), max: each[each.length - 1] ?? 0 }, byEvaluator };
}

/**
 * Capture cost of sync evaluator checks: the same items captured in batches through the
 * service layer (no HTTP) into a SQLite file, by a project without evaluators and by one with
 * seven checks whose results are stored and routed on. Each project gets its own fresh file; then
 * the checks alone are timed in a loop over the same items.
 */
export async function runEvaluatorBench(count: number, batchSize = 500): Promise<EvaluatorBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-evaluators-'));
  const items = withEvaluatedShapes(makeItems(count));
  const warmItems = withEvaluatedShapes(makeItems(1000, { seed: 99 }));
  const out: { plain?: EvaluatorCaptureRun; evaluated?: EvaluatorCaptureRun } = {};
  const outcomes: EvaluatorBenchResult['outcomes'] = {};
  let checks: EvaluatorBenchResult['checks'] | undefined;
  try {
    for (const name of ['plain', 'evaluated'] as const) {
      const store = openStore({ dialect: 'sqlite', filename: path.join(dir, `${name}.sqlite`) });
      await migrateToLatest(store);
      const ctx = createContext({ store, clock: Date.now, newId: uuidv7, logger: pino({ level: 'silent' }) });
      // Warm the JIT and the caches on a first slice, then measure on a fresh project.
      await capture(ctx, await newProject(ctx, name, name === 'evaluated'), warmItems, batchSize);
      const measured = await newProject(ctx, `${name}-measured`, name === 'evaluated');
      out[name] = await capture(ctx, measured, items, batchSize);
      if (name === 'evaluated') {
        const rows = await store.db
          .selectFrom('eval_results')
          .select(['evaluator', 'status', (eb) => eb.fn.countAll().as('n')])
          .where('project_id', '=', measured)
          .groupBy(['evaluator', 'status'])
          .execute();
        for (const r of rows) (outcomes[r.evaluator] ??= {})[r.status] = Number(r.n);
        checks = measureChecks(ctx, items);
      }
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const plain = out.plain!;
  const evaluated = out.evaluated!;
  return {
    items: count,
    batchSize,
    plain,
    evaluated,
    ratio: evaluated.itemsPerSec / plain.itemsPerSec,
    overheadUsPerItem: (1 / evaluated.itemsPerSec - 1 / plain.itemsPerSec) * 1e6,
    checks: checks!,
    outcomes,
  };
}
