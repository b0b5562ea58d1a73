import type { ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createParser } from 'eventsource-parser';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import {
  awaitDecision,
  captureExchange,
  findProxiedItem,
  openProxy,
  recordUpstreamFailure,
  setProxySettings,
  type ProxyTarget,
  type UpstreamFailureRecord,
} from '../../app/proxy-service.js';
import {
  DEFAULT_UPSTREAM_TIMEOUTS,
  UpstreamClient,
  UpstreamFailure,
  type UpstreamResponse,
  type UpstreamTimeouts,
} from '../../app/proxy-upstream.js';
import { TollgateError, type ErrorCode } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { answerFor, type ProxyAnswer } from '../../core/proxy/answer.js';
import { capturedFacts, completionFromItem, PROXY_METADATA_KEYS, type IncompleteReason } from '../../core/proxy/capture.js';
import {
  ChatStreamAccumulator,
  completionChunks,
  completionMessage,
  correctedMessage,
  sseEvent,
  SSE_DONE,
  withMessage,
  type Completion,
} from '../../core/proxy/chat.js';
import type { JsonObject, Principal } from '../../core/types.js';
import type { ItemRecord } from '../../store/item-repo.js';
import { principalOf } from '../auth.js';
import { describeError } from '../error-handler.js';
import { findInputProblem } from '../input-guard.js';
import { sendOpenAiError, sendTollgateErrorAsOpenAi } from '../openai-errors.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';
import { ChatCompletionBody, ProxyParams, ProxySettings, ProxySettingsUpdate } from '../schemas/proxy.js';
import type { TypedApp } from '../typed-app.js';

/** The most of an upstream answer the proxy reads (and keeps in one item). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** The most of an upstream error body passed back. */
const MAX_ERROR_BYTES = 1024 * 1024;
/** Upstream headers a caller may use: request ids for support tickets, rate limits for backing off. */
const PASSED_HEADERS = /^(x-request-id|openai-processing-ms|x-ratelimit-[a-z-]+|retry-after|retry-after-ms)$/;
const EXTERNAL_ID_HEADER = 'x-tollgate-external-id';
const METADATA_HEADER = 'x-tollgate-metadata';
const MAX_EXTERNAL_ID = 200;

export interface ProxyRouteOptions {
  bodyLimit: number;
  timeouts?: UpstreamTimeouts;
}

/**
 * The OpenAI-compatible proxy at `/proxy/{project_id}/v1`: `POST /chat/completions` (plain and
 * streaming) and `GET /models`, passed to the project's upstream with the server's key. Each
 * chat call is captured as an item and routed by the project's policy; a held answer waits for
 * the person's outcome. Errors here, Tollgate's own included, take OpenAI's shape, so OpenAI
 * client libraries surface them as they would the API's. The routes are not in the OpenAPI
 * document: their contract is OpenAI's (docs/proxy.md).
 */
export function registerProxyRoutes(app: TypedApp, ctx: AppContext, opts: ProxyRouteOptions): void {
  app.put(
    '/v1/projects/:project_id/proxy',
    {
      schema: {
        tags: ['projects'],
        summary:
          "Set the project's OpenAI-compatible proxy (managers): its upstream and the server environment variable holding the upstream's key; null turns it off",
        description:
          'The proxy is served at /proxy/{project_id}/v1 (see docs/proxy.md). The key is read from the named variable at call time and never stored.',
        params: ProjectParams,
        body: ProxySettingsUpdate,
        response: { 200: ProxySettings, ...errorResponses },
      },
    },
    async (req) => setProxySettings(ctx, principalOf(req), req.params.project_id, req.body),
  );
  const upstream = new UpstreamClient(opts.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS);
  app.addHook('onClose', () => upstream.close());
  void app.register(
    (scope, _opts, done) => {
      const proxy = scope.withTypeProvider<TypeBoxTypeProvider>();
      proxy.setErrorHandler((err: FastifyError, req, reply) => sendTollgateErrorAsOpenAi(reply, describeError(err, req)));
      proxy.setNotFoundHandler((req, reply) =>
        sendOpenAiError(reply, 404, {
          message: `the Tollgate proxy serves POST /chat/completions and GET /models; no route ${req.method} ${req.url.split('?')[0] ?? ''}`,
          param: null,
          code: 'TG_ROUTE_NOT_FOUND',
        }),
      );
      proxy.post(
        '/chat/completions',
        { bodyLimit: opts.bodyLimit, schema: { hide: true, params: ProxyParams, body: ChatCompletionBody } },
        (req, reply) => chatCompletions(ctx, upstream, req.params.project_id, req, reply),
      );
      proxy.get('/models', { schema: { hide: true, params: ProxyParams } }, (req, reply) =>
        models(ctx, upstream, req.params.project_id, req, reply),
      );
      done();
    },
    { prefix: '/proxy/:project_id/v1' },
  );
}

