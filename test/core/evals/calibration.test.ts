import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareKrippendorffUnits } from '../../../src/core/stats/agreement/krippendorff-alpha.js';
import { bootstrapKrippendorffUnits } from '../../../src/core/stats/agreement/krippendorff-bootstrap.js';
import { createRandom } from '../../../src/core/stats/random.js';
import {
  CALIBRATION_BUCKET_BOOTSTRAP_SAMPLES,
  CALIBRATION_DEFAULT_SEED,
  agreementBySegment,
  agreementOverTime,
  agreementReport,
  trustVerdict,
  type CalibrationConfusion,
  type CalibrationPair,
} from '../../../src/core/evals/calibration.js';

const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
type Verdict = 'pass' | 'fail';

let counter = 0;
function pair(
  evaluator: Verdict | 'unknown',
  human: Verdict,
  extra: { at?: number; segment?: string | null; evaluatorScore?: number | null; humanScore?: number | null } = {},
): CalibrationPair {
  counter++;
  return {
    item_id: `item-${counter}`,
    at: extra.at ?? 0,
    segment: extra.segment ?? null,
    evaluator: { status: evaluator, score: extra.evaluatorScore ?? null },
    human: { verdict: human, score: extra.humanScore ?? null },
  };
}

/** Pairs realising a confusion table (rows: evaluator, columns: people). */
function fromConfusion(c: CalibrationConfusion, extra: Parameters<typeof pair>[2] = {}): CalibrationPair[] {
  const out: CalibrationPair[] = [];
  const add = (count: number, e: Verdict, h: Verdict) => {
    for (let i = 0; i < count; i++) out.push(pair(e, h, extra));
  };
  add(c.pass_pass, 'pass', 'pass');
  add(c.pass_fail, 'pass', 'fail');
  add(c.fail_pass, 'fail', 'pass');
  add(c.fail_fail, 'fail', 'fail');
  return out;
}

/** Pairs carrying both scores; verdicts are irrelevant to the scores section. */
function scored(evaluator: readonly number[], human: readonly number[]): CalibrationPair[] {
  return evaluator.map((e, i) => pair('pass', 'pass', { evaluatorScore: e, humanScore: human[i] ?? null }));
}

describe('agreementReport: verdicts against published worked examples', () => {
  it("reproduces Wikipedia's Cohen's kappa example (κ = 0.4)", () => {
    // Wikipedia, "Cohen's kappa", simple example: Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15;
    // p_o = 0.70, p_e = 0.5, κ = 0.4 (also in test/core/stats/cohen-kappa.test.ts).
    const r = agreementReport(fromConfusion({ pass_pass: 20, pass_fail: 5, fail_pass: 10, fail_fail: 15 }));
    expect(r.n).toBe(50);
    expect(r.kappa?.value).toBeCloseTo(0.4, 12);
    expect(r.agreement?.value).toBeCloseTo(0.7, 12);
    // Hand computation: precision 15/(10 + 15), recall 15/(5 + 15).
    expect(r.precision?.value).toBeCloseTo(0.6, 12);
    expect(r.recall?.value).toBeCloseTo(0.75, 12);
  });

  it('matches the kappa and Wald interval of statpsych ci.kappa(.05, 31, 12, 4, 58)', () => {
    // Bonett, R package statpsych, ci.kappa reference example (Fleiss & Paik 2003 standard error):
    // Cohen kappa 0.6756757, SE 0.07344761, LL 0.5317210, UL 0.8196303.
    const r = agreementReport(fromConfusion({ pass_pass: 31, pass_fail: 12, fail_pass: 4, fail_fail: 58 }));
    expect(r.kappa?.value).toBeCloseTo(0.6756757, 7);
    expect(r.kappa?.low).toBeCloseTo(0.531721, 6);
    expect(r.kappa?.high).toBeCloseTo(0.8196303, 6);
  });

  it('gives Wilson intervals matching Newcombe (1998) Table I, method 3', () => {
    // Newcombe RG (1998), Stat Med 17:857-872, Table I (as in test/core/stats/wilson-interval.test.ts):
    // 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611.
    // An evaluator failing 263 outputs of which people failed 81: precision and agreement are 81/263.
    const failsAll = agreementReport(fromConfusion({ pass_pass: 0, pass_fail: 0, fail_pass: 182, fail_fail: 81 }));
    for (const share of [failsAll.precision, failsAll.agreement]) {
      expect(share?.value).toBeCloseTo(81 / 263, 12);
      expect(share?.low).toBeCloseTo(0.2553, 4);
      expect(share?.high).toBeCloseTo(0.3662, 4);
    }
    expect(failsAll.recall?.value).toBe(1);
    // Failing everything agrees with people only by chance: p_o = p_e, so κ = 0.
    expect(failsAll.kappa?.value).toBeCloseTo(0, 12);

    const missesMost = agreementReport(fromConfusion({ pass_pass: 30, pass_fail: 133, fail_pass: 0, fail_fail: 15 }));
    expect(missesMost.recall?.value).toBeCloseTo(15 / 148, 12);
    expect(missesMost.recall?.low).toBeCloseTo(0.0624, 4);
    expect(missesMost.recall?.high).toBeCloseTo(0.1605, 4);

    const neverRight = agreementReport(fromConfusion({ pass_pass: 10, pass_fail: 5, fail_pass: 20, fail_fail: 0 }));
    expect(neverRight.precision?.value).toBe(0);
    expect(neverRight.precision?.low).toBe(0);
    expect(neverRight.precision?.high).toBeCloseTo(0.1611, 4);
  });

  it('gives the agreement interval of Fagerland, Lydersen & Laake (2017) for 13/16', () => {
    // Statistical Analysis of Contingency Tables, ch. 2 (Ligarden example), Wilson score 0.5699–0.9341.
    const r = agreementReport(fromConfusion({ pass_pass: 7, pass_fail: 2, fail_pass: 1, fail_fail: 6 }));
    expect(r.agreement?.value).toBeCloseTo(13 / 16, 12);
    expect(r.agreement?.low).toBeCloseTo(0.5699, 4);
    expect(r.agreement?.high).toBeCloseTo(0.9341, 4);
    // Hand computation: row totals 9, 7; column totals 8, 8; p_e = (72 + 56)/256 = 0.5, κ = (0.8125 − 0.5)/0.5.
    expect(r.kappa?.value).toBeCloseTo(0.625, 12);
  });
});

