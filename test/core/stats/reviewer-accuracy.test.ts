import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reviewerAccuracy, reviewerAgreement, type ReviewerJudgment } from '../../../src/core/stats/reviewer/reviewer-accuracy.js';

const j = (reviewer: string, item: string, value: ReviewerJudgment['value']): ReviewerJudgment => ({ reviewer, item, value });

describe('reviewerAccuracy', () => {
  it('scores each reviewer against gold and ignores items without gold (hand-computed)', () => {
    const gold = { i1: 'a', i2: 'b', i3: 'a', i4: 1 };
    const result = reviewerAccuracy(
      [
        j('r1', 'i1', 'a'),
        j('r1', 'i2', 'b'),
        j('r1', 'i3', 'b'),
        j('r1', 'i4', 1),
        j('r1', 'i9', 'a'),
        j('r2', 'i4', '1'),
        j('r3', 'i9', 'a'),
      ],
      gold,
    );
    expect(result.ignored).toBe(2);
    expect(result.reviewers.map((r) => [r.reviewer, r.correct, r.total, r.ignored, r.accuracy])).toEqual([
      ['r1', 3, 4, 1, 0.75],
      // '1' is not the gold answer 1: values compare by type and value.
      ['r2', 0, 1, 0, 0],
      ['r3', 0, 0, 1, null],
    ]);
    expect(result.reviewers[2]?.interval).toBeNull();
    expect(result.reviewers[0]?.interval?.level).toBe(0.95);
  });

  it('gives the Wilson interval of Newcombe (1998) Table I for 15 correct of 148', () => {
    // Newcombe RG (1998), Statistics in Medicine 17:857-872, Table I, method 3: 15/148 → 0.0624 to 0.1605.
    const judgments = Array.from({ length: 148 }, (_, i) => j('r', `i${i}`, i < 15 ? 'yes' : 'no'));
    const gold = new Map(judgments.map((x) => [x.item, 'yes' as const]));
    const [r] = reviewerAccuracy(judgments, gold).reviewers;
    expect(r?.correct).toBe(15);
    expect(r?.interval?.low).toBeCloseTo(0.0624, 4);
    expect(r?.interval?.high).toBeCloseTo(0.1605, 4);
  });

  it('does not read inherited properties of a plain gold object', () => {
    const result = reviewerAccuracy([j('r1', 'toString', 'a'), j('r1', 'i1', 'a')], { i1: 'a' });
    expect(result.ignored).toBe(1);
    expect(result.reviewers[0]).toMatchObject({ correct: 1, total: 1 });
  });

  it('throws TG_STATS_UNDEFINED with no judgments or no gold overlap', () => {
    const undef = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
    expect(() => reviewerAccuracy([], {})).toThrow(undef);
    expect(() => reviewerAccuracy([j('r1', 'i1', 'a')], { i2: 'a' })).toThrow(undef);
  });

  it('throws TG_STATS_INVALID_INPUT for malformed values or level', () => {
    const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
    expect(() => reviewerAccuracy([j('r1', 'i1', Number.POSITIVE_INFINITY)], { i1: 1 })).toThrow(invalid);
    expect(() => reviewerAccuracy([j('r1', 'i1', 'a')], { i1: 'a' }, { level: 95 })).toThrow(invalid);
  });
});

describe('reviewerAgreement', () => {
  it('compares each reviewer with the majority of the others, skipping ties and lone judgments (hand-computed)', () => {
    const result = reviewerAgreement([
      // i1: r1 and r2 each see the others tied (a vs b); r3 sees consensus a and disagrees.
      j('r1', 'i1', 'a'),
      j('r2', 'i1', 'a'),
      j('r3', 'i1', 'b'),
      // i2: unanimous, everyone agrees with the others.
      j('r1', 'i2', 'a'),
      j('r2', 'i2', 'a'),
      j('r3', 'i2', 'a'),
      // i3: nobody else judged it.
      j('r1', 'i3', 'b'),
      // i4: r1 judged twice (a, a), r2 once (b): each of r1's judgments meets consensus b, r2's meets a.
      j('r1', 'i4', 'a'),
      j('r1', 'i4', 'a'),
      j('r2', 'i4', 'b'),
    ]);
    expect(result.map((r) => [r.reviewer, r.agreed, r.compared, r.skippedTies, r.skippedAlone])).toEqual([
      ['r1', 1, 3, 1, 1],
      ['r2', 1, 2, 1, 0],
      ['r3', 1, 2, 0, 0],
    ]);
    expect(result[0]?.rate).toBeCloseTo(1 / 3, 15);
    expect(result[0]?.interval?.low).toBeGreaterThan(0);
  });

  it('reports null rate and interval when nothing could be compared', () => {
    const [r] = reviewerAgreement([j('r1', 'i1', 'a')]);
    expect(r).toEqual({ reviewer: 'r1', agreed: 0, compared: 0, rate: null, interval: null, skippedTies: 0, skippedAlone: 1 });
  });

  it('accounts for every judgment and is invariant to input order (property)', () => {
    const arb = fc.array(
      fc.record({
        reviewer: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
        item: fc.constantFrom('i1', 'i2', 'i3'),
        value: fc.constantFrom('a', 'b', 'c'),
      }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(
        arb.chain((js) => fc.tuple(fc.constant(js), fc.shuffledSubarray(js, { minLength: js.length, maxLength: js.length }))),
        ([a, b]) => {
          const ra = reviewerAgreement(a);
          expect(reviewerAgreement(b)).toEqual(ra);
          const accounted = ra.reduce((s, r) => s + r.compared + r.skippedTies + r.skippedAlone, 0);
          expect(accounted).toBe(a.length);
          for (const r of ra) expect(r.agreed).toBeLessThanOrEqual(r.compared);
        },
      ),
    );
  });

  it('throws TG_STATS_UNDEFINED with no judgments', () => {
    expect(() => reviewerAgreement([])).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
  });
});