/** One chat call, as the steps below share it. */
interface Call {
  ctx: AppContext;
  who: Principal;
  target: ProxyTarget;
  request: JsonObject;
  stream: boolean;
  includeUsage: boolean;
  externalId: string | undefined;
  metadata: JsonObject | undefined;
  /** Aborted when the caller hangs up. */
  gone: AbortSignal;
  reply: FastifyReply;
  log: FastifyBaseLogger;
}

/** What the upstream sent for a chat call. */
interface Received {
  /** The answer, whole or partial; null when there is none to capture. */
  completion: Completion | null;
  /** The upstream's own bytes, passed on unchanged when nobody changed the answer. */
  original: { kind: 'json' | 'events'; text: string };
  latencyMs: number;
  ttftMs?: number;
  /** Why the answer is partial (or missing). */
  incomplete?: { reason: IncompleteReason; message: string; failure: UpstreamFailure | null };
  headers: Record<string, string>;
}

async function chatCompletions(
  ctx: AppContext,
  upstream: UpstreamClient,
  projectId: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const who = principalOf(req);
  const target = await openProxy(ctx, who, projectId);
  const request = req.body as JsonObject;
  const n = request['n'];
  if (n !== undefined && n !== null && n !== 1) {
    // One call, one item, one decision: with several choices the caller could use one nobody saw.
    throw new TollgateError('TG_VALIDATION_FAILED', 'n must be 1: the proxy captures and decides one answer per call', {
      errors: [{ path: 'n', message: 'must be 1' }],
    });
  }
  const caller = readCallerHeaders(req);
  const streamOptions = request['stream_options'];
  const call: Call = {
    ctx,
    who,
    target,
    request,
    stream: request['stream'] === true,
    includeUsage: isRecord(streamOptions) && streamOptions['include_usage'] === true,
    ...caller,
    gone: hangUpSignal(reply),
    reply,
    log: req.log,
  };
  if (call.externalId !== undefined) {
    const known = await findProxiedItem(ctx, target.projectId, call.externalId);
    if (known !== undefined) return answerFromItem(call, known);
  }
  const res = await sendUpstream(call, upstream, 'POST', '/chat/completions', JSON.stringify(request), 'chat.completions');
  if (res.status < 200 || res.status >= 300) return relayUpstreamError(call, res, 'chat.completions');
  const eventStream = isEventStream(res.headers['content-type']);
  // Only a hold changes what the caller gets, and only a policy with a hold rule can hold: a
  // stream is passed on live otherwise, and buffered until the decision when the policy can hold.
  if (call.stream && eventStream && !target.canHold) return streamLive(call, res);
  const received = eventStream ? await readEvents(call, res, null) : await readJson(res);
  return settle(call, received);
}

async function models(ctx: AppContext, upstream: UpstreamClient, projectId: string, req: FastifyRequest, reply: FastifyReply) {
  const who = principalOf(req);
  const target = await openProxy(ctx, who, projectId);
  const call: Call = {
    ctx,
    who,
    target,
    request: {},
    stream: false,
    includeUsage: false,
    externalId: undefined,
    metadata: undefined,
    gone: hangUpSignal(reply),
    reply,
    log: req.log,
  };
  const res = await sendUpstream(call, upstream, 'GET', '/models', undefined, 'models');
  if (res.status < 200 || res.status >= 300) return relayUpstreamError(call, res, 'models');
  let text: string;
  try {
    text = await res.text(MAX_ANSWER_BYTES);
  } catch (err) {
    throw await failed(call, 'models', err, res.elapsedMs(), null);
  }
  const type = res.headers['content-type'];
  return reply
    .code(200)
    .headers(passedHeaders(res.headers))
    .type(typeof type === 'string' ? type : 'application/json')
    .send(text);
}

function hangUpSignal(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  // The response's 'close' also fires after a normal end; only an unfinished one is a hang-up.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** Node reads header bytes as Latin-1; clients that send JSON unescaped send UTF-8. */
function headerText(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'latin1').toString('utf8');
}

