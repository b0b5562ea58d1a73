import { describe, expect, it } from 'vitest';
import {
  chiSquareCdf,
  chiSquareSurvival,
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../../src/core/stats/distributions/gamma.js';

const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('logGamma', () => {
  it('matches closed forms: Γ(½) = √π, Γ(3/2) = √π/2 (Abramowitz & Stegun 1964, 6.1.8 and 6.1.15)', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(Math.exp(logGamma(1.5))).toBeCloseTo(Math.sqrt(Math.PI) / 2, 14);
    // A&S Table 6.1 tabulates Γ(1.5) = 0.88622 69254 52758.
    expect(Math.exp(logGamma(1.5))).toBeCloseTo(0.886226925452758, 14);
  });

  it('matches log factorials Γ(n) = (n − 1)! on both sides of the Stirling switch at 15', () => {
    expect(logGamma(1)).toBeCloseTo(0, 15);
    expect(logGamma(2)).toBeCloseTo(0, 15);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 14);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 13);
    expect(logGamma(15)).toBeCloseTo(Math.log(87178291200), 13);
    let logFactorial = 0;
    for (let k = 2; k < 100; k++) logFactorial += Math.log(k);
    expect(logGamma(100) / logFactorial).toBeCloseTo(1, 14);
  });

  it('is continuous across the method switch and correct for tiny arguments', () => {
    expect(logGamma(15 - 1e-9)).toBeCloseTo(logGamma(15 + 1e-9), 7);
    // Γ(x) ~ 1/x − γ as x → 0.
    expect(logGamma(1e-10)).toBeCloseTo(-Math.log(1e-10) - 0.5772156649 * 1e-10, 12);
  });

  it('rejects non-positive and non-finite arguments', () => {
    for (const x of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => logGamma(x)).toThrow(INVALID);
  });
});

// Reference values: Boost.Math incomplete-gamma test data (igamma_med_data.ipp, igamma_big_data.ipp,
// computed in high precision), as shipped in SciPy's test suite under
// scipy/special/tests/data/boost/. Columns used: a, x, Q(a, x), P(a, x).
const BOOST: ReadonlyArray<readonly [number, number, number, number]> = [
  [0.9759566783905029, 0.48797833919525146, 0.602000903926228, 0.397999096073772],
  [3.667367935180664, 7.334735870361328, 0.04803542571495237, 0.9519645742850475],
  [4.053312301635742, 4.458643436431885, 0.3593807682668325, 0.6406192317331675],
  [7.882370948791504, 15.764741897583008, 0.010421018000738467, 0.9895789819992615],
  [1.1576130390167236, 0.01157613005489111, 0.994711272355763, 0.005288727644237106],
];

describe('regularized incomplete gamma', () => {
  it('matches Boost high-precision values of P and Q to 1e-14 relative', () => {
    for (const [a, x, q, p] of BOOST) {
      expect(regularizedGammaQ(a, x) / q).toBeCloseTo(1, 13);
      expect(regularizedGammaP(a, x) / p).toBeCloseTo(1, 13);
    }
  });

  it('keeps relative accuracy for tiny tails (Boost igamma_med_data)', () => {
    expect(regularizedGammaP(4.053312301635742, 0.040533121675252914) / 8.466231460151142e-8).toBeCloseTo(1, 13);
    expect(regularizedGammaQ(3.667367935180664, 366.7367858886719) / 9.284125692646457e-154).toBeCloseTo(1, 11);
  });

  it('stays accurate for very large shape parameters (Boost igamma_big_data)', () => {
    expect(regularizedGammaQ(246209.65625, 246211.65625)).toBeCloseTo(0.4981240050466125, 12);
    expect(regularizedGammaQ(1736170, 1736172)).toBeCloseTo(0.49929353548542277, 12);
    expect(regularizedGammaP(513669.1875, 513669.1875)).toBeCloseTo(0.5001855440611638, 12);
  });

  it('handles the boundaries and rejects invalid arguments', () => {
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaQ(2, Number.POSITIVE_INFINITY)).toBe(0);
    // Q(1, x) = e^{−x}.
    expect(regularizedGammaQ(1, 3)).toBeCloseTo(Math.exp(-3), 15);
    expect(() => regularizedGammaP(0, 1)).toThrow(INVALID);
    expect(() => regularizedGammaQ(1, -1)).toThrow(INVALID);
    expect(() => regularizedGammaQ(1, Number.NaN)).toThrow(INVALID);
  });
});

describe('chiSquareSurvival', () => {
  it('gives α at the tabulated upper critical values (StatSoft chi-square table, right-tail areas, 5 decimals)', () => {
    // "Chi-Square Table", StatSoft Electronic Statistics Textbook (right tail areas for the
    // chi-square distribution): df 1 / .05 = 3.84146, df 2 / .05 = 5.99146, df 4 / .25 = 5.38527,
    // df 3 / .01 = 11.34487, df 10 / .05 = 18.30704, df 13 / .005 = 29.81947. Table rounding of the
    // critical value (±5e-6) moves α by less than 5e-7.
    expect(chiSquareSurvival(3.84146, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(5.99146, 2)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(5.38527, 4)).toBeCloseTo(0.25, 6);
    expect(chiSquareSurvival(11.34487, 3)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(18.30704, 10)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(29.81947, 13)).toBeCloseTo(0.005, 6);
  });

  it('gives 1 − α at the tabulated lower critical values (NIST/SEMATECH e-Handbook, §1.3.6.7.4, 3 decimals)', () => {
    // Lower critical values: df 10 exceeded with probability 0.90 at 4.865; df 30 with 0.99 at
    // 14.953; df 100 with 0.95 at 77.929. Rounding (±5e-4) moves the probability by < 1e-4.
    expect(chiSquareSurvival(4.865, 10)).toBeCloseTo(0.9, 4);
    expect(chiSquareSurvival(14.953, 30)).toBeCloseTo(0.99, 4);
    expect(chiSquareSurvival(77.929, 100)).toBeCloseTo(0.95, 4);
  });

  it('is the complement of the cdf and handles x = 0', () => {
    expect(chiSquareCdf(3.84146, 1) + chiSquareSurvival(3.84146, 1)).toBeCloseTo(1, 15);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(() => chiSquareSurvival(1, 0)).toThrow(INVALID);
    expect(() => chiSquareSurvival(-1, 2)).toThrow(INVALID);
  });
});
