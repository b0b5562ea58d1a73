import type { AppContext } from '../../app/context.js';
import { captureItems, type ItemSubmission } from '../../app/ingest-service.js';
import { createKey } from '../../app/key-service.js';
import { actorOfUser, createUser } from '../../app/user-service.js';
import { createProject, saveDocument } from '../../app/project-service.js';
import { getItemDetail } from '../../app/item-service.js';
import { overrideStanding } from '../../app/quality-service.js';
import { publishGuidelines } from '../../app/guideline-service.js';
import { claimTask, submitJudgment } from '../../app/review-service.js';
import { closeCalibration, nextCalibrationItem, startCalibration, submitCalibrationJudgment } from '../../app/calibration-service.js';
import { createComparison } from '../../app/comparison-service.js';
import { setGoldAnswer } from '../../app/gold-service.js';
import { queueReport } from '../../app/sla-service.js';
import type { OutcomeStatus, PolicyDocument, Principal, Verdict } from '../../core/types.js';
import { EXAMPLE_POLICY } from '../../http/schemas/examples.js';

const [lowConfidence, largeRefund] = EXAMPLE_POLICY.rules;

/**
 * The documented example policy (large refunds held for two people, who must agree or an expert
 * adjudicates), plus a legal-threat queue with an SLA and a larger audit sample.
 */
const POLICY: PolicyDocument = {
  consensus: { rule: 'majority' },
  queues: {
    default: {
      sla: [
        { min_priority: 50, seconds: 4 * 3600 },
        { min_priority: 0, seconds: 24 * 3600 },
      ],
      on_breach: 'raise_priority',
    },
    escalations: { sla: [{ min_priority: 0, seconds: 1800 }], on_breach: 'escalate' },
  },
  rules: [
    ...(lowConfidence && largeRefund ? [lowConfidence, { ...largeRefund, timeout_seconds: 1800, on_timeout: 'escalate' as const }] : []),
    {
      name: 'legal-threat',
      when: { 'input.text': { matches: { pattern: '\\b(lawyer|sue|lawsuit)\\b', flags: 'i' } } },
      action: 'review',
      priority: 80,
      queue: 'escalations',
    },
    { name: 'audit-sample', sample: 0.05, action: 'review', priority: 10 },
  ],
};

const RUBRIC = {
  criteria: [
    {
      key: 'accuracy',
      label: 'Accuracy',
      description: 'Facts and amounts match the account',
      scale: { type: 'likert', min: 1, max: 5 },
      required: true,
    },
    { key: 'relevance', label: 'Relevance', scale: { type: 'likert', min: 1, max: 5 } },
    {
      key: 'policy_compliant',
      label: 'Policy compliant',
      description: 'Follows the refund and tone policy',
      scale: { type: 'boolean' },
      required: true,
    },
    { key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['warm', 'neutral', 'curt'] } },
    {
      key: 'topic',
      label: 'Topic',
      scale: {
        type: 'labels',
        options: ['refund', 'shipping', 'account', 'complaint', { value: 'product', description: 'Questions about an item' }],
      },
    },
    { key: 'amounts', label: 'Amounts mentioned', scale: { type: 'spans', target: 'output', labels: ['amount'] } },
  ],
};

const SCENARIOS: { intent: string; question: string; answer: string; amount?: number }[] = [
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
    answer: 'Go to Settings → Profile, choose "Change email", and confirm the link we send you.',
  },
  {
    intent: 'refund',
    question: 'I was charged twice for order #{n}.',
    answer: 'I can see the duplicate charge. I have refunded ${amount}; the second charge will disappear within a week.',
  },
  {
    intent: 'complaint',
    question: 'This is the third time my order is late. I will talk to my lawyer.',
    answer: 'I understand your frustration. I have escalated your case to a senior agent who will call you today.',
  },
  {
    intent: 'product',
    question: 'Is the X200 blender dishwasher safe?',
    answer: 'Yes, the jar and lid of the X200 are dishwasher safe; the base is not.',
  },
];

/** A small deterministic generator so every demo run shows the same picture. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SupportScenario {
  intent: string;
  question: string;
  answer: string;
}

/**
 * Customer-support items shaped like production traffic: a system and a user message in, an
 * assistant message out, model and version, a confidence, metadata the policies read, a tag.
 * Seeded, so every run produces the same items; the demo and the benchmarks share it with their
 * own scenarios and confidence mix.
 */
