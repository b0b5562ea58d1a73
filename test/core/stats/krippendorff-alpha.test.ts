import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KRIPPENDORFF_MATRIX_MAX_CATEGORIES,
  KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES,
  krippendorffAlpha,
  prepareKrippendorffUnits,
  tryKrippendorffAlphaFromUnits,
  type KrippendorffLevel,
} from '../../../src/core/stats/agreement/krippendorff-alpha.js';
import { createRandom } from '../../../src/core/stats/random.js';
import type { Rating, RatingValue } from '../../../src/core/stats/ratings.js';

const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
const undefinedAlpha = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const LEVELS: KrippendorffLevel[] = ['nominal', 'ordinal', 'interval', 'ratio'];
const _ = null;

/** Reliability data as Krippendorff prints it: one row per observer, one column per unit. */
function fromRows(rows: (RatingValue | null)[][], raterNames?: string[]): Rating[] {
  return rows.flatMap((row, r) => row.map((value, u) => ({ unit: `unit-${u + 1}`, rater: raterNames?.[r] ?? `obs-${r}`, value })));
}

// Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
// Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43,
// section C: observers A–D, 12 units, values 1–5, missing values. The published results for
// these data are nominal α = 0.743, ordinal α = 0.815, interval α = 0.849, ratio α = 0.797
// (sections C–E; the ordinal and ratio values are also asserted by the Python `krippendorff`
// package's tests, pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py).
const KRIPPENDORFF_2011_C = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];

/**
 * Krippendorff's definitions computed literally (coincidence matrix, then D_o and D_e summed over
 * all value pairs, ordinal δ by summing frequencies between ranks), slow but independent of the
 * decompositions the implementation uses.
 */