/** `x-tollgate-external-id` (idempotent retries) and `x-tollgate-metadata` (a JSON object, for policies). */
function readCallerHeaders(req: FastifyRequest): { externalId: string | undefined; metadata: JsonObject | undefined } {
  const invalid = (path: string, message: string) =>
    new TollgateError('TG_VALIDATION_FAILED', `${path} ${message}`, { errors: [{ path, message }] });
  const sentId = req.headers[EXTERNAL_ID_HEADER];
  if (Array.isArray(sentId)) throw invalid(EXTERNAL_ID_HEADER, 'must be sent once');
  const rawId = headerText(sentId);
  if (rawId !== undefined && (rawId === '' || rawId.length > MAX_EXTERNAL_ID))
    throw invalid(EXTERNAL_ID_HEADER, `must be 1 to ${MAX_EXTERNAL_ID} characters`);
  const sentMeta = req.headers[METADATA_HEADER];
  if (Array.isArray(sentMeta)) throw invalid(METADATA_HEADER, 'must be sent once');
  const rawMeta = headerText(sentMeta);
  let metadata: JsonObject | undefined;
  if (rawMeta !== undefined) {
    let parsed: unknown;
    try {
      // Like request bodies: a "__proto__" key is refused, never merged into an object.
      parsed = JSON.parse(rawMeta, (key, value: unknown) => {
        if (key === '__proto__') throw new Error('a "__proto__" key');
        return value;
      });
    } catch (err) {
      throw invalid(METADATA_HEADER, `must be a JSON object: ${(err as Error).message}`);
    }
    if (!isRecord(parsed)) throw invalid(METADATA_HEADER, 'must be a JSON object');
    const problem = findInputProblem(parsed, METADATA_HEADER);
    if (problem !== undefined) throw invalid(problem.path, problem.message);
    const reserved = Object.keys(parsed).filter((k) => (PROXY_METADATA_KEYS as readonly string[]).includes(k));
    if (reserved.length > 0) throw invalid(`${METADATA_HEADER}.${reserved[0]}`, 'is a field the proxy sets itself; use another name');
    metadata = parsed as JsonObject;
  }
  return { externalId: rawId, metadata };
}

async function sendUpstream(
  call: Call,
  upstream: UpstreamClient,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  endpoint: UpstreamFailureRecord['endpoint'],
): Promise<UpstreamResponse> {
  const started = performance.now();
  try {
    return await upstream.send({
      url: `${call.target.baseUrl}${path}`,
      method,
      authorization: call.target.authorization,
      ...(body === undefined ? {} : { body }),
      signal: call.gone,
    });
  } catch (err) {
    throw await failed(call, endpoint, err, performance.now() - started, null);
  }
}

/** The Tollgate code for an upstream call that gave no (complete) answer. */
function failureCode(f: UpstreamFailure): ErrorCode {
  return f.kind === 'timeout' ? 'TG_UPSTREAM_TIMEOUT' : 'TG_UPSTREAM_UNAVAILABLE';
}

/** Logs and audits a failed upstream call (not a caller's hang-up) and returns the error to answer with. */
async function failed(
  call: Call,
  endpoint: UpstreamFailureRecord['endpoint'],
  err: unknown,
  latencyMs: number,
  itemId: string | null,
): Promise<TollgateError> {
  const f = err instanceof UpstreamFailure ? err : new UpstreamFailure('broken', (err as Error).message ?? 'unknown error');
  const code = failureCode(f);
  if (f.kind !== 'client_closed') await record(call, { endpoint, status: null, code, latencyMs, itemId });
  return itemId === null
    ? new TollgateError(code, f.message)
    : new TollgateError(code, `${f.message}; what arrived is captured as item ${itemId}`, { item_id: itemId });
}

async function record(
  call: Call,
  f: { endpoint: UpstreamFailureRecord['endpoint']; status: number | null; code: string | null; latencyMs: number; itemId: string | null },
): Promise<void> {
  const model = typeof call.request['model'] === 'string' ? call.request['model'] : null;
  const entry: UpstreamFailureRecord = {
    endpoint: f.endpoint,
    status: f.status,
    code: f.code,
    latency_ms: Math.round(f.latencyMs),
    stream: call.stream,
    model,
    item_id: f.itemId,
  };
  call.log.warn({ project_id: call.target.projectId, ...entry }, 'proxy: upstream call failed');
  try {
    await recordUpstreamFailure(call.ctx, call.who, call.target.projectId, entry);
  } catch (err) {
    call.log.error({ err, project_id: call.target.projectId }, 'proxy: could not record an upstream failure');
  }
}

