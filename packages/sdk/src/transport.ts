import { TollgateApiError, TollgateConnectionError, TollgateError } from './errors.js';

/** The subset of `fetch` the SDK uses: pass your own (a proxy agent, a test double) as `fetch`. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** Attempts after the first one (default 3; 0 turns retrying off). */
  retries?: number;
  /** The first backoff step (default 250 ms); it doubles each attempt, with jitter. */
  retryBaseDelayMs?: number;
  /** The longest pause between attempts (default 10 s); a longer `Retry-After` is not waited for. */
  retryMaxDelayMs?: number;
}

/**
 * When a request may be sent again after a failure whose effect on the server is unknown:
 * - `idempotent`: on connection errors, timeouts, 500/502/503/504 and 429 (GETs, captures with an external_id, renewals);
 * - `unsent`: only when the server cannot have acted — 429 (refused before it was handled) and
 *   connection errors that happen before a request is sent (refused connection, unknown host).
 */
export type RetryPolicy = 'idempotent' | 'unsent';

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path template (`/v1/items/{item_id}`) and the values of its parameters. */
  path: string;
  params?: Record<string, string>;
  query?: object;
  body?: unknown;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  /** Per attempt; the client's `timeoutMs` when absent. For streams, the longest silence between two chunks. */
  timeoutMs?: number;
  accept?: string;
}

export interface JsonResponse {
  status: number;
  body: unknown;
  headers: Headers;
  /** How many times the request was sent. */
  attempts: number;
}

export interface StreamResponse {
  response: Response;
  /** (Re)starts the silence timer: call before each read of the body. */
  waiting: () => void;
  /** Stops it while the records read are handled: a slow consumer is not a silent server. */
  pause: () => void;
  /** Stops the timer and forgets the caller's signal (the body is cancelled by its reader). */
  done: () => void;
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
/** Errors raised before a single byte of the request left: no server can have acted on it. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface TransportOptions extends RetryOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  headers?: Record<string, string> | undefined;
}

/** One attempt's failure to get an answer. */
class NoAnswer {
  constructor(
    readonly cause: unknown,
    readonly unsent: boolean,
    readonly timedOut: boolean,
  ) {}
}

export class Transport {
  private readonly baseUrl: string;
  private readonly fetch: FetchLike;
  private readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;

  constructor(options: TransportOptions) {
    if (!options.baseUrl) throw new TypeError('Tollgate: baseUrl is required');
    if (!options.apiKey) throw new TypeError('Tollgate: apiKey is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const f: FetchLike | undefined = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch : undefined);
    if (f === undefined) throw new TypeError('Tollgate: no global fetch; pass one as `fetch`');
    // Called unbound: browsers refuse a fetch called on another object ("Illegal invocation").
    this.fetch = (url, init) => f(url, init);
    this.headers = { ...options.headers, authorization: `Bearer ${options.apiKey}` };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = Math.max(0, Math.floor(options.retries ?? 3));
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 10_000;
  }

  /** Sends the call (retrying as its policy allows) and parses the JSON answer; non-2xx throws `TollgateApiError`. */
  async json(call: Call): Promise<JsonResponse> {
    return this.send(call, async (response, attempt) => {
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : parseJson(text), headers: response.headers, attempts: attempt };
    });
  }

  /** Sends the call and hands back the open response for its body to be streamed. */
  async stream(call: Call): Promise<StreamResponse> {
    return this.send(
      call,
      (response, _attempt, timer) => {
        timer.pause();
        return Promise.resolve({ response, waiting: timer.touch, pause: timer.pause, done: timer.done });
      },
      true,
    );
  }

  /** The backoff before attempt `attempt + 1`: exponential, half of it random. */
  backoff(attempt: number): number {
    const step = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
    return step / 2 + Math.random() * (step / 2);
  }

