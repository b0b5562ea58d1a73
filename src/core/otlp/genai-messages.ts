import { isRecord } from '../json.js';
import type { ChatMessage, JsonObject, JsonValue } from '../types.js';

/*
 * GenAI instrumentations record chat messages in two shapes, and Tollgate stores them in the
 * OpenAI-compatible one its items, policies and reviewers already use:
 *
 * - the current semantic conventions (`gen_ai.input.messages`, `gen_ai.output.messages`):
 *   `{role, parts: [{type: "text", content}, {type: "tool_call", id, name, arguments},
 *   {type: "tool_call_response", id, response}, …], finish_reason?}`;
 * - the older event bodies and OpenLLMetry's attributes: `{role, content, tool_calls: [{id,
 *   type: "function", function: {name, arguments}}], tool_call_id | id}`.
 *
 * Both become `{role, content, tool_calls?: [{id, type: "function", function: {name,
 * arguments}}], tool_call_id?}`. Tool arguments sent as a JSON string are parsed, so policies
 * can route on them (`output.tool_calls.0.function.arguments.amount`).
 */

/** A JSON-encoded attribute value decoded; the text itself when it is not JSON (truncated content, plain prompts). */
export function decodeJsonText(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== 'string') return value;
  const trimmed = value.trimStart();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

function toolArguments(value: JsonValue | undefined): JsonValue {
  if (value === undefined) return null;
  const decoded = decodeJsonText(value);
  return decoded === undefined ? null : decoded;
}

/** One tool call in the OpenAI shape, from either convention; undefined when it names no tool. */
export function toolCall(raw: JsonValue | undefined): JsonObject | undefined {
  if (!isRecord(raw)) return undefined;
  const fn = isRecord(raw['function']) ? raw['function'] : undefined;
  const name = raw['name'] ?? fn?.['name'];
  if (typeof name !== 'string' || name === '') return undefined;
  const call: JsonObject = {};
  if (typeof raw['id'] === 'string') call['id'] = raw['id'];
  call['type'] = 'function';
  call['function'] = { name, arguments: toolArguments(raw['arguments'] ?? fn?.['arguments']) };
  return call;
}

function toolCalls(raw: JsonValue | undefined): JsonObject[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c): JsonObject[] => {
    const call = toolCall(c);
    return call === undefined ? [] : [call];
  });
}

function textOf(part: JsonObject): string | undefined {
  const text = part['content'] ?? part['text'];
  return typeof text === 'string' ? text : undefined;
}

/** A message in the current conventions' shape (`parts`): tool results become messages of their own, as OpenAI has them. */
function fromParts(role: string, parts: JsonValue[], extra: JsonObject): ChatMessage[] {
  const out: ChatMessage[] = [];
  const content: JsonValue[] = [];
  const calls: JsonObject[] = [];
  let texts = 0;
  for (const part of parts) {
    if (!isRecord(part)) continue;
    const p = part;
    const type = p['type'];
    if (type === 'text' && textOf(p) !== undefined) {
      content.push({ type: 'text', text: textOf(p)! });
      texts++;
    } else if (type === 'tool_call') {
      const call = toolCall(p);
      if (call !== undefined) calls.push(call);
    } else if (type === 'tool_call_response') {
      const result = p['response'] ?? p['result'] ?? null;
      out.push({ role: 'tool', ...(typeof p['id'] === 'string' ? { tool_call_id: p['id'].trim() } : {}), content: result });
    } else {
      // Media, file references, reasoning and custom parts are kept as sent for the reviewer.
      content.push(p);
    }
  }
  if (content.length === 0 && calls.length === 0 && out.length > 0) return out;
  const message: ChatMessage = { role, ...extra };
  // One text part reads best as plain content; several, or text beside media, stay parts.
  if (texts === 1 && content.length === 1) message.content = (content[0] as { text: string }).text;
  else if (content.length > 0) message.content = content;
  if (calls.length > 0) message.tool_calls = calls;
  out.push(message);
  return out;
}

