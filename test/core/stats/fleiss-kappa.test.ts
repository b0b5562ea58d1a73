import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fleissKappa, fleissKappaFromCounts } from '../../../src/core/stats/agreement/fleiss-kappa.js';
import type { Rating, RatingValue } from '../../../src/core/stats/ratings.js';

/** One row per unit, one column per rating slot (the slot id becomes the rater id). */
function fromRows(rows: readonly (readonly (RatingValue | null)[])[]): Rating[] {
  return rows.flatMap((row, u) => row.map((value, r) => ({ unit: `u${u + 1}`, rater: `r${r + 1}`, value })));
}

/** Expands a units × categories count matrix into ratings (raters are per-unit slots, as Fleiss allows). */
function fromCounts(counts: readonly (readonly number[])[]): Rating[] {
  return counts.flatMap((row, u) => {
    const values = row.flatMap((n, j) => new Array<number>(n).fill(j + 1));
    return values.map((value, r) => ({ unit: `u${u + 1}`, rater: `r${r + 1}`, value }));
  });
}

// Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
// Bulletin 76(5), 378–382, Table 1: 30 patients, 6 psychiatric diagnoses each, categories
// 1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other. Raw form as
// distributed in R package irr (dataset `diagnoses`) and statsmodels test_inter_rater.py.
const DIAGNOSES = [
  [4, 4, 4, 4, 4, 4],
  [2, 2, 2, 5, 5, 5],
  [2, 3, 3, 3, 3, 5],
  [5, 5, 5, 5, 5, 5],
  [2, 2, 2, 4, 4, 4],
  [1, 1, 3, 3, 3, 3],
  [3, 3, 3, 3, 5, 5],
  [1, 1, 3, 3, 3, 4],
  [1, 1, 4, 4, 4, 4],
  [5, 5, 5, 5, 5, 5],
  [1, 4, 4, 4, 4, 4],
  [1, 2, 4, 4, 4, 4],
  [2, 2, 2, 3, 3, 3],
  [1, 4, 4, 4, 4, 4],
  [2, 2, 4, 4, 4, 5],
  [3, 3, 3, 3, 3, 5],
  [1, 1, 1, 4, 5, 5],
  [1, 1, 1, 1, 1, 2],
  [2, 2, 4, 4, 4, 4],
  [1, 3, 3, 5, 5, 5],
  [5, 5, 5, 5, 5, 5],
  [2, 4, 4, 4, 4, 4],
  [2, 2, 4, 5, 5, 5],
  [1, 1, 4, 4, 4, 4],
  [1, 4, 4, 4, 4, 5],
  [2, 2, 2, 2, 2, 4],
  [1, 1, 1, 1, 5, 5],
  [2, 2, 4, 4, 4, 4],
  [1, 3, 3, 3, 3, 3],
  [5, 5, 5, 5, 5, 5],
];

// Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories, with the
// table's P_i column (values as tabulated there; also in statsmodels test_inter_rater.py).
const WIKIPEDIA = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];
const WIKIPEDIA_P_I = [1.0, 0.253, 0.308, 0.44, 0.33, 0.462, 0.242, 0.176, 0.286, 0.286];