  private async send<T>(
    call: Call,
    read: (response: Response, attempt: number, timer: AttemptTimer) => Promise<T>,
    keepOpen = false,
  ): Promise<T> {
    const url = this.url(call);
    const headers: Record<string, string> = { ...this.headers, accept: call.accept ?? 'application/json' };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    for (let attempt = 1; ; attempt++) {
      call.signal?.throwIfAborted();
      const timer = new AttemptTimer(call.timeoutMs ?? this.timeoutMs, call.signal);
      let failure: TollgateApiError | NoAnswer;
      try {
        const response = await this.fetch(url, { method: call.method, headers, body, signal: timer.signal });
        if (response.ok) {
          const result = await read(response, attempt, timer);
          if (!keepOpen) timer.done();
          return result;
        }
        failure = await apiError(response, attempt);
        timer.done();
      } catch (err) {
        timer.done();
        if (call.signal?.aborted) throw call.signal.reason;
        // The SDK's own verdicts (an answer that is not JSON) are final; a timeout is our abort reason, not one.
        if (err instanceof TollgateError && !timer.timedOut) throw err;
        failure = new NoAnswer(err, UNSENT_CODES.has(errorCode(err) ?? ''), timer.timedOut);
      }
      const delay = this.retryDelay(call.retry, failure, attempt);
      if (delay === null) {
        if (failure instanceof TollgateApiError) throw failure;
        const what = failure.timedOut ? `no answer within ${call.timeoutMs ?? this.timeoutMs} ms` : describe(failure.cause);
        throw new TollgateConnectionError(`${call.method} ${call.path}: ${what} (${attempt} attempt(s))`, { cause: failure.cause });
      }
      await sleep(delay, call.signal);
    }
  }

  /** The pause before the next attempt, or null when this failure is final. */
  private retryDelay(policy: RetryPolicy, failure: TollgateApiError | NoAnswer, attempt: number): number | null {
    if (attempt > this.retries) return null;
    const backoff = this.backoff(attempt);
    if (failure instanceof NoAnswer) return policy === 'idempotent' || failure.unsent ? backoff : null;
    if (failure.status === 429) {
      if (failure.retryAfterMs !== null && failure.retryAfterMs > this.retryMaxDelayMs) return null;
      return Math.max(backoff, failure.retryAfterMs ?? 0);
    }
    if (policy === 'idempotent' && RETRYABLE_STATUS.has(failure.status)) {
      return Math.min(this.retryMaxDelayMs, Math.max(backoff, failure.retryAfterMs ?? 0));
    }
    return null;
  }

  private url(call: Call): string {
    const path = call.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = call.params?.[name];
      if (value === undefined || value === '') throw new TypeError(`Tollgate: ${name} is required`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined || v === null) continue;
      for (const one of Array.isArray(v) ? (v as unknown[]) : [v]) search.append(k, String(one));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }
}

/** One attempt's timer: aborts the request when the server is silent for too long, or when the caller aborts. */
class AttemptTimer {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  timedOut = false;
  private readonly onAbort: () => void;

  constructor(
    private readonly ms: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.onAbort = () => this.controller.abort(outer?.reason);
    if (outer?.aborted) this.onAbort();
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  readonly touch = (): void => {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new TollgateConnectionError(`no answer within ${this.ms} ms`));
    }, this.ms);
  };

  readonly pause = (): void => {
    clearTimeout(this.timer);
  };

  readonly done = (): void => {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  };
}

async function apiError(response: Response, attempts: number): Promise<TollgateApiError> {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body is lost; the status still says what happened.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : null;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : response.statusText;
    return new TollgateApiError(response.status, error.code, message, error.details, { retryAfterMs, attempts });
  }
  const message = text.slice(0, 200).trim() || response.statusText || `HTTP ${response.status}`;
  return new TollgateApiError(response.status, `TG_HTTP_${response.status}`, message, undefined, { retryAfterMs, attempts });
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TollgateConnectionError(`the server's answer is not JSON: ${text.slice(0, 100)}`, { cause: err });
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `ECONNRESET` and friends, on the error or (Node's fetch) on its cause. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; isRecord(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9" — Node's fetch puts the useful part in the cause. */
function describe(err: unknown): string {
  const code = errorCode(err);
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.cause instanceof Error && !message.includes(err.cause.message)) message += `: ${err.cause.message}`;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
