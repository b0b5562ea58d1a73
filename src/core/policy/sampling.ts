import { createHash } from 'node:crypto';

// 48 bits fit a double exactly, so every draw is a distinct, exactly representable fraction.
const DRAW_BYTES = 6;
const DRAW_SCALE = 2 ** (DRAW_BYTES * 8);

/**
 * A uniform number in [0, 1) fixed by (item, rule, seed): re-routing an item gives the same
 * answer, while different rules (or a new seed) draw independently.
 */
export function sampleDraw(itemId: string, ruleName: string, seed: string): number {
  // Length prefixes make the encoding unambiguous: ("a|b", "c") and ("a", "b|c") differ.
  const material = `${seed.length}:${seed}|${ruleName.length}:${ruleName}|${itemId}`;
  const digest = createHash('sha256').update(material, 'utf8').digest();
  return digest.readUIntBE(0, DRAW_BYTES) / DRAW_SCALE;
}

/** P(A or B) for independent draws, exact at 0 and 1 so a lone 0.1 sample stays 0.1. */
export function eitherDrawn(a: number, b: number): number {
  if (a === 1 || b === 1) return 1;
  return a + b - a * b;
}

/** Whether the item falls in the `rate` fraction sampled by this rule; 0 never, 1 always. */
export function isSampled(itemId: string, ruleName: string, seed: string, rate: number): boolean {
  return sampleDraw(itemId, ruleName, seed) < rate;
}