describe('agreementReport: counts and degenerate data', () => {
  it('counts the confusion table with the evaluator as rows and leaves unknown pairs out of everything', () => {
    const known = [pair('pass', 'pass'), pair('pass', 'fail'), pair('pass', 'fail'), pair('fail', 'pass'), pair('fail', 'fail')];
    const unknown = [pair('unknown', 'fail'), pair('unknown', 'fail', { evaluatorScore: 1, humanScore: 5 })];
    const r = agreementReport([...known, ...unknown]);
    expect(r.confusion).toEqual({ pass_pass: 1, pass_fail: 2, fail_pass: 1, fail_fail: 1 });
    expect(r.n).toBe(5);
    expect(r.unknown).toBe(2);
    expect(r.precision?.value).toBeCloseTo(1 / 2, 12);
    expect(r.recall?.value).toBeCloseTo(1 / 3, 12);
    expect(r.agreement?.value).toBeCloseTo(2 / 5, 12);
    expect({ ...r, unknown: 0 }).toEqual(agreementReport(known));
    // The unknown pair's scores are not used either: only one would remain.
    expect(r.scores).toBeNull();
  });

  it('returns null figures instead of throwing when nothing can be measured', () => {
    const empty = agreementReport([pair('unknown', 'pass')]);
    expect(empty).toEqual({
      n: 0,
      unknown: 1,
      confusion: { pass_pass: 0, pass_fail: 0, fail_pass: 0, fail_fail: 0 },
      agreement: null,
      kappa: null,
      precision: null,
      recall: null,
      scores: null,
    });
    const allPass = agreementReport(fromConfusion({ pass_pass: 30, pass_fail: 0, fail_pass: 0, fail_fail: 0 }));
    expect(allPass.kappa).toBeNull();
    expect(allPass.agreement?.value).toBe(1);
    expect(allPass.precision).toBeNull();
    expect(allPass.recall).toBeNull();
  });

  it('rejects malformed pairs and options', () => {
    const ok = pair('pass', 'pass');
    expect(() => agreementReport([{ ...ok, evaluator: { status: 'maybe' as 'pass', score: null } }])).toThrow(invalid);
    expect(() => agreementReport([{ ...ok, human: { verdict: 'pass', score: Number.NaN } }])).toThrow(invalid);
    expect(() => agreementReport([{ ...ok, at: Number.POSITIVE_INFINITY }])).toThrow(invalid);
    expect(() => agreementReport([ok], { bootstrapSamples: 0 })).toThrow(invalid);
    expect(() => agreementReport([ok], { scoreLevel: 'ratio' as 'interval' })).toThrow(invalid);
  });
});

