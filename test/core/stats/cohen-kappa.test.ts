import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cohenKappa, cohenKappaFromMatrix } from '../../../src/core/stats/agreement/cohen-kappa.js';
import type { Rating, RatingValue } from '../../../src/core/stats/ratings.js';

const code = (c: string) => expect.objectContaining({ code: c });

/** Two raters' values per unit (index = unit) to ratings. */
function pairs(a: readonly (RatingValue | null)[], b: readonly (RatingValue | null)[], raterA = 'A', raterB = 'B'): Rating[] {
  return a.flatMap((value, i) => [
    { unit: `u${i + 1}`, rater: raterA, value },
    { unit: `u${i + 1}`, rater: raterB, value: b[i] ?? null },
  ]);
}

/** Expands a confusion matrix of counts (rows: rater A, columns: rater B) into ratings. */
function fromMatrix(matrix: readonly (readonly number[])[], labels: readonly RatingValue[]): Rating[] {
  const a: RatingValue[] = [];
  const b: RatingValue[] = [];
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      for (let c = 0; c < count; c++) {
        a.push(labels[i] as RatingValue);
        b.push(labels[j] as RatingValue);
      }
    }),
  );
  return pairs(a, b);
}

// R package irr, dataset `anxiety` (20 subjects rated 1–6 by three raters), as listed in
// statsmodels test_inter_rater.py and pyirr's data/anxiety.csv.
const ANXIETY_1 = [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3];
const ANXIETY_2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
const ANXIETY_3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];

// A 3×3 table with SAS PROC FREQ (AGREE) printouts, reproduced in statsmodels
// test_inter_rater.py (UnweightedCohens / TestWeightedCohens, table10).
const SAS_TABLE = [
  [0, 4, 1],
  [0, 8, 0],
  [0, 1, 5],
];

describe('cohenKappaFromMatrix — published examples', () => {
  it('reproduces the 50 grant proposals example (κ = 0.4)', () => {
    // Wikipedia, "Cohen's kappa", simple example (also tutorialspoint "Cohen's kappa
    // coefficient"): two readers, Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15; p_o = 0.70,
    // p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    const r = cohenKappaFromMatrix([
      [20, 5],
      [10, 15],
    ]);
    expect(r.observedAgreement).toBeCloseTo(0.7, 12);
    expect(r.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(r.value).toBeCloseTo(0.4, 12);
    expect(r.n).toBe(50);
    // Collapsing a 2×2 table category-vs-rest gives the same table back, so both equal κ.
    expect(r.perCategory.map((c) => c.value)).toEqual([expect.closeTo(0.4, 12), expect.closeTo(0.4, 12)]);
  });

  it('matches SAS simple kappa, ASE, 95% limits and the H0 test', () => {
    // SAS printout: Kappa 0.4842, ASE 0.1380, 95% limits 0.2137–0.7547; ASE under H0 0.1484, Z 3.2626.
    const r = cohenKappaFromMatrix(SAS_TABLE);
    expect(r.value).toBeCloseTo(0.4842, 4);
    expect(r.standardError).toBeCloseTo(0.138, 4);
    expect(r.interval.low).toBeCloseTo(0.2137, 4);
    expect(r.interval.high).toBeCloseTo(0.7547, 4);
    expect(r.interval.level).toBe(0.95);
    expect(r.nullStandardError).toBeCloseTo(0.1484, 4);
    expect(r.value / r.nullStandardError).toBeCloseTo(3.2626, 4);
  });

  it('matches SAS weighted kappa with Cicchetti–Allison (linear) weights', () => {
    // SAS printout (scores 0, 1, 2): Weighted Kappa 0.4701, ASE 0.1457, 95% limits 0.1845–0.7558;
    // ASE under H0 0.1426, Z 3.2971.
    const r = cohenKappaFromMatrix(SAS_TABLE, { weights: 'linear' });
    expect(r.weights).toBe('linear');
    expect(r.value).toBeCloseTo(0.4701, 4);
    expect(r.standardError).toBeCloseTo(0.1457, 4);
    expect(r.interval.low).toBeCloseTo(0.1845, 4);
    expect(r.interval.high).toBeCloseTo(0.7558, 4);
    expect(r.nullStandardError).toBeCloseTo(0.1426, 4);
    expect(r.value / r.nullStandardError).toBeCloseTo(3.2971, 4);
  });

  it('gives category-vs-rest kappas equal to the collapsed 2×2 kappas', () => {
    // Hand computation (no published value): n = 19; for category j with diagonal a, row total r
    // and column total c, κ_j = 2(ad − bc')/(r(n−c) + c(n−r)) with b = r−a, c' = c−a,
    // d = n−r−c+a. Category 1: a=0, r=5, c=0 → 0; category 2: a=8, r=8, c=13 → 96/191;
    // category 3: a=5, r=6, c=6 → 118/156.
    const r = cohenKappaFromMatrix(SAS_TABLE);
    expect(r.perCategory.map((c) => c.value)).toEqual([expect.closeTo(0, 12), expect.closeTo(96 / 191, 12), expect.closeTo(118 / 156, 12)]);
    const collapsed = cohenKappaFromMatrix([
      [8, 0],
      [5, 6],
    ]);
    expect(r.perCategory[1]?.value).toBeCloseTo(collapsed.value, 12);
  });
});

