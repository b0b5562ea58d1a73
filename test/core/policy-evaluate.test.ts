import { describe, expect, it, vi } from 'vitest';
import { compilePolicy, evaluatePolicy, reviewProbability } from '../../src/core/policy/policy-evaluate.js';
import { validatePolicy } from '../../src/core/policy/policy-validate.js';
import { sampleDraw } from '../../src/core/policy/sampling.js';
import { RuleBudget } from '../../src/core/policy/rule-budget.js';
import { isTollgateError } from '../../src/core/errors.js';
import type { ItemFacts, PolicyDocument } from '../../src/core/types.js';
import { EXAMPLE_POLICY } from '../support/examples.js';

const EXAMPLE = validatePolicy(EXAMPLE_POLICY);
const doc = (rules: unknown[], extra: Record<string, unknown> = {}): PolicyDocument => validatePolicy({ rules, ...extra });

function facts(overrides: Partial<ItemFacts> = {}): ItemFacts {
  return {
    id: 'item-1',
    input: 'Where is my order?',
    output: 'It ships tomorrow.',
    model: 'gpt-x',
    model_version: null,
    confidence: 0.9,
    metadata: {},
    tags: [],
    external_id: null,
    ...overrides,
  };
}

/** The first ids (of the form `${prefix}-n`) that the example's audit sample does / does not pick. */
function idWhere(prefix: string, sampled: boolean): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (sampleDraw(id, 'audit-sample', '') < 0.02 === sampled) return id;
  }
}

describe('evaluatePolicy: the example policy', () => {
  const policy = compilePolicy(EXAMPLE, 3);

  it('sends a low-confidence item to review', () => {
    const decision = evaluatePolicy(policy, facts({ id: idWhere('low', false), confidence: 0.31 }));
    expect(decision).toEqual({
      action: 'review',
      priority: 60,
      policy_version: 3,
      required_reviews: 1,
      queue: 'default',
      review_probability: 1,
      hold: null,
      matched_rules: [
        {
          name: 'low-confidence',
          action: 'review',
          priority: 60,
          queue: 'default',
          overlap: 1,
          reason: 'confidence 0.31 lt 0.5',
          conditions: [{ path: 'confidence', operator: 'lt', expected: 0.5, actual: 0.31, result: true }],
          sampled: false,
        },
      ],
    });
  });

  it('holds a refund of 800 for two reviewers at priority 90', () => {
    const decision = evaluatePolicy(policy, facts({ id: idWhere('refund', false), metadata: { intent: 'refund', amount: 800 } }));
    expect(decision.action).toBe('hold');
    expect(decision.priority).toBe(90);
    expect(decision.required_reviews).toBe(2);
    expect(decision.queue).toBe('hold');
    expect(decision.matched_rules.map((m) => m.name)).toEqual(['large-refund']);
    expect(decision.matched_rules[0]?.reason).toBe('metadata.intent "refund" eq "refund" and metadata.amount 800 gt 500');
    expect(decision.matched_rules[0]?.conditions).toEqual([
      { path: 'metadata.intent', operator: 'eq', expected: 'refund', actual: 'refund', result: true },
      { path: 'metadata.amount', operator: 'gt', expected: 500, actual: 800, result: true },
    ]);
  });

  it('lets hold win over review when both match, listing both in document order', () => {
    const decision = evaluatePolicy(
      policy,
      facts({ id: idWhere('both', false), confidence: 0.2, metadata: { intent: 'refund', amount: 800 } }),
    );
    expect(decision.action).toBe('hold');
    expect(decision.priority).toBe(90);
    expect(decision.required_reviews).toBe(2);
    expect(decision.queue).toBe('hold');
    expect(decision.matched_rules.map((m) => [m.name, m.action])).toEqual([
      ['low-confidence', 'review'],
      ['large-refund', 'hold'],
    ]);
  });

  it('passes a confident refund of 100 that the audit sample skips', () => {
    const decision = evaluatePolicy(policy, facts({ id: idWhere('small', false), metadata: { intent: 'refund', amount: 100 } }));
    expect(decision).toEqual({
      action: 'pass',
      priority: 0,
      matched_rules: [],
      policy_version: 3,
      required_reviews: 0,
      queue: null,
      // Only the 2% audit sample could have sent it: its weight in production-wide estimates is 50.
      review_probability: 0.02,
      hold: null,
    });
  });

  it('reviews a confident refund of 100 that the audit sample picks', () => {
    const id = idWhere('small', true);
    const draw = sampleDraw(id, 'audit-sample', '');
    const decision = evaluatePolicy(policy, facts({ id, metadata: { intent: 'refund', amount: 100 } }));
    expect(decision.action).toBe('review');
    expect(decision.priority).toBe(10);
    expect(decision.required_reviews).toBe(1);
    expect(decision.queue).toBe('default');
    expect(decision.matched_rules).toEqual([
      {
        name: 'audit-sample',
        action: 'review',
        priority: 10,
        queue: 'default',
        overlap: 1,
        reason: `sampled at rate 0.02 (draw ${draw.toFixed(4)})`,
        conditions: [],
        sampled: true,
      },
    ]);
    expect(decision.matched_rules[0]?.reason).toMatch(/^sampled at rate 0\.02 \(draw 0\.0[01]\d\d\)$/);
  });

  it('samples about 2% of otherwise passing items', () => {
    let reviewed = 0;
    for (let i = 0; i < 10_000; i++) {
      if (evaluatePolicy(policy, facts({ id: `bulk-${i}` })).action === 'review') reviewed++;
    }
    expect(reviewed).toBeGreaterThan(150);
    expect(reviewed).toBeLessThan(250);
  });

  it('routes the same item the same way every time', () => {
    const item = facts({ id: 'stable', confidence: 0.4 });
    expect(evaluatePolicy(policy, item)).toEqual(evaluatePolicy(policy, item));
  });
});

