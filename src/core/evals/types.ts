import type { BuiltinPiiDetector } from '../pii/index.js';
import type { JsonObject } from '../types.js';

/**
 * Built-in evaluator checks: pure, deterministic and linear in the size of the item, so they
 * can run on the capture path. Specs are written by project managers and arrive as JSON; they
 * are accepted only through `readCheckSpec`, and stored in the shape it returns (defaults
 * filled in), so a stored check means the same thing after defaults change.
 */

export const CHECK_TYPES = ['regex', 'blocklist', 'json_schema', 'pii', 'length', 'refusal', 'reference'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** Which text of the item a check reads: `input.text` or `output.text` exactly as policies see them. */
export type CheckTarget = 'input' | 'output';

export const LENGTH_UNITS = ['chars', 'words', 'lines'] as const;
export type LengthUnit = (typeof LENGTH_UNITS)[number];

export const REFERENCE_MODES = ['exact', 'normalized', 'token_f1'] as const;
export type ReferenceMode = (typeof REFERENCE_MODES)[number];

export const MAX_BLOCKLIST_TERMS = 500;
export const MAX_BLOCKLIST_TERM_LENGTH = 200;
export const DEFAULT_TOKEN_F1_THRESHOLD = 0.8;
/** A schema is compiled to code once per check; the bound keeps that compile short. */
export const MAX_SCHEMA_CHARS = 100_000;
/** Enough to see what is wrong without storing a copy of a large invalid output per item. */
export const MAX_SCHEMA_ERRORS = 10;

export interface RegexCheckSpec {
  type: 'regex';
  /** A JavaScript regular expression source, run by the linear-time RE2 engine (see `checkCustomPattern`). */
  pattern: string;
  /** Any of `i`, `m`, `s`, `u`. */
  flags?: string;
  target: CheckTarget;
}

export interface BlocklistCheckSpec {
  type: 'blocklist';
  terms: readonly string[];
  target: CheckTarget;
  case_sensitive: boolean;
  whole_word: boolean;
}

export interface JsonSchemaCheckSpec {
  type: 'json_schema';
  schema: JsonObject;
  target: 'output';
}

export interface PiiCheckSpec {
  type: 'pii';
  detectors: readonly BuiltinPiiDetector[];
  /** ISO 3166 alpha-2; without it only phone numbers in international form (+…) are found. */
  phone_default_country?: string;
  target: CheckTarget;
}

export interface LengthCheckSpec {
  type: 'length';
  min?: number;
  max?: number;
  unit: LengthUnit;
  target: CheckTarget;
}

export interface RefusalCheckSpec {
  type: 'refusal';
  target: 'output';
}

export interface ReferenceCheckSpec {
  type: 'reference';
  mode: ReferenceMode;
  /** Only with `token_f1`: exact and normalized comparisons score 0 or 1. */
  threshold?: number;
}

export type CheckSpec =
  RegexCheckSpec | BlocklistCheckSpec | JsonSchemaCheckSpec | PiiCheckSpec | LengthCheckSpec | RefusalCheckSpec | ReferenceCheckSpec;

export interface CheckProblem {
  path: string;
  message: string;
}

export type CheckStatus = 'pass' | 'fail' | 'unknown';

/**
 * One check's verdict on one item. `status` is what routing acts on; `score` (0..1, higher is
 * better, null when unknown) lets thresholds and agreement statistics use more than two
 * values; `label` is a short stable word per outcome (listed with each check) that policies
 * may compare; `found` is set by checks that look for something (regex, blocklist, pii,
 * refusal). `details` is stored with the result, so it never holds personal data.
 */
export interface CheckResult {
  status: CheckStatus;
  score: number | null;
  label: string;
  found?: boolean;
  details: JsonObject;
  reason: string;
}

/** The item as captured: parsed JSON, `input` a string or a chat transcript, `output` a string or an object. */
export interface CheckItem {
  input: unknown;
  output: unknown;
}

export interface CompiledCheck {
  readonly spec: CheckSpec;
  run(item: CheckItem, reference?: unknown): CheckResult;
}