describe('agreementReport: scores', () => {
  // Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", section A: binary
  // data, observers A and B, α = 0.095. For two values δ² is the same at every level, so the
  // interval and ordinal alphas equal the nominal one.
  const SECTION_A_OBSERVER_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
  const SECTION_A_OBSERVER_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];

  it("reproduces Krippendorff's (2011) section A alpha, with the seeded unit bootstrap interval", () => {
    const pairs = scored(SECTION_A_OBSERVER_A, SECTION_A_OBSERVER_B);
    const r = agreementReport(pairs, { bootstrapSamples: 500, seed: 's' });
    expect(r.scores?.n).toBe(10);
    expect(r.scores?.alpha?.value).toBeCloseTo(0.095, 3);
    expect(r.scores?.alpha?.value).toBeCloseTo(1 - 76 / 84, 12);
    expect(agreementReport(pairs, { scoreLevel: 'ordinal' }).scores?.alpha?.value).toBeCloseTo(0.095, 3);
    // The interval is the stats module's bootstrap over the same units and seed.
    const ratings = SECTION_A_OBSERVER_A.flatMap((a, i) => [
      { unit: `${i}`, rater: 'evaluator', value: a },
      { unit: `${i}`, rater: 'people', value: SECTION_A_OBSERVER_B[i]! },
    ]);
    const expected = bootstrapKrippendorffUnits(prepareKrippendorffUnits(ratings, { level: 'interval' }), { samples: 500, seed: 's' });
    expect(r.scores?.alpha?.low).toBe(expected.ciLow);
    expect(r.scores?.alpha?.high).toBe(expected.ciHigh);
    // Default seed: reproducible.
    expect(agreementReport(pairs).scores).toEqual(agreementReport(pairs, { seed: CALIBRATION_DEFAULT_SEED }).scores);
    // Hand computation: table (evaluator rows 0, 1) [[5, 3], [1, 1]], p_o = 0.6, p_e = 0.56,
    // κ = 0.04/0.44; with two levels quadratic weights are the identity. Mean difference (2 − 4)/10.
    expect(r.scores?.weighted_kappa?.value).toBeCloseTo(0.04 / 0.44, 12);
    expect(r.scores?.mean_difference).toBeCloseTo(-0.2, 12);
  });

  it('reproduces R irr::kappa2(anxiety[, 1:2], "squared"): κ = 0.297', () => {
    // irr documentation example (also pyirr tests/test_kappa2.py); both raters use every level 1–6.
    const anxiety1 = [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3];
    const anxiety2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    const r = agreementReport(scored(anxiety1, anxiety2), { bootstrapSamples: 100 });
    expect(r.scores?.weighted_kappa?.value).toBeCloseTo(0.297, 3);
    expect(r.scores?.weighted_kappa?.low).toBeLessThan(0.297);
    // People's scores as means between points: halves round up and x.4 down, back to the same points.
    const means = anxiety2.map((s, i) => (i % 2 === 0 ? s - 0.5 : s + 0.4));
    expect(agreementReport(scored(anxiety1, means), { bootstrapSamples: 100 }).scores?.weighted_kappa?.value).toBeCloseTo(0.297, 3);
    const halves = agreementReport(scored([1, 2, 3, 3], [1.5, 2.4, 2.5, 3]), { bootstrapSamples: 100 });
    const rounded = agreementReport(scored([1, 2, 3, 3], [2, 2, 3, 3]), { bootstrapSamples: 100 });
    expect(halves.scores?.weighted_kappa).toEqual(rounded.scores?.weighted_kappa);
  });

  it('leaves weighted kappa out for scores off an integer scale, and the section out with fewer than two scored pairs', () => {
    const r = agreementReport(scored([0.2, 0.9, 0.4], [0.1, 1, 0.5]), { bootstrapSamples: 50 });
    expect(r.scores?.weighted_kappa).toBeNull();
    expect(r.scores?.alpha).not.toBeNull();
    expect(r.scores?.mean_difference).toBeCloseTo((0.1 - 0.1 - 0.1) / 3, 12);
    expect(agreementReport([...scored([3], [3]), pair('pass', 'pass', { evaluatorScore: 2 })]).scores).toBeNull();
    // Every score equal: alpha and kappa undefined, the section still reports n and the difference.
    const flat = agreementReport(scored([4, 4, 4], [4, 4, 4]));
    expect(flat.scores).toEqual({ n: 3, alpha: null, weighted_kappa: null, mean_difference: 0 });
  });
});

