import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NOVELTY_BANDS,
  NOVELTY_EMPTY_SLOT,
  NOVELTY_MAX_INPUT_CHARS,
  NOVELTY_MAX_SHINGLES,
  NOVELTY_PERMUTATIONS,
  NOVELTY_SHINGLE_WORDS,
  NoveltySketch,
  estimatedJaccard,
  lshCandidateProbability,
  minhashOfHashes,
  minhashSignature,
  minhashValues,
  murmurHash3x86_32,
  murmurHash3x86_32Bytes,
  murmurHash3x86_32Range,
  noveltySignature,
  shingleHashes,
  wordShingles,
} from '../../src/core/novelty/index.js';
import { createRandom, type Random } from '../../src/core/stats/random.js';

const invalid = expect.objectContaining({ code: 'TG_VALIDATION_FAILED' });
const ROWS = NOVELTY_PERMUTATIONS / NOVELTY_BANDS;

/** A vocabulary of made-up words, so random texts share shingles only by design. */
const VOCABULARY = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}${['a', 'eo', 'ing', 'tion'][i % 4]}`);

function randomWords(random: Random, count: number): string[] {
  return Array.from({ length: count }, () => VOCABULARY[random.nextInt(VOCABULARY.length)]!);
}

/** Two sets of distinct elements with |A ∩ B| = shared, |A \ B| = onlyA, |B \ A| = onlyB. */
function setPair(tag: string, shared: number, onlyA: number, onlyB: number): [string[], string[]] {
  const common = Array.from({ length: shared }, (_, i) => `${tag}:s${i}`);
  return [
    [...common, ...Array.from({ length: onlyA }, (_, i) => `${tag}:a${i}`)],
    [...common, ...Array.from({ length: onlyB }, (_, i) => `${tag}:b${i}`)],
  ];
}

function exactJaccard(a: readonly string[], b: readonly string[]): number {
  const setA = new Set(a);
  const setB = new Set(b);
  let shared = 0;
  for (const x of setA) if (setB.has(x)) shared++;
  const union = setA.size + setB.size - shared;
  return union === 0 ? 1 : shared / union;
}

function sharesBand(a: Uint32Array, b: Uint32Array): boolean {
  for (let band = 0; band < NOVELTY_BANDS; band++) {
    let same = true;
    for (let row = band * ROWS; row < (band + 1) * ROWS; row++) if (a[row] !== b[row]) same = false;
    if (same) return true;
  }
  return false;
}

/** The specification of a score, computed the slow way: candidates are exactly the stored signatures sharing a band. */
function referenceScore(stored: readonly Uint32Array[], signature: Uint32Array): number {
  let best = -1;
  for (const s of stored) if (sharesBand(s, signature)) best = Math.max(best, estimatedJaccard(s, signature));
  return best < 0 ? 1 : 1 - best;
}

function bytesOf(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

describe('MurmurHash3 x86_32 (the base hash)', () => {
  it('reproduces the published byte-level test vectors', () => {
    // Ian Boyd, "MurmurHash3 test vectors", https://stackoverflow.com/questions/14747343 — the same
    // table is used by the test suites of Boost.Hash2, ANTLR and pycoin, among others.
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['', 1, 0x514e28b7],
      ['', 0xffffffff, 0x81f16f39],
      ['ffffffff', 0, 0x76293b50],
      ['21436587', 0, 0xf55b516b],
      ['21436587', 0x5082edee, 0x2362f9de],
      ['214365', 0, 0x7e4a8634],
      ['2143', 0, 0xa0f7b07a],
      ['21', 0, 0x72661cf4],
      ['00000000', 0, 0x2362f9de],
      ['000000', 0, 0x85f0b427],
      ['0000', 0, 0x30f4c306],
      ['00', 0, 0x514e28b7],
    ];
    for (const [hex, seed, expected] of vectors) expect(murmurHash3x86_32Bytes(bytesOf(hex), seed)).toBe(expected);
  });

  it('reproduces the published string test vectors (UTF-8)', () => {
    // Same source; the strings are hashed as their UTF-8 bytes ("π" is CF 80).
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['\0\0\0\0', 0, 0x2362f9de],
      ['aaaa', 0x9747b28c, 0x5a97808a],
      ['aaa', 0x9747b28c, 0x283e0130],
      ['aa', 0x9747b28c, 0x5d211726],
      ['a', 0x9747b28c, 0x7fa09ea6],
      ['abcd', 0x9747b28c, 0xf0478627],
      ['abc', 0x9747b28c, 0xc84a62dd],
      ['ab', 0x9747b28c, 0x74875592],
      ['Hello, world!', 0x9747b28c, 0x24884cba],
      ['ππππππππ', 0x9747b28c, 0xd58063c1],
      ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
      ['abc', 0, 0xb3dd93fa],
      ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ];
    for (const [text, seed, expected] of vectors) expect(murmurHash3x86_32(text, seed)).toBe(expected);
  });

  it("passes SMHasher's verification test (0xB0F57EE3)", () => {
    // SMHasher KeysetTest.cpp VerificationTest: hash the keys {}, {0}, {0,1}, …, {0..254} with seed
    // 256 − length, concatenate the 256 results little-endian, hash that with seed 0. SMHasher's
    // table lists 0xB0F57EE3 for MurmurHash3_x86_32.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const results = new Uint8Array(4 * 256);
    const view = new DataView(results.buffer);
    for (let i = 0; i < 256; i++) view.setUint32(4 * i, murmurHash3x86_32Bytes(key.subarray(0, i), 256 - i), true);
    expect(murmurHash3x86_32Bytes(results, 0)).toBe(0xb0f57ee3);
  });

  it('hashes any string exactly as its TextEncoder bytes, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const text of ['\ud800', 'a\udc00b', '😀', '\ud83d\ude00\ud83d', 'é€😀x', 'ＡＢＣ']) {
      expect(murmurHash3x86_32(text, 7)).toBe(murmurHash3x86_32Bytes(encoder.encode(text), 7));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (text, seed) => {
        expect(murmurHash3x86_32(text, seed)).toBe(murmurHash3x86_32Bytes(encoder.encode(text), seed));
      }),
    );
  });

  it('hashes a range exactly as the slice it names, even when the range cuts a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.nat(), fc.nat(), (text, x, y) => {
        const start = x % (text.length + 1);
        const end = start + (y % (text.length - start + 1));
        expect(murmurHash3x86_32Range(text, start, end, 3)).toBe(murmurHash3x86_32(text.slice(start, end), 3));
      }),
    );
  });
});

describe('wordShingles', () => {
  it('ignores case and punctuation and joins three consecutive words with one space', () => {
    expect(wordShingles('Hello, WORLD!  How are\tyou?')).toEqual(['hello world how', 'world how are', 'how are you']);
    expect(wordShingles('hello world how are you')).toEqual(wordShingles('Hello, WORLD!  How are\tyou?'));
    // Digits are word characters, so a decimal point and a hyphen split words.
    expect(wordShingles('pi is 3.14 state-of-the-art')).toEqual([
      'pi is 3',
      'is 3 14',
      '3 14 state',
      '14 state of',
      'state of the',
      'of the art',
    ]);
  });

  it('normalises Unicode with NFKC before lower-casing, and keeps letters of every script', () => {
    // Full-width letters and the "fi" ligature are compatibility forms of plain letters.
    expect(wordShingles('ＨＥＬＬＯ ｗｏｒｌｄ ﬁne')).toEqual(['hello world fine']);
    // A decomposed é (e + U+0301) composes to the same word as the precomposed one.
    expect(wordShingles('cafe\u0301 au lait')).toEqual(wordShingles('CAFÉ au lait'));
    expect(wordShingles('Ελληνικά και Русский текст')).toEqual(['ελληνικά και русский', 'και русский текст']);
    // Emoji and symbols separate words; they are not words.
    expect(wordShingles('good 👍 job → done')).toEqual(['good job done']);
  });

  it('gives one shingle of all the words of a short text, and none for a text without words', () => {
    expect(wordShingles('')).toEqual([]);
    expect(wordShingles('  ?! … 👍 ')).toEqual([]);
    expect(wordShingles('Refund')).toEqual(['refund']);
    expect(wordShingles('Refund please!')).toEqual(['refund please']);
    expect(wordShingles('one two three')).toEqual(['one two three']);
    expect(wordShingles('one two three', 1)).toEqual(['one', 'two', 'three']);
    expect(wordShingles('one two three four', 2)).toEqual(['one two', 'two three', 'three four']);
  });

  it('deduplicates, keeping the order of first appearance', () => {
    expect(wordShingles('a b c a b c a b c')).toEqual(['a b c', 'b c a', 'c a b']);
    expect(wordShingles('same same same same same')).toEqual(['same same same']);
  });

  it('reads at most NOVELTY_MAX_SHINGLES shingle positions', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const shingles = wordShingles(words.join(' '));
    expect(shingles).toHaveLength(NOVELTY_MAX_SHINGLES);
    expect(shingles.at(-1)).toBe(`w${NOVELTY_MAX_SHINGLES - 1} w${NOVELTY_MAX_SHINGLES} w${NOVELTY_MAX_SHINGLES + 1}`);
    expect(shingleHashes(words.join(' '))).toHaveLength(NOVELTY_MAX_SHINGLES);
    // Repeats count towards the limit: it bounds the work, not the distinct shingles.
    expect(wordShingles(`${'x y z '.repeat(1000)}${words.join(' ')}`)).toEqual(['x y z', 'y z x', 'z x y']);
  });

  it('reads only the first NOVELTY_MAX_INPUT_CHARS characters', () => {
    const long = 'a'.repeat(NOVELTY_MAX_INPUT_CHARS - 5);
    // The limit falls inside "cc" in the first text and just after it in the second.
    expect(wordShingles(`${long} bb cc dd`)).toEqual([`${long} bb c`]);
    expect(wordShingles(`${long} b cc dd`)).toEqual([`${long} b cc`]);
  });

  it('refuses a shingle size that is not a positive integer', () => {
    expect(() => wordShingles('a b c', 0)).toThrow(invalid);
    expect(() => wordShingles('a b c', 1.5)).toThrow(invalid);
    expect(() => shingleHashes('a b c', -1)).toThrow(invalid);
  });
});

describe('MinHash signatures', () => {
  it('signs a text without words with NOVELTY_EMPTY_SLOT everywhere', () => {
    const empty = new Uint32Array(NOVELTY_PERMUTATIONS).fill(NOVELTY_EMPTY_SLOT);
    expect(minhashSignature([])).toEqual(empty);
    expect(noveltySignature('')).toEqual(empty);
    expect(noveltySignature('… !!! 👍')).toEqual(empty);
    expect(estimatedJaccard(noveltySignature(''), noveltySignature('?'))).toBe(1);
  });

  it('keeps, at each position, the minimum over the shingles of that hash function', () => {
    const shingles = wordShingles('the quick brown fox jumps over the lazy dog and keeps running');
    const values = shingles.map((s) => minhashValues(murmurHash3x86_32(s, 0)));
    const expected = Uint32Array.from({ length: NOVELTY_PERMUTATIONS }, (_, i) => Math.min(...values.map((v) => v[i]!)));
    expect(minhashSignature(shingles)).toEqual(expected);
    // k different hash functions, not one repeated.
    expect(new Set(minhashValues(12345)).size).toBe(NOVELTY_PERMUTATIONS);
  });

  it('depends only on the set of shingles', () => {
    const shingles = wordShingles('alpha beta gamma delta epsilon zeta eta theta');
    expect(minhashSignature([...shingles].reverse())).toEqual(minhashSignature(shingles));
    expect(minhashSignature([...shingles, ...shingles])).toEqual(minhashSignature(shingles));
  });

  it('computes the same signature from a text as from its shingles', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(noveltySignature(text)).toEqual(minhashSignature(wordShingles(text)));
      }),
    );
    const random = createRandom('novelty-long-text');
    const long = randomWords(random, 2500).join(' ');
    expect(noveltySignature(long)).toEqual(minhashSignature(wordShingles(long)));
    expect(minhashOfHashes(shingleHashes(long))).toEqual(noveltySignature(long));
  });

  it('pins the signature of a known text so stored sketches stay comparable across versions', () => {
    // Not a published value: the first positions of our signature (MurmurHash3 → tabulation tables
    // from createRandom('tollgate/novelty/minhash/v1')). If this changes, every signature does.
    expect(Array.from(noveltySignature('The quick brown fox jumps over the lazy dog').subarray(0, 4))).toEqual([
      684238696, 845310874, 669120891, 351601751,
    ]);
  });

  it('estimates the Jaccard similarity without bias, with the standard error √(J(1 − J)/k)', () => {
    const random = createRandom('novelty-jaccard');
    const errors: number[] = [];
    const variances: number[] = [];
    const zs: number[] = [];
    for (let pair = 0; pair < 400; pair++) {
      const [a, b] = setPair(`p${pair}`, random.nextInt(120), random.nextInt(80), random.nextInt(80) + 1);
      const truth = exactJaccard(a, b);
      const estimate = estimatedJaccard(minhashSignature(a), minhashSignature(b));
      const variance = (truth * (1 - truth)) / NOVELTY_PERMUTATIONS;
      errors.push(estimate - truth);
      variances.push(variance);
      if (variance > 0) zs.push((estimate - truth) / Math.sqrt(variance));
      else expect(estimate).toBe(truth); // disjoint sets never agree
    }
    const meanError = errors.reduce((s, e) => s + e, 0) / errors.length;
    const meanErrorSd = Math.sqrt(variances.reduce((s, v) => s + v, 0)) / errors.length;
    expect(Math.abs(meanError)).toBeLessThan(3 * meanErrorSd);
    expect(zs.filter((z) => Math.abs(z) <= 3).length / zs.length).toBeGreaterThanOrEqual(0.98);
    // The spread matches the binomial standard error: the mean of z² is about 1 (sd ≈ √(2/n)).
    const meanSquare = zs.reduce((s, z) => s + z * z, 0) / zs.length;
    expect(meanSquare).toBeGreaterThan(1 - 3 * Math.sqrt(2 / zs.length));
    expect(meanSquare).toBeLessThan(1 + 3 * Math.sqrt(2 / zs.length));
  });

  it('refuses signatures of different or zero length', () => {
    expect(() => estimatedJaccard(new Uint32Array(64), new Uint32Array(32))).toThrow(invalid);
    expect(() => estimatedJaccard(new Uint32Array(0), new Uint32Array(0))).toThrow(invalid);
  });
});

describe('LSH banding', () => {
  it('computes the S-curve 1 − (1 − s^r)^b', () => {
    // Mining of Massive Datasets §3.4.2 (b = 20, r = 5): 0.8 → 0.99965, 0.3 → 0.047.
    expect(lshCandidateProbability(0.8, 20, 5)).toBeCloseTo(0.99965, 4);
    expect(lshCandidateProbability(0.3, 20, 5)).toBeCloseTo(0.047, 2);
    // Ours, b = 16, r = 4: threshold (1/16)^(1/4) = 0.5.
    expect(lshCandidateProbability(0.5)).toBeCloseTo(1 - (15 / 16) ** 16, 12);
    expect(lshCandidateProbability(0)).toBe(0);
    expect(lshCandidateProbability(1)).toBe(1);
  });

  it('makes pairs of similarity s candidates at the rate the S-curve predicts', () => {
    const pairs = 1500;
    const sketch = new NoveltySketch({ capacity: 1 });
    for (const [s, shared, own] of [
      [0.2, 20, 40],
      [0.5, 50, 25],
      [0.8, 80, 10],
    ] as const) {
      let candidates = 0;
      for (let pair = 0; pair < pairs; pair++) {
        const [a, b] = setPair(`s${s}p${pair}`, shared, own, own);
        sketch.add(minhashSignature(a)); // capacity 1: the only stored signature is a's
        // Sharing a band means at least r equal positions, so a candidate always scores below 1.
        if (sketch.score(minhashSignature(b)) < 1) candidates++;
      }
      const expected = lshCandidateProbability(s);
      const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / pairs) + 0.005;
      expect(Math.abs(candidates / pairs - expected), `s = ${s}: ${candidates / pairs} vs ${expected}`).toBeLessThan(tolerance);
    }
  });
});

describe('NoveltySketch', () => {
  it('scores 1 on an empty sketch, and 0 for an exact repeat once it has been added', () => {
    const sketch = new NoveltySketch();
    const signature = noveltySignature('Please refund order 1234, the parcel never arrived.');
    expect(sketch.size).toBe(0);
    expect(sketch.capacity).toBe(10_000);
    expect(sketch.score(signature)).toBe(1);
    sketch.add(signature);
    expect(sketch.score(noveltySignature('please refund ORDER 1234 — the parcel never arrived'))).toBe(0);
    expect(estimatedJaccard(signature, noveltySignature('Please refund order 1234, the parcel never arrived.'))).toBe(1);
  });

  it('scores a near-duplicate (one word changed in 40) low', () => {
    const random = createRandom('novelty-near-duplicate');
    for (let trial = 0; trial < 40; trial++) {
      const words = randomWords(random, 40);
      const changed = [...words];
      changed[random.nextInt(40)] = 'replacementword';
      const sketch = new NoveltySketch({ capacity: 100 });
      sketch.add(noveltySignature(words.join(' ')));
      expect(sketch.score(noveltySignature(changed.join(' ')))).toBeLessThan(0.3);
    }
  });

  it('scores unrelated texts 1 against a sketch of other traffic', () => {
    const random = createRandom('novelty-unrelated');
    const sketch = new NoveltySketch({ capacity: 2000 });
    for (let i = 0; i < 2000; i++) sketch.add(noveltySignature(randomWords(random, 40).join(' ')));
    const scores = Array.from({ length: 200 }, () => sketch.score(noveltySignature(randomWords(random, 40).join(' '))));
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.9);
    expect(scores.filter((s) => s === 1).length).toBeGreaterThanOrEqual(190);
  });

  it('remembers at most `capacity` signatures and forgets the oldest first', () => {
    const sketch = new NoveltySketch({ capacity: 5 });
    const x = noveltySignature('an unusual request about a lost passport in Lisbon');
    const others = Array.from({ length: 8 }, (_, i) => noveltySignature(`filler item number ${i} ${'lorem ipsum dolor '.repeat(i + 1)}`));
    sketch.add(x);
    for (let i = 0; i < 4; i++) sketch.add(others[i]!);
    expect(sketch.size).toBe(5);
    expect(sketch.score(x)).toBe(0);
    sketch.add(others[4]!); // evicts x
    expect(sketch.size).toBe(5);
    expect(sketch.score(x)).toBe(1);
    // Two copies in the same buckets: the first eviction leaves the second findable.
    sketch.add(x);
    sketch.add(x);
    for (let i = 5; i < 8; i++) sketch.add(others[i]!);
    expect(sketch.score(x)).toBe(0);
    sketch.add(others[0]!); // evicts the first copy
    expect(sketch.score(x)).toBe(0);
    sketch.add(others[1]!); // evicts the second
    expect(sketch.score(x)).toBe(1);
    expect(sketch.size).toBe(5);
  });

  it('keeps every remembered signature findable as its storage grows', () => {
    const sketch = new NoveltySketch({ capacity: 700 });
    const signatures = Array.from({ length: 1000 }, (_, i) => noveltySignature(`item ${i} about topic ${i * 7919} in region ${i % 13}`));
    for (const s of signatures.slice(0, 600)) sketch.add(s);
    expect(sketch.size).toBe(600);
    for (const s of signatures.slice(0, 600)) expect(sketch.score(s)).toBe(0);
    for (const s of signatures.slice(600)) sketch.add(s);
    expect(sketch.size).toBe(700);
    expect(signatures.slice(300).every((s) => sketch.score(s) === 0)).toBe(true);
    expect(signatures.slice(0, 300).some((s) => sketch.score(s) === 0)).toBe(false);
  });

  it('agrees with a brute-force computation of the specification over a long random history', () => {
    // Capacity 24 keeps every bucket and every candidate list under the work bounds, so the
    // sketch must be exact: candidates are the stored signatures sharing a band, no more, no less.
    const random = createRandom('novelty-model');
    const templates = Array.from({ length: 4 }, () => randomWords(random, 30));
    const capacity = 24;
    const sketch = new NoveltySketch({ capacity });
    const stored: Uint32Array[] = [];
    let nonTrivial = 0;
    for (let step = 0; step < 1500; step++) {
      let words: string[];
      if (random.nextInt(5) === 0) words = randomWords(random, 30);
      else {
        words = [...templates[random.nextInt(templates.length)]!];
        const edits = random.nextInt(12);
        for (let e = 0; e < edits; e++) words[random.nextInt(words.length)] = VOCABULARY[random.nextInt(VOCABULARY.length)]!;
      }
      const signature = noveltySignature(words.join(' '));
      const expected = referenceScore(stored, signature);
      if (expected > 0 && expected < 1) nonTrivial++;
      expect(sketch.score(signature)).toBe(expected);
      if (random.nextInt(4) !== 0) {
        sketch.add(signature);
        stored.push(signature);
        if (stored.length > capacity) stored.shift();
      }
      expect(sketch.size).toBe(stored.length);
    }
    expect(nonTrivial).toBeGreaterThan(300);
  });

  it('compares only stored signatures that share a band, even after their bucket neighbours were evicted', () => {
    // Hand-made signatures: q shares band 0 with a and a2 and nothing else; b agrees with q on 48 of
    // 64 positions but differs in one row of every band, so b is similar yet never a candidate.
    const q = Uint32Array.from({ length: 64 }, (_, i) => (i < ROWS ? 1 : 5000 + i));
    const a = Uint32Array.from({ length: 64 }, (_, i) => (i < ROWS ? 1 : 1000 + i));
    const a2 = Uint32Array.from({ length: 64 }, (_, i) => (i < ROWS ? 1 : 2000 + i));
    const b = Uint32Array.from(q, (v, i) => (i % ROWS === 0 ? 9_000_000 + i : v));
    expect(estimatedJaccard(q, b)).toBe(0.75);
    const sketch = new NoveltySketch({ capacity: 2 });
    sketch.add(a);
    sketch.add(a2); // band 0's bucket: a2, then a
    expect(sketch.score(q)).toBe(1 - ROWS / 64);
    sketch.add(b); // overwrites a's slot: a2's link to it is stale and must not lead to b
    expect(sketch.score(q)).toBe(1 - ROWS / 64);
    sketch.add(q);
    expect(sketch.score(Uint32Array.from(q))).toBe(0);
  });

  it('compares the candidates sharing the most bands first, so a flood of weak matches cannot hide a duplicate', () => {
    // An old exact duplicate of q, then 40 newer signatures sharing only band 0 with q (think: a
    // common boilerplate prompt). The duplicate is beyond the bucket walk in band 0 but found in the
    // other 15 bands; there are 41 candidates for 32 full comparisons.
    const q = Uint32Array.from({ length: 64 }, (_, i) => 7 + i);
    const sketch = new NoveltySketch({ capacity: 100 });
    sketch.add(Uint32Array.from(q));
    for (let j = 0; j < 40; j++) sketch.add(Uint32Array.from({ length: 64 }, (_, i) => (i < ROWS ? 7 + i : 100_000 * (j + 1) + i)));
    expect(sketch.score(q)).toBe(0);
  });

  it('stays close to the exact score when templated traffic fills the buckets beyond the work bounds', () => {
    const random = createRandom('novelty-templated');
    const template = randomWords(random, 200);
    const variant = (): string => {
      const words = [...template];
      for (let e = 0; e < 6; e++) words[random.nextInt(words.length)] = VOCABULARY[random.nextInt(VOCABULARY.length)]!;
      return words.join(' ');
    };
    const sketch = new NoveltySketch({ capacity: 2000 });
    const stored: Uint32Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = noveltySignature(variant());
      sketch.add(s);
      stored.push(s);
    }
    for (let trial = 0; trial < 20; trial++) {
      const s = noveltySignature(variant());
      const exact = referenceScore(stored, s);
      const bounded = sketch.score(s);
      // A maximum over fewer candidates can only be lower, so the bounded score is never below the exact one.
      expect(bounded).toBeGreaterThanOrEqual(exact);
      expect(bounded - exact).toBeLessThanOrEqual(0.1);
      expect(bounded).toBeLessThan(0.5);
    }
  });

  it('observe scores against the traffic before the item, then adds it', () => {
    const sketch = new NoveltySketch({ capacity: 10 });
    const s = noveltySignature('a question nobody has asked before today');
    expect(sketch.observe(s)).toBe(1);
    expect(sketch.size).toBe(1);
    expect(sketch.observe(s)).toBe(0);
    expect(sketch.size).toBe(2);
  });

  it('refuses a capacity that is not a positive integer, and signatures of the wrong shape', () => {
    expect(() => new NoveltySketch({ capacity: 0 })).toThrow(invalid);
    expect(() => new NoveltySketch({ capacity: 2.5 })).toThrow(invalid);
    expect(() => new NoveltySketch({ capacity: Number.NaN })).toThrow(invalid);
    const sketch = new NoveltySketch({ capacity: 3 });
    expect(() => sketch.add(new Uint32Array(32))).toThrow(invalid);
    expect(() => sketch.score(new Uint32Array(65))).toThrow(invalid);
    expect(() => sketch.add(Array.from(new Uint32Array(64)) as unknown as Uint32Array)).toThrow(invalid);
  });
});

describe('shingle size constant', () => {
  it('uses three-word shingles by default', () => {
    expect(NOVELTY_SHINGLE_WORDS).toBe(3);
    expect(wordShingles('one two three four')).toEqual(wordShingles('one two three four', 3));
  });
});
