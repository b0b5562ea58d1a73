import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { psi, psiFromCounts, psiReading } from '../../../src/core/stats/drift/psi.js';

const UNDEFINED = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('psi (quantile-binned numeric feature)', () => {
  it('matches a hand-computed example', () => {
    // No published PSI example with raw data was found, so this one is computed by hand.
    // Reference 1..10, 5 bins: type-7 quantiles at 0.2, 0.4, 0.6, 0.8 are 1 + 9p → 2.8, 4.6, 6.4, 8.2,
    // so every bin holds 2 of the 10 reference values (share 0.2).
    // Current [1,1,1,1,3,5,7,9,10,11]: bin counts 4,1,1,1,3 → shares 0.4, 0.1, 0.1, 0.1, 0.3 (11 lies
    // above the reference range and lands in the top bin).
    // PSI = 0.2·ln 2 + 3 · (−0.1)·ln 0.5 + 0.1·ln 1.5 = 0.5·ln 2 + 0.1·ln 1.5 = 0.3871200...
    const reference = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const current = [1, 1, 1, 1, 3, 5, 7, 9, 10, 11];
    const r = psi(reference, current, { bins: 5 });
    expect(r.edges).toEqual([2.8, 4.6, 6.4, 8.2].map((e) => expect.closeTo(e, 12)));
    expect(r.referenceShare).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(r.currentShare).toEqual([0.4, 0.1, 0.1, 0.1, 0.3]);
    expect(r.value).toBeCloseTo(0.5 * Math.LN2 + 0.1 * Math.log(1.5), 12);
    expect(r.contribution[0]).toBeCloseTo(0.2 * Math.LN2, 12);
    expect(r.reading).toBe('significant');
  });

  it('uses 10 bins by default and puts values equal to a cut point in the lower bin', () => {
    const reference = Array.from({ length: 101 }, (_, i) => i); // deciles at 10, 20, …, 90
    const r = psi(reference, [10, 10, 10]);
    expect(r.edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90].map((e) => expect.closeTo(e, 10)));
    expect(r.currentShare[0]).toBe(1);
  });

  it('merges bins whose cut points coincide because of ties', () => {
    const reference = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    const r = psi(reference, reference);
    // Type-7 quantile at p sits at position 9p: p = 0.1…0.7 give 0, p = 0.8 gives 0 + 0.2·(1 − 0) = 0.2,
    // p = 0.9 gives 1 + 0.1·(2 − 1) = 1.1. Three distinct cuts, four bins instead of ten.
    expect(r.edges).toEqual([0, expect.closeTo(0.2, 12), expect.closeTo(1.1, 12)]);
    expect(r.value).toBe(0);
  });

  it('handles a constant reference with the single cut at the constant', () => {
    const r = psi([5, 5, 5, 5], [5, 6, 7, 8]);
    expect(r.edges).toEqual([5]);
    expect(r.referenceShare).toEqual([1, 0]);
    expect(r.currentShare).toEqual([0.25, 0.75]);
    // The empty reference bin is smoothed to ε = 1e-4: 0.75·ln(0.75/1e-4) + (−0.75)·ln 0.25.
    expect(r.value).toBeCloseTo((0.75 - 1e-4) * Math.log(0.75 / 1e-4) + (0.25 - 1) * Math.log(0.25), 12);
  });

  it('smooths empty bins with the documented epsilon', () => {
    const base = psi([1, 2, 3, 4], [10, 10], { bins: 2 });
    const wider = psi([1, 2, 3, 4], [10, 10], { bins: 2, epsilon: 1e-2 });
    expect(base.epsilon).toBe(1e-4);
    expect(base.value).toBeCloseTo((0.5 - 1e-4) * Math.log(0.5 / 1e-4) + 0.5 * Math.log(2), 12);
    expect(wider.value).toBeLessThan(base.value);
  });

  it('throws typed errors for empty samples and invalid options', () => {
    expect(() => psi([], [1])).toThrow(UNDEFINED);
    expect(() => psi([1], [])).toThrow(UNDEFINED);
    expect(() => psi([1, Number.NaN], [1])).toThrow(INVALID);
    expect(() => psi([1, 2], [1], { bins: 1 })).toThrow(INVALID);
    expect(() => psi([1, 2], [1], { bins: 2.5 })).toThrow(INVALID);
    expect(() => psi([1, 2], [1], { epsilon: 0 })).toThrow(INVALID);
  });
});

describe('psiFromCounts (categorical or pre-binned)', () => {
  it('matches a hand-computed example', () => {
    // Reference shares 0.25 each, current 0.1, 0.2, 0.3, 0.4 (the population shares of the KAscore
    // psi() documentation example, whose printed value comes from a random sample and is not used):
    // −0.15·ln 0.4 − 0.05·ln 0.8 + 0.05·ln 1.2 + 0.15·ln 1.6 = 0.2282174...
    const r = psiFromCounts([25, 25, 25, 25], [10, 20, 30, 40]);
    const expected = -0.15 * Math.log(0.4) - 0.05 * Math.log(0.8) + 0.05 * Math.log(1.2) + 0.15 * Math.log(1.6);
    expect(r.value).toBeCloseTo(expected, 14);
    expect(r.value).toBeCloseTo(0.2282174, 7);
    expect(r.reading).toBe('moderate');
  });

  it('aligns records on the union of categories', () => {
    const r = psiFromCounts({ a: 50, b: 50 }, { b: 30, c: 10, a: 60 });
    expect(r.categories).toEqual(['a', 'b', 'c']);
    expect(r.referenceShare).toEqual([0.5, 0.5, 0]);
    expect(r.currentShare).toEqual([0.6, 0.3, 0.1]);
  });

  it('throws typed errors for bad counts', () => {
    expect(() => psiFromCounts([1, 2], [1])).toThrow(INVALID);
    expect(() => psiFromCounts([1, -2], [1, 2])).toThrow(INVALID);
    expect(() => psiFromCounts([0, 0], [1, 2])).toThrow(UNDEFINED);
    expect(() => psiFromCounts([1, 2], { a: 1, b: 2 })).toThrow(INVALID);
  });
});

describe('psiReading', () => {
  it('applies the conventional cut-offs (Siddiqi 2017, p. 369): < 0.1 stable, 0.1–0.25 moderate, > 0.25 significant', () => {
    expect(psiReading(0.0999)).toBe('stable');
    expect(psiReading(0.1)).toBe('moderate');
    expect(psiReading(0.25)).toBe('moderate');
    expect(psiReading(0.2501)).toBe('significant');
  });
});

describe('psi properties', () => {
  const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 });
  const counts = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 12 });

  it('is non-negative, and its contributions are non-negative and sum to it', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: 2, max: 12 }), (a, b, bins) => {
        const r = psi(a, b, { bins });
        expect(r.value).toBeGreaterThanOrEqual(0);
        for (const c of r.contribution) expect(c).toBeGreaterThanOrEqual(0);
        expect(r.contribution.reduce((x, y) => x + y, 0)).toBeCloseTo(r.value, 9);
      }),
    );
  });

  it('is 0 for identical distributions', () => {
    fc.assert(
      fc.property(sample, (a) => {
        expect(psi(a, [...a].reverse()).value).toBe(0);
      }),
    );
    fc.assert(
      fc.property(
        counts.filter((c) => c.some((v) => v > 0)),
        fc.integer({ min: 1, max: 5 }),
        (c, k) => {
          expect(
            psiFromCounts(
              c,
              c.map((v) => v * k),
            ).value,
          ).toBeCloseTo(0, 12);
        },
      ),
    );
  });
});
