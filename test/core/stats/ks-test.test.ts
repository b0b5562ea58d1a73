import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ksTwoSample } from '../../../src/core/stats/drift/ks-test.js';

const UNDEFINED = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

const linspace = (start: number, stop: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => start + ((stop - start) * i) / (count - 1));

/** Brute-force permutation p-value: every assignment of the pooled values to groups of sizes n, m. */
function permutationPValue(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const n = a.length;
  const observed = ksTwoSample(a, b, { method: 'exact' }).statistic;
  let extreme = 0;
  let total = 0;
  const choose = (start: number, picked: number[]): void => {
    if (picked.length === n) {
      const inA = new Set(picked);
      const xa = picked.map((k) => pooled[k]!);
      const xb = pooled.filter((_, k) => !inA.has(k));
      total++;
      if (ksTwoSample(xa, xb, { method: 'asymptotic' }).statistic >= observed - 1e-12) extreme++;
      return;
    }
    for (let k = start; k < pooled.length; k++) choose(k + 1, [...picked, k]);
  };
  choose(0, []);
  return extreme / total;
}

describe('ksTwoSample: published examples (SciPy scipy/stats/tests/test_stats.py, TestKSTwoSamples, two-sided)', () => {
  it('testSmall: [0] vs [1] → D = 1, p = 1', () => {
    expect(ksTwoSample([0], [1])).toMatchObject({ statistic: 1, pValue: 1, n: 1, m: 1, method: 'exact' });
  });

  it('testTwoVsThree and testTwoVsFour', () => {
    const r1 = ksTwoSample([1.01, 2.01], [1, 2, 3]);
    expect(r1.statistic).toBeCloseTo(1 / 3, 15);
    expect(r1.pValue).toBeCloseTo(1, 15);
    const r2 = ksTwoSample([0.99, 1.99], [1, 2, 3]);
    expect(r2.statistic).toBeCloseTo(2 / 3, 15);
    expect(r2.pValue).toBeCloseTo(0.6, 14);
    const r3 = ksTwoSample([1.01, 2.01], [1, 2, 3, 4]);
    expect(r3.statistic).toBeCloseTo(0.5, 15);
    expect(r3.pValue).toBeCloseTo(14 / 15, 14);
    const r4 = ksTwoSample([0.99, 1.99], [1, 2, 3, 4]);
    expect(r4.statistic).toBeCloseTo(0.75, 15);
    expect(r4.pValue).toBeCloseTo(6 / 15, 14);
  });

  it('test100_110: linspace(1,100,100) vs linspace(1,100,110) + 20.1 → D = 232/1100, p = 0.015739183865607353', () => {
    const x100 = linspace(1, 100, 100);
    const x110 = linspace(1, 100, 110);
    const r = ksTwoSample(
      x100,
      x110.map((v) => v + 20 + 0.1),
    );
    expect(r.statistic).toBeCloseTo(232 / 1100, 14);
    expect(r.pValue).toBeCloseTo(0.015739183865607353, 12);
    const r2 = ksTwoSample(
      x100,
      x110.map((v) => v + 20 - 0.1),
    );
    expect(r2.statistic).toBeCloseTo(229 / 1100, 14);
    expect(r2.pValue).toBeCloseTo(0.017803803861026313, 12);
  });

  it('test100_100: x100 vs x100 + 2.1 → D = 3/100, p = 0.9999999999962055', () => {
    const x100 = linspace(1, 100, 100);
    const r = ksTwoSample(
      x100,
      x100.map((v) => v + 2 + 0.1),
    );
    expect(r.statistic).toBeCloseTo(0.03, 14);
    expect(r.pValue).toBeCloseTo(0.9999999999962055, 14);
  });

  it('testRepeatedValues: the statistic with ties matches SciPy (D = 5/16 and 190/546)', () => {
    const x2233 = [...Array(3).fill(2), ...Array(4).fill(3), ...Array(5).fill(5), ...Array(4).fill(6)] as number[];
    const x3344 = x2233.map((v) => v + 1);
    const x2356 = [...Array(3).fill(2), ...Array(4).fill(3), ...Array(10).fill(5), ...Array(4).fill(6)] as number[];
    const x3467 = [...Array(10).fill(3), ...Array(2).fill(4), ...Array(10).fill(6), ...Array(4).fill(7)] as number[];
    const r1 = ksTwoSample(x2233, x3344);
    const r2 = ksTwoSample(x2356, x3467);
    expect(r1.statistic).toBeCloseTo(5 / 16, 15);
    expect(r2.statistic).toBeCloseTo(190 / 21 / 26, 15);
    expect(r1.ties).toBe(true);
    // SciPy reports the untied-distribution p-values 0.4262934613454952 and 0.0919245790168125. Ours
    // are conditional on the tie pattern, which can only remove boundary crossings, so they are never larger.
    expect(r1.pValue).toBeLessThanOrEqual(0.4262934613454952 + 1e-12);
    expect(r2.pValue).toBeLessThanOrEqual(0.0919245790168125 + 1e-12);
  });
});

