import type { PiiCandidate } from './types.js';

/**
 * IBAN length per country, from the SWIFT IBAN registry (ISO 13616), with the countries that
 * joined in the 2020s (BI, DJ, FK, HN, LY, MN, NI, OM, RU, SD, SO, YE). Partner-bank formats
 * outside the registry (AO, CM, IR, …) are left out.
 * A code missing here is not an IBAN country; the exact length keeps the mod-97 check (which a
 * random string passes about once in 97) from flagging arbitrary letter-digit tokens.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27,
  BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28,
  EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21,
  LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25,
  SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}); // prettier-ignore

const MAX_IBAN_LENGTH = 34;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);

function expectedLength(text: string, at: number): number | undefined {
  const code = text.slice(at, at + 2).toUpperCase();
  return Object.hasOwn(IBAN_LENGTHS, code) ? IBAN_LENGTHS[code] : undefined;
}

/** ISO 7064 mod 97-10 over the rearranged IBAN, folded digit by digit so no big integer is needed. */
function mod97(compact: string): number {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (isDigit(c)) {
      rest = (rest * 10 + (c - 48)) % 97;
    } else {
      // Letters count as two digits: A = 10 … Z = 35.
      rest = (rest * 100 + (c - 55)) % 97;
    }
  }
  return rest;
}

/**
 * Whether `s` is an IBAN: country code, two check digits, the country's BBAN length and a
 * passing mod-97 check. Spaces are ignored and letters may be in either case, as people
 * write them.
 */
export function ibanValid(s: string): boolean {
  const compact = s.replace(/ /g, '').toUpperCase();
  if (compact.length < 5 || compact.length > MAX_IBAN_LENGTH || !/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(compact)) return false;
  if (expectedLength(compact, 0) !== compact.length) return false;
  return mod97(compact) === 1;
}

/**
 * The IBAN starting at `at`, either compact or in groups of four separated by single spaces,
 * exactly as long as its country requires; returns its end, or -1.
 */
function readIban(text: string, at: number, length: number): number {
  let j = at;
  let taken = 0;
  let compact = '';
  // The form is decided by what follows the first group of four.
  const spaced = text.charCodeAt(at + 4) === 32;
  while (taken < length) {
    if (spaced && taken > 0 && taken % 4 === 0) {
      if (text.charCodeAt(j) !== 32) return -1;
      j++;
    }
    const c = text.charCodeAt(j);
    if (!isAlnum(c)) return -1;
    compact += text[j];
    taken++;
    j++;
  }
  if (j < text.length && isAlnum(text.charCodeAt(j))) return -1;
  return mod97(compact.toUpperCase()) === 1 ? j : -1;
}

/**
 * IBANs in running text. Each candidate start (two letters and two digits after a non
 * alphanumeric) reads at most 34 characters plus separators, so the scan is linear.
 */
export function findIbans(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = [];
  const n = text.length;
  let i = 0;
  while (i + 4 < n) {
    const startOk =
      (i === 0 || !isAlnum(text.charCodeAt(i - 1))) &&
      (isUpper(text.charCodeAt(i)) || isLower(text.charCodeAt(i))) &&
      (isUpper(text.charCodeAt(i + 1)) || isLower(text.charCodeAt(i + 1))) &&
      isDigit(text.charCodeAt(i + 2)) &&
      isDigit(text.charCodeAt(i + 3));
    const length = startOk ? expectedLength(text, i) : undefined;
    const end = length === undefined ? -1 : readIban(text, i, length);
    if (end > 0) {
      out.push({ start: i, end });
      i = end;
    } else {
      i++;
    }
  }
  return out;
}
