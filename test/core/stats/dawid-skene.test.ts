import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dawidSkene } from '../../../src/core/stats/aggregation/dawid-skene.js';
import { type LabelJudgment, majorityVote } from '../../../src/core/stats/aggregation/majority-vote.js';

// Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using the EM
// algorithm", Applied Statistics 28(1):20-28, Table 1: 45 patients rated on a 4-point scale by 5
// anaesthetists; observer 1 rated every patient three times. Transcribed as in the reference
// implementation github.com/dallascard/dawid_skene (generate_sample_data) and in
// github.com/x-lin/consensusalgorithms (DawidSkeneAlgorithmTest.java), which agree.
const TABLE_1: number[][][] = [
  [[1, 1, 1], [1], [1], [1], [1]],
  [[3, 3, 3], [4], [3], [3], [4]],
  [[1, 1, 2], [2], [1], [2], [2]],
  [[2, 2, 2], [3], [1], [2], [1]],
  [[2, 2, 2], [3], [2], [2], [2]],
  [[2, 2, 2], [3], [3], [2], [2]],
  [[1, 2, 2], [2], [1], [1], [1]],
  [[3, 3, 3], [3], [4], [3], [3]],
  [[2, 2, 2], [2], [2], [2], [3]],
  [[2, 3, 2], [2], [2], [2], [3]],
  [[4, 4, 4], [4], [4], [4], [4]],
  [[2, 2, 2], [3], [3], [4], [3]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [3], [2], [1], [2]],
  [[1, 2, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [2], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [1]],
  [[2, 2, 2], [1], [3], [2], [2]],
  [[2, 2, 2], [2], [2], [2], [2]],
  [[2, 2, 2], [2], [2], [2], [1]],
  [[2, 2, 2], [3], [2], [2], [2]],
  [[2, 2, 1], [2], [2], [2], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 3, 2], [2], [2], [2], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 2], [1], [1], [2], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[3, 3, 3], [3], [2], [3], [3]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [2]],
  [[2, 2, 2], [3], [2], [3], [2]],
  [[4, 3, 3], [4], [3], [4], [3]],
  [[2, 2, 1], [2], [2], [3], [2]],
  [[2, 3, 2], [3], [2], [3], [3]],
  [[3, 3, 3], [3], [4], [3], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 2, 1], [2], [1], [1], [1]],
  [[2, 3, 2], [2], [2], [2], [2]],
  [[1, 2, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [2]],
];

const patient = (p: number): string => `p${String(p + 1).padStart(2, '0')}`;
const ANAESTHETISTS: LabelJudgment[] = TABLE_1.flatMap((observers, p) =>
  observers.flatMap((labels, o) => labels.map((label) => ({ item: patient(p), reviewer: `observer-${o + 1}`, label }))),
);

