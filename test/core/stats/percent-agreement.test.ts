import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentAgreement } from '../../../src/core/stats/agreement/percent-agreement.js';
import type { Rating, RatingValue } from '../../../src/core/stats/ratings.js';

const code = (c: string) => expect.objectContaining({ code: c });

/** One row per unit, one column per rater. */
function fromRows(rows: readonly (readonly (RatingValue | null)[])[], raterName = (r: number) => `r${r + 1}`): Rating[] {
  return rows.flatMap((row, u) => row.map((value, r) => ({ unit: `u${u + 1}`, rater: raterName(r), value })));
}

/** Expands a units × categories count matrix into ratings. */
function fromCounts(counts: readonly (readonly number[])[]): Rating[] {
  return fromRows(counts.map((row) => row.flatMap((n, j) => new Array<number>(n).fill(j + 1))));
}

describe('percentAgreement — published examples', () => {
  it('two raters: share of agreeing units, p_o = 0.70 in the 50 grant proposals example', () => {
    // Wikipedia, "Cohen's kappa", simple example (also tutorialspoint "Cohen's kappa
    // coefficient"): Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 → p_o = (20 + 15)/50 = 0.70.
    const cells: [string, string, number][] = [
      ['yes', 'yes', 20],
      ['yes', 'no', 5],
      ['no', 'yes', 10],
      ['no', 'no', 15],
    ];
    const rows = cells.flatMap(([a, b, n]) => new Array<string[]>(n).fill([a, b]));
    const r = percentAgreement(fromRows(rows));
    expect(r.value).toBeCloseTo(0.7, 12);
    expect(r.units).toBe(50);
    expect(r.raters).toBe(2);
  });

  it("many raters: mean share of agreeing pairs equals Fleiss's P̄ (Wikipedia 14-rater example)", () => {
    // Wikipedia, "Fleiss' kappa", worked example (10 subjects, 14 raters): the table's P_i
    // column 1.000, 0.253, 0.308, 0.440, 0.330, 0.462, 0.242, 0.176, 0.286, 0.286, whose mean
    // is P̄ (table and P_i also in statsmodels test_inter_rater.py).
    const counts = [
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
    const pI = [1.0, 0.253, 0.308, 0.44, 0.33, 0.462, 0.242, 0.176, 0.286, 0.286];
    const r = percentAgreement(fromCounts(counts));
    expect(r.value).toBeCloseTo(pI.reduce((s, p) => s + p, 0) / pI.length, 3);
    expect(r.units).toBe(10);
    expect(r.raters).toBe(14);
  });
});

describe('percentAgreement — missing data and edge cases', () => {
  it('skips units with fewer than two ratings and weights units equally', () => {
    // Hand computation: u1 = a, a, b → 1 agreeing pair of 3; u2 = a, a → 1 of 1; u3 has one
    // rating and u4 none, so they are skipped: (1/3 + 1)/2 = 2/3.
    const ratings = fromRows([
      ['a', 'a', 'b'],
      ['a', 'a', null],
      ['b', null, null],
      [null, null, null],
    ]);
    const r = percentAgreement(ratings);
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.units).toBe(2);
    expect(r.raters).toBe(3);
  });

  it('is defined for a single unit and for a single category', () => {
    expect(percentAgreement(fromRows([['a', 'b']])).value).toBe(0);
    expect(percentAgreement(fromRows([['a', 'a', 'a']])).value).toBe(1);
    expect(
      percentAgreement(
        fromRows([
          [true, true],
          [true, true],
        ]),
      ).value,
    ).toBe(1);
  });

  it('treats values of different types as different categories', () => {
    expect(percentAgreement(fromRows([[1, '1']])).value).toBe(0);
  });

  it('is undefined when all values are missing, the input is empty, or no unit has two ratings', () => {
    expect(() => percentAgreement(fromRows([[null, null]]))).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() => percentAgreement([])).toThrow(code('TG_STATS_UNDEFINED'));
    expect(() =>
      percentAgreement(
        fromRows([
          ['a', null],
          [null, 'b'],
        ]),
      ),
    ).toThrow(code('TG_STATS_UNDEFINED'));
  });

  it('rejects a unit+rater pair given twice, naming it', () => {
    const ratings: Rating[] = [
      { unit: 'item-7', rater: 'ann', value: 'a' },
      { unit: 'item-7', rater: 'ann', value: null },
    ];
    expect(() => percentAgreement(ratings)).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => percentAgreement(ratings)).toThrow(/"ann".*"item-7"/);
  });

  it('rejects values that are not strings, finite numbers, booleans or null', () => {
    expect(() => percentAgreement(fromRows([[NaN, 1]]))).toThrow(code('TG_STATS_INVALID_INPUT'));
    expect(() => percentAgreement([{ unit: 'u', rater: 'r', value: {} as unknown as string }])).toThrow(code('TG_STATS_INVALID_INPUT'));
  });
});

describe('percentAgreement — properties', () => {
  const rowsArb = fc.record({ units: fc.integer({ min: 1, max: 8 }), raters: fc.integer({ min: 2, max: 5 }) }).chain(({ units, raters }) =>
    fc.array(fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }), { minLength: raters, maxLength: raters }), {
      minLength: units,
      maxLength: units,
    }),
  );
  const usable = (rows: (string | null)[][]) => rows.some((row) => row.filter((v) => v !== null).length >= 2);

  it('is 1 under perfect agreement', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 2, max: 6 }),
        (labels, n) => {
          expect(percentAgreement(fromRows(labels.map((l) => new Array<string>(n).fill(l)))).value).toBe(1);
        },
      ),
    );
  });

  it('stays in [0, 1] and is unchanged by relabelling and by renaming or reordering raters', () => {
    const relabel: Record<string, string> = { a: 'c', b: 'a', c: 'b' };
    fc.assert(
      fc.property(rowsArb, (rows) => {
        fc.pre(usable(rows));
        const base = percentAgreement(fromRows(rows));
        expect(base.value).toBeGreaterThanOrEqual(0);
        expect(base.value).toBeLessThanOrEqual(1);
        const relabelled = percentAgreement(fromRows(rows.map((row) => row.map((v) => (v === null ? null : (relabel[v] ?? v))))));
        expect(relabelled.value).toBeCloseTo(base.value, 12);
        const renamed = fromRows(
          rows.map((row) => [...row].reverse()),
          (r) => `rater-${9 - r}`,
        ).reverse();
        expect(percentAgreement(renamed).value).toBeCloseTo(base.value, 12);
        expect(percentAgreement(renamed).units).toBe(base.units);
      }),
    );
  });

  it('with two raters equals the share of units on which they agree', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2, 3)), { minLength: 1, maxLength: 30 }), (units) => {
        const agree = units.filter(([a, b]) => a === b).length;
        expect(percentAgreement(fromRows(units)).value).toBeCloseTo(agree / units.length, 12);
      }),
    );
  });
});
