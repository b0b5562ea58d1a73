import { describe, expect, it } from 'vitest';
import { chiSquareHomogeneity } from '../../../src/core/stats/drift/chi-square.js';

const UNDEFINED = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('chiSquareHomogeneity', () => {
  it('reproduces Moore, The Basic Practice of Statistics, Examples 23.1–23.3 (Canada vs United States)', () => {
    // Quality of life a year after a heart attack (Mark et al. 1994, NEJM 331:1130–1135), categories
    // much better / somewhat better / about the same / somewhat worse / much worse:
    // Canada 75, 71, 96, 50, 19; United States 541, 498, 779, 282, 65. The textbook's software output
    // (Example 23.3) gives X² = 11.725 with P-value 0.020 (df = 4).
    const canada = [75, 71, 96, 50, 19];
    const us = [541, 498, 779, 282, 65];
    const r = chiSquareHomogeneity(canada, us);
    expect(r.statistic).toBeCloseTo(11.725, 3);
    expect(r.df).toBe(4);
    expect(r.pValue).toBeCloseTo(0.02, 3);
    expect(r.lowExpectedCells).toBe(0);
    // Expected count, Canada × much better: 616 · 311 / 2476.
    expect(r.expected.reference[0]).toBeCloseTo((616 * 311) / 2476, 12);
    expect(r.expected.current[4]).toBeCloseTo((84 * 2165) / 2476, 12);
  });

  it('matches a hand computation with the SciPy expected_freq example table', () => {
    // scipy/stats/tests/test_contingency.py, test_expected_freq: observed [[10,10,20],[20,20,20]] has
    // expected [[12,12,16],[18,18,24]]. Hand: X² = 4/12 + 4/12 + 16/16 + 4/18 + 4/18 + 16/24 = 25/9.
    const r = chiSquareHomogeneity([10, 10, 20], [20, 20, 20]);
    expect(r.expected.reference).toEqual([12, 12, 16].map((v) => expect.closeTo(v, 12)));
    expect(r.expected.current).toEqual([18, 18, 24].map((v) => expect.closeTo(v, 12)));
    expect(r.statistic).toBeCloseTo(25 / 9, 12);
    expect(r.df).toBe(2);
    // χ²₂ survival is exp(−x/2).
    expect(r.pValue).toBeCloseTo(Math.exp(-25 / 18), 12);
  });

  it('aligns records on the union of categories and flags low expected counts', () => {
    const r = chiSquareHomogeneity({ approve: 90, reject: 10 }, { approve: 80, reject: 15, escalate: 5 });
    expect(r.categories).toEqual(['approve', 'reject', 'escalate']);
    expect(r.df).toBe(2);
    expect(r.expected.reference[2]).toBeCloseTo(2.5, 12);
    expect(r.lowExpectedCells).toBe(2);
  });

  it('drops categories empty on both sides and handles a single category', () => {
    const r = chiSquareHomogeneity([10, 0, 20], [15, 0, 25]);
    expect(r.df).toBe(1);
    expect(r.emptyCategories).toBe(1);
    expect(r.expected.reference[1]).toBe(0);
    expect(chiSquareHomogeneity([7], [3])).toMatchObject({ statistic: 0, df: 0, pValue: 1 });
    // SciPy test_chi2_contingency_trivial: [[1, 2], [1, 2]] → χ² = 0, p = 1, dof = 1.
    expect(chiSquareHomogeneity([1, 2], [1, 2])).toMatchObject({ statistic: 0, df: 1, pValue: 1 });
  });

  it('throws typed errors', () => {
    expect(() => chiSquareHomogeneity([0, 0], [1, 2])).toThrow(UNDEFINED);
    expect(() => chiSquareHomogeneity([1, 2], [1, 2, 3])).toThrow(INVALID);
    expect(() => chiSquareHomogeneity([1, Number.NaN], [1, 2])).toThrow(INVALID);
    expect(() => chiSquareHomogeneity([], [])).toThrow(INVALID);
  });
});