// Dawid & Skene (1979) estimates for these data, to the two decimals they are quoted with in the
// reference test github.com/x-lin/consensusalgorithms, DawidSkeneAlgorithmTest.java (class
// probabilities, observer error rates, patient class estimates).
const PUBLISHED_PRIORS = [0.4, 0.42, 0.11, 0.07];
// ERROR_RATES[observer][true class][given class].
const PUBLISHED_ERROR_RATES = [
  [
    [0.89, 0.11, 0, 0],
    [0.07, 0.88, 0.05, 0],
    [0, 0.34, 0.66, 0],
    [0, 0, 0.56, 0.44],
  ],
  [
    [0.83, 0.17, 0, 0],
    [0.05, 0.63, 0.31, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
  [
    [1, 0, 0, 0],
    [0.11, 0.79, 0.11, 0],
    [0, 0.4, 0.2, 0.4],
    [0, 0, 0.67, 0.33],
  ],
  [
    [0.94, 0.06, 0, 0],
    [0.05, 0.84, 0.1, 0],
    [0, 0, 0.8, 0.2],
    [0, 0, 0.33, 0.67],
  ],
  [
    [1, 0, 0, 0],
    [0.16, 0.73, 0.11, 0],
    [0, 0.21, 0.79, 0],
    [0, 0, 0.33, 0.67],
  ],
];
// Estimated true class of patients 1..45; all posteriors are 1.00 except the three listed below.
const PUBLISHED_CLASSES = [
  1, 4, 2, 2, 2, 2, 1, 3, 2, 2, 4, 3, 1, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 2, 1, 1, 1, 1, 3, 1, 2, 2, 4, 2, 3, 3, 1, 1, 1, 2, 1, 2,
];
const PUBLISHED_SOFT: Record<string, number[]> = {
  p07: [0.98, 0.02, 0, 0],
  p35: [0, 0.95, 0.05, 0],
  p38: [0, 0.02, 0.98, 0],
};

/** Small deterministic PRNG (mulberry32) so the synthetic data are fixed without a seed file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('dawidSkene', () => {
  it('reproduces the Dawid & Skene (1979) anaesthetist estimates without smoothing (2 decimals)', () => {
    const result = dawidSkene(ANAESTHETISTS, { smoothing: 0 });
    expect(result.converged).toBe(true);
    expect(result.labels).toEqual([1, 2, 3, 4]);
    result.classPriors.forEach((p, c) => expect(p.probability).toBeCloseTo(PUBLISHED_PRIORS[c]!, 2));
    result.reviewers.forEach((r, o) => {
      expect(r.reviewer).toBe(`observer-${o + 1}`);
      r.confusion.forEach((row, t) =>
        row.forEach((v, g) => expect(v, `observer ${o + 1} [${t + 1}][${g + 1}]`).toBeCloseTo(PUBLISHED_ERROR_RATES[o]![t]![g]!, 2)),
      );
    });
    expect(result.items.map((i) => i.label)).toEqual(PUBLISHED_CLASSES);
    for (const item of result.items) {
      const expected =
        PUBLISHED_SOFT[item.item] ?? [1, 2, 3, 4].map((l) => (l === PUBLISHED_CLASSES[Number(item.item.slice(1)) - 1] ? 1 : 0));
      item.posterior.forEach((p, c) => expect(p.probability, `${item.item} class ${c + 1}`).toBeCloseTo(expected[c]!, 2));
    }
  });

  it('with the default smoothing keeps the same labels and priors (2 decimals)', () => {
    const result = dawidSkene(ANAESTHETISTS);
    expect(result.converged).toBe(true);
    expect(result.items.map((i) => i.label)).toEqual(PUBLISHED_CLASSES);
    result.classPriors.forEach((p, c) => expect(p.probability).toBeCloseTo(PUBLISHED_PRIORS[c]!, 2));
  });

  it('never decreases the log-likelihood between EM iterations without smoothing (EM monotonicity)', () => {
    let previous = -Infinity;
    for (let n = 1; n <= 12; n++) {
      const { logLikelihood } = dawidSkene(ANAESTHETISTS, { smoothing: 0, maxIterations: n, tol: 1e-300 });
      expect(logLikelihood).toBeGreaterThanOrEqual(previous - 1e-9);
      previous = logLikelihood;
    }
  });

  it('recovers the truth and learns an adversarial reviewer on synthetic data', () => {
    // Synthetic, not published: 300 items, binary truth with P(pos) = 0.3; three honest reviewers
    // (accuracy 0.85, 0.8, 0.75) and one who answers the opposite 90% of the time.
    const random = rng(20240601);
    const truth: string[] = [];
    const judgments: LabelJudgment[] = [];
    const flip = (l: string): string => (l === 'pos' ? 'neg' : 'pos');
    for (let i = 0; i < 300; i++) {
      const t = random() < 0.3 ? 'pos' : 'neg';
      truth.push(t);
      const item = `item-${String(i).padStart(3, '0')}`;
      for (const [reviewer, accuracy] of [
        ['honest-1', 0.85],
        ['honest-2', 0.8],
        ['honest-3', 0.75],
        ['adversary', 0.1],
      ] as const) {
        judgments.push({ item, reviewer, label: random() < accuracy ? t : flip(t) });
      }
    }
    const result = dawidSkene(judgments);
    expect(result.converged).toBe(true);
    const correct = result.items.filter((it, i) => it.label === truth[i]).length;
    const majority = majorityVote(judgments, { ties: 'lowest' }).filter((it, i) => it.label === truth[i]).length;
    expect(correct / 300).toBeGreaterThan(0.95);
    expect(correct).toBeGreaterThan(majority);
    // labels = ['neg', 'pos']: the adversary's off-diagonal rates are near 0.9.
    const adversary = result.reviewers.find((r) => r.reviewer === 'adversary')!;
    expect(adversary.confusion[0]![1]).toBeGreaterThan(0.8);
    expect(adversary.confusion[1]![0]).toBeGreaterThan(0.8);
    expect(result.classPriors[1]!.probability).toBeCloseTo(0.3, 1);
  });

  it('is deterministic under input permutation and posteriors sum to 1 (property)', () => {
    const arb = fc.array(
      fc.record({
        item: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5'),
        reviewer: fc.constantFrom('r1', 'r2', 'r3'),
        label: fc.constantFrom('a', 'b', 'c'),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(
        arb.chain((js) => fc.tuple(fc.constant(js), fc.shuffledSubarray(js, { minLength: js.length, maxLength: js.length }))),
        ([a, b]) => {
          const ra = dawidSkene(a);
          expect(dawidSkene(b)).toEqual(ra);
          for (const item of ra.items) {
            const sum = item.posterior.reduce((s, p) => s + p.probability, 0);
            expect(sum).toBeCloseTo(1, 12);
            const best = Math.max(...item.posterior.map((p) => p.probability));
            expect(item.posterior.find((p) => p.probability === best)?.label).toBe(item.label);
          }
          for (const r of ra.reviewers) for (const row of r.confusion) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
          expect(ra.classPriors.reduce((s, p) => s + p.probability, 0)).toBeCloseTo(1, 12);
          expect(Number.isFinite(ra.logLikelihood)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a single label only: every item gets it with probability 1', () => {
    const result = dawidSkene([
      { item: 'x', reviewer: 'r1', label: 'ok' },
      { item: 'y', reviewer: 'r2', label: 'ok' },
    ]);
    expect(result.items).toEqual([
      { item: 'x', posterior: [{ label: 'ok', probability: 1 }], label: 'ok' },
      { item: 'y', posterior: [{ label: 'ok', probability: 1 }], label: 'ok' },
    ]);
    expect(result.converged).toBe(true);
    expect(result.logLikelihood).toBe(0);
  });

  it('reports non-convergence when maxIterations is reached', () => {
    const result = dawidSkene(ANAESTHETISTS, { maxIterations: 2 });
    expect(result).toMatchObject({ iterations: 2, converged: false });
  });

  it('throws typed errors for no judgments and malformed options', () => {
    expect(() => dawidSkene([])).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
    const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
    const one = [{ item: 'x', reviewer: 'r', label: 'a' }];
    expect(() => dawidSkene(one, { tol: 0 })).toThrow(invalid);
    expect(() => dawidSkene(one, { maxIterations: 0 })).toThrow(invalid);
    expect(() => dawidSkene(one, { smoothing: -1 })).toThrow(invalid);
    expect(() => dawidSkene(one, { categories: ['b'] })).toThrow(invalid);
  });
});
