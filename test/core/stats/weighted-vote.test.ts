import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LabelJudgment, majorityVote } from '../../../src/core/stats/aggregation/majority-vote.js';
import { logOddsWeight, smoothedAccuracy, weightedVote } from '../../../src/core/stats/aggregation/weighted-vote.js';

const j = (item: string, reviewer: string, label: LabelJudgment['label']): LabelJudgment => ({ item, reviewer, label });

const judgmentsArb = fc.array(
  fc.record({
    item: fc.constantFrom('i1', 'i2', 'i3'),
    reviewer: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
    label: fc.constantFrom('a', 'b', 'c'),
  }),
  { minLength: 1, maxLength: 30 },
);

describe('logOddsWeight and smoothedAccuracy', () => {
  it('is log(a/(1 − a)) for two categories, 0 at chance, negative below it (hand-computed)', () => {
    expect(logOddsWeight(0.8, 2)).toBeCloseTo(Math.log(4), 14);
    expect(logOddsWeight(0.5, 2)).toBeCloseTo(0, 14);
    expect(logOddsWeight(1 / 3, 3)).toBeCloseTo(0, 14);
    // K = 4, a = 0.5: log(0.5 · 3 / 0.5) = log 3.
    expect(logOddsWeight(0.5, 4)).toBeCloseTo(Math.log(3), 14);
    expect(logOddsWeight(0.1, 2)).toBeLessThan(0);
  });

  it('smooths toward chance so weights stay finite: (correct + 1)/(total + K)', () => {
    expect(smoothedAccuracy(0, 0, 3)).toBeCloseTo(1 / 3, 15);
    expect(smoothedAccuracy(9, 9, 2)).toBeCloseTo(10 / 11, 15);
    expect(Number.isFinite(logOddsWeight(smoothedAccuracy(1000, 1000, 2), 2))).toBe(true);
  });
});

