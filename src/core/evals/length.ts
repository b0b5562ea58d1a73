import { plural } from './text.js';
import type { CheckResult, LengthCheckSpec, LengthUnit } from './types.js';

/**
 * Characters are Unicode code points, so an emoji or a CJK character counts once (the
 * policies' `output.length` counts UTF-16 units instead). Words are runs of non-space
 * characters, which undercounts languages written without spaces. Lines end at any line
 * break; a final break does not start another line, and empty text has no lines.
 */
export function measure(text: string, unit: LengthUnit): number {
  switch (unit) {
    case 'chars': {
      let n = 0;
      for (const _ of text) n++;
      return n;
    }
    case 'words':
      return text.match(/\S+/gu)?.length ?? 0;
    case 'lines': {
      if (text === '') return 0;
      const breaks = text.match(/\r\n|\r|\n|\u2028|\u2029/g)?.length ?? 0;
      return /(?:\r\n|\r|\n|\u2028|\u2029)$/.test(text) ? breaks : breaks + 1;
    }
  }
}

const UNIT_NOUN: Readonly<Record<LengthUnit, string>> = { chars: 'character', words: 'word', lines: 'line' };

/**
 * Length: pass within [min, max] inclusive (label `within`), fail below (label `too_short`)
 * or above (label `too_long`). The score is 1 or 0: how far outside is in `details`.
 */
export function runLength(spec: LengthCheckSpec, text: string): CheckResult {
  const length = measure(text, spec.unit);
  const label =
    spec.min !== undefined && length < spec.min ? 'too_short' : spec.max !== undefined && length > spec.max ? 'too_long' : 'within';
  const noun = UNIT_NOUN[spec.unit];
  const bound = label === 'too_short' ? `at least ${spec.min ?? 0}` : label === 'too_long' ? `at most ${spec.max ?? 0}` : '';
  const reason =
    label === 'within'
      ? `the ${spec.target} has ${plural(length, noun)}, within the limits`
      : `the ${spec.target} has ${plural(length, noun)}, ${bound} allowed`;
  const details: CheckResult['details'] = { length, unit: spec.unit };
  if (spec.min !== undefined) details['min'] = spec.min;
  if (spec.max !== undefined) details['max'] = spec.max;
  return label === 'within' ? { status: 'pass', score: 1, label, details, reason } : { status: 'fail', score: 0, label, details, reason };
}