describe('ksTwoSample: ties', () => {
  it('gives the exact permutation p-value with ties (checked by full enumeration)', () => {
    // Hand-checkable design: every one of the C(9,4) = 126 label assignments is enumerated.
    const a = [1, 2, 2, 3];
    const b = [2, 3, 3, 4, 4];
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBeCloseTo(0.75 - 0.2, 15);
    expect(r.pValue).toBeCloseTo(permutationPValue(a, b), 14);
    const c = [0, 0, 1, 1, 1];
    const d = [1, 1, 2, 2];
    expect(ksTwoSample(c, d).pValue).toBeCloseTo(permutationPValue(c, d), 14);
  });

  it('absorbs all copies of a tied value before comparing the ECDFs', () => {
    // Right-continuous ECDFs: at 3, F_a = 3/4 and F_b = 3/4, so the tie does not create a gap.
    expect(ksTwoSample([1, 3, 3, 5], [2, 3, 3, 6]).statistic).toBeCloseTo(0.25, 15);
    expect(ksTwoSample([1, 3, 3, 5], [2, 4, 4, 6]).statistic).toBeCloseTo(0.5, 15);
  });
});

describe('ksTwoSample: method selection and edge cases', () => {
  it('switches to the asymptotic p-value above n·m = 1e6 and honours an explicit method', () => {
    const a = linspace(0, 1, 1001);
    const b = linspace(0.05, 1.05, 1000);
    expect(ksTwoSample(a, b).method).toBe('asymptotic');
    expect(ksTwoSample([1, 2, 3], [2, 3, 4], { method: 'asymptotic' }).method).toBe('asymptotic');
    const exact = ksTwoSample(a.slice(0, 300), b.slice(0, 300), { method: 'exact' });
    const asymptotic = ksTwoSample(a.slice(0, 300), b.slice(0, 300), { method: 'asymptotic' });
    expect(exact.statistic).toBe(asymptotic.statistic);
    expect(Math.abs(exact.pValue - asymptotic.pValue)).toBeLessThan(0.01);
  });

  it('handles constant samples', () => {
    expect(ksTwoSample([5, 5, 5], [5, 5])).toMatchObject({ statistic: 0, pValue: 1 });
    const r = ksTwoSample([5, 5, 5], [6, 6]);
    expect(r.statistic).toBe(1);
    // Conditional on the two tie blocks only the observed split reaches D = 1: p = 1/C(5,2).
    expect(r.pValue).toBeCloseTo(0.1, 14);
  });

  it('throws typed errors for empty samples and non-finite values', () => {
    expect(() => ksTwoSample([], [1])).toThrow(UNDEFINED);
    expect(() => ksTwoSample([1], [])).toThrow(UNDEFINED);
    expect(() => ksTwoSample([1, Number.NaN], [1])).toThrow(INVALID);
    expect(() => ksTwoSample([1], [Number.POSITIVE_INFINITY])).toThrow(INVALID);
    expect(() => ksTwoSample([1], [2], { method: 'bogus' as never })).toThrow(INVALID);
  });
});

describe('ksTwoSample: properties', () => {
  const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 25 });

  it('D lies in [0, 1], p in [0, 1], and the test is symmetric in its arguments', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ksTwoSample(a, b);
        const s = ksTwoSample(b, a);
        expect(r.statistic).toBeGreaterThanOrEqual(0);
        expect(r.statistic).toBeLessThanOrEqual(1);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(s.statistic).toBe(r.statistic);
        expect(s.pValue).toBeCloseTo(r.pValue, 12);
      }),
    );
  });

  it('D = 0 and p = 1 for identical samples (in any order)', () => {
    fc.assert(
      fc.property(sample, (a) => {
        const r = ksTwoSample(a, [...a].reverse());
        expect(r.statistic).toBe(0);
        expect(r.pValue).toBe(1);
      }),
    );
  });
});
