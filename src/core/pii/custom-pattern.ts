import { RE2JS } from 're2js';
import type { PiiCandidate } from './types.js';

export const MAX_CUSTOM_PATTERN_LENGTH = 500;
export const CUSTOM_PATTERN_FLAGS = ['i', 'm', 's', 'u'] as const;
/**
 * RE2's own measure of a pattern's cost; matching time grows with it. `\w{1,1000}` is about
 * 2,000; ordinary PII patterns are well under 100.
 */
export const MAX_PROGRAM_SIZE = 2500;

/**
 * Every context an empty match can depend on: at the start or end of the text or not, next to
 * a word character, a non-word character or a line break. Only assertions (^ $ \b \B) can tell
 * these apart, and a zero-width match sees nothing else.
 */
const EMPTY_MATCH_PROBES = ['', 'a', ' ', '\n', 'aa', 'a ', 'a\n', ' a', '  ', ' \n', '\na', '\n ', '\n\n'];

export type CustomPatternCheck = { ok: true; regex: RE2JS } | { ok: false; field: 'pattern' | 'flags'; message: string };

function re2Flags(flags: string): number {
  let out = 0;
  if (flags.includes('i')) out |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) out |= RE2JS.MULTILINE;
  if (flags.includes('s')) out |= RE2JS.DOTALL;
  // `u` changes nothing: RE2 always matches by code point and knows \p{…} classes.
  return out;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function matchesEmpty(regex: RE2JS): boolean {
  for (const probe of EMPTY_MATCH_PROBES) {
    const matcher = regex.matcher(probe);
    while (matcher.find()) if (matcher.start() === matcher.end()) return true;
  }
  return false;
}

/**
 * Checks a custom pattern and compiles it for matching.
 *
 * The pattern is written as a JavaScript regular expression, and must compile as one, but it
 * is run by re2js, a linear-time engine (RE2), not by V8's backtracking one. Custom patterns
 * come from project managers and run over every captured payload on the server's event loop:
 * ReDoS checkers such as safe-regex2 only catch nested quantifiers, while an innocent looking
 * `[a-z]+@corp\.example` already takes quadratic time on a long word without `@` (seconds for
 * 50 kB, minutes for 1 MB in V8). RE2 has no such cases. The price: lookaround and
 * backreferences are refused, since linear-time matching cannot support them.
 */
export function checkCustomPattern(pattern: string, flags: string): CustomPatternCheck {
  for (const [i, flag] of [...flags].entries()) {
    if (!(CUSTOM_PATTERN_FLAGS as readonly string[]).includes(flag)) {
      return {
        ok: false,
        field: 'flags',
        message: `unknown flag "${flag}": use only ${CUSTOM_PATTERN_FLAGS.map((f) => `"${f}"`).join(', ')}`,
      };
    }
    if (flags.indexOf(flag) !== i) return { ok: false, field: 'flags', message: `flag "${flag}" is repeated` };
  }
  if (pattern.length === 0) return { ok: false, field: 'pattern', message: 'must be a non-empty string' };
  if (pattern.length > MAX_CUSTOM_PATTERN_LENGTH) {
    return { ok: false, field: 'pattern', message: `must be at most ${MAX_CUSTOM_PATTERN_LENGTH} characters` };
  }
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return { ok: false, field: 'pattern', message: `does not compile: ${errorMessage(error)}` };
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(RE2JS.translateRegExp(pattern), re2Flags(flags));
  } catch (error) {
    return {
      ok: false,
      field: 'pattern',
      message: `is not supported by the linear-time matcher (no lookaround, no backreferences, repetition counts up to 1000): ${errorMessage(error)}`,
    };
  }
  if (regex.programSize() > MAX_PROGRAM_SIZE) {
    return {
      ok: false,
      field: 'pattern',
      message: `is too complex (size ${regex.programSize()}, at most ${MAX_PROGRAM_SIZE}): use smaller repetition counts`,
    };
  }
  if (matchesEmpty(regex)) return { ok: false, field: 'pattern', message: 'can match the empty string' };
  return { ok: true, regex };
}

/** Non-empty matches, left to right; an empty one (which checking should have refused) is skipped. */
export function findCustom(regex: RE2JS, text: string): PiiCandidate[] {
  const out: PiiCandidate[] = [];
  const matcher = regex.matcher(text);
  while (matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    if (end > start) out.push({ start, end });
  }
  return out;
}