describe('fleissKappa — Fleiss (1971) psychiatric diagnoses', () => {
  const result = fleissKappa(fromRows(DIAGNOSES));

  it('reproduces the published kappa .430 and the category-wise kappas', () => {
    // Fleiss (1971): κ = .430; κ_j = .245, .245, .520, .471, .566 (same values printed by
    // R irr::kappam.fleiss(diagnoses, detail = TRUE), Kappa = 0.430, z = 17.7).
    expect(result.value).toBeCloseTo(0.43, 3);
    expect(result.perCategory.map((c) => c.category)).toEqual([1, 2, 3, 4, 5]);
    const published = [0.245, 0.245, 0.52, 0.471, 0.566];
    result.perCategory.forEach((c, j) => expect(c.value).toBeCloseTo(published[j] ?? NaN, 3));
    expect(result.units).toBe(30);
    expect(result.ratersPerUnit).toBe(6);
  });

  it('matches the irr z statistic (null standard error of Fleiss, Nee & Landis 1979)', () => {
    // R irr::kappam.fleiss(diagnoses): value 0.4302445, z = 17.65183 (printed in statsmodels'
    // test_inter_rater.py, test_fleiss_kappa_irr).
    expect(result.value).toBeCloseTo(0.4302445, 7);
    expect(result.z).toBeCloseTo(17.65183, 4);
  });

  it('uses the pooled category totals 26, 26, 30, 55, 43 (statsmodels test_aggregate_raters)', () => {
    const totals = result.perCategory.map((c) => Math.round(c.proportion * 180));
    expect(totals).toEqual([26, 26, 30, 55, 43]);
    expect(result.meanAgreement).toBeCloseTo(result.unitAgreement.reduce((s, u) => s + u.value, 0) / 30, 12);
    expect(result.value).toBeCloseTo((result.meanAgreement - result.expectedAgreement) / (1 - result.expectedAgreement), 12);
  });
});

describe('fleissKappaFromCounts — Wikipedia worked example', () => {
  const result = fleissKappaFromCounts(WIKIPEDIA);

  it('reproduces κ = 0.210 and the tabulated P_i', () => {
    expect(result.value).toBeCloseTo(0.21, 3);
    result.unitAgreement.forEach((p, i) => expect(p).toBeCloseTo(WIKIPEDIA_P_I[i] ?? NaN, 3));
    // Hand computation from the table: column totals 20, 28, 39, 21, 32 of 140 ratings give
    // p_j and P̄_e = (20² + 28² + 39² + 21² + 32²)/140² = 4170/19600; P̄ is the mean of the P_i.
    const pj = [20, 28, 39, 21, 32].map((c) => c / 140);
    result.perCategory.forEach((c, j) => expect(c.proportion).toBeCloseTo(pj[j] ?? NaN, 12));
    expect(result.expectedAgreement).toBeCloseTo(4170 / 19600, 12);
    expect(result.meanAgreement).toBeCloseTo(WIKIPEDIA_P_I.reduce((s, p) => s + p, 0) / 10, 3);
  });

  it('matches the per-category kappas, standard errors and z of Cardillo (2007)', () => {
    // Cardillo G. (2007) fleiss.m, MATLAB Central File Exchange 15426, README output for this
    // table: kj = 0.2013 0.0797 0.1716 0.0304 0.5077; s.e. 0.0331; z = 6.0719 2.4034 5.1764
    // 0.9165 15.3141; overall kappa 0.2099, kappa error 0.0170, z = 12.3743.
    const kj = [0.2013, 0.0797, 0.1716, 0.0304, 0.5077];
    const zj = [6.0719, 2.4034, 5.1764, 0.9165, 15.3141];
    result.perCategory.forEach((c, j) => {
      expect(c.value).toBeCloseTo(kj[j] ?? NaN, 4);
      expect(c.z).toBeCloseTo(zj[j] ?? NaN, 3);
    });
    expect(result.categoryNullStandardError).toBeCloseTo(0.0331, 4);
    expect(result.value).toBeCloseTo(0.2099, 4);
    expect(result.nullStandardError).toBeCloseTo(0.017, 4);
    expect(result.z).toBeCloseTo(12.3743, 3);
  });

  it('gives the same answer from ratings as from counts', () => {
    const fromRatings = fleissKappa(fromCounts(WIKIPEDIA));
    expect(fromRatings.value).toBeCloseTo(result.value, 12);
    expect(fromRatings.unitAgreement.map((u) => u.unit)).toEqual(WIKIPEDIA.map((_, i) => `u${i + 1}`));
    expect(fromRatings.raters).toBe(14);
  });
});

