import type { RE2JS } from 're2js';
import { passFail, plural } from './text.js';
import type { BlocklistCheckSpec, CheckResult, CheckTarget } from './types.js';

/**
 * Regex: fail when the pattern matches (label `matched`), pass otherwise (label
 * `no_match`). The matched text is not kept: it may be personal data; offsets are enough to
 * find it in the item.
 */
export function runRegex(regex: RE2JS, text: string, target: CheckTarget): CheckResult {
  const matcher = regex.matcher(text);
  let count = 0;
  let first: { start: number; end: number } | null = null;
  while (matcher.find()) {
    // checkCustomPattern refuses patterns that can match nothing, so every match moves on.
    if (matcher.end() === matcher.start()) continue;
    count++;
    first ??= { start: matcher.start(), end: matcher.end() };
  }
  const found = count > 0;
  return {
    ...passFail(!found),
    label: found ? 'matched' : 'no_match',
    found,
    details: { match_count: count, first_match: first },
    reason: found ? `the pattern matched ${plural(count, 'time')} in the ${target}` : `the pattern did not match the ${target}`,
  };
}

// Letters, marks, digits and connector punctuation (`_`): \w for every script.
const WORD_CHAR = /[\p{L}\p{M}\p{N}\p{Pc}]/u;

function isWordAt(text: string, index: number): boolean {
  const c = text.codePointAt(index);
  return c !== undefined && WORD_CHAR.test(String.fromCodePoint(c));
}

function isWordBefore(text: string, index: number): boolean {
  if (index <= 0) return false;
  // Step back over a surrogate pair so a word character outside the BMP is seen whole.
  const low = text.charCodeAt(index - 1);
  const start = index >= 2 && low >= 0xdc00 && low <= 0xdfff ? index - 2 : index - 1;
  return isWordAt(text, start);
}

/**
 * Whole-word matching in the spirit of `\b`, for every script: the occurrence must not be
 * glued to a word character on a side where the term itself starts or ends with one. So
 * "ass" does not match "class", and "c++" still matches "c++," where `\b` would not.
 */
function occurs(text: string, term: string, wholeWord: boolean): boolean {
  if (!wholeWord) return text.includes(term);
  const checkStart = isWordAt(term, 0);
  const checkEnd = isWordBefore(term, term.length);
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    if (checkStart && isWordBefore(text, at)) continue;
    if (checkEnd && isWordAt(text, at + term.length)) continue;
    return true;
  }
  return false;
}

/**
 * Case-insensitive comparison lower-cases both sides after NFKC, so full-width and
 * compatibility forms of a term are found too. Lower-casing can change a string's length,
 * which is why no offsets are reported.
 */
function fold(text: string, caseSensitive: boolean): string {
  return caseSensitive ? text : text.normalize('NFKC').toLowerCase();
}

/** Blocklist: fail when any term occurs (label `blocked`), pass otherwise (label `clean`). */
export function compileBlocklist(spec: BlocklistCheckSpec): (text: string) => CheckResult {
  const terms = spec.terms.map((term) => ({ term, folded: fold(term, spec.case_sensitive) }));
  return (text) => {
    const haystack = fold(text, spec.case_sensitive);
    const foundTerms = terms.filter((t) => occurs(haystack, t.folded, spec.whole_word)).map((t) => t.term);
    const found = foundTerms.length > 0;
    const shown = foundTerms
      .slice(0, 3)
      .map((t) => `"${t}"`)
      .join(', ');
    const more = foundTerms.length > 3 ? ` and ${foundTerms.length - 3} more` : '';
    return {
      ...passFail(!found),
      label: found ? 'blocked' : 'clean',
      found,
      details: { found_terms: foundTerms },
      reason: found
        ? `${plural(foundTerms.length, 'blocked term')} found in the ${spec.target}: ${shown}${more}`
        : `no blocked term found in the ${spec.target}`,
    };
  };
}
