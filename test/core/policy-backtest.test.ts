import { describe, expect, it } from 'vitest';
import {
  BACKTEST_CAVEATS,
  MAX_MISSED_EXAMPLES,
  backtestPolicy,
  createBacktest,
  type BacktestItem,
} from '../../src/core/policy/backtest.js';
import { compilePolicy, evaluatePolicy } from '../../src/core/policy/policy-evaluate.js';
import { validatePolicy } from '../../src/core/policy/policy-validate.js';
import { isTollgateError } from '../../src/core/errors.js';
import { wilsonInterval } from '../../src/core/stats/reviewer/wilson-interval.js';
import type { RoutingAction } from '../../src/core/types.js';

const compile = (rules: unknown[], extra: Record<string, unknown> = {}) => compilePolicy(validatePolicy({ rules, ...extra }), 7);

/** 2024-03-01T00:00:00Z. */
const T0 = Date.UTC(2024, 2, 1);
const HOUR = 3_600_000;

/** Review on low confidence or a flag, hold large refunds, pass anything tagged trusted. */
const CANDIDATE = compile([
  { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
  { name: 'flagged', when: { tags: { contains: 'flagged' } }, action: 'review', priority: 60, overlap: 2 },
  {
    name: 'large-refund',
    when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
    action: 'hold',
    priority: 90,
    overlap: 2,
  },
  { name: 'trusted', when: { tags: { contains: 'trusted' } }, action: 'pass', priority: 80 },
]);

interface Stored {
  action: RoutingAction;
  reviews?: number;
  rules?: string[];
}

function item(id: string, createdAt: number, stored: Stored, overrides: Partial<BacktestItem> = {}): BacktestItem {
  return {
    id,
    input: 'Where is my order?',
    output: 'It ships tomorrow.',
    model: 'gpt-x',
    model_version: null,
    confidence: 0.9,
    metadata: {},
    tags: [],
    external_id: null,
    created_at: createdAt,
    decision: {
      action: stored.action,
      required_reviews: stored.reviews ?? (stored.action === 'pass' ? 0 : 1),
      matched_rules: (stored.rules ?? []).map((name) => ({ name })),
    },
    outcome_status: 'pending',
    ...overrides,
  };
}

/**
 * Seven items around the UTC midnight of 2024-03-01, each with what the candidate does to it:
 * a  review (low-confidence alone)                stored review, rejected
 * b  review (low-confidence + flagged, 2 tasks)   stored pass,   corrected (found outside review)
 * c  hold (large-refund beats trusted)            stored hold,   approved
 * d  pass (trusted)                               stored review, rejected  -> missed by the candidate
 * e  pass (no rule)                               stored pass,   pending
 * f  review (low-confidence alone)                stored review, approved
 * g  hold (large-refund alone)                    stored review, timed_out
 */
const ITEMS: BacktestItem[] = [
  item('a', T0 - HOUR, { action: 'review', rules: ['low-confidence'] }, { confidence: 0.3, outcome_status: 'rejected' }),
  item('b', T0 - HOUR / 2, { action: 'pass' }, { confidence: 0.3, tags: ['flagged'], outcome_status: 'corrected' }),
  item(
    'c',
    T0 + HOUR,
    { action: 'hold', reviews: 2, rules: ['large-refund'] },
    { metadata: { intent: 'refund', amount: 800 }, tags: ['trusted'], outcome_status: 'approved' },
  ),
  item('d', T0 + 2 * HOUR, { action: 'review', rules: ['old-rule'] }, { tags: ['trusted'], outcome_status: 'rejected' }),
  item('e', T0 + 23 * HOUR, { action: 'pass' }, { confidence: 0.95 }),
  item('f', T0 + 25 * HOUR, { action: 'review', rules: ['low-confidence'] }, { confidence: 0.2, outcome_status: 'approved' }),
  item(
    'g',
    T0 + 25 * HOUR + 1,
    { action: 'review', rules: ['old-rule'] },
    { metadata: { intent: 'refund', amount: 900 }, outcome_status: 'timed_out' },
  ),
];

describe('backtestPolicy: hand-built items', () => {
  const report = backtestPolicy(CANDIDATE, ITEMS);

  it('counts items and the time range', () => {
    expect(report.items).toBe(7);
    expect(report.from).toBe(T0 - HOUR);
    expect(report.to).toBe(T0 + 25 * HOUR + 1);
    expect(report.timeZoneOffsetMinutes).toBe(0);
  });

  it('totals the routing of both policies', () => {
    expect(report.overall).toEqual({
      candidate: { routed: 5, held: 2, reviewTasks: 8, share: 5 / 7, unmatched: 1, expectedRouted: 5 },
      current: { routed: 5, held: 1, reviewTasks: 6, share: 5 / 7, unmatched: 2 },
    });
  });

  it('reports each candidate rule in document order, with ties going to the first rule', () => {
    expect(report.perRule).toEqual([
      // b matched both review rules at priority 60: low-confidence leads, neither routed it alone.
      { name: 'low-confidence', action: 'review', priority: 60, matched: 3, decisive: 3, onlyRule: 2 },
      { name: 'flagged', action: 'review', priority: 60, matched: 1, decisive: 0, onlyRule: 0 },
      { name: 'large-refund', action: 'hold', priority: 90, matched: 2, decisive: 2, onlyRule: 2 },
      // Decisive on d only: on c it matched too, but hold beat it despite its lower priority.
      { name: 'trusted', action: 'pass', priority: 80, matched: 2, decisive: 1, onlyRule: 0 },
    ]);
  });

  it('buckets by UTC day across midnight', () => {
    expect(report.perDay).toEqual([
      { day: '2024-02-29', items: 2, candidateRouted: 2, currentRouted: 1, candidateTasks: 3, currentTasks: 1 },
      { day: '2024-03-01', items: 3, candidateRouted: 1, currentRouted: 2, candidateTasks: 2, currentTasks: 3 },
      { day: '2024-03-02', items: 2, candidateRouted: 2, currentRouted: 2, candidateTasks: 3, currentTasks: 2 },
    ]);
  });

  it('measures recall of known failures with Wilson intervals', () => {
    expect(report.knownFailures).toEqual({
      total: 3,
      candidateCaught: 2,
      currentCaught: 2,
      candidateOnly: 1,
      currentOnly: 1,
      candidateExpectedCaught: 2,
      candidateRecall: { rate: 2 / 3, interval: wilsonInterval(2, 3) },
      currentRecall: { rate: 2 / 3, interval: wilsonInterval(2, 3) },
      missedByCandidate: ['d'],
    });
  });

  it('counts judged items as outcomes on items the stored decision routed', () => {
    // a, c, d, f; b has an outcome but was never routed.
    expect(report.judged).toEqual({ total: 4, candidateRouted: 3 });
  });

  it('reports the non-zero cells of the stored × candidate action matrix', () => {
    expect(report.changes).toEqual([
      { from: 'pass', to: 'pass', count: 1 },
      { from: 'pass', to: 'review', count: 1 },
      { from: 'review', to: 'pass', count: 1 },
      { from: 'review', to: 'review', count: 2 },
      { from: 'review', to: 'hold', count: 1 },
      { from: 'hold', to: 'hold', count: 1 },
    ]);
  });

  it('states the caveats, selection bias first', () => {
    expect(report.caveats).toEqual([...BACKTEST_CAVEATS]);
    expect(report.caveats[0]).toMatch(/favours the current policy/);
  });

  it('gives the same report when fed item by item', () => {
    const backtest = createBacktest(CANDIDATE);
    for (const entry of ITEMS) backtest.add(entry);
    expect(backtest.report()).toEqual(report);
  });
});

describe('backtestPolicy: per-day buckets with a time-zone offset', () => {
  const counts = (r: ReturnType<typeof backtestPolicy>) => r.perDay.map(({ day: _day, ...rest }) => rest);
  const shifted = [
    { items: 4, candidateRouted: 3, currentRouted: 3, candidateTasks: 5, currentTasks: 4 },
    { items: 3, candidateRouted: 2, currentRouted: 2, candidateTasks: 3, currentTasks: 2 },
  ];

  it('moves the late-evening items into the next day east of UTC', () => {
    const report = backtestPolicy(CANDIDATE, ITEMS, { timeZoneOffsetMinutes: 120 });
    expect(report.timeZoneOffsetMinutes).toBe(120);
    expect(report.perDay.map((d) => d.day)).toEqual(['2024-03-01', '2024-03-02']);
    expect(counts(report)).toEqual(shifted);
  });

  it('moves the early-morning items into the previous day west of UTC', () => {
    const report = backtestPolicy(CANDIDATE, ITEMS, { timeZoneOffsetMinutes: -300 });
    expect(report.perDay.map((d) => d.day)).toEqual(['2024-02-29', '2024-03-01']);
    expect(counts(report)).toEqual(shifted);
  });

  it('leaves from/to as raw epoch times', () => {
    const report = backtestPolicy(CANDIDATE, ITEMS, { timeZoneOffsetMinutes: 120 });
    expect([report.from, report.to]).toEqual([T0 - HOUR, T0 + 25 * HOUR + 1]);
  });

  it('refuses an offset that is not a whole number of minutes within a day', () => {
    for (const offset of [1.5, 1441, -1441, Number.NaN]) {
      expect(() => createBacktest(CANDIDATE, { timeZoneOffsetMinutes: offset })).toThrow(
        expect.objectContaining({ code: 'TG_VALIDATION_FAILED' }),
      );
    }
  });
});

describe('backtestPolicy: sampled rules', () => {
  const sampled = compile(
    [
      { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
      { name: 'audit-sample', sample: 0.1, action: 'review', priority: 10, overlap: 3 },
      { name: 'hold-sample', when: { model: { eq: 'gpt-y' } }, sample: 0.3, action: 'hold', priority: 20 },
    ],
    { seed: 'backtest' },
  );
  const items = Array.from({ length: 600 }, (_, i) =>
    item(`s-${i}`, T0 + i * 1000, { action: 'pass' }, { confidence: i % 4 === 0 ? 0.3 : 0.8, model: i % 3 === 0 ? 'gpt-y' : 'gpt-x' }),
  );

  it('counts exactly what evaluatePolicy decides item by item', () => {
    const report = backtestPolicy(sampled, items);
    const decisions = items.map((entry) => evaluatePolicy(sampled, entry));
    const routed = decisions.filter((d) => d.action !== 'pass');
    expect(report.overall.candidate.routed).toBe(routed.length);
    expect(report.overall.candidate.held).toBe(decisions.filter((d) => d.action === 'hold').length);
    expect(report.overall.candidate.reviewTasks).toBe(routed.reduce((sum, d) => sum + d.required_reviews, 0));
    expect(report.overall.candidate.unmatched).toBe(decisions.filter((d) => d.matched_rules.length === 0).length);
    expect(report.overall.candidate.expectedRouted).toBeCloseTo(
      decisions.reduce((sum, d) => sum + (d.review_probability ?? 0), 0),
      9,
    );
    for (const rule of report.perRule) {
      expect(rule.matched).toBe(decisions.filter((d) => d.matched_rules.some((m) => m.name === rule.name)).length);
    }
    // The draws are real: some but not all of the sampled rule's candidates are drawn.
    const audit = report.perRule.find((r) => r.name === 'audit-sample');
    expect(audit?.matched).toBeGreaterThan(0);
    expect(audit?.matched).toBeLessThan(items.length);
  });

  it('is deterministic: the same items give the same report', () => {
    expect(backtestPolicy(sampled, items)).toEqual(backtestPolicy(sampled, items));
  });
});

describe('backtestPolicy: no items', () => {
  it('reports zeros, and null rather than NaN for rates', () => {
    const report = backtestPolicy(CANDIDATE, []);
    expect(report).toEqual({
      items: 0,
      from: null,
      to: null,
      timeZoneOffsetMinutes: 0,
      overall: {
        candidate: { routed: 0, held: 0, reviewTasks: 0, share: null, unmatched: 0, expectedRouted: 0 },
        current: { routed: 0, held: 0, reviewTasks: 0, share: null, unmatched: 0 },
      },
      perRule: [
        { name: 'low-confidence', action: 'review', priority: 60, matched: 0, decisive: 0, onlyRule: 0 },
        { name: 'flagged', action: 'review', priority: 60, matched: 0, decisive: 0, onlyRule: 0 },
        { name: 'large-refund', action: 'hold', priority: 90, matched: 0, decisive: 0, onlyRule: 0 },
        { name: 'trusted', action: 'pass', priority: 80, matched: 0, decisive: 0, onlyRule: 0 },
      ],
      perDay: [],
      knownFailures: {
        total: 0,
        candidateCaught: 0,
        currentCaught: 0,
        candidateOnly: 0,
        currentOnly: 0,
        candidateExpectedCaught: 0,
        candidateRecall: null,
        currentRecall: null,
        missedByCandidate: [],
      },
      judged: { total: 0, candidateRouted: 0 },
      changes: [],
      caveats: [...BACKTEST_CAVEATS],
    });
  });
});

describe('createBacktest: incremental use', () => {
  const lowConfidence = compile([{ name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 }]);

  function* generate(count: number): Generator<BacktestItem> {
    for (let i = 0; i < count; i++) {
      yield item(
        `g-${i}`,
        T0 + i * 60_000,
        { action: 'pass' },
        { confidence: i % 2 === 1 ? 0.3 : 0.9, outcome_status: i % 5 === 0 ? 'rejected' : 'pending' },
      );
    }
  }

  it('reports on 10,000 streamed items without needing them afterwards', () => {
    const report = backtestPolicy(lowConfidence, generate(10_000));
    expect(report.items).toBe(10_000);
    expect(report.overall.candidate).toMatchObject({ routed: 5000, reviewTasks: 5000, share: 0.5 });
    expect(report.overall.current).toMatchObject({ routed: 0, share: 0 });
    // 10,000 minutes from midnight span 7 days.
    expect(report.perDay).toHaveLength(7);
    expect(report.perDay[0]).toEqual({
      day: '2024-03-01',
      items: 1440,
      candidateRouted: 720,
      currentRouted: 0,
      candidateTasks: 720,
      currentTasks: 0,
    });
    expect(report.perDay.reduce((sum, d) => sum + d.items, 0)).toBe(10_000);
    expect(report.changes).toEqual([
      { from: 'pass', to: 'pass', count: 5000 },
      { from: 'pass', to: 'review', count: 5000 },
    ]);
    // Every fifth item failed; the odd ones among them (i % 10 = 5) are low-confidence and caught.
    expect(report.knownFailures).toMatchObject({ total: 2000, candidateCaught: 1000, currentCaught: 0, candidateOnly: 1000 });
    expect(report.knownFailures.candidateRecall).toEqual({ rate: 0.5, interval: wilsonInterval(1000, 2000) });
    expect(report.knownFailures.currentRecall).toEqual({ rate: 0, interval: wilsonInterval(0, 2000) });
    expect(report.knownFailures.missedByCandidate).toHaveLength(MAX_MISSED_EXAMPLES);
    expect(report.knownFailures.missedByCandidate).toEqual(Array.from({ length: MAX_MISSED_EXAMPLES }, (_, k) => `g-${k * 10}`));
  });

  it('keeps no reference to added items', () => {
    const backtest = createBacktest(lowConfidence);
    const added = item('m', T0, { action: 'pass' }, { confidence: 0.3, outcome_status: 'rejected' });
    backtest.add(added);
    const before = backtest.report();
    added.confidence = 0.9;
    added.created_at = T0 + 10 * 24 * HOUR;
    added.outcome_status = 'approved';
    expect(backtest.report()).toEqual(before);
  });

  it('keeps counting after a report, and reports are independent copies', () => {
    const backtest = createBacktest(CANDIDATE);
    backtest.add(ITEMS[0] as BacktestItem);
    const first = backtest.report();
    first.knownFailures.missedByCandidate.push('tampered');
    first.caveats.length = 0;
    for (const entry of ITEMS.slice(1)) backtest.add(entry);
    expect(backtest.report()).toEqual(backtestPolicy(CANDIDATE, ITEMS));
    expect(first.items).toBe(1);
  });

  it('refuses an item without a usable created_at or stored action', () => {
    const backtest = createBacktest(lowConfidence);
    const catchError = (fn: () => void): unknown => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const noTime = catchError(() => backtest.add(item('x', Number.NaN, { action: 'pass' })));
    expect(isTollgateError(noTime) && noTime.code).toBe('TG_VALIDATION_FAILED');
    const badAction = catchError(() => backtest.add(item('y', T0, { action: 'skip' as RoutingAction })));
    expect(isTollgateError(badAction) && badAction.code).toBe('TG_VALIDATION_FAILED');
    expect(backtest.report().items).toBe(0);
  });
});