describe('cohenKappa — from ratings (R irr::kappa2 on the anxiety data)', () => {
  it('squared weights, raters 1 and 2: κ = 0.297', () => {
    // irr documentation example kappa2(anxiety[, 1:2], "squared"): Kappa = 0.297, z = 1.34
    // (also asserted by pyirr tests/test_kappa2.py).
    const r = cohenKappa(pairs(ANXIETY_1, ANXIETY_2), { weights: 'quadratic' });
    expect(r.value).toBeCloseTo(0.297, 3);
    expect(r.value / r.nullStandardError).toBeCloseTo(1.34, 2);
    expect(r.units).toBe(20);
    expect(r.raters).toEqual(['A', 'B']);
  });

  it('raters 2 and 3, unweighted, linear and quadratic', () => {
    // R output printed in statsmodels test_inter_rater.py (test_cohens_kappa_irr):
    // unweighted −0.006289308 (z −0.0604067); "equal" 0.1459075 (z 1.282472); "squared"
    // 0.2520325 (z 1.437451). irr's levels are the observed values 1, 2, 3, 4, 6.
    const ratings = pairs(ANXIETY_2, ANXIETY_3);
    const unweighted = cohenKappa(ratings);
    expect(unweighted.categories).toEqual([1, 2, 3, 4, 6]);
    expect(unweighted.value).toBeCloseTo(-0.006289308, 8);
    expect(unweighted.value / unweighted.nullStandardError).toBeCloseTo(-0.0604067, 6);
    const linear = cohenKappa(ratings, { weights: 'linear' });
    expect(linear.value).toBeCloseTo(0.1459075, 7);
    expect(linear.value / linear.nullStandardError).toBeCloseTo(1.282472, 5);
    const quadratic = cohenKappa(ratings, { weights: 'quadratic' });
    expect(quadratic.value).toBeCloseTo(0.2520325, 7);
    expect(quadratic.value / quadratic.nullStandardError).toBeCloseTo(1.437451, 5);
  });

  it('builds the confusion matrix from labelled ratings and drops units not rated by both', () => {
    const ratings = [
      ...fromMatrix(
        [
          [20, 5],
          [10, 15],
        ],
        ['yes', 'no'],
      ),
      { unit: 'extra', rater: 'A', value: 'yes' },
      { unit: 'extra', rater: 'B', value: null },
      { unit: 'only-a', rater: 'A', value: 'maybe' },
    ];
    const r = cohenKappa(ratings);
    expect(r.units).toBe(50);
    // 'maybe' only occurs in an unpaired unit, so it is not a matrix label.
    expect(r.categories).toEqual(['no', 'yes']);
    expect(r.matrix).toEqual([
      [15, 10],
      [5, 20],
    ]);
    expect(r.value).toBeCloseTo(0.4, 12);
    expect(r.perCategory.map((c) => c.category)).toEqual(['no', 'yes']);
  });

  it('orders non-numeric categories for weighted kappa only when told', () => {
    const labels = ['low', 'mid', 'high'];
    const ratings = fromMatrix(SAS_TABLE, labels);
    expect(() => cohenKappa(ratings, { weights: 'linear' })).toThrow(code('TG_STATS_INVALID_INPUT'));
    const r = cohenKappa(ratings, { weights: 'linear', categories: labels });
    expect(r.categories).toEqual(labels);
    expect(r.value).toBeCloseTo(0.4701, 4);
    expect(() => cohenKappa(ratings, { weights: 'linear', categories: ['low', 'mid'] })).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => cohenKappa(ratings, { weights: 'linear', categories: ['low', 'mid', 'high', 'low'] })).toThrow(
      code('TG_STATS_INVALID_INPUT'),
    );
  });

  it('counts unobserved levels listed in categories for the weights', () => {
    // With levels 1..4 but only 1, 2, 4 used, the matrix has an empty row/column for 3.
    const r = cohenKappa(pairs([1, 2, 4, 4], [1, 4, 2, 4]), { weights: 'linear', categories: [1, 2, 3, 4] });
    expect(r.categories).toEqual([1, 2, 3, 4]);
    expect(r.matrix[2]).toEqual([0, 0, 0, 0]);
    expect(r.perCategory[2]?.value).toBeNull();
  });
});

