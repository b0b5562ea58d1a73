import { TollgateError } from '../errors.js';
import { createRandom } from '../stats/random.js';
import { murmurHash3x86_32 } from './murmur3.js';
import { shingleHashes } from './shingles.js';

/**
 * MinHash (Broder 1997, "On the resemblance and containment of documents"; Leskovec, Rajaraman &
 * Ullman, Mining of Massive Datasets, ch. 3): for a random permutation of the shingle universe,
 * the probability that two sets have the same minimum element equals their Jaccard similarity
 * |A ∩ B| / |A ∪ B|. A signature keeps the minimum under k independent permutations, so the share
 * of equal positions is an unbiased estimate of the similarity with standard error
 * √(J(1 − J)/k): at k = 64 at most 0.0625 (at J = 0.5), 0.05 at J = 0.8 or 0.2. That is ample
 * for "is this item like anything recent?", and a signature is 256 bytes.
 */
export const NOVELTY_PERMUTATIONS = 64;

/** A signature position no shingle reached: the signature of a text without words is all of these. */
export const NOVELTY_EMPTY_SLOT = 0xffffffff;

/**
 * The k permutations are k independent simple tabulation hash functions of a shingle's 32-bit
 * base hash x: h_i(x) = T_i,0[x₀] ⊕ T_i,1[x₁] ⊕ T_i,2[x₂] ⊕ T_i,3[x₃] over the four bytes of x,
 * with random 32-bit tables. Why not the textbook (a_i·x + b_i) mod p (MMDS §3.3.5): in
 * JavaScript a·x exceeds the 2^53 a double holds exactly, and the split arithmetic it needs
 * measured 2–3× slower than this (four table reads and three XORs per value), which at k = 64 and
 * 200 shingles is most of the cost of a score. Tabulation is not a weaker choice: Pătraşcu &
 * Thorup (2012, "The power of simple tabulation hashing", J. ACM 59(3)) prove simple tabulation
 * ε-minwise independent, which is the property MinHash needs, and Dahlgaard, Knudsen & Thorup
 * (2017, "Practical hash functions for similarity estimation and dimensionality reduction",
 * NeurIPS) find multiply-mod-prime estimates visibly biased on structured input where tabulation
 * hashing behaves like truly random hashing. (Double hashing h1 + i·h2 was not used either:
 * consecutive functions differ by the same h2(x), so their minima are correlated.) The 64 × 4
 * tables of 256 words take 256 KiB, built once per process on first use (10–30 ms measured on a
 * loaded 2-core VM; any call, even `noveltySignature('')`, builds them ahead of the first item).
 *
 * A real minimum equals NOVELTY_EMPTY_SLOT only if every shingle of the text hashes to 2^32 − 1 at
 * that position (probability 2^−32 for a one-shingle text), so an empty signature is in practice
 * only ever equal to another empty one.
 */
const TABLE_SEED = 'tollgate/novelty/minhash/v1';
let tables: Uint32Array | undefined;

/**
 * Fixed forever: a stored signature is only comparable with signatures made by the same tables,
 * so they come from the repo's seeded generator (bit-identical on every platform, its stream
 * pinned by test/core/stats/random.test.ts) under a versioned seed. Layout: entry (c, byte, i) at
 * ((c·256 + byte)·k + i), so one shingle reads four contiguous rows of k words.
 */
function tabulationTables(): Uint32Array {
  if (tables === undefined) {
    const random = createRandom(TABLE_SEED);
    const built = new Uint32Array(4 * 256 * NOVELTY_PERMUTATIONS);
    for (let j = 0; j < built.length; j++) built[j] = random.nextUint32();
    tables = built;
  }
  return tables;
}

/** h_i(x) for i = 0..k−1: the permutation values of one base hash, for checking the signature against a direct computation. */
export function minhashValues(baseHash: number): Uint32Array {
  const t = tabulationTables();
  const x = baseHash >>> 0;
  const values = new Uint32Array(NOVELTY_PERMUTATIONS);
  for (let i = 0; i < NOVELTY_PERMUTATIONS; i++) {
    values[i] =
      t[(x & 0xff) * NOVELTY_PERMUTATIONS + i]! ^
      t[(256 + ((x >>> 8) & 0xff)) * NOVELTY_PERMUTATIONS + i]! ^
      t[(512 + ((x >>> 16) & 0xff)) * NOVELTY_PERMUTATIONS + i]! ^
      t[(768 + (x >>> 24)) * NOVELTY_PERMUTATIONS + i]!;
  }
  return values;
}

/** The signature of a set given by its shingles' base hashes (duplicates allowed: they do not change a minimum). */
export function minhashOfHashes(hashes: ArrayLike<number>): Uint32Array {
  const t = tabulationTables();
  const k = NOVELTY_PERMUTATIONS;
  const mins = new Uint32Array(k).fill(NOVELTY_EMPTY_SLOT);
  for (let s = 0; s < hashes.length; s++) {
    const x = hashes[s]! >>> 0;
    const r0 = (x & 0xff) * k;
    const r1 = (256 + ((x >>> 8) & 0xff)) * k;
    const r2 = (512 + ((x >>> 16) & 0xff)) * k;
    const r3 = (768 + (x >>> 24)) * k;
    for (let i = 0; i < k; i++) {
      const v = (t[r0 + i]! ^ t[r1 + i]! ^ t[r2 + i]! ^ t[r3 + i]!) >>> 0;
      if (v < mins[i]!) mins[i] = v;
    }
  }
  return mins;
}

/**
 * MinHash signature (length NOVELTY_PERMUTATIONS) of a set of shingles, each hashed with
 * MurmurHash3 x86_32 (seed 0) of its UTF-8 bytes. No shingles → every position NOVELTY_EMPTY_SLOT.
 * Cost is linear in the number of shingles (k hash evaluations each); use `wordShingles`, which
 * caps them, or `noveltySignature`, which does both steps without building shingle strings.
 */
export function minhashSignature(shingles: readonly string[]): Uint32Array {
  const hashes = new Uint32Array(shingles.length);
  for (let i = 0; i < shingles.length; i++) hashes[i] = murmurHash3x86_32(shingles[i]!, 0);
  return minhashOfHashes(hashes);
}

/** The MinHash signature of a text's word shingles: equal to `minhashSignature(wordShingles(text))`, cheaper. */
export function noveltySignature(text: string): Uint32Array {
  return minhashOfHashes(shingleHashes(text));
}

/**
 * Share of equal positions of two signatures of the same length: the unbiased MinHash estimate
 * of the Jaccard similarity of the sets behind them. Two signatures of empty texts are equal,
 * so two texts without words count as identical.
 */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new TollgateError('TG_VALIDATION_FAILED', 'MinHash signatures must be non-empty and of the same length', {
      lengths: [a.length, b.length],
    });
  }
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}