export function supportItems(
  count: number,
  opts: {
    seed: number;
    scenarios: readonly SupportScenario[];
    confidence: (rand: () => number) => number;
    externalId?: (i: number) => string;
  },
): ItemSubmission[] {
  const rand = mulberry32(opts.seed);
  return Array.from({ length: count }, (_, i) => {
    const s = opts.scenarios[Math.floor(rand() * opts.scenarios.length)] ?? opts.scenarios[0]!;
    const order = 10_000 + Math.floor(rand() * 90_000);
    const amount = s.intent === 'refund' ? Math.round((20 + rand() * 980) * 100) / 100 : undefined;
    const confidence = opts.confidence(rand);
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
    if (opts.externalId) item.external_id = opts.externalId(i);
    return item;
  });
}

export function demoItems(count: number, seed = 7): ItemSubmission[] {
  return supportItems(count, {
    seed,
    scenarios: SCENARIOS,
    confidence: (rand) => Math.round((0.25 + rand() * 0.75) * 100) / 100,
    externalId: (i) => `demo-${seed}-${i}`,
  });
}

const GUIDELINES = `# Acme support: how to review replies

- **Refunds**: the assistant may refund up to $500 for damaged or duplicate-charged orders.
  Above that, approve only when the order history supports it; correct the amount otherwise.
- **Accuracy** (1–5): 5 when every fact and amount matches the account, 1 when the reply
  invents a policy or an amount.
- **Tone**: warm is the default; curt replies to an upset customer are a correction.
- **Legal threats**: never promise anything; the reply must hand over to a senior agent.
`;

/** Deterministic reviewers: mostly agreeing, sometimes not, so the statistics have something to show. */
function simulatedJudgment(rand: () => number, reviewer: number) {
  const r = rand();
  const strict = reviewer === 2;
  const verdict: Verdict = r < (strict ? 0.55 : 0.72) ? 'approve' : r < 0.9 ? 'correct' : 'reject';
  const accuracy = verdict === 'approve' ? 4 + (rand() < 0.6 ? 1 : 0) : verdict === 'correct' ? 2 + (rand() < 0.5 ? 1 : 0) : 1;
  return {
    verdict,
    scores: {
      accuracy,
      relevance: Math.max(1, accuracy - (rand() < 0.3 ? 1 : 0)),
      policy_compliant: verdict !== 'reject',
      tone: rand() < 0.8 ? 'warm' : 'neutral',
    },
    ...(verdict === 'correct'
      ? { correction: { role: 'assistant', content: 'Corrected by a reviewer: the refund is capped at $500 pending photos.' } }
      : {}),
    time_spent_ms: Math.round(20_000 + rand() * 60_000),
  };
}

const OUTCOME_VERDICT: Partial<Record<OutcomeStatus, Verdict>> = { approved: 'approve', rejected: 'reject', corrected: 'correct' };

/** The console's demo sign-ins (README); made only by `loadDemo(…, { people: true })`, i.e. `npm start` on an empty store. */
export const DEMO_PASSWORD = 'tollgate-demo';
export const DEMO_PEOPLE = [
  { email: 'admin@example.com', role: 'admin', name: 'Ada Admin' },
  { email: 'manager@example.com', role: 'manager', name: 'Mona Manager' },
  { email: 'reviewer@example.com', role: 'reviewer', name: 'Rui Reviewer' },
  { email: 'expert@example.com', role: 'expert', name: 'Esme Expert' },
] as const;

export interface DemoOptions {
  /** Console users who sign in with DEMO_PASSWORD, active in the demo project. */
  people?: boolean;
  /** Spread the traffic and the team's work over this many past days, so the dashboards have a history. */
  historyDays?: number;
}

