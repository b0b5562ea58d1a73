import { isRecord, toJsonValue } from '../json.js';
import { BUILTIN_PII_DETECTORS, checkCustomPattern, readPiiDetectionConfig } from '../pii/index.js';
import { compileSchema } from './json-schema.js';
import {
  CHECK_TYPES,
  LENGTH_UNITS,
  MAX_BLOCKLIST_TERMS,
  MAX_BLOCKLIST_TERM_LENGTH,
  MAX_SCHEMA_CHARS,
  REFERENCE_MODES,
  DEFAULT_TOKEN_F1_THRESHOLD,
  type CheckProblem,
  type CheckSpec,
  type CheckTarget,
  type CheckType,
  type LengthUnit,
  type ReferenceMode,
} from './types.js';

const KEYS: Readonly<Record<CheckType, ReadonlySet<string>>> = {
  regex: new Set(['type', 'pattern', 'flags', 'target']),
  blocklist: new Set(['type', 'terms', 'target', 'case_sensitive', 'whole_word']),
  json_schema: new Set(['type', 'schema', 'target']),
  pii: new Set(['type', 'detectors', 'phone_default_country', 'target']),
  length: new Set(['type', 'min', 'max', 'unit', 'target']),
  refusal: new Set(['type', 'target']),
  reference: new Set(['type', 'mode', 'threshold']),
};
// Schemas nest; anything deeper than this is not a schema a person wrote.
const MAX_SCHEMA_DEPTH = 64;

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');

function isCheckType(value: unknown): value is CheckType {
  return typeof value === 'string' && Object.hasOwn(KEYS, value);
}

class Problems {
  readonly list: CheckProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.add(key, 'unknown field');
    }
  }
}

function readTarget(raw: Record<string, unknown>, problems: Problems): CheckTarget | undefined {
  const target = raw['target'];
  if (target === 'input' || target === 'output') return target;
  problems.add('target', 'must be "input" or "output"');
  return undefined;
}

/** Checks that only make sense on the output accept `target` only to say so. */
function readOutputOnly(raw: Record<string, unknown>, problems: Problems): void {
  const target = raw['target'];
  if (target !== undefined && target !== 'output') problems.add('target', 'must be "output" (the only target of this check)');
}

function readBoolean(raw: Record<string, unknown>, key: string, fallback: boolean, problems: Problems): boolean {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  problems.add(key, 'must be true or false');
  return fallback;
}

function readRegex(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  const target = readTarget(raw, problems);
  const { pattern, flags } = raw;
  if (flags !== undefined && typeof flags !== 'string') problems.add('flags', 'must be a string');
  if (typeof pattern !== 'string') {
    problems.add('pattern', 'must be a non-empty string');
    return undefined;
  }
  // The same rules as custom PII patterns: one definition of a pattern the server will run.
  const check = checkCustomPattern(pattern, typeof flags === 'string' ? flags : '');
  if (!check.ok) problems.add(check.field, check.message);
  if (!check.ok || target === undefined) return undefined;
  return typeof flags === 'string' && flags !== '' ? { type: 'regex', pattern, flags, target } : { type: 'regex', pattern, target };
}

function readBlocklist(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  const target = readTarget(raw, problems);
  const caseSensitive = readBoolean(raw, 'case_sensitive', false, problems);
  const wholeWord = readBoolean(raw, 'whole_word', true, problems);
  const { terms } = raw;
  if (!Array.isArray(terms) || terms.length === 0 || terms.length > MAX_BLOCKLIST_TERMS) {
    problems.add('terms', `must be an array of 1 to ${MAX_BLOCKLIST_TERMS} terms`);
    return undefined;
  }
  const seen = new Map<string, number>();
  const out: string[] = [];
  terms.forEach((term: unknown, i) => {
    const at = `terms[${i}]`;
    if (typeof term !== 'string' || term.trim() === '') {
      problems.add(at, 'must be a non-blank string');
      return;
    }
    if (term.length > MAX_BLOCKLIST_TERM_LENGTH) {
      problems.add(at, `must be at most ${MAX_BLOCKLIST_TERM_LENGTH} characters`);
      return;
    }
    const key = caseSensitive ? term : term.normalize('NFKC').toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add(at, `duplicate term "${term}" (first at terms[${first}])`);
      return;
    }
    seen.set(key, i);
    out.push(term);
  });
  if (target === undefined) return undefined;
  return { type: 'blocklist', terms: out, target, case_sensitive: caseSensitive, whole_word: wholeWord };
}

function readJsonSchema(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  readOutputOnly(raw, problems);
  const schema = toJsonValue(raw['schema'], MAX_SCHEMA_DEPTH);
  if (schema === undefined || schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    problems.add('schema', `must be a JSON Schema object, nested at most ${MAX_SCHEMA_DEPTH} deep`);
    return undefined;
  }
  const size = JSON.stringify(schema).length;
  if (size > MAX_SCHEMA_CHARS) {
    problems.add('schema', `must be at most ${MAX_SCHEMA_CHARS} characters as JSON, got ${size}`);
    return undefined;
  }
  const compiled = compileSchema(schema);
  if (!compiled.ok) {
    problems.add('schema', compiled.message);
    return undefined;
  }
  // A copy: later changes to the caller's object cannot reach the spec.
  return { type: 'json_schema', schema, target: 'output' };
}

