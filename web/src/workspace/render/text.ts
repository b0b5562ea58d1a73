import { isRecord } from '../../../../src/core/json.js';
import { inputText, outputText } from '../../../../src/core/policy/item-path.js';
import type { ItemInput, ItemOutput } from '../../../../src/core/types.js';

/**
 * The text the server sees as `input.text` / `output.text`, where span offsets count (UTF-16).
 * It is the server's own function: a second implementation would drift, and a highlight one
 * character off marks the wrong words. Inputs are text or chat arrays, outputs text or objects,
 * so the shape alone tells which of the two rules applies.
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return inputText(value as ItemInput);
  if (isRecord(value)) return outputText(value as ItemOutput);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

/** A chat message's text, or null when `inputText` skips it (no text parts, e.g. tool calls only). */
function messageText(message: unknown): string | null {
  if (!isRecord(message)) return null;
  const content = message['content'];
  const hasText =
    typeof content === 'string' ||
    (Array.isArray(content) && content.some((p) => isRecord(p) && p['type'] === 'text' && typeof p['text'] === 'string'));
  return hasText ? inputText([message] as unknown as ItemInput) : null;
}

/** Where each message's text sits in `textOf(messages)`: -1 for a message that contributes none. */
export function messageOffsets(messages: readonly unknown[]): number[] | null {
  const starts: number[] = [];
  const texts: string[] = [];
  let at = 0;
  for (const m of messages) {
    const text = messageText(m);
    if (text === null) {
      starts.push(-1);
      continue;
    }
    starts.push(at);
    texts.push(text);
    at += text.length + 1;
  }
  // Only trusted when it reproduces the server's text: otherwise highlights fall back to one block.
  return texts.join('\n') === textOf(messages) ? starts : null;
}

const MARKDOWN_HINTS = [
  /^#{1,6}\s+\S/m, // headings
  /^\s*[-*+]\s+\S/m, // bullet lists
  /^\s*\d+[.)]\s+\S/m, // numbered lists
  /^```|^~~~/m, // fenced code
  /^>\s?\S/m, // quotes
  /\*\*[^*\n]+\*\*|__[^_\n]+__/, // bold
  /\[[^\]\n]+\]\([^)\s]+\)/, // links
  /`[^`\n]+`/, // inline code
  /^\|.*\|\s*$/m, // tables
];

/** Plain prose stays plain (keeping every line break as sent); only text with Markdown syntax is rendered as Markdown. */
export function looksLikeMarkdown(text: string): boolean {
  return MARKDOWN_HINTS.some((re) => re.test(text));
}