describe('weightedVote', () => {
  it('lets a heavily weighted reviewer outvote two light ones (supplied weights, hand-computed)', () => {
    const input = [j('x', 'r1', 'a'), j('x', 'r2', 'b'), j('x', 'r3', 'b')];
    const { items, source } = weightedVote(input, { weights: { r1: 3, r2: 1, r3: 1 } });
    expect(source).toBe('supplied');
    expect(items[0]).toMatchObject({ label: 'a', labels: ['a'], tied: [], total: 3, share: 1 / 3 });
    expect(items[0]?.scores).toEqual([
      { label: 'a', score: 3 },
      { label: 'b', score: 2 },
    ]);
    expect(majorityVote(input)[0]?.label).toBe('b');
  });

  it('derives log-odds weights from accuracy records (hand-computed)', () => {
    // K = 2. r1: 9/9 → (9 + 1)/(9 + 2) = 10/11 → log 10. r2, r3: 3/4 → 4/6 → log 2 each.
    // Item x: a scores log 10 ≈ 2.303, b scores 2 log 2 ≈ 1.386, so a wins.
    const result = weightedVote([j('x', 'r1', 'a'), j('x', 'r2', 'b'), j('x', 'r3', 'b')], {
      accuracy: [
        { reviewer: 'r1', correct: 9, total: 9 },
        { reviewer: 'r2', correct: 3, total: 4 },
        { reviewer: 'r3', correct: 3, total: 4 },
      ],
    });
    expect(result.source).toBe('accuracy');
    expect(result.weights[0]?.weight).toBeCloseTo(Math.log(10), 14);
    expect(result.weights[1]?.weight).toBeCloseTo(Math.log(2), 14);
    expect(result.items[0]?.label).toBe('a');
    expect(result.items[0]?.scores[1]?.score).toBeCloseTo(Math.log(4), 14);
  });

  it('gives a reviewer without a record weight 0, and votes against a worse-than-chance reviewer', () => {
    const result = weightedVote([j('x', 'bad', 'a'), j('y', 'new', 'a')], {
      categories: ['a', 'b'],
      accuracy: [{ reviewer: 'bad', correct: 0, total: 8 }],
      ties: 'none',
    });
    // bad: (0 + 1)/(8 + 2) = 0.1 → log(0.1/0.9) < 0, so on x the label nobody chose wins.
    expect(result.weights.find((w) => w.reviewer === 'bad')?.weight).toBeCloseTo(Math.log(1 / 9), 14);
    expect(result.items[0]).toMatchObject({ item: 'x', label: 'b', share: 0 });
    // new: no record → weight 0 → every category ties at 0.
    expect(result.weights.find((w) => w.reviewer === 'new')?.weight).toBe(0);
    expect(result.items[1]).toMatchObject({ item: 'y', label: null, tied: ['a', 'b'], share: null });
  });

  it('uses agreement with the other reviewers when no weights or accuracy are given (hand-computed)', () => {
    // Agreement: r1 and r2 each 1 of 1 compared (ties on i1, i3 skipped); r3 1 of 3.
    // K = 2: r1, r2 → (1 + 1)/(1 + 2) = 2/3 → log 2; r3 → (1 + 1)/(3 + 2) = 0.4 → log(2/3).
    const result = weightedVote([
      j('i1', 'r1', 'a'),
      j('i1', 'r2', 'a'),
      j('i1', 'r3', 'b'),
      j('i2', 'r1', 'b'),
      j('i2', 'r2', 'b'),
      j('i2', 'r3', 'b'),
      j('i3', 'r1', 'a'),
      j('i3', 'r2', 'a'),
      j('i3', 'r3', 'b'),
    ]);
    expect(result.source).toBe('peer-agreement');
    expect(result.weights.map((w) => w.weight)).toEqual([
      expect.closeTo(Math.log(2), 14),
      expect.closeTo(Math.log(2), 14),
      expect.closeTo(Math.log(2 / 3), 14),
    ]);
    expect(result.items.map((i) => i.label)).toEqual(['a', 'b', 'a']);
  });

  it('treats scores equal up to rounding as tied', () => {
    const input = [j('x', 'r1', 'a'), j('x', 'r2', 'a'), j('x', 'r3', 'b')];
    const result = weightedVote(input, { weights: { r1: 0.1, r2: 0.2, r3: 0.3 }, ties: 'lowest' });
    expect(result.items[0]).toMatchObject({ label: 'a', tied: ['a', 'b'], share: 2 / 3 });
  });

  it('equals the majority vote when every reviewer has the same positive weight (property)', () => {
    fc.assert(
      fc.property(judgmentsArb, fc.double({ min: 0.01, max: 100, noNaN: true }), (js, w) => {
        const weights = { r1: w, r2: w, r3: w, r4: w };
        const cats = ['a', 'b', 'c'];
        const weighted = weightedVote(js, { weights, ties: 'all', categories: cats }).items;
        const plain = majorityVote(js, { ties: 'all', categories: cats });
        expect(weighted.map((i) => [i.item, i.label, i.labels])).toEqual(plain.map((i) => [i.item, i.label, i.labels]));
      }),
    );
  });

  it('is invariant to input order (property)', () => {
    fc.assert(
      fc.property(
        judgmentsArb.chain((js) => fc.tuple(fc.constant(js), fc.shuffledSubarray(js, { minLength: js.length, maxLength: js.length }))),
        ([a, b]) => {
          expect(weightedVote(b, { categories: ['a', 'b', 'c'] })).toEqual(weightedVote(a, { categories: ['a', 'b', 'c'] }));
        },
      ),
    );
  });

  it('a single label only: default weights are undefined unless the category set is supplied', () => {
    const input = [j('x', 'r1', 'ok'), j('x', 'r2', 'ok')];
    expect(() => weightedVote(input)).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
    expect(weightedVote(input, { categories: ['ok', 'not ok'] }).items[0]?.label).toBe('ok');
    expect(weightedVote(input, { weights: { r1: 1, r2: 1 } }).items[0]?.label).toBe('ok');
  });

  it('throws typed errors for no judgments and malformed weights', () => {
    expect(() => weightedVote([])).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
    const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
    expect(() => weightedVote([j('x', 'r1', 'a')], { weights: {} })).toThrow(invalid);
    expect(() => weightedVote([j('x', 'r1', 'a')], { weights: { r1: Number.NaN } })).toThrow(invalid);
    expect(() => weightedVote([j('x', 'r1', 'a'), j('x', 'r2', 'b')], { accuracy: [{ reviewer: 'r1', correct: 5, total: 4 }] })).toThrow(
      invalid,
    );
  });
});
