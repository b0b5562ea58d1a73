import { TollgateError } from '../errors.js';
import { NOVELTY_PERMUTATIONS } from './minhash.js';

/**
 * Locality-sensitive hashing by banding (Leskovec, Rajaraman & Ullman, Mining of Massive
 * Datasets, §3.4): the k = 64 signature positions are cut into b = 16 bands of r = 4 rows, and
 * two signatures become candidates when they agree on every row of at least one band. Two items
 * of Jaccard similarity s agree on a band with probability s^r, so they become candidates with
 * probability 1 − (1 − s^r)^b (the "S-curve"), whose threshold — the steepest point — is about
 * (1/b)^(1/r) = 0.5:
 *
 *   s           0.2     0.3     0.4     0.5     0.6     0.7     0.8
 *   candidate   0.025   0.12    0.34    0.64    0.89    0.988   0.9998
 *
 * So an item whose similarity to everything stored is below about 0.3 is rarely compared with
 * anything and scores 1, and when it is, the match found is itself dissimilar, so the score stays
 * close to 1; an item with a near-duplicate (s ≥ 0.7) almost surely finds it. Only candidates are
 * compared, which keeps a score far cheaper than comparing with all 10,000 stored signatures.
 */
export const NOVELTY_BANDS = 16;
// Module-local copies, so hot loops read a constant rather than an imported binding.
const K = NOVELTY_PERMUTATIONS;
const BANDS = NOVELTY_BANDS;
const ROWS = K / BANDS;

/** Default number of recent signatures a sketch remembers. */
export const NOVELTY_SKETCH_CAPACITY = 10_000;

/**
 * Work bounds of one score. Templated traffic puts thousands of near-identical items in the same
 * band buckets, and comparing a new item with all of them would cost milliseconds. So a score
 * looks at the newest 32 entries of each of its 16 buckets, and compares in full (64 positions)
 * only the 32 of those candidates that share the most bands with it — the number of shared bands
 * grows steeply with similarity (each band matches with probability s^4), so these are the likely
 * closest ones. With at most 32 candidates, the common case outside templated traffic, the score
 * is exact; beyond that an item already has dozens of stored items agreeing with it on whole
 * bands, so it is not novel, and the score can at most come out a little high (the closest match
 * may be among those not compared in full).
 */
export const NOVELTY_MAX_BUCKET_WALK = 32;
export const NOVELTY_MAX_COMPARISONS = 32;

/** 1 − (1 − s^r)^b: the probability that two signatures of Jaccard similarity s share at least one band. */
export function lshCandidateProbability(similarity: number, bands: number = BANDS, rows: number = ROWS): number {
  return 1 - Math.pow(1 - Math.pow(similarity, rows), bands);
}