describe('agreementOverTime', () => {
  const pairs = [
    pair('pass', 'pass', { at: 0 }),
    pair('fail', 'fail', { at: 999 }),
    pair('pass', 'fail', { at: 1000 }),
    pair('unknown', 'fail', { at: 1500 }),
    pair('fail', 'pass', { at: 1999 }),
    pair('fail', 'fail', { at: 2000 }),
  ];

  it('buckets by `at` with the start inclusive and the end exclusive, in the order given', () => {
    const buckets = [
      { start: 1000, end: 2000 },
      { start: 0, end: 1000 },
      { start: 2000, end: 3000 },
      { start: 5000, end: 6000 },
    ];
    const out = agreementOverTime([...pairs].reverse(), buckets);
    expect(out.map((b) => [b.start, b.end])).toEqual(buckets.map((b) => [b.start, b.end]));
    expect(out.map((b) => [b.report.n, b.report.unknown])).toEqual([
      [2, 1],
      [2, 0],
      [1, 0],
      [0, 0],
    ]);
    expect(out[0]?.report.confusion).toEqual({ pass_pass: 0, pass_fail: 1, fail_pass: 1, fail_fail: 0 });
    expect(out[1]?.report.kappa?.value).toBe(1);
    expect(out[3]?.report.agreement).toBeNull();
  });

  it('uses a smaller bootstrap per bucket unless told otherwise', () => {
    const withScores = [1, 2, 3, 4, 5, 6].map((s, i) => pair('pass', 'pass', { at: i, evaluatorScore: s, humanScore: (s * 7) % 6 }));
    const [bucket] = agreementOverTime(withScores, [{ start: 0, end: 10 }]);
    expect(bucket?.report).toEqual(agreementReport(withScores, { bootstrapSamples: CALIBRATION_BUCKET_BOOTSTRAP_SAMPLES }));
    expect(bucket?.report).not.toEqual(agreementReport(withScores));
    const [full] = agreementOverTime(withScores, [{ start: 0, end: 10 }], { bootstrapSamples: 1000 });
    expect(full?.report).toEqual(agreementReport(withScores));
  });

  it('rejects empty or reversed buckets', () => {
    expect(() => agreementOverTime(pairs, [{ start: 5, end: 5 }])).toThrow(invalid);
    expect(() => agreementOverTime(pairs, [{ start: 0, end: Number.NaN }])).toThrow(invalid);
  });
});

describe('agreementBySegment', () => {
  const seg = (segment: string | null, count: number) => Array.from({ length: count }, () => pair('pass', 'fail', { segment }));

  it('puts the largest segments first, ties by value with null last, and keeps null as a segment', () => {
    const pairs = [...seg('b', 3), ...seg(null, 3), ...seg('a', 5), ...seg('c', 3), pair('unknown', 'pass', { segment: 'c' })];
    const out = agreementBySegment(pairs);
    expect(out.map((s) => s.segment)).toEqual(['a', 'c', 'b', null]);
    expect(out.map((s) => [s.report.n, s.report.unknown])).toEqual([
      [5, 0],
      [3, 1],
      [3, 0],
      [3, 0],
    ]);
    expect(agreementBySegment(pairs, { limit: 2 }).map((s) => s.segment)).toEqual(['a', 'c']);
    expect(agreementBySegment([...seg(null, 4), ...seg('x', 1)]).map((s) => s.segment)).toEqual([null, 'x']);
  });

  it('limits to 20 segments by default', () => {
    const pairs = Array.from({ length: 25 }, (_, i) => seg(`s${String(i).padStart(2, '0')}`, 1 + (i % 3))).flat();
    const out = agreementBySegment(pairs);
    expect(out).toHaveLength(20);
    expect(out[0]?.report.n).toBe(3);
    expect(out.at(-1)?.report.n).toBe(1);
    expect(() => agreementBySegment(pairs, { limit: 1.5 })).toThrow(invalid);
  });
});

