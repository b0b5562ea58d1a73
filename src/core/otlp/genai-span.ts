import { isRecord } from '../json.js';
import type { ChatMessage, ItemInput, ItemOutput, JsonObject, JsonValue } from '../types.js';
import { Attributes, defineKey } from './attributes.js';
import { chatMessageList, chatMessages, decodeJsonText, hasContent, indexedMessages, systemMessage } from './genai-messages.js';
import { SPAN_STATUS_ERROR, type OtlpSpan } from './otlp-types.js';

/** An item to capture, as the ingest service takes it. */
export interface CapturedItem {
  input: ItemInput;
  output: ItemOutput;
  model?: string;
  model_version?: string;
  confidence?: number;
  metadata: JsonObject;
  tags?: string[];
  external_id: string;
}

/**
 * What becomes of one span:
 * - `not_genai`: no `gen_ai.*` operation or provider (HTTP, database and other spans);
 * - `other_operation`: a GenAI span that is not a model's answer (embeddings, tool execution,
 *   agent spans), which Tollgate does not review;
 * - `no_content`: a model call recorded without its output, as instrumentations do until
 *   content capture is turned on;
 * - `item`: an item to capture; `invalid`: a GenAI span that cannot become one, and why.
 */
export type SpanVerdict =
  | { kind: 'not_genai' }
  | { kind: 'other_operation'; operation: string }
  | { kind: 'no_content' }
  | { kind: 'item'; item: CapturedItem }
  | { kind: 'invalid'; problem: string };

/** The operations whose spans carry a model's answer to a prompt. */
export const CAPTURED_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);

/** OpenLLMetry's `llm.request.type`, from before `gen_ai.operation.name` existed. */
const LEGACY_OPERATIONS: Readonly<Record<string, string>> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  rerank: 'rerank',
};

/** Older conventions' span events, one message each; the role is in the name. */
const MESSAGE_EVENTS: Readonly<Record<string, string>> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
const CHOICE_EVENT = 'gen_ai.choice';
/** The current conventions' event holding the whole exchange; some SDKs attach it to the span. */
const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;

export const METADATA_PREFIX = 'tollgate.metadata.';

interface Source {
  name: string | undefined;
  attributes: Attributes;
}

/** The body of an older-convention event: its JSON attribute (Azure SDKs), else its attributes minus the `gen_ai.*` ones. */
function eventBody(attrs: Attributes): JsonValue {
  const encoded = attrs.value('gen_ai.event.content') ?? attrs.value('body');
  if (encoded !== undefined) return decodeJsonText(encoded) ?? null;
  const body: JsonObject = {};
  for (const key of attrs.keys()) {
    if (key.startsWith('gen_ai.') || key === 'event.name') continue;
    const v = attrs.value(key);
    if (v !== undefined) defineKey(body, key, key === 'tool_calls' || key === 'message' ? (decodeJsonText(v) ?? null) : v);
  }
  return body;
}

function prefixed(attrs: Attributes, prefix: string): [string, JsonValue][] {
  const out: [string, JsonValue][] = [];
  for (const key of attrs.keys()) {
    if (!key.startsWith(prefix)) continue;
    const v = attrs.value(key);
    if (v !== undefined) out.push([key.slice(prefix.length), v]);
  }
  return out;
}

/** The prompt, from the first convention that recorded one. */
function readInput(span: Attributes, events: Source[]): ItemInput | undefined {
  const details = events.find((e) => e.name === DETAILS_EVENT)?.attributes;
  for (const attrs of details === undefined ? [span] : [span, details]) {
    const messages = decodeJsonText(attrs.value('gen_ai.input.messages'));
    const system = systemMessage(decodeJsonText(attrs.value('gen_ai.system_instructions')));
    if (messages === undefined && system === undefined) continue;
    if (typeof messages === 'string') return system === undefined ? messages : [system, { role: 'user', content: messages }];
    return [...(system === undefined ? [] : [system]), ...chatMessageList(messages, 'user')];
  }
  const fromEvents = events.flatMap((e) => {
    const role = e.name === undefined ? undefined : MESSAGE_EVENTS[e.name];
    return role === undefined ? [] : chatMessages(eventBody(e.attributes), role);
  });
  if (fromEvents.length > 0) return fromEvents;
  const indexed = indexedMessages(prefixed(span, 'gen_ai.prompt.'));
  if (indexed.length > 0) return indexed.flatMap((m) => chatMessages(m.message, 'user'));
  const prompt = span.value('gen_ai.prompt') ?? events.find((e) => e.name === 'gen_ai.content.prompt')?.attributes.value('gen_ai.prompt');
  const decoded = decodeJsonText(prompt);
  if (typeof decoded === 'string') return decoded;
  return decoded === undefined ? undefined : chatMessageList(decoded, 'user');
}

