import { isRecord } from '../json.js';
import type { JsonObject, JsonValue } from '../types.js';

/*
 * OpenAI chat completions as the proxy sees them: the answer's assistant message, how a
 * streamed answer adds up to one, how a person's correction becomes a message again, and how a
 * message is replayed as a stream. Shapes follow the Chat Completions API; anything else an
 * upstream adds is kept where the answer is passed on unchanged.
 */

/** A chat completion (`object: "chat.completion"`); loosely typed: it comes from another server. */
export type Completion = JsonObject;

/** The assistant message of choice 0 (the proxy allows n = 1 only), or undefined when there is none. */
export function completionMessage(completion: unknown): JsonObject | undefined {
  const choice = firstChoice(completion);
  const message = choice?.['message'];
  return isRecord(message) ? (message as JsonObject) : undefined;
}

export function finishReasonOf(completion: unknown): string | null {
  const reason = firstChoice(completion)?.['finish_reason'];
  return typeof reason === 'string' ? reason : null;
}

function firstChoice(completion: unknown): Record<string, unknown> | undefined {
  if (!isRecord(completion)) return undefined;
  const choices = completion['choices'];
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices.find((c) => isRecord(c) && (c['index'] === 0 || c['index'] === undefined));
  return isRecord(first) ? first : undefined;
}

interface ToolCallParts {
  id: string | null;
  type: string;
  name: string;
  arguments: string;
}

/**
 * Adds up the chunks of a streamed answer (`chat.completion.chunk`) into the completion a
 * non-streaming call would have returned: content and refusal deltas concatenated, tool calls
 * assembled by index, the finish reason, and the usage chunk sent with
 * `stream_options.include_usage`.
 */
export class ChatStreamAccumulator {
  chunks = 0;
  /** Chunks that were not JSON objects: counted, not fatal (the client got them as sent). */
  malformed = 0;
  #id: string | null = null;
  #created: number | null = null;
  #model: string | null = null;
  #fingerprint: string | null = null;
  #content: string[] | null = null;
  #refusal: string[] | null = null;
  readonly #tools = new Map<number, ToolCallParts>();
  #finish: string | null = null;
  #usage: JsonValue | null = null;
  /** An `{"error": …}` event sent by the upstream in the middle of a stream. */
  error: JsonObject | null = null;

  add(chunk: unknown): void {
    if (!isRecord(chunk)) {
      this.malformed++;
      return;
    }
    this.chunks++;
    if (isRecord(chunk['error'])) {
      this.error = chunk['error'] as JsonObject;
      return;
    }
    if (typeof chunk['id'] === 'string') this.#id ??= chunk['id'];
    if (typeof chunk['created'] === 'number') this.#created ??= chunk['created'];
    if (typeof chunk['model'] === 'string') this.#model ??= chunk['model'];
    if (typeof chunk['system_fingerprint'] === 'string') this.#fingerprint = chunk['system_fingerprint'];
    if (isRecord(chunk['usage'])) this.#usage = chunk['usage'] as JsonObject;
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      if (!isRecord(choice) || (choice['index'] !== 0 && choice['index'] !== undefined)) continue;
      if (typeof choice['finish_reason'] === 'string') this.#finish = choice['finish_reason'];
      const delta = choice['delta'];
      if (!isRecord(delta)) continue;
      if (typeof delta['content'] === 'string') (this.#content ??= []).push(delta['content']);
      if (typeof delta['refusal'] === 'string') (this.#refusal ??= []).push(delta['refusal']);
      if (Array.isArray(delta['tool_calls'])) for (const call of delta['tool_calls']) this.#addToolCall(call);
    }
  }

  #addToolCall(call: unknown): void {
    if (!isRecord(call)) return;
    const index = typeof call['index'] === 'number' ? call['index'] : this.#tools.size;
    let parts = this.#tools.get(index);
    if (parts === undefined) {
      parts = { id: null, type: 'function', name: '', arguments: '' };
      this.#tools.set(index, parts);
    }
    if (typeof call['id'] === 'string') parts.id = call['id'];
    if (typeof call['type'] === 'string') parts.type = call['type'];
    const fn = call['function'];
    if (isRecord(fn)) {
      if (typeof fn['name'] === 'string') parts.name += fn['name'];
      if (typeof fn['arguments'] === 'string') parts.arguments += fn['arguments'];
    }
  }

  get finishReason(): string | null {
    return this.#finish;
  }

  /** Whether the stream said how it ended; a stream cut off before that is incomplete. */
  get finished(): boolean {
    return this.#finish !== null;
  }

  get usage(): JsonValue | null {
    return this.#usage;
  }

