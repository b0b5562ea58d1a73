import { Ajv, type CodeOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import { isRecord } from '../json.js';
import { MAX_PROGRAM_SIZE } from '../pii/index.js';
import { asOutputText, passFail } from './text.js';
import { MAX_SCHEMA_ERRORS, type CheckResult, type JsonSchemaCheckSpec } from './types.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * `pattern` and `patternProperties` in a manager's schema run on every output: with V8's
 * backtracking engine `{"pattern": "^(a+)+$"}` would stall the event loop on one long string.
 * RE2 matches in linear time; patterns it cannot run (lookaround, backreferences) are refused
 * when the schema is compiled, with the same size bound as custom PII patterns.
 */
const re2Engine: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string): { test: (s: string) => boolean } => {
    const regex = RE2JS.compile(RE2JS.translateRegExp(pattern));
    if (regex.programSize() > MAX_PROGRAM_SIZE) {
      throw new Error(`pattern "${pattern}" is too complex (size ${regex.programSize()}, at most ${MAX_PROGRAM_SIZE})`);
    }
    return { test: (s: string) => regex.matcher(s).find() };
  },
  { code: 're2' },
);

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A fresh Ajv per schema: a shared instance would keep every compiled schema alive and
 * refuse a second schema reusing an `$id`. Nothing is fetched: a `$ref` to a schema that is
 * not inside this one fails to compile.
 */
export function compileSchema(schema: object): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false, code: { regExp: re2Engine } }));
  try {
    return { ok: true, validate: ajv.compile(schema) };
  } catch (error) {
    return { ok: false, message: `is not a usable JSON Schema: ${errorMessage(error)}` };
  }
}

/** What is validated, and where it sits in the output (a JSON pointer prefix for error paths). */
interface Subject {
  at: string;
  value: unknown;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}

/**
 * The structured value(s) of an output: a chat message's tool call arguments when it has
 * any, else the output itself when it is a JSON object or array, else its text parsed.
 */
function subjects(output: unknown): { ok: true; subjects: Subject[]; source: string } | { ok: false; reason: string; label: string } {
  if (isRecord(output) && typeof output['role'] === 'string') {
    const calls = output['tool_calls'];
    if (Array.isArray(calls) && calls.length > 0) {
      const out: Subject[] = [];
      for (const [i, call] of calls.entries()) {
        const fn: unknown = isRecord(call) ? call['function'] : undefined;
        const args: unknown = isRecord(fn) ? fn['arguments'] : undefined;
        const at = `/tool_calls/${i}/function/arguments`;
        if (isRecord(args) || Array.isArray(args)) {
          out.push({ at, value: args });
          continue;
        }
        if (typeof args !== 'string') return { ok: false, label: 'not_json', reason: `tool call ${i} has no arguments to validate` };
        const parsed = parseJson(args);
        if (!parsed.ok) return { ok: false, label: 'not_json', reason: `the arguments of tool call ${i} are not JSON: ${parsed.message}` };
        out.push({ at, value: parsed.value });
      }
      return { ok: true, subjects: out, source: 'tool_calls' };
    }
  } else if (isRecord(output) || Array.isArray(output)) {
    return { ok: true, subjects: [{ at: '', value: output }], source: 'output' };
  }
  const text = asOutputText(output);
  if (text === null) return { ok: false, label: 'no_text', reason: 'the item has no output to validate' };
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, label: 'not_json', reason: `the output text is not JSON: ${parsed.message}` };
  return { ok: true, subjects: [{ at: '', value: parsed.value }], source: 'output_text' };
}

function describe(error: ErrorObject): string {
  const message = error.message ?? `fails "${error.keyword}"`;
  const params: Record<string, unknown> = error.params;
  const extra = params['additionalProperty'] ?? params['unevaluatedProperty'];
  return typeof extra === 'string' ? `${message}: "${extra}"` : message;
}

/**
 * pass: every validated value matches the schema (label `valid`); fail: one does not (label
 * `invalid`), or the output is not JSON (label `not_json`, no schema errors); unknown: no
 * output at all (label `no_text`).
 */
export function runJsonSchema(validate: ValidateFunction, output: unknown): CheckResult {
  const found = subjects(output);
  if (!found.ok) {
    if (found.label === 'no_text') return { status: 'unknown', score: null, label: found.label, details: {}, reason: found.reason };
    return { status: 'fail', score: 0, label: found.label, details: { valid: false, errors: [] }, reason: found.reason };
  }
  const errors: { path: string; message: string }[] = [];
  let errorCount = 0;
  for (const subject of found.subjects) {
    if (validate(subject.value)) continue;
    for (const error of validate.errors ?? []) {
      errorCount++;
      if (errors.length < MAX_SCHEMA_ERRORS) errors.push({ path: `${subject.at}${error.instancePath}`, message: describe(error) });
    }
  }
  const valid = errorCount === 0;
  const what = found.source === 'tool_calls' ? (found.subjects.length === 1 ? 'the tool call' : 'the tool calls') : 'the output';
  const first = errors[0];
  const reason = valid
    ? `${what} ${found.subjects.length > 1 ? 'match' : 'matches'} the schema`
    : `${what} ${found.subjects.length > 1 ? 'do' : 'does'} not match the schema: ${first?.path === '' ? '' : `${first?.path ?? ''} `}${first?.message ?? ''}${errorCount > 1 ? ` (and ${errorCount - 1} more)` : ''}`;
  return {
    ...passFail(valid),
    label: valid ? 'valid' : 'invalid',
    details: { valid, source: found.source, errors, error_count: errorCount },
    reason,
  };
}

export function compileJsonSchemaCheck(spec: JsonSchemaCheckSpec): (output: unknown) => CheckResult {
  const compiled = compileSchema(spec.schema);
  if (!compiled.ok) throw new Error(`schema ${compiled.message}`);
  const validate = compiled.validate;
  return (output) => runJsonSchema(validate, output);
}