/** A recorded output message: its finish reason apart, as the item's metadata holds those. */
function choiceOf(raw: JsonValue, reasons: string[]): ChatMessage[] {
  if (isRecord(raw) && typeof raw['finish_reason'] === 'string') reasons.push(raw['finish_reason']);
  return chatMessages(raw, 'assistant');
}

/** The model's answer, from the first convention that recorded one. */
function readOutput(span: Attributes, events: Source[]): ChatMessage[] | string | undefined {
  const details = events.find((e) => e.name === DETAILS_EVENT)?.attributes;
  for (const attrs of details === undefined ? [span] : [span, details]) {
    const messages = decodeJsonText(attrs.value('gen_ai.output.messages'));
    if (messages === undefined) continue;
    if (typeof messages === 'string') return messages;
    return Array.isArray(messages) ? messages.flatMap((m) => chatMessages(m, 'assistant')) : chatMessages(messages, 'assistant');
  }
  const choices = events.filter((e) => e.name === CHOICE_EVENT).map((e) => eventBody(e.attributes));
  if (choices.length > 0) {
    const indexOf = (c: JsonValue, i: number) => (isRecord(c) && typeof c['index'] === 'number' ? c['index'] : i);
    return choices
      .map((c, i) => [indexOf(c, i), c] as const)
      .sort((a, b) => a[0] - b[0])
      .flatMap(([, c]) => {
        // A choice body is {index, finish_reason, message: {role?, content, tool_calls}}.
        const message = isRecord(c) ? (decodeJsonText(c['message']) ?? c) : c;
        return chatMessages(message, 'assistant');
      });
  }
  const indexed = indexedMessages(prefixed(span, 'gen_ai.completion.'));
  if (indexed.length > 0) return indexed.flatMap((m) => chatMessages(m.message, 'assistant'));
  const completion =
    span.value('gen_ai.completion') ?? events.find((e) => e.name === 'gen_ai.content.completion')?.attributes.value('gen_ai.completion');
  const decoded = decodeJsonText(completion);
  if (typeof decoded === 'string') return decoded;
  return decoded === undefined ? undefined : chatMessageList(decoded, 'assistant');
}

/** Finish reasons, from the span attribute, else from the recorded choices. */
function finishReasons(span: Attributes, events: Source[]): string[] {
  const declared = span.strings('gen_ai.response.finish_reasons');
  if (declared !== undefined) return declared;
  const reasons: string[] = [];
  const details = events.find((e) => e.name === DETAILS_EVENT)?.attributes;
  const output = decodeJsonText(span.value('gen_ai.output.messages') ?? details?.value('gen_ai.output.messages'));
  if (Array.isArray(output)) for (const m of output) choiceOf(m, reasons);
  for (const e of events) {
    if (e.name !== CHOICE_EVENT) continue;
    const body = eventBody(e.attributes);
    if (isRecord(body) && typeof body['finish_reason'] === 'string') reasons.push(body['finish_reason']);
  }
  for (const m of indexedMessages(prefixed(span, 'gen_ai.completion.'))) if (m.finishReason !== undefined) reasons.push(m.finishReason);
  return reasons;
}

/** Nanoseconds since the epoch, as OTLP sends them (a decimal string or a number). */
function nanos(value: string | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    const n = BigInt(value);
    return n > 0n ? n : undefined;
  } catch {
    return undefined;
  }
}

function latencyMs(span: OtlpSpan): number | undefined {
  const start = nanos(span.startTimeUnixNano);
  const end = nanos(span.endTimeUnixNano);
  if (start === undefined || end === undefined || end < start) return undefined;
  // Microsecond precision: enough for a model call, and exact in a double.
  return Number((end - start) / 1000n) / 1000;
}

/** Sets `path` (dotted) in `target`, so `tollgate.metadata.customer.tier` is `metadata.customer.tier` to policies. */
function setPath(target: JsonObject, path: string, value: JsonValue): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '') || keys.length > 16) return;
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) {
      const created: JsonObject = {};
      defineKey(node, key, created);
      node = created;
    } else if (isRecord(next)) node = next;
    else return; // a value already sits there: the first one set wins
  }
  defineKey(node, keys.at(-1)!, value);
}

function userMetadata(into: JsonObject, attrs: Attributes): void {
  for (const key of attrs.keys().sort()) {
    if (!key.startsWith(METADATA_PREFIX)) continue;
    const v = attrs.value(key);
    if (v !== undefined) setPath(into, key.slice(METADATA_PREFIX.length), v);
  }
}

function compact(entries: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v;
  return out;
}

/** `gen_ai.request.*` settings (temperature, max_tokens, top_p, …) but the model, keyed by their last segments. */
function requestSettings(attrs: Attributes): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [key, v] of prefixed(attrs, 'gen_ai.request.')) if (key !== 'model') defineKey(out, key.replaceAll('.', '_'), v);
  return Object.keys(out).length > 0 ? out : undefined;
}

function confidenceOf(attrs: Attributes): number | undefined | { problem: string } {
  if (!attrs.has('tollgate.confidence')) return undefined;
  const raw = attrs.value('tollgate.confidence');
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) return { problem: 'tollgate.confidence must be a number in [0, 1]' };
  return n;
}

