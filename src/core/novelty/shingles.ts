import { TollgateError } from '../errors.js';
import { murmurHash3x86_32Range } from './murmur3.js';

/**
 * Word shingles (Broder 1997, "On the resemblance and containment of documents"): a text becomes
 * the set of its contiguous runs of w words, and two texts' resemblance is the Jaccard similarity
 * of those sets. Three words is long enough that two unrelated texts share almost no shingles
 * (common single words and pairs would make everything look alike) and short enough that one
 * changed word only disturbs the three shingles that contain it.
 */
export const NOVELTY_SHINGLE_WORDS = 3;

/**
 * Shingles are taken from the first 2,000 positions of a text (its first 2,000 + w − 1 words), so the
 * cost of a novelty score is bounded whatever the item's size. Two long texts are then compared
 * on their openings, which for prompts is where the template and the request usually are.
 */
export const NOVELTY_MAX_SHINGLES = 2000;

/**
 * Only the first 32 Ki UTF-16 code units of a text are read at all (normalisation and word
 * splitting are linear in what they read). 2,000 shingles of prose need about 12,000 characters,
 * so the limit only bites on texts made of very long "words" (encoded blobs, long URLs).
 */
export const NOVELTY_MAX_INPUT_CHARS = 32_768;

/** A word is a run of letters, digits and combining marks; everything else separates words. */
const NON_WORD = /[^\p{L}\p{N}\p{M}]+/gu;

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 64) {
    throw new TollgateError('TG_VALIDATION_FAILED', `shingle size must be an integer from 1 to 64 (got ${size})`, { size });
  }
  return size;
}

/**
 * The text's words joined by single spaces, in the normal form shingles are taken from: NFKC (so
 * full-width letters, ligatures and other compatibility forms compare equal to their plain
 * spelling), then lower-cased (locale-independent). Punctuation, symbols, emoji and whitespace
 * separate words and are dropped, so "Refund, please!" and "refund please" give the same words.
 * Scripts written without spaces (Chinese, Japanese, Thai) give one long word per unbroken run.
 */
function canonicalWords(text: string): string {
  // A surrogate pair cut in half by the limit leaves a lone surrogate, which is not a word character.
  const head = text.length > NOVELTY_MAX_INPUT_CHARS ? text.slice(0, NOVELTY_MAX_INPUT_CHARS) : text;
  return head.normalize('NFKC').toLowerCase().replace(NON_WORD, ' ').trim();
}

/**
 * The shingles of `words` (a canonical word string) as [start, end) ranges of it, in reading order,
 * duplicates included, at most NOVELTY_MAX_SHINGLES: starts at ranges[2j], ends at ranges[2j + 1].
 * A text with fewer words than `size` is a single shingle of all its words; one with no words has none.
 */
function shingleRanges(words: string, size: number): Int32Array {
  if (words.length === 0) return new Int32Array(0);
  // At most one shingle per word, and a word takes at least two characters with its separator.
  const ranges = new Int32Array(2 * Math.min(NOVELTY_MAX_SHINGLES, (words.length + 1) >>> 1));
  const starts = new Int32Array(size); // word starts of the current window, as a ring
  let count = 0;
  let emitted = 0;
  let start = 0;
  while (emitted < NOVELTY_MAX_SHINGLES) {
    let end = words.indexOf(' ', start);
    if (end === -1) end = words.length;
    starts[count % size] = start;
    count++;
    if (count >= size) {
      ranges[2 * emitted] = starts[(count - size) % size]!;
      ranges[2 * emitted + 1] = end;
      emitted++;
    }
    if (end === words.length) break;
    start = end + 1;
  }
  if (count < size) {
    ranges[0] = 0;
    ranges[1] = words.length;
    emitted = 1;
  }
  return ranges.subarray(0, 2 * emitted);
}

/**
 * The distinct word shingles of `text`, in order of first appearance: normalised words (NFKC,
 * lower-case, runs of letters, digits and marks), each run of `size` consecutive words joined by
 * one space. A text with fewer words than `size` gives one shingle of all its words; a text
 * without words gives none. Only the first NOVELTY_MAX_SHINGLES shingle positions (of the first
 * NOVELTY_MAX_INPUT_CHARS characters) are read, so long texts cost no more than 2,000 shingles.
 */
export function wordShingles(text: string, size: number = NOVELTY_SHINGLE_WORDS): string[] {
  const words = canonicalWords(text);
  const ranges = shingleRanges(words, checkSize(size));
  const seen = new Set<string>();
  for (let j = 0; j < ranges.length; j += 2) seen.add(words.slice(ranges[j], ranges[j + 1]));
  return [...seen];
}

/**
 * The base hashes (MurmurHash3 x86_32, seed 0, of the UTF-8 shingle) of the shingles of `text`,
 * computed from ranges of one normalised string so no shingle string is built. Duplicates are
 * kept: a minimum does not change when a value repeats, so the MinHash signature of these hashes
 * equals that of `wordShingles(text)`, whose shingles come from exactly the same positions.
 */
export function shingleHashes(text: string, size: number = NOVELTY_SHINGLE_WORDS): Uint32Array {
  const words = canonicalWords(text);
  const ranges = shingleRanges(words, checkSize(size));
  const hashes = new Uint32Array(ranges.length >>> 1);
  for (let j = 0; j < hashes.length; j++) hashes[j] = murmurHash3x86_32Range(words, ranges[2 * j]!, ranges[2 * j + 1]!, 0);
  return hashes;
}
