import { isRecord } from '../json.js';
import type { ItemInput, ItemOutput, JsonObject, JsonValue } from '../types.js';

/**
 * Items are captured as sent, so their chat messages carry whatever the calling service put in
 * them (timestamps, provider fields, content parts). Training files must hold exactly the chat
 * format the fine-tuning tools read, so every message is rebuilt here from the fields that
 * format defines, and anything it cannot express makes the item unusable rather than silently
 * wrong (the callers leave such items out).
 */

/** A function call as OpenAI's chat format shapes it: `arguments` is JSON text, not an object. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ContentPart = JsonObject & { type: string };

export interface TrainingMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** null only on an assistant message that calls tools. */
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** `developer` is the newer name OpenAI's API gives system instructions; training files take `system`. */
const ROLE_NAMES = new Map<string, TrainingMessage['role']>([
  ['system', 'system'],
  ['developer', 'system'],
  ['user', 'user'],
  ['assistant', 'assistant'],
  ['tool', 'tool'],
]);

/**
 * Message content as training files take it: text, or (for images) a list of content parts.
 * A list of text parts only becomes one string joined by newlines, the text reviewers were
 * shown as `input.text`; keeping strings wherever possible also keeps the column one type when
 * Hugging Face `datasets` loads the file (a column mixing strings and lists does not load).
 * Other JSON is written as JSON text. undefined: no content.
 */
function contentOf(content: unknown): string | ContentPart[] | undefined {
  if (content === undefined || content === null) return undefined;
  if (typeof content === 'string') return content;
  if (Array.isArray(content) && content.length === 0) return '';
  if (Array.isArray(content) && content.every((p) => isRecord(p) && typeof p['type'] === 'string')) {
    const parts = content as ContentPart[];
    if (parts.every((p) => p.type === 'text' && typeof p['text'] === 'string')) return parts.map((p) => p['text'] as string).join('\n');
    return parts;
  }
  return JSON.stringify(content);
}

/**
 * One tool call from either shape Tollgate accepts: OpenAI's `{id, type, function: {name,
 * arguments}}`, or the flat `{name, arguments}` captured outputs use (docs/holds.md). Calls
 * without an id get `call_<n>`: ids only have to tie a call to its tool message within one
 * conversation. null: not a call.
 */
function toolCallOf(raw: unknown, index: number): ToolCall | null {
  if (!isRecord(raw)) return null;
  const fn = isRecord(raw['function']) ? raw['function'] : raw;
  const name = fn['name'];
  if (typeof name !== 'string' || name === '') return null;
  const args = fn['arguments'];
  const id = typeof raw['id'] === 'string' && raw['id'] !== '' ? raw['id'] : `call_${index}`;
  return {
    id,
    type: 'function',
    function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

function toolCallsOf(raw: unknown): ToolCall[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const calls: ToolCall[] = [];
  for (const [i, c] of raw.entries()) {
    const call = toolCallOf(c, i);
    if (call === null) return null;
    calls.push(call);
  }
  return calls;
}

function messageOf(raw: unknown): TrainingMessage | null {
  if (!isRecord(raw) || typeof raw['role'] !== 'string') return null;
  const role = ROLE_NAMES.get(raw['role']);
  if (role === undefined) return null;
  const content = contentOf(raw['content']);
  const out: TrainingMessage = { role, content: content ?? null };
  if (typeof raw['name'] === 'string' && raw['name'] !== '' && role !== 'tool') out.name = raw['name'];
  if (role === 'assistant' && raw['tool_calls'] !== undefined && raw['tool_calls'] !== null) {
    const calls = toolCallsOf(raw['tool_calls']);
    if (calls === null) return null;
    out.tool_calls = calls;
  }
  if (role === 'tool') {
    if (typeof raw['tool_call_id'] !== 'string' || raw['tool_call_id'] === '') return null;
    out.tool_call_id = raw['tool_call_id'];
  }
  // Only an assistant's tool call may stand without text.
  if (out.content === null && out.tool_calls === undefined) return null;
  return out;
}

/** The item's input as chat messages (text → one user message); null when one cannot be expressed. */
export function promptMessages(input: ItemInput): TrainingMessage[] | null {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0) return null;
  const out: TrainingMessage[] = [];
  for (const m of input as unknown[]) {
    const message = messageOf(m);
    if (message === null) return null;
    out.push(message);
  }
  return out;
}

/**
 * An output as the assistant's message: text; a chat message; a message-less `{tool_calls}`; one
 * flat tool call `{name, arguments}`; any other JSON object as JSON text (a structured answer
 * is what the model wrote). null when it cannot be expressed.
 */
export function assistantMessage(output: ItemOutput): TrainingMessage | null {
  if (typeof output === 'string') return { role: 'assistant', content: output };
  if (!isRecord(output)) return null;
  if (typeof output['role'] === 'string') return messageOf({ ...output, role: 'assistant' });
  if (output['tool_calls'] !== undefined) {
    const calls = toolCallsOf(output['tool_calls']);
    return calls === null ? null : { role: 'assistant', content: null, tool_calls: calls };
  }
  if (typeof output['name'] === 'string' && 'arguments' in output) {
    const call = toolCallOf(output, 0);
    return call === null ? null : { role: 'assistant', content: null, tool_calls: [call] };
  }
  return { role: 'assistant', content: JSON.stringify(output) };
}

/**
 * The input as one plain-text prompt, for trainers that take strings: text as it is, or a chat
 * of exactly one user message. A longer chat needs the model's chat template to become text,
 * which is the trainer's business, so it is refused (null).
 */
export function plainPrompt(input: ItemInput): string | null {
  const messages = promptMessages(input);
  if (messages === null || messages.length !== 1) return null;
  const [only] = messages;
  return only?.role === 'user' && typeof only.content === 'string' ? only.content : null;
}

/** The output as plain text; null for tool calls and images, which text cannot carry. */
export function plainCompletion(output: ItemOutput): string | null {
  const m = assistantMessage(output);
  return m === null || m.tool_calls !== undefined || typeof m.content !== 'string' ? null : m.content;
}

/** A message as the JSON written to the file (no undefined fields). */
export function messageJson(m: TrainingMessage): JsonObject {
  const out: JsonObject = { role: m.role, content: m.content };
  if (m.name !== undefined) out['name'] = m.name;
  if (m.tool_calls !== undefined) out['tool_calls'] = m.tool_calls as unknown as JsonValue;
  if (m.tool_call_id !== undefined) out['tool_call_id'] = m.tool_call_id;
  return out;
}