function readPii(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  const target = readTarget(raw, problems);
  const config: Record<string, unknown> = { detectors: raw['detectors'] ?? [...BUILTIN_PII_DETECTORS] };
  if (raw['phone_default_country'] !== undefined) config['phone_default_country'] = raw['phone_default_country'];
  // The PII library's own reader: detector names and the phone country mean the same here as in redaction.
  const read = readPiiDetectionConfig(config, '');
  for (const p of read.problems) problems.add(p.path, p.message);
  if (Array.isArray(raw['detectors']) && raw['detectors'].length === 0) {
    problems.add('detectors', `must name at least one detector (${quoted(BUILTIN_PII_DETECTORS)}), or be left out for all`);
    return undefined;
  }
  if (read.config === undefined || target === undefined) return undefined;
  const { detectors, phone_default_country } = read.config;
  return phone_default_country === undefined
    ? { type: 'pii', detectors, target }
    : { type: 'pii', detectors, phone_default_country, target };
}

function readBound(raw: Record<string, unknown>, key: 'min' | 'max', problems: Problems): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  problems.add(key, 'must be a whole number of 0 or more');
  return undefined;
}

function readLength(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  const target = readTarget(raw, problems);
  const unit = raw['unit'];
  const unitOk = (LENGTH_UNITS as readonly unknown[]).includes(unit);
  if (!unitOk) problems.add('unit', `must be one of ${quoted(LENGTH_UNITS)}`);
  const before = problems.list.length;
  const min = readBound(raw, 'min', problems);
  const max = readBound(raw, 'max', problems);
  if (problems.list.length === before) {
    if (min === undefined && max === undefined) problems.add('', 'must set "min", "max" or both');
    else if (min !== undefined && max !== undefined && min > max) problems.add('max', `must be at least min (${min})`);
  }
  if (!unitOk || target === undefined || problems.list.length > 0) return undefined;
  const spec: CheckSpec = { type: 'length', unit: unit as LengthUnit, target };
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  return spec;
}

function readReference(raw: Record<string, unknown>, problems: Problems): CheckSpec | undefined {
  const { mode, threshold } = raw;
  const modeOk = (REFERENCE_MODES as readonly unknown[]).includes(mode);
  if (!modeOk) problems.add('mode', `must be one of ${quoted(REFERENCE_MODES)}`);
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      problems.add('threshold', 'must be a number from 0 to 1');
    } else if (modeOk && mode !== 'token_f1') {
      problems.add('threshold', `only applies to mode "token_f1": "${String(mode)}" scores 0 or 1`);
    }
  }
  if (!modeOk || problems.list.length > 0) return undefined;
  if (mode !== 'token_f1') return { type: 'reference', mode: mode as ReferenceMode };
  return { type: 'reference', mode, threshold: typeof threshold === 'number' ? threshold : DEFAULT_TOKEN_F1_THRESHOLD };
}

/**
 * Validates a check spec as written by a person (JSON), reporting every problem at once with
 * its path (`terms[3]`, `schema`; `""` for the spec itself). Unknown fields are refused: a
 * misspelt `whole_wrod` would otherwise silently keep its default. The spec is returned with
 * its defaults filled in, as a fresh object that later changes to `raw` cannot reach.
 */
export function readCheckSpec(raw: unknown): { spec: CheckSpec } | { problems: CheckProblem[] } {
  const problems = new Problems();
  if (!isRecord(raw)) return { problems: [{ path: '', message: 'must be an object with a "type"' }] };
  const type = raw['type'];
  if (!isCheckType(type)) return { problems: [{ path: 'type', message: `must be one of ${quoted(CHECK_TYPES)}` }] };
  problems.unknownKeys(raw, KEYS[type]);
  let spec: CheckSpec | undefined;
  switch (type) {
    case 'regex':
      spec = readRegex(raw, problems);
      break;
    case 'blocklist':
      spec = readBlocklist(raw, problems);
      break;
    case 'json_schema':
      spec = readJsonSchema(raw, problems);
      break;
    case 'pii':
      spec = readPii(raw, problems);
      break;
    case 'length':
      spec = readLength(raw, problems);
      break;
    case 'refusal':
      readOutputOnly(raw, problems);
      spec = { type: 'refusal', target: 'output' };
      break;
    case 'reference':
      spec = readReference(raw, problems);
      break;
  }
  if (problems.list.length > 0 || spec === undefined) {
    return { problems: problems.list.length > 0 ? problems.list : [{ path: '', message: 'invalid check' }] };
  }
  return { spec };
}
