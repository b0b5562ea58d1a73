import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../../src/core/stats/distributions/normal.js';
import { ipwErrorRate, type RoutedItem } from '../../../src/core/stats/estimation/ipw-error-rate.js';

const UNDEFINED = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

const item = (reviewProbability: number, reviewed: boolean, error?: boolean): RoutedItem =>
  error === undefined ? { reviewProbability, reviewed } : { reviewProbability, reviewed, error };

describe('ipwErrorRate: hand-computed example', () => {
  // No published numeric example of the Poisson-sampling HT/Hájek variance was found, so this one is
  // worked by hand from the formulas in Särndal, Swensson & Wretman (1992).
  // 10 covered items: 4 routed by rule (π = 1, all reviewed, errors 1,1,0,1) and 6 sampled at π = 0.5
  // (3 reviewed with errors 0,1,0; 3 not reviewed); plus 2 items with π = 0.
  //   HT total   = 3/1 + 1/0.5 = 5           → rate 5/10 = 0.5
  //   V̂(HT)      = [(1−1)·3 + (1−0.5)·1/0.25] / 10² = 2/100   → SE = √0.02
  //   N̂          = 4/1 + 3/0.5 = 10          → Hájek rate 5/10 = 0.5
  //   V̂(Hájek)   = Σ (1−π)(y−0.5)²/π² / N̂² = 3 · 0.5·0.25/0.25 / 100 = 1.5/100 → SE = √0.015
  //   naive      = 4 errors / 7 reviewed, SE = √(4/7 · 3/7 / 7)
  const items: RoutedItem[] = [
    item(1, true, true),
    item(1, true, true),
    item(1, true, false),
    item(1, true, true),
    item(0.5, true, false),
    item(0.5, true, true),
    item(0.5, true, false),
    item(0.5, false),
    item(0.5, false),
    item(0.5, false),
    item(0, false),
    item(0, false),
  ];
  const r = ipwErrorRate(items);

  it('gives the same answer from grouped counts as from the items one by one', () => {
    const grouped = ipwErrorRate([
      { ...item(1, true, true), count: 3 },
      item(1, true, false),
      { ...item(0.5, true, false), count: 2 },
      item(0.5, true, true),
      { ...item(0.5, false), count: 3 },
      { ...item(0, false), count: 2 },
      { ...item(0.5, false), count: 0 },
    ]);
    expect(grouped).toEqual(r);
    expect(() => ipwErrorRate([{ ...item(1, true, true), count: 1.5 }])).toThrow(INVALID);
  });

  it('counts coverage', () => {
    expect(r).toMatchObject({ population: 12, covered: 10, uncovered: 2, reviewed: 7, reviewedErrors: 4, unreviewedAtCertainty: 0 });
    expect(r.coverage).toMatch(/2 items with review probability 0 are not represented/);
  });

  it('gives the Horvitz–Thompson estimate and its Poisson-sampling variance', () => {
    expect(r.horvitzThompson.rate).toBeCloseTo(0.5, 15);
    expect(r.horvitzThompson.estimatedErrors).toBeCloseTo(5, 14);
    expect(r.horvitzThompson.standardError).toBeCloseTo(Math.sqrt(0.02), 15);
    const z = 1.959963984540054;
    expect(r.horvitzThompson.interval.low).toBeCloseTo(0.5 - z * Math.sqrt(0.02), 12);
    expect(r.horvitzThompson.interval.high).toBeCloseTo(0.5 + z * Math.sqrt(0.02), 12);
    expect(r.horvitzThompson.interval.level).toBe(0.95);
  });

  it('gives the Hájek estimate and its linearised variance', () => {
    expect(r.hajek.rate).toBeCloseTo(0.5, 15);
    expect(r.hajek.estimatedPopulation).toBeCloseTo(10, 14);
    expect(r.hajek.standardError).toBeCloseTo(Math.sqrt(0.015), 15);
  });

  it('gives the naive reviewed-only rate with its binomial SE', () => {
    expect(r.naive.rate).toBeCloseTo(4 / 7, 15);
    expect(r.naive.reviewed).toBe(7);
    expect(r.naive.standardError).toBeCloseTo(Math.sqrt(((4 / 7) * (3 / 7)) / 7), 15);
  });

  it('honours the confidence level', () => {
    const r90 = ipwErrorRate(items, { level: 0.9 });
    expect(r90.hajek.interval.high - r90.hajek.rate).toBeCloseTo(normalQuantile(0.95) * Math.sqrt(0.015), 12);
  });
});

