import { isRecord } from '../json.js';
import type { ItemInput, ItemOutput, JsonValue, MatchedRule } from '../types.js';

/**
 * What is left of an item's content once it is purged. Payloads become empty text rather than
 * null so every reader keeps one shape; `purged_at` on the item says the emptiness is deliberate.
 * A comparison keeps its candidates' ids (judgments and preference figures refer to them) and
 * loses their outputs.
 */
export function emptiedInput(): ItemInput {
  return '';
}

export function emptiedOutput(kind: string, output: ItemOutput): ItemOutput {
  if (kind === 'output' || !isRecord(output) || !Array.isArray(output['candidates'])) return '';
  const candidates = (output['candidates'] as unknown[]).map((c) => (isRecord(c) ? { ...c, output: '' } : c));
  return { ...output, candidates } as ItemOutput;
}

/**
 * Routing traces quote the values conditions saw (a preview of `output.text`, a metadata field).
 * Purging the payload must purge those quotes too, or the decision would keep what the item lost.
 * Conditions on the purged parts lose their `actual`; a rule that tested any of them gets a
 * reason that names the paths without their values.
 */
export function scrubTraces(rules: readonly MatchedRule[], purgedRoots: ReadonlySet<string>): MatchedRule[] {
  return rules.map((rule) => {
    const touched: string[] = [];
    const conditions = rule.conditions.map((c) => {
      if (!purgedRoots.has(rootOf(c.path))) return c;
      if (!touched.includes(c.path)) touched.push(c.path);
      return { ...c, actual: null };
    });
    if (touched.length === 0) return rule;
    return { ...rule, conditions, reason: `matched on ${touched.join(', ')} (values purged)${rule.sampled ? '; sampled' : ''}` };
  });
}

function rootOf(path: string): string {
  const dot = path.indexOf('.');
  const bracket = path.indexOf('[');
  const ends = [dot, bracket].filter((i) => i >= 0);
  return ends.length === 0 ? path : path.slice(0, Math.min(...ends));
}

/** A judgment's free text (comment, correction, rationale) goes with the content it was about. */
export function scrubAnswer(answer: JsonValue | null): JsonValue | null {
  if (!isRecord(answer) || !('rationale' in answer)) return answer;
  return { ...answer, rationale: null };
}
