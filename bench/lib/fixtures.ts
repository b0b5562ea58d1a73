import type { ItemSubmission } from '../../src/app/ingest-service.js';
import { mulberry32 } from '../../src/cli/commands/demo.js';
import type { PolicyDocument, Principal } from '../../src/core/types.js';
import { EXAMPLE_POLICY, EXAMPLE_RUBRIC } from '../../test/support/examples.js';

/** The realistic policy of the ingest benchmarks: the three rules of the example policy the tests use. */
export const POLICY: PolicyDocument = EXAMPLE_POLICY;

/** Used to seed the claim benchmark: every item becomes one review task. */
export const REVIEW_ALL_POLICY: PolicyDocument = { rules: [{ name: 'review-all', sample: 1, action: 'review', priority: 50 }] };

export const RUBRIC = EXAMPLE_RUBRIC;

/** The bench talks to the services directly for setup, as an unscoped admin. */
export const BENCH_ADMIN: Principal = { key_id: 'bench', role: 'admin', project_id: null, actor: 'bench' };

export function reviewer(i: number, projectId: string): Principal {
  return { key_id: `bench-reviewer-${i}`, role: 'reviewer', project_id: projectId, actor: `bench:reviewer-${i}` };
}

/**
 * The demo's scenarios (src/cli/commands/demo.ts), kept apart on purpose: plain ASCII, an order
 * number in the complaint and no legal threat (the bench policy has no rule for one). Together
 * with the confidence mix below, these are the items the recorded results were measured with.
 */
const SCENARIOS: { intent: string; question: string; answer: string }[] = [
  {
    intent: 'refund',
    question: 'My order #{n} arrived broken, I want my money back.',
    answer: 'I am sorry about that. I have issued a refund of ${amount} to your card; it will arrive in 3-5 days.',
  },
  {
    intent: 'shipping',
    question: 'Where is my package #{n}? It has been a week.',
    answer: 'Your package is with the carrier and should arrive within two business days.',
  },
  {
    intent: 'account',
    question: 'How do I change the email on my account?',
    answer: 'Go to Settings, Profile, choose "Change email", and confirm the link we send you.',
  },
  {
    intent: 'refund',
    question: 'I was charged twice for order #{n}.',
    answer: 'I can see the duplicate charge. I have refunded ${amount}; the second charge will disappear within a week.',
  },
  {
    intent: 'complaint',
    question: 'This is the third time order #{n} is late.',
    answer: 'I understand your frustration. I have escalated your case to a senior agent who will call you today.',
  },
  {
    intent: 'product',
    question: 'Is the X200 blender dishwasher safe?',
    answer: 'Yes, the jar and lid of the X200 are dishwasher safe; the base is not.',
  },
];

/**
 * Customer-support items shaped like production traffic (~0.5 KB of JSON each): a system and a
 * user message in, an assistant message out, model/version, confidence (about 15% below 0.5),
 * metadata the policy reads, one tag and an optional external_id.
 */
export function makeItems(count: number, opts: { seed?: number; externalIdPrefix?: string } = {}): ItemSubmission[] {
  // Seeded (demo's PRNG), so every run sends the same mix.
  const rand = mulberry32(opts.seed ?? 7);
  return Array.from({ length: count }, (_, i) => {
    const s = SCENARIOS[Math.floor(rand() * SCENARIOS.length)] ?? SCENARIOS[0]!;
    const order = 10_000 + Math.floor(rand() * 90_000);
    const amount = s.intent === 'refund' ? Math.round((20 + rand() * 980) * 100) / 100 : undefined;
    const confidence = rand() < 0.15 ? Math.round(rand() * 49) / 100 : Math.round((0.5 + rand() * 0.5) * 100) / 100;
    const text = (t: string) => t.replace('{n}', String(order)).replace('{amount}', amount === undefined ? '' : amount.toFixed(2));
    const item: ItemSubmission = {
      input: [
        { role: 'system', content: 'You are the support assistant of Acme Home. Follow the refund policy.' },
        { role: 'user', content: text(s.question) },
      ],
      output: { role: 'assistant', content: text(s.answer) },
      model: 'acme-support',
      model_version: rand() < 0.7 ? '2026-10-01' : '2026-11-15',
      confidence,
      metadata: {
        intent: s.intent,
        order_id: order,
        channel: rand() < 0.5 ? 'chat' : 'email',
        ...(amount === undefined ? {} : { amount }),
      },
      tags: [s.intent],
    };
    if (opts.externalIdPrefix !== undefined) item.external_id = `${opts.externalIdPrefix}-${i}`;
    return item;
  });
}
