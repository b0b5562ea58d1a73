import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareKrippendorffUnits, type KrippendorffLevel } from '../../../src/core/stats/agreement/krippendorff-alpha.js';
import { bootstrapKrippendorffUnits, krippendorffAlphaBootstrap } from '../../../src/core/stats/agreement/krippendorff-bootstrap.js';
import { createRandom } from '../../../src/core/stats/random.js';
import type { Rating, RatingValue } from '../../../src/core/stats/ratings.js';

const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
const undefinedAlpha = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const _ = null;

function fromRows(rows: (RatingValue | null)[][]): Rating[] {
  return rows.flatMap((row, r) => row.map((value, u) => ({ unit: `unit-${u + 1}`, rater: `obs-${r}`, value })));
}

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C data (see
// krippendorff-alpha.test.ts). No published bootstrap interval exists for unit resampling (Hayes
// & Krippendorff's KALPHA resamples coincidences instead), so these tests check the properties
// the interval must have rather than published bounds.
const SECTION_C = fromRows([
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]);

/** 300 units, 3 raters, agreement about 80%: large enough that the interval should cover the estimate. */
function simulated(seed: string): Rating[] {
  const rng = createRandom(seed);
  const out: Rating[] = [];
  for (let u = 0; u < 300; u++) {
    const truth = rng.nextInt(4);
    for (let r = 0; r < 3; r++) out.push({ unit: `u${u}`, rater: `r${r}`, value: rng.nextFloat() < 0.8 ? truth : rng.nextInt(4) });
  }
  return out;
}

describe('krippendorffAlphaBootstrap', () => {
  it('returns the point estimate with an interval, and the same seed gives the identical interval', () => {
    const a = krippendorffAlphaBootstrap(SECTION_C, { level: 'interval' }, { samples: 500, seed: 2011 });
    const b = krippendorffAlphaBootstrap(SECTION_C, { level: 'interval' }, { samples: 500, seed: '2011' });
    expect(a.value).toBeCloseTo(0.849, 3);
    // 2011 and '2011' are the same seed; the result echoes the seed as given.
    expect({ ...a, seed: undefined }).toEqual({ ...b, seed: undefined });
    expect(a.ciLevel).toBe(0.95);
    expect(a.samples).toBe(500);
    expect(a.seed).toBe(2011);
    expect(a.ciLow).toBeLessThanOrEqual(a.ciHigh);
    expect(a.ciHigh).toBeLessThanOrEqual(1);
  });

  it('gives a different (but equally valid) interval for a different seed', () => {
    const a = krippendorffAlphaBootstrap(SECTION_C, { level: 'nominal' }, { samples: 300, seed: 1 });
    const b = krippendorffAlphaBootstrap(SECTION_C, { level: 'nominal' }, { samples: 300, seed: 2 });
    expect([a.ciLow, a.ciHigh]).not.toEqual([b.ciLow, b.ciHigh]);
  });

  it('covers the estimate on a moderately large sample, and a lower level gives a nested interval', () => {
    const ratings = simulated('coverage');
    for (const level of ['nominal', 'ordinal', 'interval', 'ratio'] as KrippendorffLevel[]) {
      const wide = krippendorffAlphaBootstrap(ratings, { level }, { samples: 1000, seed: 'x' });
      const narrow = krippendorffAlphaBootstrap(ratings, { level }, { samples: 1000, seed: 'x', level: 0.5 });
      expect(wide.ciLow).toBeLessThan(wide.value);
      expect(wide.ciHigh).toBeGreaterThan(wide.value);
      expect(wide.ciHigh - wide.ciLow).toBeLessThan(0.2);
      expect(narrow.ciLow).toBeGreaterThanOrEqual(wide.ciLow);
      expect(narrow.ciHigh).toBeLessThanOrEqual(wide.ciHigh);
      expect(wide.skippedSamples).toBe(0);
    }
  });

  it('skips and counts resamples on which alpha is undefined', () => {
    // Units 1 and 2 are unanimous on the same value; only unit 3 varies. A resample without
    // unit 3 has no variation, which happens with probability (2/3)³ = 8/27 ≈ 0.30 per resample.
    const ratings = fromRows([
      [1, 1, 1],
      [1, 1, 2],
    ]);
    const result = krippendorffAlphaBootstrap(ratings, { level: 'nominal' }, { samples: 2000, seed: 5 });
    // Binomial(2000, 8/27): mean 593, standard deviation 20; the bounds are over 5 standard deviations out.
    expect(result.skippedSamples).toBeGreaterThan(490);
    expect(result.skippedSamples).toBeLessThan(700);
    expect(Number.isFinite(result.ciLow) && Number.isFinite(result.ciHigh)).toBe(true);
  });

  it('throws TG_STATS_UNDEFINED when alpha itself is undefined', () => {
    expect(() =>
      krippendorffAlphaBootstrap(
        fromRows([
          [1, 1],
          [1, 1],
        ]),
        { level: 'nominal' },
        { samples: 10, seed: 1 },
      ),
    ).toThrow(undefinedAlpha);
    expect(() => krippendorffAlphaBootstrap(fromRows([[1], [2]]), { level: 'nominal' }, { samples: 10, seed: 1 })).toThrow(undefinedAlpha);
  });

  it('rejects invalid bootstrap options before doing any work', () => {
    const run = (options: { samples: number; seed: number | string; level?: number }) => () =>
      krippendorffAlphaBootstrap(SECTION_C, { level: 'nominal' }, options);
    expect(run({ samples: 0, seed: 1 })).toThrow(invalid);
    expect(run({ samples: 10.5, seed: 1 })).toThrow(invalid);
    expect(run({ samples: 1e9, seed: 1 })).toThrow(invalid);
    expect(run({ samples: 10, seed: Number.NaN })).toThrow(invalid);
    expect(run({ samples: 10, seed: 1, level: 1 })).toThrow(invalid);
    expect(run({ samples: 10, seed: 1, level: 0 })).toThrow(invalid);
  });

  it('works on prepared units directly', () => {
    const units = prepareKrippendorffUnits(SECTION_C, { level: 'ordinal' });
    const interval = bootstrapKrippendorffUnits(units, { samples: 200, seed: 'units' });
    expect(interval).toEqual(bootstrapKrippendorffUnits(units, { samples: 200, seed: 'units' }));
    expect(interval.ciLow).toBeLessThanOrEqual(interval.ciHigh);
  });

  it('is reproducible and ordered for any data and seed (property)', () => {
    const tables = fc
      .array(fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }), { minLength: 3, maxLength: 3 }), {
        minLength: 2,
        maxLength: 10,
      })
      .map((rows) => {
        rows[0] = [0, 0, rows[0]![2] ?? null];
        rows[1] = [3, 3, rows[1]![2] ?? null];
        return rows;
      });
    fc.assert(
      fc.property(
        tables,
        fc.oneof(fc.integer(), fc.string()),
        fc.constantFrom<KrippendorffLevel>('nominal', 'interval'),
        (rows, seed, level) => {
          const ratings = rows.flatMap((row, u) => row.map((value, r) => ({ unit: `u${u}`, rater: `r${r}`, value })));
          const a = krippendorffAlphaBootstrap(ratings, { level }, { samples: 50, seed });
          const b = krippendorffAlphaBootstrap(ratings, { level }, { samples: 50, seed });
          expect(a).toEqual(b);
          expect(a.ciLow).toBeLessThanOrEqual(a.ciHigh);
          expect(a.ciHigh).toBeLessThanOrEqual(1);
          expect(a.skippedSamples).toBeLessThan(50);
        },
      ),
      { numRuns: 50 },
    );
  });
});
