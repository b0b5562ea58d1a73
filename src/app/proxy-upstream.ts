import { Agent, request } from 'undici';

/** How long the proxy gives an upstream: to connect, and from sending a call to its answer's last byte. */
export interface UpstreamTimeouts {
  connectMs: number;
  totalMs: number;
}

/** Ten seconds to connect; ten minutes for an answer, as the openai package gives the API itself. */
export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, totalMs: 600_000 };

/**
 * Why an upstream call produced no (complete) answer: it timed out, could not be reached, broke
 * off mid-answer, sent more than the proxy keeps, or the caller hung up first.
 */
export type UpstreamFailureKind = 'timeout' | 'unreachable' | 'broken' | 'too_large' | 'client_closed';

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamFailure';
  }
}

export interface UpstreamCall {
  url: string;
  method: 'GET' | 'POST';
  /** `Bearer …` from the server's environment, or null; sent to the upstream only, never logged. */
  authorization: string | null;
  body?: string;
  /** Aborted when the caller hangs up. */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives; throws an UpstreamFailure if it breaks off. */
  chunks(): AsyncIterable<Buffer>;
  /** The whole body as text, or an UpstreamFailure past `maxBytes`. */
  text(maxBytes: number): Promise<string>;
  /** Stops reading (and frees the connection) when the rest is not wanted. */
  discard(): void;
  /** Milliseconds since the call was sent. */
  elapsedMs(): number;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Calls upstream OpenAI-compatible servers with undici over a pooled keep-alive agent, each call
 * bounded by the connect and total timeouts and aborted when the caller hangs up. The body is
 * handed over as it arrives, so a stream can be passed on chunk by chunk.
 */
export class UpstreamClient {
  readonly #agent: Agent;

  constructor(readonly timeouts: UpstreamTimeouts = DEFAULT_UPSTREAM_TIMEOUTS) {
    this.#agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.totalMs,
      bodyTimeout: timeouts.totalMs,
    });
  }

  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    const started = performance.now();
    const abort = new AbortController();
    let why: UpstreamFailureKind | null = null;
    const stop = (kind: UpstreamFailureKind) => {
      why ??= kind;
      abort.abort();
    };
    const timer = setTimeout(() => stop('timeout'), this.timeouts.totalMs);
    const onClientGone = () => stop('client_closed');
    if (call.signal.aborted) onClientGone();
    else call.signal.addEventListener('abort', onClientGone, { once: true });
    const finish = () => {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onClientGone);
    };
    const failure = (err: unknown, fallback: UpstreamFailureKind): UpstreamFailure => {
      if (err instanceof UpstreamFailure) return err;
      const code = (err as { code?: unknown }).code;
      const kind = why ?? (typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : fallback);
      return new UpstreamFailure(kind, describe(kind, err, this.timeouts), { cause: err });
    };

    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'user-agent': 'tollgate-proxy' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.authorization !== null) headers['authorization'] = call.authorization;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(call.url, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: call.body }),
        signal: abort.signal,
        dispatcher: this.#agent,
      });
    } catch (err) {
      finish();
      throw failure(err, 'unreachable');
    }
    const body = res.body;
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (err) {
        throw failure(err, 'broken');
      } finally {
        finish();
        // A consumer that stopped early (break, throw) leaves the socket mid-body: close it.
        if (!body.destroyed) body.destroy();
      }
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      chunks,
      async text(maxBytes) {
        const parts: Buffer[] = [];
        let size = 0;
        for await (const chunk of chunks()) {
          size += chunk.length;
          if (size > maxBytes) throw new UpstreamFailure('too_large', `the upstream's answer is larger than ${maxBytes} bytes`);
          parts.push(chunk);
        }
        return Buffer.concat(parts).toString('utf8');
      },
      discard() {
        finish();
        body.destroy();
      },
      elapsedMs: () => performance.now() - started,
    };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function describe(kind: UpstreamFailureKind, err: unknown, t: UpstreamTimeouts): string {
  switch (kind) {
    case 'timeout':
      return `the upstream did not answer in time (connect ${t.connectMs} ms, total ${t.totalMs} ms)`;
    case 'client_closed':
      return 'the caller closed the connection';
    case 'too_large':
      return 'the upstream answer was too large';
    case 'broken':
      return `the upstream's answer broke off: ${reason(err)}`;
    case 'unreachable':
      return `the upstream could not be reached: ${reason(err)}`;
  }
}

/** The error's code and message, never its request (which would carry the upstream key). */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e.message === 'string' ? e.message : 'unknown error';
  return code === undefined ? message : `${code}: ${message}`;
}