/** An upstream's refusal (4xx, 5xx), passed back with its status: its error object as sent, or one made from its text. */
async function relayUpstreamError(call: Call, res: UpstreamResponse, endpoint: UpstreamFailureRecord['endpoint']): Promise<FastifyReply> {
  let text = '';
  try {
    text = await res.text(MAX_ERROR_BYTES);
  } catch {
    // The status says enough; a body that broke off or is huge is not passed on.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const upstreamError = isRecord(parsed) && isRecord(parsed['error']) ? parsed['error'] : undefined;
  const status = res.status >= 400 && res.status <= 599 ? res.status : 502;
  const code = typeof upstreamError?.['code'] === 'string' ? upstreamError['code'] : null;
  await record(call, { endpoint, status: res.status, code, latencyMs: res.elapsedMs(), itemId: null });
  // Some servers (Ollama among them) send {"error": "…"}: its text is the message.
  const said = isRecord(parsed) && typeof parsed['error'] === 'string' ? parsed['error'] : text;
  const body =
    upstreamError !== undefined
      ? parsed
      : {
          error: {
            message: `the upstream answered ${res.status}${said === '' ? '' : `: ${said.slice(0, 500)}`}`,
            type: 'upstream_error',
            param: null,
            code: null,
          },
        };
  return call.reply
    .code(status)
    .headers({ ...passedHeaders(res.headers), 'x-tollgate-upstream-status': String(res.status) })
    .type('application/json')
    .send(body);
}

async function readJson(res: UpstreamResponse): Promise<Received> {
  const headers = passedHeaders(res.headers);
  let text: string;
  try {
    text = await res.text(MAX_ANSWER_BYTES);
  } catch (err) {
    const failure = err instanceof UpstreamFailure ? err : new UpstreamFailure('broken', String(err));
    return {
      completion: null,
      original: { kind: 'json', text: '' },
      latencyMs: res.elapsedMs(),
      incomplete: incompleteOf(failure),
      headers,
    };
  }
  const latencyMs = res.elapsedMs();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (completionMessage(parsed) === undefined) {
    const failure = new UpstreamFailure('broken', 'the upstream answered 2xx with something that is not a chat completion');
    return { completion: null, original: { kind: 'json', text }, latencyMs, incomplete: incompleteOf(failure), headers };
  }
  return { completion: parsed as Completion, original: { kind: 'json', text }, latencyMs, headers };
}

function incompleteOf(failure: UpstreamFailure): NonNullable<Received['incomplete']> {
  const reason: IncompleteReason =
    failure.kind === 'timeout'
      ? 'upstream_timeout'
      : failure.kind === 'client_closed'
        ? 'client_closed'
        : failure.kind === 'too_large'
          ? 'too_large'
          : 'upstream_error';
  return { reason, message: failure.message, failure };
}

/** Where a live stream's events go as they arrive. */
interface LiveWriter {
  write(text: string): Promise<void>;
}

/**
 * Reads an upstream event stream, adding its chunks up into a completion. Live, each event is
 * passed on as soon as it is complete (one write per upstream read); buffered, the events are
 * kept to be replayed once the decision is known. `[DONE]` is never passed on here: the caller
 * sends it once the item is stored.
 */
async function readEvents(call: Call, res: UpstreamResponse, live: LiveWriter | null): Promise<Received> {
  const acc = new ChatStreamAccumulator();
  const kept: string[] = [];
  let pending: string[] = [];
  let done = false;
  let overflow = false;
  const parser = createParser({
    maxBufferSize: MAX_ANSWER_BYTES,
    onEvent(e) {
      if (e.data === '[DONE]') {
        done = true;
        return;
      }
      const text = sseEvent(e.data, e.event);
      if (live === null) kept.push(text);
      else pending.push(text);
      let chunk: unknown;
      try {
        chunk = JSON.parse(e.data);
      } catch {
        chunk = undefined;
      }
      acc.add(chunk);
    },
    onError(err) {
      if (err.type === 'max-buffer-size-exceeded') overflow = true;
    },
  });
  // A write that fails means the caller went away (its socket closed), which can be noticed here
  // before the request's abort signal fires: it is the client's doing, not the upstream's.
  const pass = async (text: string) => {
    try {
      await live!.write(text);
    } catch (err) {
      throw new UpstreamFailure('client_closed', `the caller closed the connection mid-stream (${String(err)})`);
    }
  };
  const decoder = new TextDecoder();
  let ttftMs: number | undefined;
  let bytes = 0;
  let failure: UpstreamFailure | null = null;
  try {
    for await (const chunk of res.chunks()) {
      ttftMs ??= res.elapsedMs();
      bytes += chunk.length;
      if (bytes > MAX_ANSWER_BYTES || overflow)
        throw new UpstreamFailure('too_large', `the upstream's stream is larger than ${MAX_ANSWER_BYTES} bytes`);
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (live !== null && pending.length > 0) {
        const text = pending.join('');
        pending = [];
        await pass(text);
      }
    }
    parser.feed(decoder.decode());
    // A last event without its closing blank line still counts.
    parser.reset({ consume: true });
    if (live !== null && pending.length > 0) await pass(pending.join(''));
  } catch (err) {
    failure =
      err instanceof UpstreamFailure && !(call.gone.aborted && err.kind === 'broken')
        ? err
        : call.gone.aborted
          ? new UpstreamFailure('client_closed', 'the caller closed the connection mid-stream')
          : new UpstreamFailure('broken', String(err));
  }
  const latencyMs = res.elapsedMs();
  const message = acc.message();
  const answered = message['content'] !== null || message['tool_calls'] !== undefined || message['refusal'] !== undefined;
  const model = typeof call.request['model'] === 'string' ? call.request['model'] : '';
  let incomplete: Received['incomplete'];
  if (failure !== null) incomplete = incompleteOf(failure);
  else if (acc.error !== null) {
    const said = acc.error['message'];
    incomplete = {
      reason: 'upstream_error',
      message: `the upstream sent an error in its stream${typeof said === 'string' ? `: ${said}` : ''}`,
      failure: null,
    };
  } else if (!done && !acc.finished)
    incomplete = { reason: 'ended_early', message: 'the upstream stream ended before the answer did', failure: null };
  return {
    completion: answered ? acc.completion(model) : null,
    original: { kind: 'events', text: kept.join('') },
    latencyMs,
    ...(ttftMs === undefined ? {} : { ttftMs }),
    ...(incomplete === undefined ? {} : { incomplete }),
    headers: passedHeaders(res.headers),
  };
}

/** Captures an answer; a partial one is captured without the external id, so a retry calls the model again. */
function capture(call: Call, received: Received & { completion: Completion }) {
  const facts = capturedFacts({
    request: call.request,
    completion: received.completion,
    stream: call.stream,
    latencyMs: received.latencyMs,
    ...(received.ttftMs === undefined ? {} : { ttftMs: received.ttftMs }),
    ...(received.incomplete === undefined
      ? {}
      : {
          incomplete: {
            reason: received.incomplete.reason,
            message: received.incomplete.message,
            ...(call.externalId === undefined ? {} : { external_id: call.externalId }),
          },
        }),
    ...(call.metadata === undefined ? {} : { callerMetadata: call.metadata }),
  });
  return captureExchange(call.ctx, call.who, call.target.projectId, facts, received.incomplete === undefined ? call.externalId : undefined);
}

/** The error for an answer that broke off (or never came), after recording it. */
async function brokenAnswer(call: Call, received: Received, itemId: string | null): Promise<TollgateError> {
  const incomplete = received.incomplete;
  const failure = incomplete?.failure ?? new UpstreamFailure('broken', incomplete?.message ?? 'the upstream gave no answer');
  return failed(call, 'chat.completions', failure, received.latencyMs, itemId);
}

/**
 * A complete (or broken) answer read in full: captured, held if the policy says so, and sent
 * as the decision has it — the upstream's own bytes when nobody changed the answer.
 */
async function settle(call: Call, received: Received): Promise<unknown> {
  const completion = received.completion;
  if (completion === null) throw await brokenAnswer(call, received, null);
  const { item } = await capture(call, { ...received, completion });
  if (received.incomplete !== undefined) throw await brokenAnswer(call, received, item.id);
  const decided = await decide(call, item);
  if (call.gone.aborted) return abandon(call.reply);
  return answer(call, decided, answerFor(decided), completion, received);
}

async function decide(call: Call, item: ItemRecord): Promise<ItemRecord> {
  if (item.decision.action !== 'hold' || item.outcome.status !== 'pending') return item;
  return awaitDecision(call.ctx, call.who, item, call.gone);
}

/** The caller hung up while the answer waited for a person: there is nobody to answer. */
function abandon(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.destroy();
}

function tollgateHeaders(item: ItemRecord): Record<string, string> {
  return { 'x-tollgate-item-id': item.id, 'x-tollgate-action': item.decision.action, 'x-tollgate-outcome': item.outcome.status };
}

function answer(call: Call, item: ItemRecord, decision: ProxyAnswer, completion: Completion, received: Received | null): FastifyReply {
  const headers = { ...(received?.headers ?? {}), ...tollgateHeaders(item) };
  if (decision.kind === 'refused') {
    return sendOpenAiError(
      call.reply,
      decision.status,
      { message: decision.message, type: 'tollgate_decision', param: null, code: decision.code },
      headers,
    );
  }
  const final = decision.kind === 'corrected' ? withMessage(completion, decision.message) : completion;
  const unchanged = decision.kind === 'original' ? received?.original : undefined;
  const reply = call.reply.code(200).headers(headers);
  if (!call.stream) {
    return reply.type('application/json').send(unchanged?.kind === 'json' ? unchanged.text : JSON.stringify(final));
  }
  const events =
    unchanged?.kind === 'events'
      ? unchanged.text
      : completionChunks(final, call.includeUsage)
          .map((c) => sseEvent(JSON.stringify(c)))
          .join('');
  return reply
    .header('cache-control', 'no-cache')
    .type('text/event-stream; charset=utf-8')
    .send(events + SSE_DONE);
}

/**
 * A retry with an `x-tollgate-external-id` already captured: answered from the stored item (its
 * outcome, or once the person decides), without calling the model a second time. The answer is
 * the item's stored output, so it reads as the project's redaction left it.
 */
async function answerFromItem(call: Call, item: ItemRecord): Promise<unknown> {
  const decided = await decide(call, item);
  if (call.gone.aborted) return abandon(call.reply);
  const decision = answerFor(decided);
  const message = correctedMessage(decided.output);
  const completion = withMessage(completionFromItem(decided, message), message);
  return answer(call, decided, decision, completion, null);
}

/**
 * A stream passed on as it arrives (the policy cannot hold it): each event is written as soon
 * as it is complete; the item is captured when the stream ends, and `[DONE]` follows once it is
 * stored, so a caller that saw the end knows the exchange is on record. A stream that breaks
 * off is captured as far as it got and ends with an error event.
 */
async function streamLive(call: Call, res: UpstreamResponse): Promise<void> {
  const { reply } = call;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    ...passedHeaders(res.headers),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();
  const writer: LiveWriter = { write: (text) => writeWhenReady(raw, text) };
  const errorEvent = (e: TollgateError) =>
    writer.write(sseEvent(JSON.stringify({ error: { message: e.message, type: 'server_error', param: null, code: e.code } })));
  try {
    const received = await readEvents(call, res, writer);
    const completion = received.completion;
    if (completion === null) {
      const err = await brokenAnswer(call, received, null);
      if (!call.gone.aborted) await errorEvent(err);
      return;
    }
    let item: ItemRecord;
    try {
      item = (await capture(call, { ...received, completion })).item;
    } catch (err) {
      // The caller has the answer already; it must not take it for one on record.
      call.log.error({ err, project_id: call.target.projectId }, 'proxy: a streamed answer could not be captured');
      const e = err instanceof TollgateError ? err : new TollgateError('TG_INTERNAL', 'the answer could not be recorded for oversight');
      if (!call.gone.aborted) await errorEvent(e);
      return;
    }
    if (received.incomplete !== undefined) {
      const err = await brokenAnswer(call, received, item.id);
      if (!call.gone.aborted) await errorEvent(err);
      return;
    }
    if (item.decision.action === 'hold') {
      // The policy gained a hold rule while this answer streamed: it is held for review, but
      // the caller has it already.
      call.log.warn({ project_id: call.target.projectId, item_id: item.id }, 'proxy: a live-streamed answer was held');
    }
    await writer.write(SSE_DONE);
  } catch (err) {
    call.log.error({ err, project_id: call.target.projectId }, 'proxy: stream failed');
  } finally {
    raw.end();
  }
}

/** Writes, and waits for the socket to drain when it is full, so a slow caller slows the upstream read. */
function writeWhenReady(raw: ServerResponse, text: string): Promise<void> {
  if (text === '' || raw.destroyed || raw.writableEnded) return Promise.resolve();
  if (raw.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

function isEventStream(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && contentType.toLowerCase().startsWith('text/event-stream');
}

function passedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (PASSED_HEADERS.test(name) && typeof value === 'string') out[name] = value;
  return out;
}
