import type { JsonObject, JsonValue } from '../core/types.js';

export const prettyJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
export const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** Columns padded to their widest cell; the last one is left ragged. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A chat message with nothing but a role and text reads best as "role: text". */
function asChatLine(v: JsonValue | undefined): string | undefined {
  if (!isObject(v) || typeof v.role !== 'string' || typeof v.content !== 'string') return undefined;
  return Object.keys(v).every((k) => k === 'role' || k === 'content') ? `${v.role}: ${v.content}` : undefined;
}

/** Model input or output as a reviewer wants to read it: text as text, JSON only when it is structured. */
export function formatContent(value: JsonValue): string {
  if (value === null) return '(none)';
  if (typeof value === 'string') return value;
  const chat = Array.isArray(value) ? value.map(asChatLine) : [asChatLine(value)];
  if (chat.every((l): l is string => l !== undefined)) return chat.join('\n');
  return JSON.stringify(value, null, 2);
}

/** Milliseconds are noise in a terminal listing. */
export const seconds = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');

/** "no rules", "1 rule", "3 rules": counts read as words in a terminal. */
export function count(n: number, one: string, many: string): string {
  return n === 0 ? `no ${many}` : `${n} ${n === 1 ? one : many}`;
}
