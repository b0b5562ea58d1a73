import type { PiiCandidate } from './types.js';

export const MIN_CARD_DIGITS = 13;
export const MAX_CARD_DIGITS = 19;

/** The Luhn (mod 10) check over a string of ASCII digits; false for anything else or empty. */
export function luhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    const v = double ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** A card number: the right length and a passing Luhn check. */
export function isCardNumber(digits: string): boolean {
  return digits.length >= MIN_CARD_DIGITS && digits.length <= MAX_CARD_DIGITS && luhnValid(digits);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const SPACE = 32;
const HYPHEN = 45;

/**
 * A digit run glued to a letter or digit belongs to a longer token (an id, a hash, base64),
 * and one glued to a decimal point is part of a decimal number: neither is read as a card.
 * A comma is not taken as a decimal comma, since "4111…,4242…" is a list far more often.
 */
function boundaryBefore(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  if (isAsciiAlnum(c)) return false;
  if (c === 46 && i >= 2 && isDigit(text.charCodeAt(i - 2))) return false;
  return true;
}

function boundaryAfter(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  if (isAsciiAlnum(c)) return false;
  if (c === 46 && i + 1 < text.length && isDigit(text.charCodeAt(i + 1))) return false;
  return true;
}

/** Card numbers are printed in groups of 4-6 with a shorter tail ("4222 2222 2222 2"). */
const MIN_GROUP_DIGITS = 3;

/**
 * Card numbers: 13-19 digits passing Luhn, written unbroken or in groups of at least three
 * digits (the last may be shorter) separated by single spaces or single hyphens, one kind per
 * number. A run of groups is searched for the longest valid window starting at each group, so
 * two card numbers written side by side are both found, and a window never starts or ends
 * inside a group. Each window reads at most 19 digits ahead, so the scan is linear and
 * allocates nothing per group.
 */
export function findPaymentCards(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const end = runEnd(text, i);
    scanRun(text, i, end, boundaryBefore(text, i), boundaryAfter(text, end), out);
    i = end;
  }
  return out;
}

/** The end of the run of digit groups starting at `start`, all joined by the same separator. */
function runEnd(text: string, start: number): number {
  const n = text.length;
  let separator = -1;
  let j = start;
  for (;;) {
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    if (j + 1 >= n) return j;
    const c = text.charCodeAt(j);
    if ((c !== SPACE && c !== HYPHEN) || (separator !== -1 && c !== separator) || !isDigit(text.charCodeAt(j + 1))) return j;
    separator = c;
    j++;
  }
}

function groupEnd(text: string, from: number, end: number): number {
  let q = from;
  while (q < end && isDigit(text.charCodeAt(q))) q++;
  return q;
}

/**
 * Inside a run a separator is a boundary; only the run's own ends need checking against what
 * surrounds them.
 */
function scanRun(text: string, start: number, end: number, startOk: boolean, endOk: boolean, out: PiiCandidate[]): void {
  let g = startOk ? start : groupEnd(text, start, end) + 1;
  while (g < end) {
    let digits = '';
    let best = -1;
    let p = g;
    while (p < end) {
      const q = groupEnd(text, p, end);
      if (digits.length + (q - p) > MAX_CARD_DIGITS) break;
      digits += text.slice(p, q);
      if ((q < end || endOk) && isCardNumber(digits)) best = q;
      // Single digits between spaces are a list of figures, not a card.
      if (q - p < MIN_GROUP_DIGITS) break;
      p = q + 1;
    }
    if (best > 0) {
      out.push({ start: g, end: best });
      g = best + 1;
    } else {
      g = groupEnd(text, g, end) + 1;
    }
  }
}

/**
 * A JSON number that is a card number: an integer whose decimal digits pass the card check.
 * Integers above 2^53 have already lost digits in parsing, so what is left cannot be checked.
 */
export function isCardNumberValue(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && isCardNumber(String(value));
}