describe('cohenKappa — edge cases', () => {
  it('needs exactly two raters', () => {
    const three: Rating[] = [...pairs(['a', 'b'], ['a', 'b']), { unit: 'u1', rater: 'C', value: 'a' }];
    expect(() => cohenKappa(three)).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => cohenKappa([{ unit: 'u1', rater: 'A', value: 'a' }])).toThrow(code('TG_STATS_INVALID_INPUT'));
  });

  it('rejects a unit+rater pair given twice, naming it', () => {
    const ratings = [...pairs(['a'], ['b']), { unit: 'u1', rater: 'B', value: 'a' }];
    expect(() => cohenKappa(ratings)).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => cohenKappa(ratings)).toThrow(/"B".*"u1"/);
  });

  it('is undefined when both raters use one single category (p_e = 1), including a single agreeing unit', () => {
    expect(() => cohenKappa(pairs(['a', 'a', 'a'], ['a', 'a', 'a']))).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => cohenKappa(pairs([1], [1]), { weights: 'quadratic' })).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => cohenKappaFromMatrix([[7]])).toThrow(code('TG_STATS_UNDEFINED'));
  });

  it('is defined (0) for a single unit on which the raters disagree', () => {
    // p_o = 0 and p_e = 1·0 + 0·1 = 0, so κ = 0.
    expect(cohenKappa(pairs(['a'], ['b'])).value).toBe(0);
  });

  it('is undefined when all values are missing or no unit is rated by both', () => {
    expect(() => cohenKappa(pairs([null, null], [null, null]))).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => cohenKappa(pairs(['a', null], [null, 'b']))).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() =>
      cohenKappaFromMatrix([
        [0, 0],
        [0, 0],
      ]),
    ).toThrow(code('TG_STATS_UNDEFINED'));
  });

  it('rejects malformed matrices and options', () => {
    expect(() => cohenKappaFromMatrix([])).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => cohenKappaFromMatrix([[1, 2], [3]])).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() =>
      cohenKappaFromMatrix([
        [1, -2],
        [3, 4],
      ]),
    ).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() =>
      cohenKappaFromMatrix([
        [1, NaN],
        [3, 4],
      ]),
    ).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() =>
      cohenKappaFromMatrix(
        [
          [1, 2],
          [3, 4],
        ],
        { weights: 'cubic' as 'linear' },
      ),
    ).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => cohenKappa(pairs([Infinity], [1]))).toThrow(code('TG_STATS_INVALID_INPUT'));
  });
});

describe('cohenKappa — properties', () => {
  const labels = ['a', 'b', 'c', 'd'] as const;
  const twoRaters = fc
    .integer({ min: 1, max: 25 })
    .chain((n) =>
      fc.tuple(
        fc.array(fc.constantFrom(...labels), { minLength: n, maxLength: n }),
        fc.array(fc.constantFrom(...labels), { minLength: n, maxLength: n }),
      ),
    );
  const defined = (a: string[], b: string[]) => new Set([...a, ...b]).size > 1;

  it('is 1 under perfect agreement when more than one category is used (unweighted and weighted)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 30 }), (values) => {
        fc.pre(new Set(values).size > 1);
        const ratings = pairs(values, values);
        expect(cohenKappa(ratings).value).toBeCloseTo(1, 12);
        expect(cohenKappa(ratings, { weights: 'linear' }).value).toBeCloseTo(1, 12);
        expect(cohenKappa(ratings, { weights: 'quadratic' }).value).toBeCloseTo(1, 12);
      }),
    );
  });

  it('is symmetric in the raters, invariant to relabelling (unweighted), and within [−1, 1]', () => {
    const relabel: Record<string, string> = { a: 'q', b: 'zz', c: 'a', d: 'm' };
    fc.assert(
      fc.property(twoRaters, ([a, b]) => {
        fc.pre(defined(a, b));
        const base = cohenKappa(pairs(a, b));
        expect(base.value).toBeLessThanOrEqual(1 + 1e-12);
        expect(base.value).toBeGreaterThanOrEqual(-1 - 1e-12);
        expect(base.interval.low).toBeLessThanOrEqual(base.value);
        expect(base.interval.high).toBeGreaterThanOrEqual(base.value);
        expect(cohenKappa(pairs(b, a)).value).toBeCloseTo(base.value, 12);
        expect(cohenKappa(pairs(a, b, 'zed', 'alpha')).value).toBeCloseTo(base.value, 12);
        const relabelled = cohenKappa(
          pairs(
            a.map((v) => relabel[v] ?? v),
            b.map((v) => relabel[v] ?? v),
          ),
        );
        expect(relabelled.value).toBeCloseTo(base.value, 12);
        const weighted = cohenKappa(pairs(a, b), { weights: 'quadratic', categories: labels });
        expect(cohenKappa(pairs(b, a), { weights: 'quadratic', categories: labels }).value).toBeCloseTo(weighted.value, 12);
        expect(weighted.value).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });
});
