import { isRecord } from '../json.js';
import { inputText, outputText } from '../policy/item-path.js';
import type { ItemInput, ItemOutput } from '../types.js';
import type { CheckItem, CheckResult, CheckTarget } from './types.js';

/**
 * The text a check reads, computed by the same functions as the policies' `input.text` and
 * `output.text`, so a check and a policy condition on the same item always see the same
 * characters. Null when the item has nothing of that shape there.
 */
export function targetText(item: CheckItem, target: CheckTarget): string | null {
  return target === 'input' ? asInputText(item.input) : asOutputText(item.output);
}

function asInputText(input: unknown): string | null {
  if (typeof input === 'string') return input;
  // inputText skips entries that are not message objects, so any array is safe to pass.
  if (Array.isArray(input)) return inputText(input as ItemInput);
  return null;
}

/** Also used for a reference output, which has the same shapes as an output. */
export function asOutputText(output: unknown): string | null {
  if (typeof output === 'string') return output;
  // Items are parsed JSON, so an object here is a JSON object as `outputText` expects.
  if (isRecord(output)) return outputText(output as ItemOutput);
  if (Array.isArray(output)) return JSON.stringify(output);
  return null;
}

export function missingText(target: CheckTarget): CheckResult {
  return {
    status: 'unknown',
    score: null,
    label: 'no_text',
    details: { target },
    reason: `the item has no ${target} text to check`,
  };
}

/** "1 email", "2 emails": every noun used here takes a plain "s". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** "a", "a and b", "a, b and c". */
export function listJoin(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
}

export function passFail(pass: boolean): { status: 'pass' | 'fail'; score: number } {
  return pass ? { status: 'pass', score: 1 } : { status: 'fail', score: 0 };
}
