import { invalidStatsInput } from './stats-errors.js';

/**
 * A small seedable pseudo-random generator for resampling (bootstrap intervals, permutation
 * tests). Hand-written rather than a dependency because it is tiny, because a published
 * interval must be reproducible from its seed on every platform and Node version forever (a
 * library upgrade must never change a reported interval), and because `Math.random` cannot be
 * seeded. Only 32-bit integer operations (`Math.imul`, shifts, `>>> 0`) are used, so the stream
 * is bit-identical everywhere JavaScript runs.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna 2018, "Scrambled linear pseudorandom number
 * generators", https://prng.di.unimi.it/), 128-bit state, period 2^128 − 1. Not cryptographic.
 *
 * Seeding: the seed is turned into its string form (so the number 42 and the string "42", as a
 * seed arrives from a CLI flag or a query string, give the same stream), hashed with 32-bit
 * FNV-1a over its UTF-16 code units, and the hash is expanded into the four state words with a
 * splitmix32 step (a golden-ratio Weyl counter through the MurmurHash3 fmix32 finaliser), as
 * Blackman & Vigna recommend for seeding xoshiro. fmix32 is a bijection, so four distinct
 * counters give four distinct words and the state can never be all zero.
 */
export interface Random {
  /** The next 32-bit unsigned integer, uniform on [0, 2^32). */
  nextUint32(): number;
  /** Uniform on [0, 1) with 53 random bits (two draws), like a double from `Math.random`. */
  nextFloat(): number;
  /** Uniform integer on [0, n) without modulo bias (rejection sampling); n is an integer in [1, 2^32]. */
  nextInt(n: number): number;
}

export type RandomSeed = number | string;

const TWO_POW_32 = 4294967296;

/** 32-bit FNV-1a (Fowler, Noll, Vo) over the UTF-16 code units of `text`. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The canonical text of a seed; numbers must be finite so that every seed names exactly one stream. */
export function seedText(seed: RandomSeed): string {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw invalidStatsInput(`seed must be a finite number or a string (got ${String(seed)})`, { seed });
    return String(seed);
  }
  if (typeof seed !== 'string') throw invalidStatsInput('seed must be a finite number or a string');
  return seed;
}

/** Creates an independent generator; the same seed always yields the same sequence. */
export function createRandom(seed: RandomSeed): Random {
  let counter = fnv1a32(seedText(seed));
  const splitmix32 = (): number => {
    counter = (counter + 0x9e3779b9) | 0;
    let z = counter;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return createRandomFromState([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
}

/**
 * A generator started from an explicit xoshiro128** state (four 32-bit words, not all zero).
 * Exists so the generator can be checked against the reference implementation's test vectors.
 */
export function createRandomFromState(state: readonly [number, number, number, number]): Random {
  if (!state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) || state.every((w) => w === 0)) {
    throw invalidStatsInput('xoshiro128** state must be four 32-bit unsigned integers, not all zero');
  }
  let [s0, s1, s2, s3] = state;

  const nextUint32 = (): number => {
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };

  return {
    nextUint32,
    nextFloat(): number {
      const high = nextUint32() >>> 5; // 27 bits
      const low = nextUint32() >>> 6; // 26 bits
      return (high * 67108864 + low) / 9007199254740992;
    },
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
        throw invalidStatsInput(`nextInt needs an integer bound in [1, 2^32] (got ${n})`, { n });
      }
      // Reject the top partial block of 2^32 so every residue is equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const r = nextUint32();
        if (r < limit) return r % n;
      }
    },
  };
}
