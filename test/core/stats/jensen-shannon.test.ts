import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jensenShannon, jensenShannonFromLabels } from '../../../src/core/stats/drift/jensen-shannon.js';

const UNDEFINED = expect.objectContaining({ code: 'TG_STATS_UNDEFINED' });
const INVALID = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('jensenShannon: SciPy scipy.spatial.distance.jensenshannon documentation examples', () => {
  // https://docs.scipy.org/doc/scipy/reference/generated/scipy.spatial.distance.jensenshannon.html
  // (SciPy's default base is e; ours is 2, so the natural-log examples pass base: Math.E).
  it('jensenshannon([1,0,0], [0,1,0], 2.0) = 1.0', () => {
    expect(jensenShannon([1, 0, 0], [0, 1, 0], { base: 2 }).distance).toBeCloseTo(1, 15);
    expect(jensenShannon([1, 0, 0], [0, 1, 0]).distance).toBeCloseTo(1, 15);
  });

  it('jensenshannon([1,0], [0.5,0.5]) = 0.46450140402245893 (natural log)', () => {
    expect(jensenShannon([1, 0], [0.5, 0.5], { base: Math.E }).distance).toBeCloseTo(0.46450140402245893, 15);
  });

  it('jensenshannon([1,0,0], [1,0,0]) = 0.0', () => {
    expect(jensenShannon([1, 0, 0], [1, 0, 0]).distance).toBe(0);
  });

  it('normalises counts: the 2-D docstring example (axis=0 and axis=1 columns/rows), natural log, 7 decimals', () => {
    // a = [[1,2,3,4],[5,6,7,8],[9,10,11,12]], b = [[13,14,15,16],[17,18,19,20],[21,22,23,24]]
    // axis=0 → [0.1954288, 0.1447697, 0.1138377, 0.0927636]; axis=1 → [0.1402339, 0.0399106, 0.0201815].
    const e = { base: Math.E };
    expect(jensenShannon([1, 5, 9], [13, 17, 21], e).distance).toBeCloseTo(0.1954288, 7);
    expect(jensenShannon([2, 6, 10], [14, 18, 22], e).distance).toBeCloseTo(0.1447697, 7);
    expect(jensenShannon([3, 7, 11], [15, 19, 23], e).distance).toBeCloseTo(0.1138377, 7);
    expect(jensenShannon([4, 8, 12], [16, 20, 24], e).distance).toBeCloseTo(0.0927636, 7);
    expect(jensenShannon([1, 2, 3, 4], [13, 14, 15, 16], e).distance).toBeCloseTo(0.1402339, 7);
    expect(jensenShannon([5, 6, 7, 8], [17, 18, 19, 20], e).distance).toBeCloseTo(0.0399106, 7);
    expect(jensenShannon([9, 10, 11, 12], [21, 22, 23, 24], e).distance).toBeCloseTo(0.0201815, 7);
  });

  it('SciPy test_distance.py: jensenshannon([[1.0, 2.0]], [[0.5, 1.5]], axis=1) = 0.0649045', () => {
    expect(jensenShannon([1, 2], [0.5, 1.5], { base: Math.E }).distance).toBeCloseTo(0.0649045, 7);
  });
});

describe('jensenShannon: records, labels and edge cases', () => {
  it('converts between bases: distance² scales with 1/ln(base)', () => {
    const nats = jensenShannon([1, 0], [0.5, 0.5], { base: Math.E });
    const bits = jensenShannon([1, 0], [0.5, 0.5]);
    expect(bits.divergence).toBeCloseTo(nats.divergence / Math.LN2, 14);
  });

  it('aligns records on the union of keys', () => {
    const r = jensenShannon({ a: 1 }, { b: 3 });
    expect(r.distance).toBeCloseTo(1, 15);
    expect(r.categories).toEqual(['a', 'b']);
  });

  it('compares label samples by value and type', () => {
    const r = jensenShannonFromLabels(['x', 'x', 'y', 'y'], ['x', 'y', 'y', 'y']);
    expect(r.distance).toBeCloseTo(jensenShannon([2, 2], [1, 3]).distance, 15);
    expect(r.categories).toEqual(['x', 'y']);
    expect(jensenShannonFromLabels([1, 1], ['1', '1']).distance).toBeCloseTo(1, 15);
    expect(jensenShannonFromLabels([true, false], [false, true]).distance).toBe(0);
  });

  it('throws typed errors', () => {
    expect(() => jensenShannon([0, 0], [1, 2])).toThrow(UNDEFINED);
    expect(() => jensenShannonFromLabels([], ['a'])).toThrow(UNDEFINED);
    expect(() => jensenShannon([1, 2], [1])).toThrow(INVALID);
    expect(() => jensenShannon([1, -1], [1, 1])).toThrow(INVALID);
    expect(() => jensenShannon([1], [1], { base: 1 })).toThrow(INVALID);
    expect(() => jensenShannonFromLabels([null as never], ['a'])).toThrow(INVALID);
  });
});

describe('jensenShannon properties', () => {
  const pair = fc
    .integer({ min: 1, max: 10 })
    .chain((k) =>
      fc.tuple(
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: k, maxLength: k }),
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: k, maxLength: k }),
      ),
    )
    .filter(([p, q]) => p.some((v) => v > 1e-6) && q.some((v) => v > 1e-6));

  it('is symmetric and lies in [0, 1] in base 2', () => {
    fc.assert(
      fc.property(pair, ([p, q]) => {
        const d = jensenShannon(p, q).distance;
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(jensenShannon(q, p).distance).toBeCloseTo(d, 12);
      }),
    );
  });

  it('is 0 between a distribution and any rescaling of it', () => {
    // Counts below 1e-300 would underflow to 0 when scaled down, which is no longer a rescaling.
    const counts = pair.map(([p]) => p.map((v) => (v < 1e-300 ? 0 : v))).filter((p) => p.some((v) => v > 1e-6));
    fc.assert(
      fc.property(counts, fc.double({ min: 0.01, max: 100, noNaN: true }), (p, k) => {
        expect(
          jensenShannon(
            p,
            p.map((v) => v * k),
          ).distance,
        ).toBeLessThan(1e-7);
      }),
    );
  });
});