  message(): JsonObject {
    const message: JsonObject = { role: 'assistant', content: this.#content === null ? null : this.#content.join('') };
    if (this.#refusal !== null) message['refusal'] = this.#refusal.join('');
    if (this.#tools.size > 0) {
      message['tool_calls'] = [...this.#tools.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([index, t]) => ({
          id: t.id ?? `call_${index}`,
          type: t.type,
          function: { name: t.name, arguments: t.arguments },
        }));
    }
    return message;
  }

  /** The non-streaming form of what arrived so far. */
  completion(fallbackModel: string): Completion {
    const completion: Completion = {
      id: this.#id ?? 'chatcmpl-tollgate',
      object: 'chat.completion',
      created: this.#created ?? 0,
      model: this.#model ?? fallbackModel,
      choices: [{ index: 0, message: this.message(), finish_reason: this.#finish, logprobs: null }],
    };
    if (this.#fingerprint !== null) completion['system_fingerprint'] = this.#fingerprint;
    if (this.#usage !== null) completion['usage'] = this.#usage;
    return completion;
  }
}

/**
 * The message a person's correction stands for. The correction replaces the whole message, so
 * nothing of the original survives unseen (a tool call the reviewer did not keep is not
 * executed): a string is the reply's text; an object gives `content` and/or `tool_calls`
 * (arguments given as JSON objects are serialized as the API sends them); any other object is
 * sent as JSON text.
 */
export function correctedMessage(correction: JsonValue): JsonObject {
  if (typeof correction === 'string') return { role: 'assistant', content: correction };
  if (!isRecord(correction) || (!('content' in correction) && !('tool_calls' in correction))) {
    return { role: 'assistant', content: JSON.stringify(correction) };
  }
  const content = correction['content'];
  const message: JsonObject = {
    role: 'assistant',
    content: content === undefined || content === null ? null : typeof content === 'string' ? content : JSON.stringify(content),
  };
  const calls = correction['tool_calls'];
  if (Array.isArray(calls) && calls.length > 0) message['tool_calls'] = calls.map(normalizeToolCall);
  return message;
}

function normalizeToolCall(call: JsonValue, index: number): JsonObject {
  const c = isRecord(call) ? call : {};
  const fn = isRecord(c['function']) ? c['function'] : {};
  const args = fn['arguments'];
  return {
    id: typeof c['id'] === 'string' ? c['id'] : `call_tollgate_${index}`,
    type: typeof c['type'] === 'string' ? c['type'] : 'function',
    function: {
      name: typeof fn['name'] === 'string' ? fn['name'] : '',
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    },
  };
}

/** The completion with choice 0's message replaced, and a finish reason that matches it. */
export function withMessage(completion: Completion, message: JsonObject): Completion {
  const calls = Array.isArray(message['tool_calls']) && message['tool_calls'].length > 0;
  const previous = finishReasonOf(completion);
  const finish = calls ? 'tool_calls' : previous === 'tool_calls' || previous === null ? 'stop' : previous;
  return {
    ...completion,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
  };
}

/**
 * A completion as the chunks of a stream: the role and content, each tool call whole, the
 * finish reason, and the usage chunk when the caller asked for usage. Clients add deltas up,
 * so one delta per part reads exactly like the many small ones a model sends.
 */
export function completionChunks(completion: Completion, includeUsage: boolean): JsonObject[] {
  const message = completionMessage(completion) ?? { role: 'assistant', content: null };
  const base: JsonObject = {
    id: completion['id'] ?? 'chatcmpl-tollgate',
    object: 'chat.completion.chunk',
    created: completion['created'] ?? 0,
    model: completion['model'] ?? '',
  };
  if (completion['system_fingerprint'] !== undefined) base['system_fingerprint'] = completion['system_fingerprint'];
  const chunk = (delta: JsonObject, finish: string | null): JsonObject => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const chunks: JsonObject[] = [];
  const first: JsonObject = { role: 'assistant', content: typeof message['content'] === 'string' ? message['content'] : null };
  if (typeof message['refusal'] === 'string') first['refusal'] = message['refusal'];
  chunks.push(chunk(first, null));
  const calls = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
  calls.forEach((call, index) => {
    if (isRecord(call)) chunks.push(chunk({ tool_calls: [{ index, ...call }] }, null));
  });
  chunks.push(chunk({}, finishReasonOf(completion) ?? 'stop'));
  if (includeUsage && completion['usage'] !== undefined) chunks.push({ ...base, choices: [], usage: completion['usage'] });
  return chunks;
}

/** One server-sent event. Multi-line data is split over `data:` lines, as the format requires. */
export function sseEvent(data: string, event?: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${event === undefined ? '' : `event: ${event}\n`}${lines.join('')}\n`;
}

export const SSE_DONE = sseEvent('[DONE]');
