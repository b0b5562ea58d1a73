import type { ItemSubmission } from '../../src/app/ingest-service.js';
import { supportItems, type SupportScenario } from '../../src/cli/commands/demo.js';
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
const SCENARIOS: SupportScenario[] = [
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
  const prefix = opts.externalIdPrefix;
  return supportItems(count, {
    seed: opts.seed ?? 7,
    scenarios: SCENARIOS,
    confidence: (rand) => (rand() < 0.15 ? Math.round(rand() * 49) / 100 : Math.round((0.5 + rand() * 0.5) * 100) / 100),
    ...(prefix === undefined ? {} : { externalId: (i: number) => `${prefix}-${i}` }),
  });
}