describe('fleissKappa — edge cases', () => {
  const code = (c: string) => expect.objectContaining({ code: c });

  it('rejects units with different numbers of non-missing ratings, naming a unit and the counts', () => {
    const ratings = fromRows([
      ['a', 'a', 'b'],
      ['a', null, 'b'],
    ]);
    expect(() => fleissKappa(ratings)).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => fleissKappa(ratings)).toThrow(/unit "u2" has 2.*unit "u1" has 3.*counts found: 2, 3/);
  });

  it('rejects a unit+rater pair given twice', () => {
    const ratings: Rating[] = [
      { unit: 'x', rater: 'r1', value: 1 },
      { unit: 'x', rater: 'r1', value: 2 },
    ];
    expect(() => fleissKappa(ratings)).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => fleissKappa(ratings)).toThrow(/"r1".*"x"/);
  });

  it('rejects malformed count matrices', () => {
    expect(() => fleissKappaFromCounts([[1, 2], [3]])).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() =>
      fleissKappaFromCounts([
        [1, 2],
        [2, 2],
      ]),
    ).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => fleissKappaFromCounts([[1.5, 1.5]])).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => fleissKappaFromCounts([[-1, 3]])).toThrow(code('TG_STATS_INVALID_INPUT'));
  });

  it('is undefined with one category only, all values missing, no input, or one rating per unit', () => {
    expect(() =>
      fleissKappa(
        fromRows([
          ['a', 'a'],
          ['a', 'a'],
        ]),
      ),
    ).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() =>
      fleissKappa(
        fromRows([
          [null, null],
          [null, null],
        ]),
      ),
    ).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => fleissKappa([])).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => fleissKappa(fromRows([['a'], ['b']]))).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => fleissKappaFromCounts([])).toThrow(code('TG_STATS_UNDEFINED'));
  });

  it('is defined for a single unit with two categories (κ from pooled shares), and κ_j is null for unused categories', () => {
    // Hand computation: one unit, ratings a,a,b: P_1 = (4+1−3)/6 = 1/3, p = (2/3, 1/3),
    // P̄_e = 5/9, κ = (1/3 − 5/9)/(4/9) = −1/2.
    const r = fleissKappaFromCounts([[2, 1, 0]]);
    expect(r.value).toBeCloseTo(-0.5, 12);
    expect(r.perCategory[2]?.value).toBeNull();
    expect(r.perCategory[2]?.z).toBeNull();
  });
});

describe('fleissKappa — properties', () => {
  // 2–6 units, 2–5 ratings per unit, values from a small label set.
  const design = fc.record({ units: fc.integer({ min: 2, max: 6 }), raters: fc.integer({ min: 2, max: 5 }) }).chain(({ units, raters }) =>
    fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: raters, maxLength: raters }), {
      minLength: units,
      maxLength: units,
    }),
  );
  const defined = (rows: string[][]) => new Set(rows.flat()).size > 1;

  it('is 1 under perfect agreement (when more than one category is used)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 2, maxLength: 8 }), fc.integer({ min: 2, max: 5 }), (labels, n) => {
        fc.pre(new Set(labels).size > 1);
        const rows = labels.map((l) => new Array<string>(n).fill(l));
        expect(fleissKappa(fromRows(rows)).value).toBeCloseTo(1, 12);
      }),
    );
  });

  it('is unchanged by relabelling categories and by renaming or reordering raters; stays ≤ 1', () => {
    const relabel: Record<string, string> = { a: 'zeta', b: 'alpha', c: 'mu', d: 'beta' };
    fc.assert(
      fc.property(design, (rows) => {
        fc.pre(defined(rows));
        const base = fleissKappa(fromRows(rows)).value;
        expect(base).toBeLessThanOrEqual(1 + 1e-12);
        const relabelled = fleissKappa(fromRows(rows.map((row) => row.map((v) => relabel[v] ?? v)))).value;
        expect(relabelled).toBeCloseTo(base, 12);
        const reversed = fromRows(rows.map((row) => [...row].reverse()))
          .map((r) => ({ ...r, rater: `other-${r.rater}` }))
          .reverse();
        expect(fleissKappa(reversed).value).toBeCloseTo(base, 12);
      }),
    );
  });
});
