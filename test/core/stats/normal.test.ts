import { describe, expect, it } from 'vitest';
import { normalCdf, normalPdf, normalQuantile, normalSurvival } from '../../../src/core/stats/distributions/normal.js';

// Reference values: SciPy test suite, scipy/special/tests/test_ndtr.py (TestLogNdtr), where the
// expected log Φ(x) were computed with mpmath as log(mpmath.ncdf(x)), quoted to 16 significant digits.
const LOG_NDTR: ReadonlyArray<readonly [number, number]> = [
  [-0.75, -1.4844482299196562],
  [-0.25, -0.9130617648111351],
  [0, -0.6931471805599453],
  [0.5, -0.3689464152886564],
  [1.5, -0.06914345561223398],
  [2.5, -0.006229025485860002],
  [3, -0.0013508099647481938],
];

describe('normalCdf', () => {
  it('matches mpmath log Φ(x) values from the SciPy test suite to 1e-14 relative', () => {
    for (const [x, logPhi] of LOG_NDTR) {
      expect(Math.log(normalCdf(x)) / logPhi).toBeCloseTo(1, 13);
    }
  });

  it('matches Φ(1) = 0.8413447460685429 (SciPy test_ndtr.py, test_ndtr)', () => {
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
  });

  it('matches R pnorm(1.96) = 0.9750021 and pnorm(-1.645) = 0.04998491 (R output, 7 significant digits)', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 7);
    expect(normalCdf(-1.645)).toBeCloseTo(0.04998491, 8);
  });

  it('keeps relative accuracy in the far upper tail via normalSurvival', () => {
    // For large x, −log Φ(x) = 1 − Φ(x) to double precision, so the mpmath log Φ values of
    // test_ndtr.py (test_log_ndtr_moderate_le8 / values_8_16) are the survival values themselves.
    expect(normalSurvival(8) / 6.220960574271786e-16).toBeCloseTo(1, 12);
    expect(normalSurvival(10) / 7.619853024160525e-24).toBeCloseTo(1, 12);
    expect(normalSurvival(16) / 6.388754400538087e-58).toBeCloseTo(1, 12);
    expect(normalCdf(-10) / 7.619853024160525e-24).toBeCloseTo(1, 12);
  });

  it('is symmetric, handles infinities and rejects NaN', () => {
    for (const x of [0.1, 0.7, 1.3, 2.9, 5.5, 7]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(() => normalCdf(Number.NaN)).toThrow(expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' }));
  });

  it('has density φ(0) = 1/√(2π)', () => {
    expect(normalPdf(0)).toBeCloseTo(0.3989422804014327, 15);
  });
});

describe('normalQuantile', () => {
  it('matches R qnorm(0.975) = 1.959964 and qnorm(0.95) = 1.644854 (R output, 7 significant digits)', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 6);
  });

  it('gives Φ⁻¹(0.975) = 1.959963984540054 to full double precision', () => {
    // The 16-digit value is the double nearest the 20-digit constant 1.95996398454005423552 (Accord.NET
    // NormalDistribution p95); it is also cross-checked here through the mpmath-verified Φ above.
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 15);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('inverts the mpmath Φ values of the SciPy test suite to 1e-12', () => {
    for (const [x, logPhi] of LOG_NDTR) {
      expect(normalQuantile(Math.exp(logPhi))).toBeCloseTo(x, 12);
    }
    // Far lower tail, all three AS 241 ranges: Φ(−8) and Φ(−16) from the same table.
    expect(normalQuantile(6.220960574271786e-16)).toBeCloseTo(-8, 11);
    expect(normalQuantile(6.388754400538087e-58)).toBeCloseTo(-16, 10);
  });

  it('round-trips with normalCdf across the range', () => {
    for (const p of [1e-300, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-12]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
    }
  });

  it('rejects probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => normalQuantile(p)).toThrow(expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' }));
    }
  });
});
