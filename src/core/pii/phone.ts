// The max metadata, not min: min validates national numbers by length alone, and for countries
// with open numbering plans (DE takes 4 to 15 digits) that flags order ids, prices ("1299.99")
// and card fragments. The full patterns cost about 70 kB more and no speed.
import { findNumbers, isSupportedCountry, Metadata, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { PiiCandidate } from './types.js';

/** The countries `phone_default_country` accepts: those libphonenumber has metadata for. */
export function isPhoneCountry(code: string): boolean {
  return isSupportedCountry(code);
}

// libphonenumber's own digit and punctuation sets (VALID_DIGITS, VALID_PUNCTUATION, PLUS_CHARS
// and opening brackets), so a run found here contains every candidate it would find itself.
const DIGIT = '0-9\\uFF10-\\uFF19\\u0660-\\u0669\\u06F0-\\u06F9';
const PUNCTUATION =
  '\\-\\u2010-\\u2015\\u2212\\u30FC\\uFF0D\\uFF0F/\\uFF0E. \\u00A0\\u00AD\\u200B\\u2060\\u3000()\\uFF08\\uFF09\\uFF3B\\uFF3D\\[\\]~\\u2053\\u223C\\uFF5E';
const LEAD = '+\\uFF0B(\\uFF08\\[\\uFF3B';
// Punctuation and digits are disjoint and every repetition is bounded or consumes a digit, so
// this backtracks at most a few characters at the end of a run.
const RUN_SOURCE = `[${LEAD}]{0,3}[${DIGIT}](?:[${PUNCTUATION}]{0,4}[${DIGIT}])*`;
const IS_DIGIT = new RegExp(`^[${DIGIT}]$`);
const IS_PLUS = /[+\uFF0B]/;
// Where a list of numbers is cut apart: slashes, wide gaps, spaced dashes.
const STRONG_SEPARATOR = /[/\uFF0F]|[ \u00A0\u3000]{2,}|[ \u00A0][-\u2013\u2014][ \u00A0]/;

/** E.164 numbers have at most 15 digits, the country code included. */
const MIN_INTERNATIONAL_DIGITS = 5;
const MAX_INTERNATIONAL_DIGITS = 15;
/**
 * Some plans allow 4- or 5-digit numbers (DE, LU, small island states), but in text such a
 * figure is a postcode, a year or a quantity far more often than a phone number.
 */
const MIN_NATIONAL_DIGITS = 6;
/** libphonenumber's MAX_LENGTH_FOR_NSN plus a country code: nothing longer is worth asking about. */
const MAX_RUN_DIGITS = 20;
/**
 * libphonenumber costs 40-400 µs per run it looks at. Past this many per string (plus one per
 * 250 characters), which only a dump of figures reaches, the remaining runs that could be
 * phone numbers are reported as phone numbers unverified: over-redacting a pathological
 * payload beats stalling the event loop for seconds or leaking real numbers.
 */
export const BASE_PHONE_LOOKUPS = 500;
const CHARACTERS_PER_EXTRA_LOOKUP = 250;
const CONTEXT_BEFORE = 2;
const CONTEXT_AFTER = 16;

type FindOptions = { defaultCountry: CountryCode | undefined; v2: true };

interface Plan {
  options: FindOptions;
  minNational: number;
  maxNational: number;
  /** Digits that a longer-than-national run must start with: the trunk or call prefix. */
  longPrefix: RegExp | undefined;
  trunk: string | undefined;
}

function planFor(defaultCountry: string | undefined): Plan {
  if (defaultCountry === undefined || !isSupportedCountry(defaultCountry)) {
    return {
      options: { defaultCountry: undefined, v2: true },
      minNational: Infinity,
      maxNational: 0,
      longPrefix: undefined,
      trunk: undefined,
    };
  }
  const metadata = new Metadata();
  metadata.selectNumberingPlan(defaultCountry);
  const plan = metadata.numberingPlan;
  const lengths = plan?.possibleLengths() ?? [];
  // Not in the typings, but part of the numbering plan object since libphonenumber-js 1.0.
  const trunk = (plan as { nationalPrefix?: () => string | undefined } | undefined)?.nationalPrefix?.();
  const prefixes = [plan?.IDDPrefix(), trunk].filter((p): p is string => p !== undefined && p !== '');
  return {
    options: { defaultCountry, v2: true },
    minNational: Math.max(MIN_NATIONAL_DIGITS, lengths.length === 0 ? 0 : Math.min(...lengths)),
    maxNational: lengths.length === 0 ? MAX_RUN_DIGITS : Math.max(...lengths),
    longPrefix: prefixes.length === 0 ? undefined : new RegExp(`^(?:${prefixes.join('|')})`),
    trunk: trunk === undefined || trunk === '' ? undefined : trunk,
  };
}

/** The digits of `s`, or undefined once there are more than `limit` (a long run is not copied). */
function digitsOf(s: string, limit: number): string | undefined {
  let digits = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c > 127 && IS_DIGIT.test(s[i] ?? ''))) {
      digits += s[i];
      if (digits.length > limit) return undefined;
    }
  }
  return digits;
}

