import { isRecord } from '../json.js';
import type { ChatMessage, JsonObject, JsonValue } from '../types.js';
import { completionMessage, finishReasonOf, type Completion } from './chat.js';

/** Metadata fields the proxy writes; a caller's `x-tollgate-metadata` may not use them. */
export const PROXY_METADATA_KEYS = [
  'source',
  'requested_model',
  'stream',
  'finish_reason',
  'usage',
  'latency_ms',
  'ttft_ms',
  'params',
  'upstream',
  'incomplete',
] as const;

/** Why a captured answer is partial: the stream broke, timed out, grew too large, or the caller hung up. */
export type IncompleteReason = 'upstream_error' | 'upstream_timeout' | 'too_large' | 'client_closed' | 'ended_early';

export interface ExchangeFacts {
  /** The request body, as validated: `model` and `messages` at least. */
  request: JsonObject;
  completion: Completion;
  stream: boolean;
  /** From sending the request to the last byte of the answer. */
  latencyMs: number;
  /** Streams only: until the first chunk. */
  ttftMs?: number;
  /** Set when the answer is partial. */
  incomplete?: { reason: IncompleteReason; message: string };
  /** The caller's `x-tollgate-metadata`, checked not to use the proxy's keys. */
  callerMetadata?: JsonObject;
}

export interface CapturedFacts {
  input: ChatMessage[];
  output: JsonObject;
  model: string;
  model_version?: string;
  metadata: JsonObject;
}

const MAX_MODEL_LENGTH = 200;
// Request fields that are the exchange itself, or too large to repeat in metadata.
const NOT_PARAMS = new Set(['messages', 'model', 'stream', 'stream_options', 'tools', 'functions', 'metadata']);

/**
 * The item a proxied call becomes: the request's messages as input, the assistant message as
 * output, the answering model, and what a reviewer or a policy may want to know about the
 * call (usage, latency, sampling parameters, how it finished) as metadata. The upstream's
 * strings are made storable (see `storable`): a model may answer anything.
 */
export function capturedFacts(f: ExchangeFacts): CapturedFacts {
  const requested = typeof f.request['model'] === 'string' ? f.request['model'] : '';
  const answered = f.completion['model'];
  const fingerprint = f.completion['system_fingerprint'];
  const metadata: JsonObject = {
    ...(f.callerMetadata ?? {}),
    source: 'proxy',
    requested_model: requested,
    stream: f.stream,
    finish_reason: finishReasonOf(f.completion),
    usage: storable(f.completion['usage'] ?? null),
    latency_ms: Math.round(f.latencyMs),
    ...(f.ttftMs === undefined ? {} : { ttft_ms: Math.round(f.ttftMs) }),
    params: requestParams(f.request),
    upstream: storable({
      id: f.completion['id'] ?? null,
      created: f.completion['created'] ?? null,
      system_fingerprint: fingerprint ?? null,
    }),
    ...(f.incomplete === undefined ? {} : { incomplete: storable(f.incomplete) }),
  };
  const model = truncate(typeof answered === 'string' && answered !== '' ? answered : requested || 'unknown');
  return {
    input: f.request['messages'] as ChatMessage[],
    output: storable(completionMessage(f.completion) ?? { role: 'assistant', content: null }) as JsonObject,
    model: storable(model) as string,
    ...(typeof fingerprint === 'string' && fingerprint !== '' ? { model_version: storable(truncate(fingerprint)) as string } : {}),
    metadata,
  };
}

/**
 * The sampling and tool parameters of a request, for policies and reviewers: scalar fields and
 * lists of scalars as sent, the tools offered by name, `tool_choice` and `response_format` by
 * their kind.
 */
export function requestParams(request: JsonObject): JsonObject {
  const params: JsonObject = {};
  for (const [key, value] of Object.entries(request)) {
    if (NOT_PARAMS.has(key)) continue;
    if (value === null || typeof value !== 'object') params[key] = value;
    else if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) params[key] = value;
  }
  const tools = request['tools'];
  if (Array.isArray(tools)) {
    params['tools'] = tools.flatMap((t) =>
      isRecord(t) && isRecord(t['function']) && typeof t['function']['name'] === 'string' ? [t['function']['name']] : [],
    );
  }
  const choice = request['tool_choice'];
  if (isRecord(choice) && isRecord(choice['function']) && typeof choice['function']['name'] === 'string')
    params['tool_choice'] = choice['function']['name'];
  const format = request['response_format'];
  if (isRecord(format) && typeof format['type'] === 'string') params['response_format'] = format['type'];
  return storable(params) as JsonObject;
}

function truncate(s: string): string {
  return s.length > MAX_MODEL_LENGTH ? s.slice(0, MAX_MODEL_LENGTH) : s;
}

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableText(s: string): string {
  return s.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * A copy every store keeps as it is: NUL and lone UTF-16 surrogates (which PostgreSQL refuses
 * or alters) become U+FFFD, numbers past the double range become null, nesting past 64 levels
 * is cut. Requests are refused for such input; an upstream's answer cannot be refused, only
 * kept as faithfully as possible.
 */
export function storable(value: unknown, depth = 0): JsonValue {
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null || value === undefined) return value ?? null;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  if (!isRecord(value)) return null;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    // Defined, not assigned: an upstream's "__proto__" key stays a key instead of a prototype.
    Object.defineProperty(out, storableText(key), {
      value: storable(v, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * The completion an earlier call's item stands for, with `message` as its answer: how a retry
 * with the same `x-tollgate-external-id` is answered without calling the model again. Ids,
 * times, usage and finish reason come from what the capture recorded.
 */
export function completionFromItem(
  item: { id: string; model: string | null; created_at: number; metadata: JsonObject },
  message: JsonObject,
): Completion {
  const upstream = isRecord(item.metadata['upstream']) ? item.metadata['upstream'] : {};
  const finish = item.metadata['finish_reason'];
  const completion: Completion = {
    id: typeof upstream['id'] === 'string' ? upstream['id'] : `chatcmpl-tollgate-${item.id}`,
    object: 'chat.completion',
    created: typeof upstream['created'] === 'number' ? upstream['created'] : Math.floor(item.created_at / 1000),
    model: item.model ?? '',
    choices: [{ index: 0, message, finish_reason: typeof finish === 'string' ? finish : 'stop', logprobs: null }],
  };
  if (typeof upstream['system_fingerprint'] === 'string') completion['system_fingerprint'] = upstream['system_fingerprint'];
  const usage = item.metadata['usage'];
  if (isRecord(usage)) completion['usage'] = usage;
  return completion;
}
