import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../src/core/stats/reviewer/wilson-interval.js';

// Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
// methods", Statistics in Medicine 17:857-872, Table I: 95% limits for four (r, n), printed to four
// decimals. Method 3 = Wilson score without continuity correction, method 4 = with it.
const NEWCOMBE_TABLE_I: ReadonlyArray<{ r: number; n: number; m3: [number, number]; m4: [number, number] }> = [
  { r: 81, n: 263, m3: [0.2553, 0.3662], m4: [0.2535, 0.3682] },
  { r: 15, n: 148, m3: [0.0624, 0.1605], m4: [0.0598, 0.1644] },
  { r: 0, n: 20, m3: [0, 0.1611], m4: [0, 0.2005] },
  { r: 1, n: 29, m3: [0.0061, 0.1718], m4: [0.0018, 0.1963] },
];

describe('wilsonInterval', () => {
  it('matches Newcombe (1998) Table I, method 3 (score interval), to 4 decimals', () => {
    for (const { r, n, m3 } of NEWCOMBE_TABLE_I) {
      const ci = wilsonInterval(r, n);
      expect(ci.low, `${r}/${n} low`).toBeCloseTo(m3[0], 4);
      expect(ci.high, `${r}/${n} high`).toBeCloseTo(m3[1], 4);
      expect(ci.level).toBe(0.95);
    }
  });

  it('matches Newcombe (1998) Table I, method 4 (continuity-corrected score interval), to 4 decimals', () => {
    for (const { r, n, m4 } of NEWCOMBE_TABLE_I) {
      const ci = wilsonInterval(r, n, { continuityCorrection: true });
      expect(ci.low, `${r}/${n} low`).toBeCloseTo(m4[0], 4);
      expect(ci.high, `${r}/${n} high`).toBeCloseTo(m4[1], 4);
    }
  });

  it('matches Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency Tables, ch. 2, Ligarden example 13/16', () => {
    // Values as printed by the book's companion R package `contingencytables`
    // (tests/testthat/test-ch2.R): Wilson score 0.5699 to 0.9341; with continuity correction 0.5369 to 0.9503.
    const plain = wilsonInterval(13, 16);
    expect(plain.low).toBeCloseTo(0.5699, 4);
    expect(plain.high).toBeCloseTo(0.9341, 4);
    const cc = wilsonInterval(13, 16, { continuityCorrection: true });
    expect(cc.low).toBeCloseTo(0.5369, 4);
    expect(cc.high).toBeCloseTo(0.9503, 4);
  });

  it('is exact at the boundaries and symmetric under successes ↔ failures', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(10, 10).high).toBe(1);
    const a = wilsonInterval(3, 17, { level: 0.9 });
    const b = wilsonInterval(14, 17, { level: 0.9 });
    expect(a.low).toBeCloseTo(1 - b.high, 14);
    expect(a.high).toBeCloseTo(1 - b.low, 14);
    expect(a.level).toBe(0.9);
  });

  it('widens with the confidence level', () => {
    const narrow = wilsonInterval(40, 100, { level: 0.8 });
    const wide = wilsonInterval(40, 100, { level: 0.99 });
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
  });

  it('contains the point estimate and stays within [0, 1] (property)', () => {
    const cases = fc
      .integer({ min: 1, max: 5000 })
      .chain((n) =>
        fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n), fc.double({ min: 0.5, max: 0.999, noNaN: true }), fc.boolean()),
      );
    fc.assert(
      fc.property(cases, ([x, n, level, cc]) => {
        const ci = wilsonInterval(x, n, { level, continuityCorrection: cc });
        const p = x / n;
        return ci.low >= 0 && ci.high <= 1 && ci.low <= p + 1e-12 && p <= ci.high + 1e-12 && ci.low < ci.high;
      }),
    );
  });

  it('throws TG_STATS_UNDEFINED for zero trials', () => {
    expect(() => wilsonInterval(0, 0)).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
  });

  it('throws TG_STATS_INVALID_INPUT for impossible counts or levels', () => {
    const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
    expect(() => wilsonInterval(5, 4)).toThrow(invalid);
    expect(() => wilsonInterval(-1, 4)).toThrow(invalid);
    expect(() => wilsonInterval(1.5, 4)).toThrow(invalid);
    expect(() => wilsonInterval(1, Number.NaN)).toThrow(invalid);
    expect(() => wilsonInterval(1, 4, { level: 1 })).toThrow(invalid);
    expect(() => wilsonInterval(1, 4, { level: 0 })).toThrow(invalid);
  });
});