describe('evaluatePolicy: combining matched rules', () => {
  const always = { confidence: { exists: true } };

  it('takes the queue of the highest-priority rule with the winning action, first on ties', () => {
    const policy = compilePolicy(
      doc([
        { name: 'a', when: always, action: 'review', priority: 40, queue: 'qa' },
        { name: 'b', when: always, action: 'review', priority: 70, queue: 'qb' },
        { name: 'c', when: always, action: 'review', priority: 70, queue: 'qc' },
        { name: 'd', when: always, action: 'pass', priority: 95 },
      ]),
      1,
    );
    const decision = evaluatePolicy(policy, facts());
    expect(decision.action).toBe('review');
    expect(decision.queue).toBe('qb');
    // The pass rule still counts towards priority: priority is over all matched rules.
    expect(decision.priority).toBe(95);
  });

  it('ignores the queues and overlap of rules whose action lost', () => {
    const policy = compilePolicy(
      doc([
        { name: 'r', when: always, action: 'review', priority: 100, queue: 'loud', overlap: 5 },
        { name: 'h', when: always, action: 'hold', priority: 20, queue: 'vault', overlap: 2 },
        { name: 'h2', when: always, action: 'hold', priority: 10, overlap: 3 },
      ]),
      1,
    );
    const decision = evaluatePolicy(policy, facts());
    expect(decision).toMatchObject({ action: 'hold', queue: 'vault', required_reviews: 3, priority: 100 });
  });

  it('passes with no queue and no reviews when only pass rules match', () => {
    const policy = compilePolicy(doc([{ name: 'trusted', when: always, action: 'pass', priority: 80 }]), 1);
    const decision = evaluatePolicy(policy, facts());
    expect(decision).toMatchObject({ action: 'pass', priority: 80, queue: null, required_reviews: 0 });
    expect(decision.matched_rules[0]).toMatchObject({ name: 'trusted', queue: '', overlap: 0, sampled: false });
  });

  it('uses default_action only when nothing matches', () => {
    const policy = compilePolicy(
      doc([{ name: 'trusted', when: { model: { eq: 'trusted' } }, action: 'pass' }], { default_action: 'review' }),
      1,
    );
    expect(evaluatePolicy(policy, facts())).toEqual({
      action: 'review',
      priority: 0,
      matched_rules: [],
      policy_version: 1,
      required_reviews: 1,
      queue: 'default',
      review_probability: 1,
      hold: null,
    });
    expect(evaluatePolicy(policy, facts({ model: 'trusted' })).action).toBe('pass');
    const hold = compilePolicy(doc([], { default_action: 'hold' }), 2);
    expect(evaluatePolicy(hold, facts())).toMatchObject({ action: 'hold', queue: 'hold', required_reviews: 1 });
  });

  it('requires both when and sample for a rule that has both', () => {
    const policy = compilePolicy(doc([{ name: 'spot', when: { confidence: { lt: 0.5 } }, sample: 1, action: 'review' }]), 1);
    expect(evaluatePolicy(policy, facts({ confidence: 0.9 })).action).toBe('pass');
    const decision = evaluatePolicy(policy, facts({ id: 'x', confidence: 0.1 }));
    expect(decision.matched_rules[0]?.sampled).toBe(true);
    expect(decision.matched_rules[0]?.reason).toBe(
      `confidence 0.1 lt 0.5 and sampled at rate 1 (draw ${sampleDraw('x', 'spot', '').toFixed(4)})`,
    );
    const never = compilePolicy(doc([{ name: 'spot', when: always, sample: 0, action: 'review' }]), 1);
    expect(evaluatePolicy(never, facts()).action).toBe('pass');
  });

  it('draws samples with the policy seed', () => {
    const withSeed = (seed: string): string[] => {
      const policy = compilePolicy(doc([{ name: 's', sample: 0.5, action: 'review' }], { seed }), 1);
      return Array.from({ length: 64 }, (_, i) => evaluatePolicy(policy, facts({ id: `i${i}` })).action);
    };
    expect(withSeed('one')).toEqual(withSeed('one'));
    expect(withSeed('one')).not.toEqual(withSeed('two'));
  });

  it('truncates long string values in stored traces', () => {
    const policy = compilePolicy(doc([{ name: 'long', when: { 'output.text': { contains: 'z' } }, action: 'review' }]), 1);
    const decision = evaluatePolicy(policy, facts({ output: `${'y'.repeat(10_000)}z` }));
    const actual = decision.matched_rules[0]?.conditions[0]?.actual;
    expect(actual).toBe(`${'y'.repeat(256)}…`);
  });
});