function naiveAlpha(units: number[][], level: KrippendorffLevel): number | null {
  const pairable = units.filter((u) => u.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  const index = new Map(values.map((v, i) => [v, i]));
  const v = values.length;
  const o = Array.from({ length: v }, () => new Array<number>(v).fill(0));
  for (const unit of pairable) {
    for (let i = 0; i < unit.length; i++) {
      for (let j = 0; j < unit.length; j++) {
        if (i !== j) o[index.get(unit[i]!)!]![index.get(unit[j]!)!]! += 1 / (unit.length - 1);
      }
    }
  }
  const nc = o.map((row) => row.reduce((s, x) => s + x, 0));
  const n = nc.reduce((s, x) => s + x, 0);
  const delta2 = (c: number, k: number): number => {
    const [a, b] = [values[c]!, values[k]!];
    if (level === 'nominal') return c === k ? 0 : 1;
    if (level === 'interval') return (a - b) ** 2;
    if (level === 'ratio') return a + b === 0 ? 0 : ((a - b) / (a + b)) ** 2;
    const [lo, hi] = c <= k ? [c, k] : [k, c];
    let between = 0;
    for (let g = lo; g <= hi; g++) between += nc[g]!;
    return (between - (nc[c]! + nc[k]!) / 2) ** 2;
  };
  let dO = 0;
  let dE = 0;
  for (let c = 0; c < v; c++) {
    for (let k = 0; k < v; k++) {
      dO += o[c]![k]! * delta2(c, k);
      dE += nc[c]! * nc[k]! * delta2(c, k);
    }
  }
  if (pairable.length < 2 || dE === 0) return null;
  return 1 - dO / n / (dE / (n * (n - 1)));
}

describe('krippendorffAlpha: published worked examples', () => {
  const ratings = fromRows(KRIPPENDORFF_2011_C);

  it('reproduces Krippendorff (2011) section C at all four levels', () => {
    expect(krippendorffAlpha(ratings, { level: 'nominal' }).value).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(ratings, { level: 'ordinal' }).value).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(ratings, { level: 'interval' }).value).toBeCloseTo(0.849, 3);
    expect(krippendorffAlpha(ratings, { level: 'ratio' }).value).toBeCloseTo(0.797, 3);
  });

  it('reports the section C coincidence matrix and counts', () => {
    // Krippendorff (2011), section C: unit 12 has a single value and is dropped, leaving 11 units
    // and n = 40 pairable values with n_c = 9, 13, 10, 5, 3. Hand check of two cells: unit 6
    // (values 1, 2, 3, 4; m = 4) adds 1/3 to each off-diagonal cell among 1–4, and unit 8
    // (values 1, 1, 2, 1) adds 3·2/3 = 2 to o_11 and 3/3 = 1 to o_12 and o_21.
    const result = krippendorffAlpha(ratings, { level: 'nominal' });
    expect(result.units).toBe(11);
    expect(result.raters).toBe(4);
    expect(result.pairableValues).toBe(40);
    // Hand computation: off-diagonal total 8, Σ n_c² = 384, so α = 1 − (40 − 1)·8 / (40² − 384) = 1 − 312/1216.
    expect(result.value).toBeCloseTo(1 - 312 / 1216, 12);
    expect(result.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(result.expectedDisagreement).toBeCloseTo((1600 - 384) / (40 * 39), 12);
    expect(result.coincidences?.categories).toEqual([1, 2, 3, 4, 5]);
    const expected = [
      [7, 4 / 3, 1 / 3, 1 / 3, 0],
      [4 / 3, 10, 4 / 3, 1 / 3, 0],
      [1 / 3, 4 / 3, 8, 1 / 3, 0],
      [1 / 3, 1 / 3, 1 / 3, 4, 0],
      [0, 0, 0, 0, 3],
    ];
    result.coincidences?.matrix.forEach((row, c) => row.forEach((x, k) => expect(x).toBeCloseTo(expected[c]![k]!, 12)));
    expect(result.coincidences?.matrix.map((row) => row.reduce((s, x) => s + x, 0)).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([
      9, 13, 10, 5, 3,
    ]);
  });

  it('reproduces Krippendorff (2011) section A: binary data, two observers', () => {
    // Krippendorff (2011), section A: 10 units, observers A and B, no missing data; α = 0.095.
    // Hand check: n_0 = 14, n_1 = 6, o_01 = 4, so α = 1 − (n − 1)·o_01 / (n_0 n_1) = 1 − 19·4/84.
    const result = krippendorffAlpha(
      fromRows([
        [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
        [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
      ]),
      { level: 'nominal' },
    );
    expect(result.value).toBeCloseTo(0.095, 3);
    expect(result.value).toBeCloseTo(1 - 76 / 84, 12);
  });

  it('reproduces the Wikipedia computational example (3 coders, 15 units)', () => {
    // Wikipedia, "Krippendorff's alpha", section "A computational example": nominal α = 0.691.
    // The interval value 0.810845 for the same data is asserted by the Python `krippendorff`
    // package (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py, test_interval_metric).
    const rows = [
      [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
      [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
      [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
    ];
    expect(krippendorffAlpha(fromRows(rows), { level: 'nominal' }).value).toBeCloseTo(0.691358, 6);
    expect(krippendorffAlpha(fromRows(rows), { level: 'interval' }).value).toBeCloseTo(0.810845, 6);
  });

  it('ranks string categories by the given order (section C data relabelled)', () => {
    // The Python `krippendorff` package's test_string_labels_ordinal_with_domain relabels the
    // section C data 1–5 as "very low" … "very high" and expects the same ordinal α = 0.815.
    const labels = ['very low', 'low', 'mid', 'high', 'very high'];
    const relabelled = KRIPPENDORFF_2011_C.map((row) => row.map((v) => (v === null ? null : labels[v - 1]!)));
    const result = krippendorffAlpha(fromRows(relabelled), { level: 'ordinal', categories: labels });
    expect(result.value).toBeCloseTo(0.815, 3);
    expect(result.coincidences?.categories).toEqual(labels);
  });

  it('handles string labels at the nominal level', () => {
    // The Python `krippendorff` package's test_string_labels_nominal expects 0.722222 for these data.
    const rows = [
      ['pos', 'neg', 'neu', _],
      ['pos', 'neg', 'neu', 'pos'],
      ['pos', 'neg', 'pos', 'pos'],
    ];
    expect(krippendorffAlpha(fromRows(rows), { level: 'nominal' }).value).toBeCloseTo(0.722222, 6);
  });
});

describe('krippendorffAlpha: hand-computed cases', () => {
  it('interval: units (1, 2), (3, 3), (2, missing)', () => {
    // Unit 3 has one value and is dropped; n = 4 values 1, 2, 3, 3. D_o: unit 1 gives
    // 2·(1 − 2)²/(2 − 1) = 2, unit 2 gives 0, so D_o = 2/4. Pooled mean 9/4, Σ(x − mean)² = 11/4,
    // D_e = 2·(11/4)/(n − 1) = 11/6, α = 1 − (1/2)/(11/6) = 8/11.
    const result = krippendorffAlpha(
      fromRows([
        [1, 3, 2],
        [2, 3, _],
      ]),
      { level: 'interval' },
    );
    expect(result.observedDisagreement).toBeCloseTo(1 / 2, 12);
    expect(result.expectedDisagreement).toBeCloseTo(11 / 6, 12);
    expect(result.value).toBeCloseTo(8 / 11, 12);
    expect(result.units).toBe(2);
    expect(result.coincidences).toBeUndefined();
  });

  it('ratio: zero is a valid value and identical zeros agree', () => {
    // Python `krippendorff` test_ratio_metric_with_zeros: [[0, 1, 2], [0, 1, 2]] gives α = 1.
    expect(
      krippendorffAlpha(
        fromRows([
          [0, 1, 2],
          [0, 1, 2],
        ]),
        { level: 'ratio' },
      ).value,
    ).toBe(1);
  });

  it('keeps the number 1 and the string "1" apart at the nominal level', () => {
    const result = krippendorffAlpha(
      fromRows([
        [1, 2, 1],
        ['1', 2, 1],
      ]),
      { level: 'nominal' },
    );
    expect(result.coincidences?.categories).toEqual([1, 2, '1']);
    expect(result.value).toBeLessThan(1);
  });

  it('drops units with fewer than two values without changing alpha', () => {
    const base = fromRows([
      [1, 2, 2, 1],
      [1, 3, 2, 1],
      [2, 3, 2, _],
    ]);
    const padded = [...base, { unit: 'lonely', rater: 'obs-0', value: 5 }, { unit: 'empty', rater: 'obs-1', value: null }];
    for (const level of LEVELS) {
      const a = krippendorffAlpha(base, { level });
      const b = krippendorffAlpha(padded, { level });
      expect(b.value).toBeCloseTo(a.value, 12);
      expect(b.units).toBe(4);
      expect(b.pairableValues).toBe(11);
    }
  });

  it('counts only raters who contributed a pairable value', () => {
    const ratings = [
      ...fromRows([
        [1, 2],
        [1, 3],
      ]),
      { unit: 'solo', rater: 'extra', value: 4 },
    ];
    expect(krippendorffAlpha(ratings, { level: 'nominal' }).raters).toBe(2);
  });

  it('reweighting units equals duplicating them (what the bootstrap relies on)', () => {
    const rows = [
      [1, 2, 3, 3, 2],
      [1, 3, 3, 2, _],
      [2, 2, 3, _, 1],
    ];
    for (const level of LEVELS) {
      const units = prepareKrippendorffUnits(fromRows(rows), { level });
      const weights = Int32Array.from([2, 0, 1, 3, 1]);
      const duplicated = fromRows(rows).flatMap((r) => {
        const w = weights[Number(r.unit.slice(5)) - 1]!;
        return Array.from({ length: w }, (_x, copy) => ({ ...r, unit: `${r.unit}#${copy}` }));
      });
      const viaWeights = tryKrippendorffAlphaFromUnits(units, weights);
      const viaCopies = krippendorffAlpha(duplicated, { level });
      expect(viaWeights?.value).toBeCloseTo(viaCopies.value, 10);
      expect(viaWeights?.units).toBe(7);
    }
  });

  it('omits the coincidence matrix beyond the category limit', () => {
    const k = KRIPPENDORFF_MATRIX_MAX_CATEGORIES + 1;
    const row = Array.from({ length: k }, (_x, i) => `c${i}`);
    const result = krippendorffAlpha(fromRows([row, row.map((c, i) => (i === 0 ? 'c1' : c))]), { level: 'nominal' });
    expect(result.coincidences).toBeUndefined();
    expect(result.value).toBeGreaterThan(0.99);
  });
});

describe('krippendorffAlpha: undefined and invalid input', () => {
  it('is undefined with only one category', () => {
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [2, 2, 2],
          [2, 2, _],
        ]),
        { level: 'nominal' },
      ),
    ).toThrow(undefinedAlpha);
    for (const level of LEVELS)
      expect(() =>
        krippendorffAlpha(
          fromRows([
            [4, 4],
            [4, 4],
          ]),
          { level },
        ),
      ).toThrow(undefinedAlpha);
  });

  it('is undefined when everything is missing, nothing is pairable, or there is no input', () => {
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [_, _],
          [_, _],
        ]),
        { level: 'nominal' },
      ),
    ).toThrow(undefinedAlpha);
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, _],
          [_, 2],
        ]),
        { level: 'interval' },
      ),
    ).toThrow(undefinedAlpha);
    expect(() => krippendorffAlpha([], { level: 'ordinal' })).toThrow(undefinedAlpha);
  });

  it('is undefined for a single unit, with or without variation', () => {
    // With one unit, o_ck = n_c n_k / (n − 1) for c ≠ k, so D_o = D_e identically and the formula
    // gives 0 whatever the raters did; see krippendorffAlphaFromUnits for why that is reported as undefined.
    for (const level of LEVELS) {
      expect(() => krippendorffAlpha(fromRows([[1], [2], [3]]), { level })).toThrow(undefinedAlpha);
      expect(() => krippendorffAlpha(fromRows([[1], [1]]), { level })).toThrow(undefinedAlpha);
    }
  });

  it('rejects non-numeric values at the interval, ratio and numeric ordinal levels, naming value and unit', () => {
    const ratings = fromRows([
      [1, 2],
      [1, 'high'],
    ]);
    for (const level of ['interval', 'ratio', 'ordinal'] as const) {
      expect(() => krippendorffAlpha(ratings, { level })).toThrow(invalid);
      expect(() => krippendorffAlpha(ratings, { level })).toThrow(/"high".*unit-2/);
    }
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, 2],
          [1, true],
        ]),
        { level: 'interval' },
      ),
    ).toThrow(invalid);
  });

  it('rejects negative values at the ratio level', () => {
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, 2],
          [1, -2],
        ]),
        { level: 'ratio' },
      ),
    ).toThrow(invalid);
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, 2],
          [1, -2],
        ]),
        { level: 'ratio' },
      ),
    ).toThrow(/-2.*unit-2/);
  });

  it('rejects values outside the given categories, and malformed categories', () => {
    expect(() =>
      krippendorffAlpha(
        fromRows([
          ['a', 'b'],
          ['a', 'c'],
        ]),
        { level: 'ordinal', categories: ['a', 'b'] },
      ),
    ).toThrow(/"c".*unit-2/);
    expect(() =>
      krippendorffAlpha(
        fromRows([
          ['a', 'b'],
          ['a', 'b'],
        ]),
        { level: 'ordinal', categories: ['a', 'b', 'a'] },
      ),
    ).toThrow(invalid);
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, 2],
          [1, 2],
        ]),
        { level: 'interval', categories: [1, 2] },
      ),
    ).toThrow(invalid);
  });

  it('rejects duplicate unit+rater pairs, even when one is missing', () => {
    const base = fromRows([
      [1, 2],
      [1, 2],
    ]);
    expect(() => krippendorffAlpha([...base, { unit: 'unit-1', rater: 'obs-0', value: 1 }], { level: 'nominal' })).toThrow(invalid);
    expect(() => krippendorffAlpha([...base, { unit: 'unit-2', rater: 'obs-1', value: null }], { level: 'nominal' })).toThrow(
      /obs-1.*unit-2/,
    );
  });

  it('rejects malformed ratings and options', () => {
    expect(() =>
      krippendorffAlpha(
        fromRows([
          [1, Number.NaN],
          [1, 2],
        ]),
        { level: 'nominal' },
      ),
    ).toThrow(invalid);
    expect(() => krippendorffAlpha([{ unit: 1, rater: 'a', value: 1 } as unknown as Rating], { level: 'nominal' })).toThrow(invalid);
    expect(() => krippendorffAlpha([{ unit: 'u', rater: 'a', value: {} } as unknown as Rating], { level: 'nominal' })).toThrow(invalid);
    expect(() => krippendorffAlpha([], { level: 'bogus' as KrippendorffLevel })).toThrow(invalid);
  });

  it('caps the number of distinct ratio values', () => {
    const k = KRIPPENDORFF_RATIO_MAX_DISTINCT_VALUES / 2 + 1;
    const ratings = Array.from({ length: k }, (_x, u) => [
      { unit: `u${u}`, rater: 'a', value: 2 * u + 1 },
      { unit: `u${u}`, rater: 'b', value: 2 * u + 2 },
    ]).flat();
    expect(() => krippendorffAlpha(ratings, { level: 'ratio' })).toThrow(invalid);
  });
});

