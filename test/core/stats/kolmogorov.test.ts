import { describe, expect, it } from 'vitest';
import {
  kolmogorovCdf,
  kolmogorovSurvival,
  smirnovAsymptoticPValue,
  smirnovExactPValue,
} from '../../../src/core/stats/distributions/kolmogorov.js';

const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('kolmogorovSurvival', () => {
  it('matches SciPy scipy.special.kolmogorov reference values (scipy/special/tests/test_kolmogorov.py, test_basic)', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.96394524366487511, 14);
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.26999967167735456, 14);
    expect(kolmogorovSurvival(2) / 0.00067092525577969533).toBeCloseTo(1, 12);
  });

  it('matches the lower-tail points of test_kolmogorov.py (test_smallx), P(K ≤ x) = 10^-k', () => {
    // The 12-digit x values there are accurate to ~1e-10 relative in P only for k ≤ 6; beyond that the
    // test (rtol 1e-10 on 1 − P) does not constrain P, so only the first six points are used.
    const xs = [0.571173265106, 0.441027698518, 0.374219690278, 0.331392659217, 0.300820537459, 0.277539353999];
    xs.forEach((x, k) => expect(kolmogorovCdf(x) / 10 ** -(k + 1)).toBeCloseTo(1, 9));
  });

  it('matches the large-sample critical coefficients c(α) of the two-sample KS table', () => {
    // "Critical Values for the Two-sample Kolmogorov-Smirnov test (2-sided)" (table reproduced at
    // scribd.com/document/379401720/kstest): for large samples D_α = c(α)·√((n1+n2)/(n1·n2)) with
    // c(0.10) = 1.22, c(0.05) = 1.36, c(0.01) = 1.63 (two decimals, so α is matched to ±0.005).
    expect(kolmogorovSurvival(1.22)).toBeCloseTo(0.1, 2);
    expect(kolmogorovSurvival(1.36)).toBeCloseTo(0.05, 2);
    expect(kolmogorovSurvival(1.63)).toBeCloseTo(0.01, 2);
  });

  it('is continuous where the two series meet', () => {
    expect(kolmogorovSurvival(1.18 - 1e-12)).toBeCloseTo(kolmogorovSurvival(1.18), 11);
    expect(kolmogorovCdf(1.18) + kolmogorovSurvival(1.18)).toBeCloseTo(1, 15);
    expect(() => kolmogorovSurvival(Number.NaN)).toThrow(INVALID);
  });
});

describe('smirnovExactPValue', () => {
  // SciPy test suite, scipy/stats/tests/test_stats.py, TestKSTwoSamples (two-sided, exact mode).
  it('reproduces TestKSTwoSamples.testTwoVsFour: D = 2/4 → p = 14/15, D = 3/4 → p = 6/15', () => {
    expect(smirnovExactPValue(2 / 4, 2, 4)).toBeCloseTo(14 / 15, 14);
    expect(smirnovExactPValue(3 / 4, 2, 4)).toBeCloseTo(6 / 15, 14);
  });

  it('reproduces TestKSTwoSamples.test100_110 and test100_100', () => {
    expect(smirnovExactPValue(232 / 1100, 100, 110)).toBeCloseTo(0.015739183865607353, 12);
    expect(smirnovExactPValue(229 / 1100, 100, 110)).toBeCloseTo(0.017803803861026313, 12);
    expect(smirnovExactPValue(3 / 100, 100, 100)).toBeCloseTo(0.9999999999962055, 14);
  });

  it('reproduces TestKSTwoSamples.testRepeatedValues, where SciPy applies the untied distribution', () => {
    expect(smirnovExactPValue(5 / 16, 16, 16)).toBeCloseTo(0.4262934613454952, 12);
    expect(smirnovExactPValue(190 / 21 / 26, 21, 26)).toBeCloseTo(0.0919245790168125, 12);
  });

  it('reproduces the small-sample critical values of the two-sample KS table', () => {
    // Same table as above (α = 0.05 upper row, α = 0.01 lower row): sizes 5 and 8 → 30/40 and 35/40
    // (its worked example 1: "At α = 0.05 and samples sizes 5 and 8, Dα = 30/40 = 0.75"); sizes 6 and 6
    // → 30/36 and 36/36; sizes 10 and 12 → 66/120 and 80/120. A critical value is the smallest attainable
    // D with P(D ≥ D_α) ≤ α, so the attainable value just below it must have p > α.
    const attainable = (n: number, m: number): number[] => {
      const gaps = new Set<number>();
      for (let i = 0; i <= n; i++) for (let j = 0; j <= m; j++) gaps.add(Math.abs(i * m - j * n));
      return [...gaps].sort((x, y) => x - y);
    };
    const cases: Array<[number, number, number, number]> = [
      [5, 8, 0.05, 30],
      [5, 8, 0.01, 35],
      [6, 6, 0.05, 30],
      [6, 6, 0.01, 36],
      [10, 12, 0.05, 66],
      [10, 12, 0.01, 80],
    ];
    for (const [n, m, alpha, numerator] of cases) {
      const values = attainable(n, m);
      const below = values[values.indexOf(numerator) - 1]!;
      expect(smirnovExactPValue(numerator / (n * m), n, m)).toBeLessThanOrEqual(alpha);
      expect(smirnovExactPValue(below / (n * m), n, m)).toBeGreaterThan(alpha);
    }
  });

  it('is symmetric in the sample sizes and gives 1 at D = 0', () => {
    expect(smirnovExactPValue(232 / 1100, 110, 100)).toBeCloseTo(smirnovExactPValue(232 / 1100, 100, 110), 14);
    expect(smirnovExactPValue(0, 5, 7)).toBe(1);
    // n = m = 1: D is always 1.
    expect(smirnovExactPValue(1, 1, 1)).toBe(1);
  });

  it('rejects invalid sizes, statistics and block ends', () => {
    expect(() => smirnovExactPValue(0.5, 0, 3)).toThrow(INVALID);
    expect(() => smirnovExactPValue(0.5, 2.5, 3)).toThrow(INVALID);
    expect(() => smirnovExactPValue(1.5, 2, 3)).toThrow(INVALID);
    expect(() => smirnovExactPValue(0.5, 2, 3, [0])).toThrow(INVALID);
  });
});

describe('smirnovAsymptoticPValue', () => {
  it('approximates SciPy asymptotic mode (kstwo at the effective n) to three decimals', () => {
    // TestKSTwoSamples.testLargeBoth: n = 10000, m = 11000, D = 563/110000, mode='asymp' → 0.9990660108966576.
    expect(smirnovAsymptoticPValue(563 / 110000, 10000, 11000)).toBeCloseTo(0.9990660108966576, 3);
  });

  it('moves the uncorrected limit towards the exact value at moderate n (Stephens 1970)', () => {
    const exact = 0.015739183865607353; // test100_110 above
    const corrected = smirnovAsymptoticPValue(232 / 1100, 100, 110);
    const uncorrected = kolmogorovSurvival(Math.sqrt((100 * 110) / 210) * (232 / 1100));
    expect(Math.abs(corrected - exact)).toBeLessThan(Math.abs(uncorrected - exact));
    expect(corrected).toBeCloseTo(exact, 3);
  });
});