/**
 * libphonenumber rejects slash-separated dates but takes "2024-03-15" or "15.03.2024" for a
 * number in countries with open numbering plans; and a price is never a phone number.
 */
const DATE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})$/;
const DECIMAL = /^\d+[.,]\d{1,2}$/;

/** Whether a run (or piece of one) has the digit count of a phone number, before asking. */
function plausible(plan: Plan, piece: string): boolean {
  const digits = digitsOf(piece, MAX_RUN_DIGITS);
  if (digits === undefined) return false;
  if (IS_PLUS.test(piece)) return digits.length >= MIN_INTERNATIONAL_DIGITS && digits.length <= MAX_INTERNATIONAL_DIGITS;
  if (digits.length < plan.minNational || DATE.test(piece) || DECIMAL.test(piece)) return false;
  // Longer than a national number: only with a trunk prefix (0 30 …) or a call prefix (011 44 …).
  return digits.length <= plan.maxNational || (plan.longPrefix !== undefined && plan.longPrefix.test(digits));
}

/** Whether [start, end) lies inside one of the sorted, non-overlapping `claimed` spans. */
function isClaimed(claimed: readonly PiiCandidate[], from: { i: number }, start: number, end: number): boolean {
  while (from.i < claimed.length && (claimed[from.i]?.end ?? 0) <= start) from.i++;
  const span = claimed[from.i];
  return span !== undefined && span.start <= start && end <= span.end;
}

/**
 * A phone finder. libphonenumber decides what a phone number is (valid for its country, not a
 * date, a timestamp or part of a longer number), but it is slow per look-up and degrades badly
 * on long runs of separated digits. So a linear pre-scan finds the digit runs that could hold
 * a number (enough digits, a `+` unless a default country is set) and libphonenumber sees only
 * those, each with a little context. Runs inside `claimed` spans (card numbers and IBANs,
 * already proven by their checksums) are skipped: whatever phone number is in there is covered.
 */
export function phoneFinder(defaultCountry: string | undefined): (text: string, claimed?: readonly PiiCandidate[]) => PiiCandidate[] {
  const plan = planFor(defaultCountry);
  return (text, claimed = []) => {
    const out: PiiCandidate[] = [];
    const runs = new RegExp(RUN_SOURCE, 'g');
    const cursor = { i: 0 };
    const state = { lookups: 0, budget: BASE_PHONE_LOOKUPS + Math.floor(text.length / CHARACTERS_PER_EXTRA_LOOKUP) };
    let match: RegExpExecArray | null;
    while ((match = runs.exec(text)) !== null) {
      const start = match.index;
      const end = start + match[0].length;
      if (isClaimed(claimed, cursor, start, end)) continue;
      // libphonenumber sees a little context around a run (it rejects numbers glued to
      // letters; an extension follows the number), but a piece of a long run is shown alone,
      // as the digits next to it would make it look like part of something longer.
      const lo = Math.max(0, start - CONTEXT_BEFORE);
      const hi = Math.min(text.length, end + CONTEXT_AFTER);
      for (const piece of pieces(match[0], start)) {
        if (!plausible(plan, text.slice(piece.start, piece.end))) continue;
        lookUp(
          text,
          piece.start,
          piece.end,
          piece.start === start ? lo : piece.start,
          piece.end === end ? hi : piece.end,
          plan,
          state,
          out,
        );
      }
    }
    return out;
  };
}