describe('trustVerdict', () => {
  // statpsych ci.kappa example (see above): κ = 0.6757, 95% interval 0.5317–0.8196, n = 105.
  const statpsych = fromConfusion({ pass_pass: 31, pass_fail: 12, fail_pass: 4, fail_fail: 58 });

  it('trusts on the point kappa even when the interval reaches below the bar', () => {
    const v = trustVerdict(statpsych, { min_kappa: 0.6, min_checks: 50 });
    expect(v.trusted).toBe(true);
    expect(v.kappa).toBeCloseTo(0.6756757, 7);
    expect(v.kappa_low).toBeCloseTo(0.531721, 6);
    expect(v.checks).toBe(105);
    expect(v.reason).toBe('kappa 0.68 on 105 human checks (needs ≥ 0.6 on ≥ 50)');
  });

  it('refuses with too few checks, counting only pairs the evaluator judged', () => {
    const v = trustVerdict([...statpsych, pair('unknown', 'pass')], { min_kappa: 0.6, min_checks: 200 });
    expect(v.trusted).toBe(false);
    expect(v.checks).toBe(105);
    expect(v.kappa).toBeCloseTo(0.6756757, 7);
    expect(v.reason).toBe('only 105 human checks (needs 200; 1 more the evaluator could not judge)');
    expect(trustVerdict([], { min_kappa: 0.6, min_checks: 50 }).reason).toBe('no human checks (needs 50)');
    expect(trustVerdict([], { min_kappa: 0.6, min_checks: 0 }).trusted).toBe(false);
  });

  it('refuses when kappa is below the bar, never showing a rounded kappa that seems to clear it', () => {
    const low = trustVerdict(statpsych, { min_kappa: 0.7, min_checks: 50 });
    expect(low.trusted).toBe(false);
    expect(low.reason).toBe('kappa 0.68 is below 0.7 on 105 human checks (needs ≥ 0.7 on ≥ 50)');
    // Hand computation: 2(6·38 − 1·5)/(7·39 + 11·43) = 446/746 = 0.59786, which "0.60" would misstate.
    const close = trustVerdict(fromConfusion({ pass_pass: 6, pass_fail: 1, fail_pass: 5, fail_fail: 38 }), {
      min_kappa: 0.6,
      min_checks: 50,
    });
    expect(close.kappa).toBeCloseTo(446 / 746, 12);
    expect(close.trusted).toBe(false);
    expect(close.reason).toBe('kappa 0.598 is below 0.6 on 50 human checks (needs ≥ 0.6 on ≥ 50)');
  });

  it('does not trust a kappa that is undefined because every check got the same verdict', () => {
    const v = trustVerdict(fromConfusion({ pass_pass: 80, pass_fail: 0, fail_pass: 0, fail_fail: 0 }), { min_kappa: 0.6, min_checks: 50 });
    expect(v).toMatchObject({ trusted: false, kappa: null, kappa_low: null, checks: 80 });
    expect(v.reason).toMatch(/^kappa undefined: .*all 80 human checks the same verdict \(pass\)/);
  });

  it('rejects an impossible requirement', () => {
    expect(() => trustVerdict(statpsych, { min_kappa: 2, min_checks: 50 })).toThrow(invalid);
    expect(() => trustVerdict(statpsych, { min_kappa: 0.6, min_checks: -1 })).toThrow(invalid);
  });

  /** 400 outputs, people failing about 40%; the evaluator's verdict is people's flipped with probability `flip`. */
  function simulate(seed: string, flip: number): CalibrationPair[] {
    const rng = createRandom(seed);
    return Array.from({ length: 400 }, () => {
      const human: Verdict = rng.nextFloat() < 0.4 ? 'fail' : 'pass';
      const flipped: Verdict = human === 'pass' ? 'fail' : 'pass';
      return pair(rng.nextFloat() < flip ? flipped : human, human);
    });
  }

  it('distrusts an evaluator that flips 40% of verdicts and trusts one that matches 95% (property over seeds)', () => {
    // Expected values: people fail with π = 0.4, the evaluator with q = π(1 − f) + (1 − π)f, p_o = 1 − f,
    // p_e = πq + (1 − π)(1 − q). f = 0.4: q = 0.48, p_e = 0.504, κ = 0.096/0.496 ≈ 0.19; f = 0.05:
    // q = 0.41, p_e = 0.518, κ = 0.432/0.482 ≈ 0.90. Standard errors at n = 400 are about 0.05 and
    // 0.023, so the bounds below are four or more standard errors away.
    const requirement = { min_kappa: 0.6, min_checks: 200 };
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const noisy = trustVerdict(simulate(seed, 0.4), requirement);
        expect(noisy.trusted).toBe(false);
        expect(noisy.kappa!).toBeLessThan(0.4);
        const good = trustVerdict(simulate(seed, 0.05), requirement);
        expect(good.trusted).toBe(true);
        expect(good.kappa!).toBeGreaterThan(0.8);
      }),
      { numRuns: 30 },
    );
  });
});