export async function loadDemo(liveCtx: AppContext, who: Principal, opts: DemoOptions = {}): Promise<string> {
  // The demo's past is written with a clock that walks through it; caches and store are shared.
  const now = liveCtx.clock();
  const days = opts.historyDays ?? 0;
  const clock = { at: now - days * 86_400_000 };
  const ctx: AppContext = days > 0 ? { ...liveCtx, clock: () => clock.at } : liveCtx;
  const project = await createProject(ctx, who, {
    name: 'Acme support assistant (demo)',
    description: 'Replies of a customer-support model; refunds over $500 wait for two people.',
    policy: POLICY,
    rubric: RUBRIC,
  });
  await publishGuidelines(ctx, who, project.id, { markdown: GUIDELINES, change_note: 'First version for the demo' });
  const items = demoItems(days > 0 ? 150 : 60);
  const batches = Math.max(1, days);
  const perBatch = Math.ceil(items.length / batches);
  const results: Awaited<ReturnType<typeof captureItems>> = [];
  const reviewer = await createKey(ctx, who, { role: 'reviewer', project_id: project.id, name: 'demo reviewer' });
  const expert = await createKey(ctx, who, { role: 'expert', project_id: project.id, name: 'demo expert' });
  const ingest = await createKey(ctx, who, { role: 'ingest', project_id: project.id, name: 'demo ingest' });

  // Three simulated reviewers work part of the queue, so agreement, consensus and adjudication
  // have something to show; the rest is left for you.
  const rand = mulberry32(11);
  const team: Principal[] = [];
  for (const name of ['alice', 'bob', 'carol']) {
    const k = await createKey(ctx, who, { role: 'reviewer', project_id: project.id, name: `demo ${name}` });
    team.push({ key_id: k.id, role: 'reviewer', project_id: project.id, actor: `key:${k.id}` });
  }
  let judged = 0;
  const rounds = days > 0 ? 2 : 12;
  for (let b = 0; b < batches; b++) {
    // Each past day: the day's traffic through working hours, then the team works the queue.
    clock.at = now - (days - b) * 86_400_000 + 9 * 3_600_000;
    for (const item of items.slice(b * perBatch, (b + 1) * perBatch)) {
      results.push(...(await captureItems(ctx, who, project.id, [item])));
      if (days > 0) clock.at += Math.floor((8 * 3_600_000) / perBatch);
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, member] of team.entries()) {
        const claimed = await claimTask(ctx, member, project.id, {});
        if (!claimed) continue;
        if (days > 0) clock.at += 60_000 + Math.floor(rand() * 240_000);
        await submitJudgment(ctx, member, claimed.task.id, { ...simulatedJudgment(rand, i), guideline_version: 1 });
        judged++;
      }
    }
  }
  if (days > 0) clock.at = now;
  // Gold answers on three items everyone agrees about, and a finished calibration session on
  // four items, whose discussion led to guidelines version 2.
  const passed = results.filter((r) => r.item.decision.action === 'pass').map((r) => r.item);
  for (const item of passed.slice(0, 3)) await setGoldAnswer(ctx, who, item.id, { verdict: 'approve', note: 'Agreed in calibration' });
  // And on routed items the team settled: gold is best taken from work that looks like the queue.
  const settled: string[] = [];
  for (const r of results) {
    if (settled.length === 3) break;
    const detail = await getItemDetail(ctx, who, r.item.id);
    const verdict = OUTCOME_VERDICT[detail.item.outcome.status];
    if (detail.item.decision.action !== 'review' || verdict === undefined) continue;
    await setGoldAnswer(ctx, who, r.item.id, { verdict, note: 'Settled by the team, confirmed by the lead' });
    settled.push(r.item.id);
  }
  const session = await startCalibration(ctx, who, project.id, {
    name: 'Refund limits, November',
    item_ids: results.slice(0, 4).map((r) => r.item.id),
    reviewers: team.map((m) => m.actor),
  });
  for (const [i, member] of team.entries()) {
    for (;;) {
      const next = await nextCalibrationItem(ctx, member, session.id);
      if (next === null) break;
      const j = simulatedJudgment(rand, i);
      await submitCalibrationJudgment(ctx, member, session.id, { item_id: next.item.id, verdict: j.verdict, scores: j.scores });
    }
  }
  await closeCalibration(ctx, who, session.id);
  await publishGuidelines(ctx, who, project.id, {
    markdown: `${GUIDELINES}- **Damage claims** above $100 need a photo before any refund.\n`,
    change_note: 'Photos for damage claims, after the November calibration',
    calibration_session_id: session.id,
  });

  // Task types beyond reviews: a preference pair between the two model versions, and a ranking.
  const byVersion = (v: string) => results.find((r) => r.item.model_version === v && r.item.kind === 'output')?.item;
  const older = byVersion('2026-10-01');
  const newer = byVersion('2026-11-15');
  if (older && newer)
    await createComparison(ctx, who, project.id, {
      candidates: [{ item_id: older.id }, { item_id: newer.id }],
      external_id: 'demo-pair-1',
    });
  await createComparison(ctx, who, project.id, {
    input: 'Explain our refund policy in one sentence.',
    candidates: [
      { output: 'Refunds within 30 days for damaged or wrong items.' },
      { output: 'You can get your money back sometimes.' },
      { output: 'Refunds up to $500 within 30 days; above that a person checks the order.' },
    ],
    external_id: 'demo-ranking-1',
  });

  // Quality control: new reviewers qualify on the settled gold, a tenth of everyone's work is
  // gold, and a reviewer below 60% on their last ten gold items recalibrates on the agreed ones.
  // The simulated team and the expert were vouched for; the reviewer key below starts qualifying.
  await saveDocument(ctx, who, project.id, 'policy', {
    ...POLICY,
    quality: {
      gold_share: 0.1,
      qualification: { items: settled, pass_accuracy: 0.66 },
      pause: { below_accuracy: 0.6, window: 10, min_judgments: 5 },
      recalibration: { items: passed.slice(0, 3).map((i) => i.id), pass_accuracy: 0.66 },
    },
  });
  for (const member of [...team.map((m) => m.actor), `key:${expert.id}`])
    await overrideStanding(ctx, who, project.id, member, { status: 'active', reason: 'demo: trusted before qualification was required' });

  const people: string[] = [];
  if (opts.people) {
    for (const person of DEMO_PEOPLE) {
      const frontline = person.role === 'reviewer' || person.role === 'expert';
      const user = await createUser(ctx, who, {
        email: person.email,
        password: DEMO_PASSWORD,
        role: person.role,
        name: person.name,
        project_id: frontline ? project.id : null,
      });
      // Vouched for, like the simulated team: the demo reviewer gets live work at once.
      if (frontline)
        await overrideStanding(ctx, who, project.id, actorOfUser(user.email), { status: 'active', reason: 'demo: trusted from the start' });
      people.push(`  ${person.role.padEnd(8)} ${person.email}`);
    }
  }

  const counts = { pass: 0, review: 0, hold: 0 };
  for (const r of results) counts[r.item.decision.action]++;
  const queues = await queueReport(ctx, who, project.id);
  const adjudications = queues.find((q) => q.queue === 'expert')?.pending ?? 0;
  return [
    `Demo project ${project.id} ("${project.name}")`,
    `  ${results.length} items${days > 0 ? ` over the last ${days} days` : ''}: ${counts.pass} passed, ${counts.review} routed to review, ${counts.hold} held for two reviewers`,
    `  ${judged} judgments by three simulated reviewers; ${adjudications} split decision(s) waiting for an expert`,
    `  guidelines version 2 (after calibration session ${session.id}), majority consensus, queue SLAs`,
    `  ${3 + settled.length} gold items; a qualification set, a 10% gold share, pause and recalibration rules`,
    `  a preference pair and a ranking waiting in the queue`,
    `  reviewer key: ${reviewer.key}   (new: qualifies on ${settled.length} gold items first)`,
    `  expert key:   ${expert.key}`,
    `  ingest key:   ${ingest.key}`,
    ...(people.length > 0 ? ['', `Sign in to the console at / with the password "${DEMO_PASSWORD}" as:`, ...people] : []),
    '',
    'Start the server (npm start) and try:',
    `  curl -s -X POST localhost:8080/v1/projects/${project.id}/tasks/claim -H "Authorization: Bearer ${reviewer.key}"`,
    `  curl -s -X POST localhost:8080/v1/projects/${project.id}/tasks/claim -H "Authorization: Bearer ${expert.key}"   # an adjudication`,
    `  curl -s localhost:8080/v1/projects/${project.id}/reviewers/me -H "Authorization: Bearer ${reviewer.key}"`,
    `  curl -s localhost:8080/v1/projects/${project.id}/stats/agreement -H "Authorization: Bearer <admin key>"`,
    `  curl -s localhost:8080/v1/projects/${project.id}/reviewers/standing -H "Authorization: Bearer <admin key>"`,
    '',
  ].join('\n');
}
