import type { PiiCandidate } from './types.js';

const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

// Letters, marks and digits of any script: addresses with internationalized local parts and
// domains (RFC 6531, IDNA) are still someone's address.
const UNICODE_WORD = /^[\p{L}\p{M}\p{Nd}]$/u;

function isWordChar(c: number, ch: string): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return UNICODE_WORD.test(ch);
}

/** The dot-atom characters people really use; quoted local parts are left out on purpose. */
function isLocalChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 46 || c === 95 || c === 37 || c === 43 || c === 45) return true; // . _ % + -
  return isWordChar(c, text[i] ?? '');
}

function isDomainChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 46 || c === 45 || isWordChar(c, text[i] ?? '');
}

const LOCAL_ATOMS = /^[^.]+(?:\.[^.]+)*$/;
const LABEL = /^[\p{L}\p{M}\p{Nd}](?:[\p{L}\p{M}\p{Nd}-]*[\p{L}\p{M}\p{Nd}])?$/u;
const TLD = /^(?:\p{L}[\p{L}\p{M}]+|xn--[a-z0-9-]+)$/iu;

/** Where the local part before the `@` at `at` starts, or -1 when there is none. */
function localStart(text: string, at: number, floor: number): number {
  let i = at;
  // The bound keeps the work per `@` constant; a longer run is no local part anyway.
  const limit = Math.max(floor, at - MAX_LOCAL_LENGTH - 2);
  while (i > limit && isLocalChar(text, i - 1)) i--;
  if (i === limit && i > floor && isLocalChar(text, i - 1)) return -1;
  // "…bob@x.io" and "a..bob@x.io": sentence punctuation, not part of the address.
  const run = text.slice(i, at);
  const lastDots = run.lastIndexOf('..');
  let start = lastDots >= 0 ? i + lastDots + 2 : i;
  while (start < at && text.charCodeAt(start) === 46) start++;
  if (start === at || at - start > MAX_LOCAL_LENGTH || !LOCAL_ATOMS.test(text.slice(start, at))) return -1;
  return start;
}

/** Where the domain after the `@` at `at` ends, or -1 when it is not a dotted domain name. */
function domainEnd(text: string, at: number): number {
  let j = at + 1;
  const limit = Math.min(text.length, at + 1 + MAX_DOMAIN_LENGTH + 2);
  while (j < limit && isDomainChar(text, j)) j++;
  let domain = text.slice(at + 1, j);
  // "mail bob@x.io." ends a sentence; "bob@x.io...more" trails off.
  const dots = domain.indexOf('..');
  if (dots >= 0) domain = domain.slice(0, dots);
  let length = domain.length;
  while (length > 0 && (domain.charCodeAt(length - 1) === 46 || domain.charCodeAt(length - 1) === 45)) length--;
  domain = domain.slice(0, length);
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) return -1;
  const labels = domain.split('.');
  if (labels.length < 2) return -1;
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH || !LABEL.test(label)) return -1;
  }
  const tld = labels[labels.length - 1] ?? '';
  if (!TLD.test(tld)) return -1;
  return at + 1 + domain.length;
}

/**
 * Email addresses, found from each `@` outwards rather than with one regular expression: a
 * pattern like `[\w.]+@…` retries from every letter of a long word that has no `@`, which is
 * quadratic in the length of the word. Here each character is looked at a bounded number of
 * times, because the stretches scanned around consecutive `@`s do not overlap.
 */
export function findEmails(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = [];
  let floor = 0;
  let at = text.indexOf('@');
  while (at >= 0) {
    const start = localStart(text, at, floor);
    const end = start < 0 ? -1 : domainEnd(text, at);
    if (end > 0) {
      out.push({ start, end });
      floor = end;
    } else {
      floor = at + 1;
    }
    at = text.indexOf('@', at + 1);
  }
  return out;
}
