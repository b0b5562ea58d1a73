import type { ItemSubmission } from '../../src/app/ingest-service.js';
import type { PolicyDocument, Principal } from '../../src/core/types.js';

/** The realistic policy of the ingest benchmarks: the three rules of test/http/loop.test.ts. */
export const POLICY: PolicyDocument = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    {
      name: 'large-refund',
      when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
      action: 'hold',
      priority: 90,
      overlap: 2,
    },
    { name: 'audit-sample', sample: 0.02, action: 'review', priority: 10 },
  ],
};

/** Used to seed the claim benchmark: every item becomes one review task. */
export const REVIEW_ALL_POLICY: PolicyDocument = { rules: [{ name: 'review-all', sample: 1, action: 'review', priority: 50 }] };

export const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
    { key: 'policy_compliant', label: 'Policy compliant', scale: { type: 'boolean' } },
  ],
};

/** The bench talks to the services directly for setup, as an unscoped admin. */
export const BENCH_ADMIN: Principal = { key_id: 'bench', role: 'admin', project_id: null, actor: 'bench' };

export function reviewer(i: number, projectId: string): Principal {
  return { key_id: `bench-reviewer-${i}`, role: 'reviewer', project_id: projectId, actor: `bench:reviewer-${i}` };
}

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

/** A small deterministic PRNG, so every run sends the same mix. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Customer-support items shaped like production traffic (~0.5 KB of JSON each): a system and a
 * user message in, an assistant message out, model/version, confidence (about 15% below 0.5),
 * metadata the policy reads, one tag and an optional external_id.
 */
export function makeItems(count: number, opts: { seed?: number; externalIdPrefix?: string } = {}): ItemSubmission[] {
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
