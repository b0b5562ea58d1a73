/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain; reference MurmurHash3.cpp in SMHasher,
 * https://github.com/aappleby/smhasher), the base hash of the novelty shingles.
 *
 * Why this hash: MinHash only estimates Jaccard similarity without bias if the hash behaves like a
 * random function on the shingles; MurmurHash3's finaliser passes SMHasher's avalanche and
 * collision tests, where 32-bit FNV-1a (used elsewhere in the repo to turn a seed string into a
 * number) is known to mix its last characters poorly — and shingles that differ only in their
 * last word are exactly the case that matters here. It needs only `Math.imul` and shifts, so it is
 * fast in V8 and bit-identical on every platform, and it has published test vectors to pin it.
 *
 * Strings are hashed as their UTF-8 bytes (what `TextEncoder` produces, a lone surrogate becoming
 * U+FFFD), encoded on the fly from the UTF-16 code units, so the result equals every other
 * implementation's for the same text and hashing a shingle needs no substring or byte buffer.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixKey(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixBlock(h: number, k: number): number {
  h ^= mixKey(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The reference finaliser (fmix32): forces every input bit to affect every output bit. */
function finish(h: number, tail: number, tailBits: number, length: number): number {
  if (tailBits > 0) h ^= mixKey(tail);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86_32 of raw bytes; exists so the hash can be checked against SMHasher's byte-level verification. */
export function murmurHash3x86_32Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixBlock(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  let tail = 0;
  const tailBytes = bytes.length & 3;
  for (let j = 0; j < tailBytes; j++) tail |= bytes[blocks + j]! << (8 * j);
  return finish(h, tail, tailBytes * 8, bytes.length);
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `text.slice(start, end)`, without building the
 * slice. A surrogate pair cut by `start` or `end` counts as lone surrogates, as it would in the slice.
 */
export function murmurHash3x86_32Range(text: string, start: number, end: number, seed = 0): number {
  let h = seed | 0;
  let pending = 0; // bytes not yet forming a 4-byte block, little-endian
  let shift = 0; // 8 × the number of pending bytes
  let length = 0;
  for (let i = start; i < end; i++) {
    let code = text.charCodeAt(i);
    if (shift === 0 && i + 3 < end) {
      // Four ASCII characters at a block boundary make one block directly: most text, a quarter of the iterations.
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((code | c1 | c2 | c3) < 0x80) {
        h = mixBlock(h, code | (c1 << 8) | (c2 << 16) | (c3 << 24));
        length += 4;
        i += 3;
        continue;
      }
    }
    if (code < 0x80) {
      // ASCII, the common case, one byte without the general path's packing.
      pending |= code << shift;
      length++;
      if ((shift += 8) === 32) {
        h = mixBlock(h, pending);
        pending = 0;
        shift = 0;
      }
      continue;
    }
    let packed: number; // the character's UTF-8 bytes, first byte lowest
    let count: number;
    if (code < 0x800) {
      packed = 0xc0 | (code >>> 6) | ((0x80 | (code & 0x3f)) << 8);
      count = 2;
    } else {
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          code = 0xfffd; // a lone surrogate, encoded as TextEncoder does
        }
      }
      if (code >= 0x10000) {
        packed =
          0xf0 |
          (code >>> 18) |
          ((0x80 | ((code >>> 12) & 0x3f)) << 8) |
          ((0x80 | ((code >>> 6) & 0x3f)) << 16) |
          ((0x80 | (code & 0x3f)) << 24);
        count = 4;
      } else {
        packed = 0xe0 | (code >>> 12) | ((0x80 | ((code >>> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16);
        count = 3;
      }
    }
    length += count;
    for (let j = 0; j < count; j++) {
      pending |= ((packed >>> (8 * j)) & 0xff) << shift;
      if ((shift += 8) === 32) {
        h = mixBlock(h, pending);
        pending = 0;
        shift = 0;
      }
    }
  }
  return finish(h, pending, shift, length);
}

/** MurmurHash3 x86_32 of the UTF-8 encoding of `text` (equal to hashing `new TextEncoder().encode(text)`). */
export function murmurHash3x86_32(text: string, seed = 0): number {
  return murmurHash3x86_32Range(text, 0, text.length, seed);
}