/** MurmurHash3's block mix and finaliser over the band's four 32-bit rows, seeded by the band number. */
function bandKey(signature: Uint32Array, offset: number, band: number): number {
  let h = band;
  for (let row = 0; row < ROWS; row++) {
    let k = Math.imul(signature[offset + band * ROWS + row]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= ROWS * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The smallest power of two holding `slots` band entries at a load factor of at most 3/4. */
function tableSizeFor(slots: number): number {
  let size = 16;
  while (size * 3 < slots * 4) size *= 2;
  return size;
}

export interface NoveltySketchOptions {
  /** How many recent signatures are remembered (default 10,000); the oldest is forgotten first. */
  capacity?: number;
}

/**
 * A bounded sketch of recent traffic: a ring buffer of the last `capacity` MinHash signatures and
 * an LSH band index over them. Novelty of a new signature = 1 − the largest estimated Jaccard
 * similarity to a stored signature found through the bands; 1 when none shares a band.
 *
 * Layout, all typed arrays (nothing per item on the JavaScript heap, nothing for the GC to trace):
 * - signatures, k × 4 = 256 bytes a slot;
 * - per band, an open-addressing hash table (linear probing, load ≤ 3/4) from band key to the
 *   newest slot in that bucket, 8 bytes an entry;
 * - per slot and band, the next older slot in the same bucket (64 bytes a slot), and per slot its
 *   insertion number. Eviction does not unlink chains: a link to a slot that has since been
 *   overwritten points to a newer insertion number, which ends the walk.
 * Memory: about 330 bytes a slot plus the tables (16 × 8 bytes × 1.33–2.67 entries a slot), about
 * 5.4 MB for the default 10,000 signatures (3.3 MB in slots, 2.1 MB of tables). Arrays grow by doubling up to the capacity, so a
 * quiet project costs little.
 *
 * Not persistent: it lives in one process's memory (one per project, say) and refills from traffic after a restart.
 */
export class NoveltySketch {
  readonly #capacity: number;
  #allocated = 0;
  #signatures = new Uint32Array(0);
  /** Per slot and band: the next older slot in the same bucket, or −1. Valid only while that slot's insertion number is smaller. */
  #older = new Int32Array(0);
  /** Per slot: its insertion number (1, 2, …), so stale chain links can be recognised. */
  #inserted = new Float64Array(0);
  #tableSize = 0;
  /** Band b's table occupies [b·tableSize, (b + 1)·tableSize). A head of −1 is an empty entry. */
  #keys = new Int32Array(0);
  #heads = new Int32Array(0);
  /** Per slot: the score call that last saw it, and how many of that call's bands it was found in. */
  #seen = new Uint32Array(0);
  #hits = new Uint8Array(0);
  #epoch = 0;
  readonly #candidates = new Int32Array(BANDS * NOVELTY_MAX_BUCKET_WALK);
  readonly #order = new Int32Array(BANDS * NOVELTY_MAX_BUCKET_WALK);
  #size = 0;
  #insertions = 0;
  /** The slot the next signature goes to (the oldest one, once full). */
  #next = 0;

  constructor(options: NoveltySketchOptions = {}) {
    const capacity = options.capacity ?? NOVELTY_SKETCH_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000_000) {
      throw new TollgateError('TG_VALIDATION_FAILED', `novelty sketch capacity must be an integer from 1 to 10,000,000 (got ${capacity})`, {
        capacity,
      });
    }
    this.#capacity = capacity;
    this.#resize(Math.min(capacity, 256));
  }

  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * 1 − the largest estimated Jaccard similarity between `signature` and the stored signatures it
   * shares a band with (within the work bounds above); 1 when it shares none. A multiple of 1/64;
   * 0 for an exact duplicate.
   */
  score(signature: Uint32Array): number {
    checkSignature(signature);
    if (this.#size === 0) return 1;
    const found = this.#collectCandidates(signature);
    if (found === 0) return 1;
    const order = found <= NOVELTY_MAX_COMPARISONS ? this.#candidates : this.#mostSharedFirst(found);
    const stored = this.#signatures;
    const compared = Math.min(found, NOVELTY_MAX_COMPARISONS);
    let best = 0;
    for (let c = 0; c < compared; c++) {
      const offset = order[c]! * K;
      let equal = 0;
      for (let i = 0; i < K; i++) if (stored[offset + i] === signature[i]) equal++;
      if (equal > best) {
        if (equal === K) return 0;
        best = equal;
      }
    }
    return 1 - best / K;
  }

  /** Remembers `signature`, forgetting the oldest one when the sketch is full. */
  add(signature: Uint32Array): void {
    checkSignature(signature);
    const slot = this.#next;
    if (this.#size === this.#capacity) this.#evict(slot);
    else {
      if (slot === this.#allocated) this.#resize(Math.min(this.#capacity, this.#allocated * 2));
      this.#size++;
    }
    const offset = slot * K;
    this.#signatures.set(signature, offset);
    this.#inserted[slot] = ++this.#insertions;
    for (let band = 0; band < BANDS; band++) {
      const key = bandKey(this.#signatures, offset, band);
      const entry = this.#find(band, key);
      if (entry === -1) {
        this.#older[slot * BANDS + band] = -1;
        this.#insert(band, key, slot);
      } else {
        this.#older[slot * BANDS + band] = this.#heads[entry]!;
        this.#heads[entry] = slot;
      }
    }
    this.#next = slot + 1 === this.#capacity ? 0 : slot + 1;
  }

  /** `score` then `add`: the novelty of an item against the traffic before it, which it then joins. */
  observe(signature: Uint32Array): number {
    const novelty = this.score(signature);
    this.add(signature);
    return novelty;
  }

  /** Distinct slots in the newest NOVELTY_MAX_BUCKET_WALK entries of the signature's buckets, with their band counts in #hits. */
  #collectCandidates(signature: Uint32Array): number {
    if (++this.#epoch > 0xffffffff) {
      this.#epoch = 1;
      this.#seen.fill(0);
    }
    const epoch = this.#epoch;
    let found = 0;
    for (let band = 0; band < BANDS; band++) {
      const entry = this.#find(band, bandKey(signature, 0, band));
      if (entry === -1) continue;
      let slot = this.#heads[entry]!;
      for (let step = 0; step < NOVELTY_MAX_BUCKET_WALK; step++) {
        if (this.#seen[slot] === epoch) this.#hits[slot]!++;
        else {
          this.#seen[slot] = epoch;
          this.#hits[slot] = 1;
          this.#candidates[found++] = slot;
        }
        const older = this.#older[slot * BANDS + band]!;
        if (older === -1 || this.#inserted[older]! >= this.#inserted[slot]!) break;
        slot = older;
      }
    }
    return found;
  }

  /** The candidates ordered by bands shared, most first, ties in the order found (a counting sort). */
  #mostSharedFirst(found: number): Int32Array {
    const starts = new Int32Array(BANDS + 2);
    for (let c = 0; c < found; c++) starts[BANDS + 1 - this.#hits[this.#candidates[c]!]!]!++;
    for (let h = 1; h < starts.length; h++) starts[h]! += starts[h - 1]!;
    for (let c = found - 1; c >= 0; c--) {
      const slot = this.#candidates[c]!;
      this.#order[--starts[BANDS + 1 - this.#hits[slot]!]!] = slot;
    }
    return this.#order;
  }

  /** Drops the buckets the oldest slot is the newest entry of (they hold nothing else, as every other entry is newer). */
  #evict(slot: number): void {
    const offset = slot * K;
    for (let band = 0; band < BANDS; band++) {
      const entry = this.#find(band, bandKey(this.#signatures, offset, band));
      if (entry !== -1 && this.#heads[entry] === slot) this.#remove(band, entry);
    }
  }

  /** The table index of `key` in `band`'s table, or −1. */
  #find(band: number, key: number): number {
    const base = band * this.#tableSize;
    const mask = this.#tableSize - 1;
    for (let i = key & mask; ; i = (i + 1) & mask) {
      if (this.#heads[base + i] === -1) return -1;
      if (this.#keys[base + i] === key) return base + i;
    }
  }

  #insert(band: number, key: number, slot: number): void {
    const base = band * this.#tableSize;
    const mask = this.#tableSize - 1;
    let i = key & mask;
    while (this.#heads[base + i] !== -1) i = (i + 1) & mask;
    this.#keys[base + i] = key;
    this.#heads[base + i] = slot;
  }

  /** Linear-probing deletion by backward shift (Knuth, TAOCP vol. 3, §6.4, Algorithm R): no tombstones to accumulate. */
  #remove(band: number, entry: number): void {
    const base = band * this.#tableSize;
    const mask = this.#tableSize - 1;
    let hole = entry - base;
    for (let j = (hole + 1) & mask; this.#heads[base + j] !== -1; j = (j + 1) & mask) {
      const home = this.#keys[base + j]! & mask;
      // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
      const staysPut = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (staysPut) continue;
      this.#keys[base + hole] = this.#keys[base + j]!;
      this.#heads[base + hole] = this.#heads[base + j]!;
      hole = j;
    }
    this.#heads[base + hole] = -1;
  }

  /** Grows the arrays to `slots` (only before the ring first wraps, so slots 0..size−1 are in use) and rebuilds the tables. */
  #resize(slots: number): void {
    const signatures = new Uint32Array(slots * K);
    signatures.set(this.#signatures);
    const older = new Int32Array(slots * BANDS);
    older.set(this.#older);
    const inserted = new Float64Array(slots);
    inserted.set(this.#inserted);
    const oldKeys = this.#keys;
    const oldHeads = this.#heads;
    const oldTableSize = this.#tableSize;
    this.#tableSize = tableSizeFor(slots);
    this.#keys = new Int32Array(this.#tableSize * BANDS);
    this.#heads = new Int32Array(this.#tableSize * BANDS).fill(-1);
    for (let band = 0; band < BANDS; band++) {
      for (let i = band * oldTableSize; i < (band + 1) * oldTableSize; i++) {
        if (oldHeads[i] !== -1) this.#insert(band, oldKeys[i]!, oldHeads[i]!);
      }
    }
    this.#signatures = signatures;
    this.#older = older;
    this.#inserted = inserted;
    this.#seen = new Uint32Array(slots);
    this.#hits = new Uint8Array(slots);
    this.#epoch = 0;
    this.#allocated = slots;
  }
}

function checkSignature(signature: Uint32Array): void {
  if (!(signature instanceof Uint32Array) || signature.length !== K) {
    throw new TollgateError('TG_VALIDATION_FAILED', `a novelty signature is a Uint32Array of ${K} values`, {
      length: (signature as { length?: unknown } | null)?.length,
    });
  }
}
