import { TollgateError } from '../errors.js';
import { checkCustomPattern } from '../pii/index.js';
import { compileJsonSchemaCheck } from './json-schema.js';
import { runLength } from './length.js';
import { compileBlocklist, runRegex } from './patterns.js';
import { compilePiiCheck } from './pii.js';
import { runReference } from './reference.js';
import { runRefusal } from './refusal.js';
import { missingText, targetText } from './text.js';
import type { CheckItem, CheckResult, CheckSpec, CheckTarget, CompiledCheck } from './types.js';

function onText(target: CheckTarget, run: (text: string) => CheckResult): (item: CheckItem) => CheckResult {
  return (item) => {
    const text = targetText(item, target);
    return text === null ? missingText(target) : run(text);
  };
}

function invalid(message: string): TollgateError {
  return new TollgateError('TG_VALIDATION_FAILED', message, { errors: [{ path: '', message }] });
}

/**
 * Prepares a check that passed `readCheckSpec` to run on many items: patterns, schemas and
 * the PII scanner are compiled here, once. A spec that would not pass throws
 * TG_VALIDATION_FAILED.
 *
 * What fails, by type (label in parentheses; unknown means the item lacks what the check
 * reads, such as an input text or, for `reference`, a reference output):
 * - regex: the pattern matches (`matched`); passes with `no_match`.
 * - blocklist: a term occurs (`blocked`); passes with `clean`.
 * - json_schema: a validated value breaks the schema (`invalid`) or is not JSON (`not_json`); passes with `valid`.
 * - pii: a detector finds something (`found`); passes with `clean`.
 * - length: outside [min, max] (`too_short`, `too_long`); passes with `within`.
 * - refusal: the model declined (`refusal`); passes with `answered`.
 * - reference: below the threshold (`mismatch`); passes with `match`.
 */
export function compileCheck(spec: CheckSpec): CompiledCheck {
  let run: (item: CheckItem, reference?: unknown) => CheckResult;
  switch (spec.type) {
    case 'regex': {
      const check = checkCustomPattern(spec.pattern, spec.flags ?? '');
      if (!check.ok) throw invalid(`regex ${check.field}: ${check.message}`);
      const regex = check.regex;
      run = onText(spec.target, (text) => runRegex(regex, text, spec.target));
      break;
    }
    case 'blocklist':
      run = onText(spec.target, compileBlocklist(spec));
      break;
    case 'json_schema': {
      let validate: (output: unknown) => CheckResult;
      try {
        validate = compileJsonSchemaCheck(spec);
      } catch (error) {
        throw invalid(error instanceof Error ? error.message : String(error));
      }
      run = (item) => validate(item.output);
      break;
    }
    case 'pii': {
      let scan: (text: string) => CheckResult;
      try {
        scan = compilePiiCheck(spec);
      } catch (error) {
        throw invalid(error instanceof Error ? error.message : String(error));
      }
      run = onText(spec.target, scan);
      break;
    }
    case 'length':
      run = onText(spec.target, (text) => runLength(spec, text));
      break;
    case 'refusal':
      run = runRefusal;
      break;
    case 'reference':
      run = (item, reference) => runReference(spec, item, reference);
      break;
  }
  return { spec, run };
}