/** Units × raters tables on small integer values, with missing cells and at least two units varying. */
const tables = fc
  .record({
    k: fc.integer({ min: 2, max: 6 }),
    raters: fc.integer({ min: 2, max: 5 }),
    units: fc.integer({ min: 2, max: 12 }),
  })
  .chain(({ k, raters, units }) =>
    fc
      .array(fc.array(fc.option(fc.integer({ min: 0, max: k - 1 }), { freq: 4 }), { minLength: raters, maxLength: raters }), {
        minLength: units,
        maxLength: units,
      })
      .map((rows) => {
        // Rows here are units; guarantee two pairable units and variation.
        rows[0] = [0, 0, ...rows[0]!.slice(2)];
        rows[1] = [k - 1, k - 1, ...rows[1]!.slice(2)];
        return rows;
      }),
  );

function unitsToRatings(rows: (number | null)[][], label: (v: number) => RatingValue = (v) => v, rater = (r: number) => `r${r}`): Rating[] {
  return rows.flatMap((row, u) => row.map((v, r) => ({ unit: `u${u}`, rater: rater(r), value: v === null ? null : label(v) })));
}

describe('krippendorffAlpha: properties', () => {
  it('agrees with a literal implementation of the definitions at every level', () => {
    fc.assert(
      fc.property(tables, fc.constantFrom(...LEVELS), (rows, level) => {
        const expected = naiveAlpha(
          rows.map((row) => row.filter((v): v is number => v !== null)),
          level,
        );
        const actual = krippendorffAlpha(unitsToRatings(rows), { level }).value;
        expect(expected).not.toBeNull();
        expect(actual).toBeCloseTo(expected!, 9);
      }),
    );
  });

  it('is exactly 1 under perfect agreement with variation across units', () => {
    fc.assert(
      fc.property(tables, fc.constantFrom(...LEVELS), (rows, level) => {
        const unanimous = rows.map((row) => {
          const first = row.find((v) => v !== null) ?? 0;
          return row.map((v) => (v === null ? null : first));
        });
        expect(krippendorffAlpha(unitsToRatings(unanimous), { level }).value).toBe(1);
      }),
    );
  });

  it('nominal alpha does not change when categories are relabelled', () => {
    fc.assert(
      fc.property(
        tables,
        fc.shuffledSubarray(['x', 'y', 'z', 'w', 'v', 'u', 7, 8, true], { minLength: 6, maxLength: 6 }),
        (rows, names) => {
          const a = krippendorffAlpha(unitsToRatings(rows), { level: 'nominal' }).value;
          const b = krippendorffAlpha(
            unitsToRatings(rows, (v) => names[v]!),
            { level: 'nominal' },
          ).value;
          expect(b).toBeCloseTo(a, 12);
        },
      ),
    );
  });

  it('does not depend on which rater gave which value or on input order', () => {
    fc.assert(
      fc.property(tables, fc.constantFrom(...LEVELS), fc.integer(), (rows, level, seed) => {
        const rng = createRandom(seed);
        const names = ['r0', 'r1', 'r2', 'r3', 'r4'];
        for (let i = names.length - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          [names[i], names[j]] = [names[j]!, names[i]!];
        }
        const permuted = unitsToRatings(rows, undefined, (r) => names[r]!);
        for (let i = permuted.length - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          [permuted[i], permuted[j]] = [permuted[j]!, permuted[i]!];
        }
        const a = krippendorffAlpha(unitsToRatings(rows), { level }).value;
        expect(krippendorffAlpha(permuted, { level }).value).toBeCloseTo(a, 10);
      }),
    );
  });

  it('never exceeds 1', () => {
    fc.assert(
      fc.property(tables, fc.constantFrom(...LEVELS), (rows, level) => {
        expect(krippendorffAlpha(unitsToRatings(rows), { level }).value).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('krippendorffAlpha: large data', () => {
  // 100,000 units × 5 raters with 10% missing: the size the implementation must handle in well
  // under a second (timing is measured outside the test suite, not asserted here).
  function largeRatings(kind: 'nominal' | 'continuous'): Rating[] {
    const rng = createRandom(`large-${kind}`);
    const draw = (): number => (kind === 'nominal' ? rng.nextInt(5) : Math.round(rng.nextFloat() * 10000) / 100);
    const out: Rating[] = [];
    for (let u = 0; u < 100_000; u++) {
      const truth = draw();
      for (let r = 0; r < 5; r++) {
        const missing = rng.nextFloat() < 0.1;
        const value = missing ? null : rng.nextFloat() < 0.3 ? draw() : truth;
        out.push({ unit: `unit-${u}`, rater: `rater-${r}`, value });
      }
    }
    return out;
  }

  it('computes nominal alpha over 100,000 units', () => {
    const result = krippendorffAlpha(largeRatings('nominal'), { level: 'nominal' });
    expect(Number.isFinite(result.value)).toBe(true);
    expect(result.value).toBeGreaterThan(-1);
    expect(result.value).toBeLessThan(1);
    expect(result.raters).toBe(5);
  });

  it('computes interval and ordinal alpha over 100,000 units of continuous-ish values', () => {
    const ratings = largeRatings('continuous');
    for (const level of ['interval', 'ordinal'] as const) {
      const result = krippendorffAlpha(ratings, { level });
      expect(Number.isFinite(result.value)).toBe(true);
      expect(result.value).toBeGreaterThan(-1);
      expect(result.value).toBeLessThan(1);
    }
  });
});
