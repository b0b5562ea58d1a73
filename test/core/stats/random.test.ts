import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, createRandomFromState, seedText } from '../../../src/core/stats/random.js';

const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });

describe('xoshiro128** generator', () => {
  it('reproduces the reference implementation from state {0, 1, 2, 3}', () => {
    // Blackman & Vigna (2018), reference C implementation https://prng.di.unimi.it/xoshiro128starstar.c:
    // first ten outputs from s = {0, 1, 2, 3}. The same vector is used by independent ports' test
    // suites, and we reproduced it by compiling a C transcription of the reference algorithm.
    const rng = createRandomFromState([0, 1, 2, 3]);
    const expected = [5760, 17280, 2966400, 32451840, 2604340873, 3891234569, 1254043636, 216095511, 3291724652, 2070429911];
    expect(expected.map(() => rng.nextUint32())).toEqual(expected);
  });

  it('pins the seeded streams so intervals stay reproducible across platforms and releases', () => {
    // Not published values: the first outputs of our seeding (FNV-1a → splitmix32 → xoshiro128**),
    // cross-checked against an independent C build of the same three steps. If this test fails,
    // every previously published seeded interval changes: do not update it casually.
    const a = createRandom(42);
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([
      3415929203, 220504180, 3558451373, 2359703682, 1361629285,
    ]);
    const b = createRandom('tollgate');
    expect([b.nextUint32(), b.nextUint32(), b.nextUint32()]).toEqual([2553946748, 2295170694, 4204019499]);
    expect(createRandom('42').nextFloat()).toBe(0.7953329909692713);
  });

  it('treats a numeric seed and its string form as the same seed', () => {
    const a = createRandom(12345);
    const b = createRandom('12345');
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
    expect(seedText(1.5)).toBe('1.5');
  });

  it('gives different streams for different seeds', () => {
    const a = createRandom(1);
    const b = createRandom(2);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    expect(sa).not.toEqual(sb);
  });

  it('nextFloat is in [0, 1) with mean and variance of a uniform', () => {
    const rng = createRandom('uniform');
    const n = 200_000;
    let sum = 0;
    let sumSquares = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      sumSquares += x * x;
    }
    expect(outside).toBe(0);
    const mean = sum / n;
    // Standard error of the mean is sqrt(1/12 / n) ≈ 0.00065; 0.005 is over 7 standard errors.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSquares / n - mean * mean - 1 / 12)).toBeLessThan(0.005);
  });

  it('nextInt is uniform over [0, n) (chi-square well inside its bulk)', () => {
    const rng = createRandom('dice');
    const k = 10;
    const n = 100_000;
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      const r = rng.nextInt(k);
      counts[r] = (counts[r] ?? 0) + 1;
    }
    expect(counts.length).toBe(k);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(n);
    const expected = n / k;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 33.7) ≈ 1e-4.
    expect(chi2).toBeLessThan(33.7);
  });

  it('handles the extreme bounds of nextInt', () => {
    const rng = createRandom(0);
    for (let i = 0; i < 20; i++) expect(rng.nextInt(1)).toBe(0);
    const big = rng.nextInt(2 ** 32);
    expect(big >= 0 && big < 2 ** 32).toBe(true);
  });

  it('rejects invalid bounds, seeds and states', () => {
    const rng = createRandom(0);
    expect(() => rng.nextInt(0)).toThrow(invalid);
    expect(() => rng.nextInt(2.5)).toThrow(invalid);
    expect(() => rng.nextInt(2 ** 32 + 1)).toThrow(invalid);
    expect(() => createRandom(Number.NaN)).toThrow(invalid);
    expect(() => createRandom(Infinity)).toThrow(invalid);
    expect(() => createRandomFromState([0, 0, 0, 0])).toThrow(invalid);
    expect(() => createRandomFromState([1, 2, 3, 2 ** 32])).toThrow(invalid);
  });

  it('is reproducible for any seed and keeps nextInt in range (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), fc.integer({ min: 1, max: 1_000_000 }), (seed, n) => {
        const a = createRandom(seed);
        const b = createRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = a.nextInt(n);
          expect(x).toBe(b.nextInt(n));
          expect(x >= 0 && x < n).toBe(true);
          expect(a.nextFloat()).toBe(b.nextFloat());
        }
      }),
    );
  });
});