/**
 * A run with more digits than any phone number is a list of numbers or a table of figures: it
 * is cut at strong separators and each piece is considered on its own. Every character lands
 * in one piece, so the work stays linear however the run is built.
 */
function pieces(run: string, offset: number): PiiCandidate[] {
  if (digitsOf(run, MAX_RUN_DIGITS) !== undefined) return [{ start: offset, end: offset + run.length }];
  const out: PiiCandidate[] = [];
  const separator = new RegExp(STRONG_SEPARATOR.source, 'g');
  let from = 0;
  let m: RegExpExecArray | null;
  while ((m = separator.exec(run)) !== null) {
    out.push({ start: offset + from, end: offset + m.index });
    from = m.index + m[0].length;
  }
  out.push({ start: offset + from, end: offset + run.length });
  return out;
}

const ASCII_LETTER = /^[A-Za-z]$/;
// Not "." (a sentence may end right before or after a number) and not "/" after ("…2671/fax").
const GLUE_BEFORE = /^[-_/]$/;
const GLUE_AFTER = /^[-_]$/;

/**
 * Digits glued to an identifier: "#123456789", "INV-2024-000123", "4155552671-A". Order and
 * invoice numbers are written this way; phone numbers are not.
 */
function partOfIdentifier(text: string, start: number, end: number): boolean {
  const before = text[start - 1] ?? '';
  if (before === '#') return true;
  if (GLUE_BEFORE.test(before) && ASCII_LETTER.test(text[start - 2] ?? '')) return true;
  return GLUE_AFTER.test(text[end] ?? '') && ASCII_LETTER.test(text[end + 1] ?? '');
}

/**
 * A bare digit string for a landline that is dialled with a trunk prefix, written without
 * it: "98765432" is a valid number in Germany's open plan, but a German writes 0987 65432.
 * Mobile numbers are let through, since people do write them bare (Indian 9876543210).
 */
function bareLandline(written: string, number: PhoneNumber, plan: Plan): boolean {
  if (plan.trunk === undefined || !/^[0-9]+$/.test(written) || written.startsWith(plan.trunk)) return false;
  return (
    number.getType() === 'FIXED_LINE' &&
    number
      .formatNational()
      .replace(/[^0-9]/g, '')
      .startsWith(plan.trunk)
  );
}

/** An extension spelled out after the number; libphonenumber also takes ", 415" for one. */
const EXPLICIT_EXTENSION = /^[ \t]*[,;]?[ \t]*(?:ext\.?|extn\.?|extension|x|#)[ \t]*[0-9]{1,7}$/i;

/**
 * Asks libphonenumber about [start, end), showing it the text between `lo` and `hi` around
 * it. What it finds is kept only inside the run, apart from an explicit extension.
 */
function lookUp(
  text: string,
  start: number,
  end: number,
  lo: number,
  hi: number,
  plan: Plan,
  state: { lookups: number; budget: number },
  out: PiiCandidate[],
): void {
  if (state.lookups >= state.budget) {
    out.push({ start, end });
    return;
  }
  state.lookups++;
  for (const found of findNumbers(text.slice(lo, hi), plan.options)) {
    const s = Math.max(start, lo + found.startsAt);
    let e = lo + found.endsAt;
    // A number found in the context belongs to another run, which is looked at on its own.
    if (s >= end || e <= start) continue;
    if (e > end && !EXPLICIT_EXTENSION.test(text.slice(end, e))) e = end;
    const written = text.slice(s, e);
    if (DATE.test(written) || partOfIdentifier(text, s, e) || bareLandline(written, found.number, plan)) continue;
    out.push({ start: s, end: e });
  }
}
