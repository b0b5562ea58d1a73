import type { JsonValue } from '../types.js';

/** The built-in detector names are stored in project settings and reported in evals: a contract. */
export const BUILTIN_PII_DETECTORS = ['email', 'phone', 'payment_card', 'iban'] as const;
export type BuiltinPiiDetector = (typeof BUILTIN_PII_DETECTORS)[number];

export interface CustomPiiPattern {
  name: string;
  /** A JavaScript regular expression source, without slashes. */
  pattern: string;
  /** Any of `i`, `m`, `s`, `u`; `g` is implied. */
  flags?: string;
}

export interface PiiDetectionConfig {
  detectors: readonly BuiltinPiiDetector[];
  custom?: readonly CustomPiiPattern[];
  /** ISO 3166 alpha-2; without it only numbers written in international form (+…) are found. */
  phone_default_country?: string;
}

export interface PiiFinding {
  /** A built-in detector name or a custom pattern name. */
  detector: string;
  /** UTF-16 offsets into the scanned string, end exclusive. */
  start: number;
  end: number;
}

export interface PiiScanner {
  /** Sorted by start and non-overlapping. */
  find(text: string): PiiFinding[];
  /** Each finding replaced by `[REDACTED:<detector>]`; findings are offsets into the input. */
  redactText(text: string): { text: string; findings: PiiFinding[] };
  /**
   * A redacted copy: every string value (not object keys) is redacted. The input is untouched.
   * With `payment_card` on, a number whose digits form a card number is replaced by the marker
   * string too, since JSON producers often send card numbers as numbers.
   */
  redactJson(value: JsonValue): { value: JsonValue; counts: Record<string, number> };
}

export interface PiiProblem {
  path: string;
  message: string;
}

/** What a detector reports before overlaps between detectors are resolved. */
export interface PiiCandidate {
  start: number;
  end: number;
}

export function redactionMarker(detector: string): string {
  return `[REDACTED:${detector}]`;
}