describe('ipwErrorRate: behaviour', () => {
  it('is exact (zero variance) for a census', () => {
    const r = ipwErrorRate([item(1, true, true), item(1, true, false), item(1, true, false), item(1, true, false)]);
    expect(r.horvitzThompson).toMatchObject({ rate: 0.25, standardError: 0 });
    expect(r.hajek).toMatchObject({ rate: 0.25, standardError: 0 });
    expect(r.coverage).toBe('Estimates cover all 4 items.');
  });

  it('clips intervals to [0, 1] and lets the HT rate exceed 1 when the sample is unlucky', () => {
    const r = ipwErrorRate([item(0.1, true, true), item(0.1, false), item(0.1, false)]);
    expect(r.horvitzThompson.rate).toBeCloseTo(10 / 3, 12);
    expect(r.horvitzThompson.interval.high).toBe(1);
    expect(r.hajek.rate).toBe(1);
  });

  it('reports certainty items that were not reviewed', () => {
    const r = ipwErrorRate([item(1, false), item(1, true, false), item(0.2, true, true)]);
    expect(r.unreviewedAtCertainty).toBe(1);
  });

  it('ignores an error flag on an unreviewed item', () => {
    const a = ipwErrorRate([item(0.5, true, true), item(0.5, false, true)]);
    const b = ipwErrorRate([item(0.5, true, true), item(0.5, false)]);
    expect(a).toEqual(b);
  });

  it('throws typed errors for invalid input', () => {
    expect(() => ipwErrorRate([item(1.2, true, true)])).toThrow(INVALID);
    expect(() => ipwErrorRate([item(-0.1, false)])).toThrow(INVALID);
    expect(() => ipwErrorRate([item(Number.NaN, false)])).toThrow(INVALID);
    expect(() => ipwErrorRate([item(0, true, true)])).toThrow(INVALID);
    expect(() => ipwErrorRate([item(0.5, true)])).toThrow(INVALID);
    expect(() => ipwErrorRate([{ reviewProbability: 0.5, reviewed: 'yes' as never }])).toThrow(INVALID);
    expect(() => ipwErrorRate([item(0.5, true, true)], { level: 1 })).toThrow(INVALID);
  });

  it('throws TG_STATS_UNDEFINED when nothing can be estimated', () => {
    expect(() => ipwErrorRate([])).toThrow(UNDEFINED);
    expect(() => ipwErrorRate([item(0, false), item(0, false)])).toThrow(UNDEFINED);
    expect(() => ipwErrorRate([item(0.5, false), item(0.1, false)])).toThrow(UNDEFINED);
  });
});

describe('ipwErrorRate: simulation (seeded)', () => {
  /** Numerical Recipes' 32-bit LCG (a = 1664525, c = 1013904223), enough for a deterministic test. */
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
  }

  it('HT and Hájek recover the stream error rate while the naive rate is biased by risk-based routing', () => {
    // 20 000 items: 20% risky (error rate 30%), routed to review with π = 0.5; the rest (error rate 2%)
    // sampled at π = 0.05. True rate ≈ 0.2·0.3 + 0.8·0.02 = 0.076; the reviewed set is ~71% risky,
    // so the naive rate is ≈ (0.1·0.3 + 0.04·0.02)/0.14 ≈ 0.22.
    const random = lcg(20240611);
    const items: RoutedItem[] = [];
    let trueErrors = 0;
    for (let i = 0; i < 20000; i++) {
      const risky = random() < 0.2;
      const error = random() < (risky ? 0.3 : 0.02);
      if (error) trueErrors++;
      const pi = risky ? 0.5 : 0.05;
      const reviewed = random() < pi;
      items.push(reviewed ? item(pi, true, error) : item(pi, false));
    }
    const truth = trueErrors / items.length;
    const r = ipwErrorRate(items);
    expect(Math.abs(r.horvitzThompson.rate - truth)).toBeLessThan(3 * r.horvitzThompson.standardError);
    expect(Math.abs(r.hajek.rate - truth)).toBeLessThan(3 * r.hajek.standardError);
    expect(r.horvitzThompson.interval.low).toBeLessThan(truth);
    expect(r.horvitzThompson.interval.high).toBeGreaterThan(truth);
    expect(r.naive.rate - truth).toBeGreaterThan(0.1);
    expect(r.naive.interval.low).toBeGreaterThan(truth);
  });
});