/** A message in the older shape (`content`, `tool_calls`, `tool_call_id` or `id`). */
function fromLegacy(role: string, raw: JsonObject, extra: JsonObject): ChatMessage {
  const message: ChatMessage = { role, ...extra };
  const content = raw['content'];
  if (content !== undefined && content !== null) message.content = content;
  const calls = toolCalls(raw['tool_calls']);
  if (calls.length > 0) message.tool_calls = calls;
  const callId = raw['tool_call_id'] ?? (role === 'tool' ? raw['id'] : undefined);
  if (typeof callId === 'string') message.tool_call_id = callId;
  return message;
}

/**
 * Chat messages from one recorded message of either convention (a bare string is its text).
 * `role` is used when the message names none, as the older events imply it by their name.
 */
export function chatMessages(raw: JsonValue | undefined, role: string): ChatMessage[] {
  if (typeof raw === 'string') return [{ role, content: raw }];
  if (!isRecord(raw)) return [];
  const r = raw;
  const named = typeof r['role'] === 'string' && r['role'] !== '' ? r['role'] : role;
  const extra: JsonObject = typeof r['name'] === 'string' ? { name: r['name'] } : {};
  if (Array.isArray(r['parts'])) return fromParts(named, r['parts'], extra);
  return [fromLegacy(named, r, extra)];
}

/** A list of recorded messages (or one), in order. */
export function chatMessageList(raw: JsonValue | undefined, role: string): ChatMessage[] {
  if (Array.isArray(raw)) return raw.flatMap((m) => chatMessages(m, role));
  return chatMessages(raw, role);
}

/** `gen_ai.system_instructions`: parts, a list of texts or one text, as the system message. */
export function systemMessage(raw: JsonValue | undefined): ChatMessage | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw === '' ? undefined : { role: 'system', content: raw };
  const parts = Array.isArray(raw) ? raw : [raw];
  const [message] = fromParts(
    'system',
    parts.map((p) => (typeof p === 'string' ? { type: 'text', content: p } : p)),
    {},
  );
  return message?.content === undefined ? undefined : message;
}

/** Whether a model's answer says anything: text, parts or a tool call. */
export function hasContent(message: ChatMessage): boolean {
  const c = message.content;
  const said = typeof c === 'string' ? c !== '' : Array.isArray(c) ? c.length > 0 : isRecord(c);
  return said || (Array.isArray(message.tool_calls) && message.tool_calls.length > 0);
}

/** A message spelled out over indexed attributes, as OpenLLMetry records them. */
export interface IndexedMessage {
  index: number;
  message: JsonObject;
  finishReason: string | undefined;
}

const INDEXED =
  /^(\d{1,4})\.(role|content|tool_call_id|finish_reason|tool_calls\.(\d{1,3})\.(id|name|arguments)|function_call\.(name|arguments))$/;

/**
 * OpenLLMetry's flattened messages (`gen_ai.prompt.0.role`, `gen_ai.prompt.0.content`,
 * `gen_ai.completion.0.tool_calls.1.arguments`, …) regrouped into one message per index, in
 * index order. `entries` are the attribute keys after the prefix, with their values.
 */
export function indexedMessages(entries: readonly (readonly [string, JsonValue])[]): IndexedMessage[] {
  const byIndex = new Map<number, { fields: JsonObject; calls: Map<number, JsonObject>; finishReason: string | undefined }>();
  for (const [path, value] of entries) {
    const m = INDEXED.exec(path);
    if (!m) continue;
    const index = Number(m[1]);
    let entry = byIndex.get(index);
    if (!entry) byIndex.set(index, (entry = { fields: {}, calls: new Map(), finishReason: undefined }));
    const field = m[2]!;
    if (field === 'finish_reason') {
      if (typeof value === 'string') entry.finishReason = value;
    } else if (m[3] !== undefined || m[5] !== undefined) {
      // A legacy `function_call` is the one tool call of its message.
      const at = m[3] === undefined ? 0 : Number(m[3]);
      const call = entry.calls.get(at) ?? {};
      call[m[4] ?? m[5]!] = value;
      entry.calls.set(at, call);
    } else {
      entry.fields[field] = value;
    }
  }
  return [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, e]) => {
      const calls = [...e.calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
      return { index, message: calls.length > 0 ? { ...e.fields, tool_calls: calls } : e.fields, finishReason: e.finishReason };
    });
}