describe('reviewProbability', () => {
  const prob = (rules: unknown[], f: Partial<ItemFacts> = {}, extra: Record<string, unknown> = {}) =>
    reviewProbability(compilePolicy(doc(rules, extra), 1), facts(f));

  it('is 1 when a deterministic review or hold rule matches, whatever the samples', () => {
    expect(
      prob(
        [
          { name: 'low', when: { confidence: { lt: 0.5 } }, action: 'hold' },
          { name: 's', sample: 0.1, action: 'review' },
        ],
        { confidence: 0.2 },
      ),
    ).toBe(1);
  });

  it('is the sample rate when only a sampled rule can send the item', () => {
    expect(
      prob([
        { name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review' },
        { name: 's', sample: 0.1, action: 'review' },
      ]),
    ).toBe(0.1);
  });

  it('combines independent sampled rules as 1 − Π(1 − rate)', () => {
    const p = prob([
      { name: 'a', sample: 0.1, action: 'review' },
      { name: 'b', sample: 0.2, action: 'review' },
      { name: 'c', when: { model: { eq: 'other' } }, sample: 0.9, action: 'review' },
    ]);
    expect(p).toBeCloseTo(1 - 0.9 * 0.8, 12);
  });

  it('ignores pass rules under a pass default, and counts them against a review default', () => {
    const rules: unknown[] = [{ name: 'skip', sample: 0.25, action: 'pass' }];
    expect(prob(rules)).toBe(0);
    // Default review applies only when the 25% pass sample did not match.
    expect(prob(rules, {}, { default_action: 'review' })).toBeCloseTo(0.75, 12);
  });

  it('is 0 when nothing can send the item', () => {
    expect(prob([{ name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review' }])).toBe(0);
  });

  it('agrees with the share of items actually routed to people', () => {
    const policy = compilePolicy(
      doc([
        { name: 'a', sample: 0.3, action: 'review' },
        { name: 'b', when: { model: { eq: 'gpt-x' } }, sample: 0.2, action: 'hold' },
        { name: 'c', sample: 0.5, action: 'pass' },
      ]),
      1,
    );
    const n = 20_000;
    let routed = 0;
    for (let i = 0; i < n; i++) if (evaluatePolicy(policy, facts({ id: `p-${i}` })).action !== 'pass') routed++;
    const expected = 1 - 0.7 * 0.8;
    expect(evaluatePolicy(policy, facts()).review_probability).toBeCloseTo(expected, 12);
    // Binomial standard error at n = 20,000 is about 0.0035; 4 SE keeps the test stable.
    expect(Math.abs(routed / n - expected)).toBeLessThan(0.014);
  });
});

describe('compilePolicy', () => {
  it('fills defaults for documents that were not normalized', () => {
    const policy = compilePolicy({ rules: [{ name: 'h', when: { confidence: { lt: 1 } }, action: 'hold', priority: 5 }] }, 7);
    expect(policy.rules[0]).toMatchObject({ overlap: 1, queue: 'hold' });
    expect(policy).toMatchObject({ version: 7, seed: '', defaultAction: 'pass' });
  });

  it('refuses a document with an invalid condition', () => {
    try {
      compilePolicy({ rules: [{ name: 'x', when: { confidence: { lt: [] } }, action: 'review', priority: 1 }] }, 1);
      expect.unreachable();
    } catch (err) {
      expect(isTollgateError(err) && err.code).toBe('TG_INVALID_POLICY');
    }
  });
});

describe('evaluatePolicy: cost', () => {
  const rules = [
    { name: 'c1', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    { name: 'c2', when: { 'metadata.amount': { gt: 500 }, 'metadata.intent': { eq: 'refund' } }, action: 'hold' },
    { name: 'c3', when: { tags: { in: ['legal', 'medical'] } }, action: 'review' },
    { name: 'c4', when: { 'input.text': { matches: { pattern: 'lawsuit|attorney', flags: 'i' } } }, action: 'hold' },
    { name: 'c5', when: { model: { ne: 'gpt-x' } }, action: 'review' },
    { name: 'c6', when: { not: { 'metadata.customer.tier': { in: ['gold', 'silver'] } } }, action: 'review' },
    { name: 'c7', when: { any: [{ external_id: { exists: false } }, { 'metadata.flag': { eq: true } }] }, action: 'review' },
    { name: 'c8', when: { 'input.length': { gt: 10_000 } }, action: 'review' },
    { name: 'c9', when: { 'output.tool_calls.0.function.name': { eq: 'refund' } }, action: 'hold' },
    { name: 'c10', sample: 0.01, action: 'review', priority: 5 },
  ];
  const policy = compilePolicy(validatePolicy({ rules }), 1);
  const big = { role: 'assistant', content: null, tool_calls: [{ function: { name: 'lookup', arguments: 'x'.repeat(100_000) } }] };
  const item = facts({ output: big, metadata: { customer: { tier: 'gold' } }, external_id: 'e1' });

  it('never serializes the output when no rule reads output.text', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      evaluatePolicy(policy, item);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
  });

  it('evaluates a 10-rule policy in microseconds', () => {
    for (let i = 0; i < 2000; i++) evaluatePolicy(policy, { ...item, id: `warm-${i}` });
    const runs = 20_000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) evaluatePolicy(policy, { ...item, id: `run-${i}` });
    const microsPerItem = ((performance.now() - started) * 1000) / runs;
    // Typically a few microseconds; the bound is loose so a busy CI machine does not flake.
    expect(microsPerItem).toBeLessThan(100);
  });
});

describe('evaluatePolicy: review budgets', () => {
  const policy = compilePolicy(
    doc([
      { name: 'capped', when: { confidence: { lt: 0.9 } }, action: 'review', priority: 30, max_per_hour: 2 },
      { name: 'audit', sample: 0.5, action: 'review', priority: 10 },
      { name: 'holds', when: { 'metadata.hold': { eq: true } }, action: 'hold', priority: 90 },
    ]),
    1,
  );

  it('spends the budget only on items the capped rule routed, and counts what it added', () => {
    const budget = new RuleBudget(policy.budgets, new Map());
    // A hold wins over the capped rule's review: its budget is not spent.
    expect(evaluatePolicy(policy, facts({ confidence: 0.5, metadata: { hold: true } }), budget).action).toBe('hold');
    expect(budget.added.get('capped')).toBeUndefined();
    expect(evaluatePolicy(policy, facts({ id: 'a', confidence: 0.5 }), budget).action).toBe('review');
    expect(evaluatePolicy(policy, facts({ id: 'b', confidence: 0.5 }), budget).action).toBe('review');
    expect(budget.added.get('capped')).toBe(2);
    expect(budget.allows('capped')).toBe(false);
  });

  it('over budget, the rule acts as a pass rule: sampling alone decides, and the probability says so', () => {
    const spent = new RuleBudget(policy.budgets, new Map([['capped', { hour: 2, day: 2 }]]));
    const id = idWhere('budget', false);
    const d = evaluatePolicy(policy, facts({ id, confidence: 0.5 }), spent);
    expect(d.action).toBe('pass');
    expect(d.matched_rules[0]).toMatchObject({ name: 'capped', over_budget: true });
    // Only the 50% audit sample could still route it.
    expect(d.review_probability).toBe(0.5);
    const fresh = evaluatePolicy(policy, facts({ id, confidence: 0.5 }), new RuleBudget(policy.budgets, new Map()));
    expect(fresh.review_probability).toBe(1);
  });

  it('ignores budgets when none is given (the backtest replays demand)', () => {
    expect(evaluatePolicy(policy, facts({ confidence: 0.5 })).action).toBe('review');
  });
});