/** The attributes whose presence can make a span a GenAI span: any other span is `not_genai` whatever it holds. */
const GENAI_MARKERS: ReadonlySet<string> = new Set(['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system', 'llm.request.type']);

/**
 * Whether a span with these attribute keys may be a GenAI span. Lets a decoder skip converting
 * the bulk of an application's telemetry (HTTP, database spans) that can never become an item.
 */
export function mayBeGenAiSpan(attributeKeys: Iterable<unknown>): boolean {
  for (const key of attributeKeys) if (typeof key === 'string' && GENAI_MARKERS.has(key)) return true;
  return false;
}

/**
 * One span as an item, or why not. `resource` holds the resource's attributes (service name,
 * `tollgate.metadata.*` shared by every span of the service).
 */
export function mapSpan(span: OtlpSpan, resource: Attributes): SpanVerdict {
  const attrs = new Attributes(span.attributes);
  const legacyType = attrs.string('llm.request.type');
  const declared = attrs.string('gen_ai.operation.name') ?? (legacyType === undefined ? undefined : LEGACY_OPERATIONS[legacyType]);
  const provider = attrs.string('gen_ai.provider.name') ?? attrs.string('gen_ai.system');
  if (declared === undefined && provider === undefined) return { kind: 'not_genai' };
  // Early instrumentations named the provider but not the operation, and recorded only chat calls.
  const operation = declared ?? 'chat';
  if (!CAPTURED_OPERATIONS.has(operation)) return { kind: 'other_operation', operation };

  const events: Source[] = (span.events ?? []).map((e) => ({ name: e.name, attributes: new Attributes(e.attributes) }));
  const output = readOutput(attrs, events);
  const answered = typeof output === 'string' ? output !== '' : output !== undefined && output.some(hasContent);
  if (!answered) return { kind: 'no_content' };

  const traceId = (span.traceId ?? '').toLowerCase();
  const spanId = (span.spanId ?? '').toLowerCase();
  if (!TRACE_ID.test(traceId) || ZERO.test(traceId) || !SPAN_ID.test(spanId) || ZERO.test(spanId)) {
    return { kind: 'invalid', problem: 'a GenAI span needs a valid trace_id and span_id, which make its external_id' };
  }
  const confidence = confidenceOf(attrs);
  if (typeof confidence === 'object') return { kind: 'invalid', problem: confidence.problem };

  const requested = attrs.string('gen_ai.request.model');
  const responded = attrs.string('gen_ai.response.model');
  const reasons = finishReasons(attrs, events);
  const inputTokens = attrs.number('gen_ai.usage.input_tokens') ?? attrs.number('gen_ai.usage.prompt_tokens');
  const outputTokens = attrs.number('gen_ai.usage.output_tokens') ?? attrs.number('gen_ai.usage.completion_tokens');
  const usage = compact({ input_tokens: inputTokens, output_tokens: outputTokens });

  const metadata: JsonObject = {};
  userMetadata(metadata, resource);
  userMetadata(metadata, attrs);
  // The span's own facts are set last: what the trace says about itself is not overridden.
  Object.assign(
    metadata,
    compact({
      source: 'otlp',
      service_name: resource.string('service.name'),
      operation,
      provider,
      trace_id: traceId,
      span_id: spanId,
      span_name: span.name === undefined || span.name === '' ? undefined : span.name,
      response_id: attrs.string('gen_ai.response.id'),
      conversation_id: attrs.string('gen_ai.conversation.id'),
      agent_name: attrs.string('gen_ai.agent.name'),
      usage: Object.keys(usage).length > 0 ? usage : undefined,
      finish_reasons: reasons.length > 0 ? reasons : undefined,
      latency_ms: latencyMs(span),
      request: requestSettings(attrs),
      error_type: attrs.string('error.type') ?? (span.status?.code === SPAN_STATUS_ERROR ? 'error' : undefined),
    }),
  );

  const choices = typeof output === 'string' ? undefined : output!.filter(hasContent);
  const tags = attrs.strings('tollgate.tags');
  const item: CapturedItem = {
    input: readInput(attrs, events) ?? [],
    // Messages are built from JSON and never hold undefined, whatever ChatMessage's index type allows.
    output:
      choices === undefined ? (output as string) : choices.length === 1 ? (choices[0] as JsonObject) : { choices: choices as JsonObject[] },
    // The model asked for is what policies name; the snapshot that answered is its version.
    ...((requested ?? responded) === undefined ? {} : { model: (requested ?? responded)! }),
    ...(requested !== undefined && responded !== undefined && responded !== requested ? { model_version: responded } : {}),
    ...(confidence === undefined ? {} : { confidence }),
    ...(tags === undefined ? {} : { tags }),
    metadata,
    external_id: `otlp:${traceId}:${spanId}`,
  };
  return { kind: 'item', item };
}
