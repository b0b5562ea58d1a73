import { isRecord } from '../json.js';
import type { ItemFacts, JsonValue } from '../types.js';
import type { CompiledCondition, OperatorTest } from './condition-types.js';
import { asFactsView, type FactsView } from './item-path.js';

const PREVIEW_LENGTH = 80;

/** JSON text of `value`, cut at about `budget` characters without serializing the rest. */
function preview(value: JsonValue, budget = PREVIEW_LENGTH): string {
  const out: string[] = [];
  let used = 0;
  const emit = (text: string): boolean => {
    out.push(text);
    used += text.length;
    return used <= budget;
  };
  const walk = (v: JsonValue): boolean => {
    if (typeof v === 'string') return emit(JSON.stringify(v.length > budget ? v.slice(0, budget) : v));
    if (v === null || typeof v !== 'object') return emit(String(v));
    const entries: [string | null, JsonValue][] = Array.isArray(v) ? v.map((item): [null, JsonValue] => [null, item]) : Object.entries(v);
    if (!emit(Array.isArray(v) ? '[' : '{')) return false;
    for (const [i, [key, item]] of entries.entries()) {
      if (i > 0 && !emit(',')) return false;
      if (key !== null && !emit(`${JSON.stringify(key)}:`)) return false;
      if (!walk(item)) return false;
    }
    return emit(Array.isArray(v) ? ']' : '}');
  };
  const complete = walk(value);
  const text = out.join('');
  return complete ? text : `${text.slice(0, budget)}…`;
}

function describeValue(value: JsonValue | undefined): string {
  return value === undefined ? 'missing' : preview(value);
}

function describePattern(expected: JsonValue): string {
  if (typeof expected === 'string') return `/${expected}/`;
  if (isRecord(expected)) {
    const { pattern, flags } = expected;
    return `/${typeof pattern === 'string' ? pattern : ''}/${typeof flags === 'string' ? flags : ''}`;
  }
  return preview(expected);
}

function clause(path: string, test: OperatorTest, actual: JsonValue | undefined): string {
  if (test.operator === 'exists') {
    // The presence of the value is the whole story; printing it would only add noise.
    return actual === undefined ? `${path} is missing` : actual === null ? `${path} is null` : `${path} is present`;
  }
  const expected = test.operator === 'matches' ? describePattern(test.expected) : describeValue(test.expected);
  return `${path} ${describeValue(actual)} ${test.operator} ${expected}`;
}

interface Explanation {
  result: boolean;
  text: string;
  /** Whether `text` joins several clauses, so it needs parentheses inside another join. */
  compound: boolean;
}

function wrap(explanation: Explanation): string {
  return explanation.compound ? `(${explanation.text})` : explanation.text;
}

function join(parts: Explanation[], result: boolean, word: string): Explanation {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined) return { ...only, result };
  return { result, text: parts.map(wrap).join(` ${word} `), compound: parts.length > 1 };
}

/** Says why `node` came out as it did: only the clauses that decided the outcome. */
function explain(node: CompiledCondition, view: FactsView): Explanation {
  switch (node.kind) {
    case 'all': {
      const parts: Explanation[] = [];
      for (const child of node.children) {
        const part = explain(child, view);
        if (!part.result) return part;
        parts.push(part);
      }
      return join(parts, true, 'and');
    }
    case 'any': {
      const parts: Explanation[] = [];
      for (const child of node.children) {
        const part = explain(child, view);
        if (part.result) return part;
        parts.push(part);
      }
      return join(parts, false, 'or');
    }
    case 'not': {
      const inner = explain(node.child, view);
      return { result: !inner.result, text: `not (${inner.text})`, compound: false };
    }
    case 'leaf': {
      const actual = view.resolve(node.path);
      const parts: Explanation[] = [];
      for (const test of node.tests) {
        const part = { result: test.test(actual), text: clause(node.path.path, test, actual), compound: false };
        if (!part.result) return part;
        parts.push(part);
      }
      return join(parts, true, 'and');
    }
  }
}

/** A readable reason, e.g. `metadata.intent "refund" eq "refund" and metadata.amount 800 gt 500`. */
export function explainCondition(compiled: CompiledCondition, facts: ItemFacts | FactsView): string {
  return explain(compiled, asFactsView(facts)).text;
}
