import { isRecord, jsonEqual, toJsonValue } from '../json.js';
import { asOutputText } from './text.js';
import { DEFAULT_TOKEN_F1_THRESHOLD, type CheckItem, type CheckResult, type ReferenceCheckSpec } from './types.js';

const MAX_JSON_DEPTH = 64;
// Dropped as whole tokens: JavaScript's \b would split words at non-ASCII letters.
const ARTICLES: ReadonlySet<string> = new Set(['a', 'an', 'the']);

/** Case-folded, NFKC, whitespace collapsed, punctuation and spaces trimmed from both ends. */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/**
 * SQuAD's answer normalization (Rajpurkar et al., 2016, "SQuAD: 100,000+ Questions for
 * Machine Comprehension of Text", official evaluate-v1.1.py `normalize_answer`): lower case,
 * drop punctuation, drop the articles a/an/the, split on whitespace. Unicode punctuation and
 * symbols stand in for Python's ASCII `string.punctuation`, after NFKC.
 */
export function squadTokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .split(/\s+/u)
    .filter((t) => t !== '' && !ARTICLES.has(t));
}

/**
 * SQuAD token F1 (evaluate-v1.1.py `f1_score`): the tokens both answers share, counted
 * with multiplicity, give precision over the prediction and recall over the reference, and
 * F1 is their harmonic mean. As in SQuAD 2.0, two answers without tokens agree (1) and one
 * empty answer against a non-empty one scores 0.
 */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = squadTokens(prediction);
  const expected = squadTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const remaining = new Map<string, number>();
  for (const t of expected) remaining.set(t, (remaining.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predicted) {
    const left = remaining.get(t) ?? 0;
    if (left > 0) {
      same++;
      remaining.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/** A structured output (not a chat message) compared as JSON, so key order does not matter. */
function structured(value: unknown): ReturnType<typeof toJsonValue> {
  if (Array.isArray(value) || (isRecord(value) && typeof value['role'] !== 'string')) return toJsonValue(value, MAX_JSON_DEPTH);
  return undefined;
}

function exactMatch(output: unknown, reference: unknown, outputText: string, referenceText: string): boolean {
  const a = structured(output);
  const b = structured(reference);
  if (a !== undefined && b !== undefined) return jsonEqual(a, b);
  return outputText === referenceText;
}

/**
 * Reference: compares the output with a reference output given at evaluation time (a
 * string, a chat message or a JSON value, read like an output). exact and normalized score
 * 1 or 0; token_f1 scores the F1 and passes at or above the threshold. Labels: `match` on
 * pass, `mismatch` on fail, `no_reference` (unknown) when no reference was given.
 */
export function runReference(spec: ReferenceCheckSpec, item: CheckItem, reference: unknown): CheckResult {
  if (reference === undefined || reference === null) {
    return { status: 'unknown', score: null, label: 'no_reference', details: { mode: spec.mode }, reason: 'no reference output was given' };
  }
  const outputText = asOutputText(item.output);
  const referenceText = asOutputText(reference);
  if (outputText === null || referenceText === null) {
    const which = outputText === null ? 'the item has no output' : 'the reference is not text, a message or a JSON object';
    return {
      status: 'unknown',
      score: null,
      label: outputText === null ? 'no_text' : 'no_reference',
      details: { mode: spec.mode },
      reason: which,
    };
  }
  let score: number;
  switch (spec.mode) {
    case 'exact':
      score = exactMatch(item.output, reference, outputText, referenceText) ? 1 : 0;
      break;
    case 'normalized':
      score = normalizeAnswer(outputText) === normalizeAnswer(referenceText) ? 1 : 0;
      break;
    case 'token_f1':
      score = tokenF1(outputText, referenceText);
      break;
  }
  const threshold = spec.mode === 'token_f1' ? (spec.threshold ?? DEFAULT_TOKEN_F1_THRESHOLD) : 1;
  const pass = score >= threshold;
  const details: CheckResult['details'] = { mode: spec.mode, score };
  if (spec.mode === 'token_f1') details['threshold'] = threshold;
  const reason =
    spec.mode === 'token_f1'
      ? `token F1 with the reference is ${score.toFixed(2)}, ${pass ? 'at or above' : 'below'} the threshold ${threshold}`
      : `the output ${pass ? 'matches' : 'does not match'} the reference${spec.mode === 'normalized' ? ' after normalization' : ''}`;
  return { status: pass ? 'pass' : 'fail', score, label: pass ? 'match' : 'mismatch', details, reason };
}
