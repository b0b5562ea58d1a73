/**
 * Novelty at capture time without external models: MinHash signatures of an item's word
 * shingles, scored against an LSH-banded sketch of recent traffic. Pure (no I/O); capture owns
 * the sketch and decides what text to read.
 */
export * from './murmur3.js';
export * from './shingles.js';
export * from './minhash.js';
export * from './novelty-sketch.js';
