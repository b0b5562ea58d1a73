import { createHash } from 'node:crypto';
import { TollgateError } from '../core/errors.js';
import { judgeCacheKey, judgeCost, judgeResponseFormat, parseJudgeAnswer } from '../core/evals/judge-prompt.js';
import type { ChatMessageOut, JudgeSpec } from '../core/evals/judge-types.js';
import { describeAllowlist, keyEnvAllowed, type KeyEnvAllowlist } from '../core/proxy/settings.js';
import type { Criterion } from '../core/types.js';
import type { EnvReader } from './proxy-credentials.js';

/**
 * What judges have spent, per evaluator (`key` = `${projectId}/${evaluatorName}`) and UTC day
 * (`YYYY-MM-DD`), in the unit of the judge's price. The client compares `spent` with the
 * judge's `daily_budget` itself, so a changed budget applies at once.
 *
 * The check happens before a call and the spend is recorded after it, so calls already in
 * flight when the budget is reached may overshoot it by at most `concurrency` answers.
 */
export interface JudgeSpend {
  spent(key: string, day: string): Promise<number>;
  record(key: string, day: string, cost: number): Promise<void>;
}

/** Spend kept in this process: for one server and for tests. Only the latest day is kept. */
export class MemoryJudgeSpend implements JudgeSpend {
  #day = '';
  readonly #spent = new Map<string, number>();

  spent(key: string, day: string): Promise<number> {
    return Promise.resolve(day === this.#day ? (this.#spent.get(key) ?? 0) : 0);
  }

  record(key: string, day: string, cost: number): Promise<void> {
    if (day > this.#day) {
      this.#day = day;
      this.#spent.clear();
    }
    // A late answer from a day already past no longer counts against anything.
    if (day === this.#day) this.#spent.set(key, (this.#spent.get(key) ?? 0) + cost);
    return Promise.resolve();
  }
}

export interface JudgeCallResult {
  status: 'ok' | 'unknown';
  score: number | null;
  label: string | null;
  explanation: string | null;
  /** Why the status is unknown; null when ok. */
  reason: string | null;
  latency_ms: number;
  /**
   * What the answer cost in the unit of the judge's price: 0 when no answer was paid for (a
   * cache hit, the budget reached, the endpoint failing), null when an answer arrived but the
   * judge has no price or the endpoint reported no usage.
   */
  cost: number | null;
  cached: boolean;
  /** Requests sent (0 for a cache hit or when nothing was sent). */
  attempts: number;
  /**
   * True when the endpoint's trouble may pass (unreachable, timing out, HTTP 408, 429, 5xx): a
   * caller with time, such as a deferred evaluation, can ask again later instead of keeping `unknown`.
   */
  transient: boolean;
}

export interface JudgeClientOptions {
  fetch?: typeof fetch;
  /** Epoch milliseconds, for the UTC day spend is counted in. */
  clock: () => number;
  readEnv?: EnvReader;
  allowlist: KeyEnvAllowlist;
  spend: JudgeSpend;
  /** Answers kept for `cache: true` judges, across all evaluators. */
  cacheEntries?: number;
}

export interface JudgeCallOptions {
  /** The whole call's limit, waiting for a free slot included (sync evaluators' latency budget). */
  budgetMs?: number;
}

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** Far more than any answer in the asked-for shape; a larger body is not read into memory. */
const MAX_ANSWER_BYTES = 1_000_000;

interface CachedAnswer {
  score: number;
  label: string | null;
  explanation: string;
}

/** Why an attempt ended without an answer to parse. */
type AttemptFailure = { retry: boolean; reason: string } | { deadline: true };

type Attempt = { status: number; body: string } | AttemptFailure;

/**
 * Calls judge models: OpenAI-compatible chat endpoints asked for a score in a strict JSON shape.
 * Each call is bounded (per attempt, and overall by the caller's budget), retried on transient
 * failures, limited in concurrency per evaluator and in spend per day, and answered from a cache
 * when the same request was answered before. Endpoint trouble is an `unknown` result, never an
 * exception; only a judge this server cannot authenticate throws.
 */
export class JudgeClient {
  readonly #fetch: typeof fetch;
  readonly #clock: () => number;
  readonly #readEnv: EnvReader;
  readonly #allowlist: KeyEnvAllowlist;
  readonly #spend: JudgeSpend;
  readonly #cache: AnswerCache;
  readonly #slots = new KeyedSemaphore();

  constructor(options: JudgeClientOptions) {
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#clock = options.clock;
    this.#readEnv = options.readEnv ?? ((name) => process.env[name]);
    this.#allowlist = options.allowlist;
    this.#spend = options.spend;
    this.#cache = new AnswerCache(options.cacheEntries ?? 5000);
  }

  async judge(
    key: string,
    spec: JudgeSpec,
    criterion: Criterion,
    messages: ChatMessageOut[],
    opts: JudgeCallOptions = {},
  ): Promise<JudgeCallResult> {
    const authorization = this.#authorization(spec);
    const started = performance.now();
    const deadline = opts.budgetMs === undefined ? Infinity : started + opts.budgetMs;
    const result = (fields: Partial<JudgeCallResult> & Pick<JudgeCallResult, 'status'>): JudgeCallResult => ({
      score: null,
      label: null,
      explanation: null,
      reason: null,
      cost: 0,
      cached: false,
      attempts: 0,
      transient: false,
      ...fields,
      latency_ms: Math.round(performance.now() - started),
    });
    const overBudget = (attempts: number) =>
      result({ status: 'unknown', reason: `latency budget exceeded (${opts.budgetMs}ms)`, attempts, transient: true });

    // Scoped to the evaluator: a hit reveals that the same text was judged before, which
    // another project must not learn.
    const cacheKey = spec.cache ? sha256(`${key}\n${judgeCacheKey(spec, messages, criterion)}`) : null;
    const hit = cacheKey === null ? undefined : this.#cache.get(cacheKey);
    if (hit !== undefined) return result({ status: 'ok', ...hit, cached: true });

    const day = new Date(this.#clock()).toISOString().slice(0, 10);
    if (spec.daily_budget !== null && (await this.#spend.spent(key, day)) >= spec.daily_budget) {
      return result({ status: 'unknown', reason: 'daily cost budget reached' });
    }

    const release = await this.#slots.acquire(key, spec.concurrency, deadline);
    if (release === null) return overBudget(0);
    try {
      const request = JSON.stringify({
        model: spec.model,
        messages,
        temperature: spec.temperature,
        max_tokens: spec.max_tokens,
        response_format: judgeResponseFormat(criterion),
      });
      let attempts = 0;
      for (;;) {
        if (performance.now() >= deadline) return overBudget(attempts);
        attempts++;
        const attempt = await this.#attempt(spec, authorization, request, deadline);
        if ('deadline' in attempt) return overBudget(attempts);
        if ('body' in attempt) {
          const read = readCompletion(attempt.body, spec);
          const cost = judgeCost(spec, read.usage);
          if (cost !== null) await this.#spend.record(key, day, cost);
          if (read.content === null) return result({ status: 'unknown', reason: read.reason, cost, attempts });
          const answer = parseJudgeAnswer(read.content, criterion);
          if (!answer.ok) return result({ status: 'unknown', reason: read.cutOff ?? answer.reason, cost, attempts });
          const judged = { score: answer.score, label: answer.label, explanation: answer.explanation };
          if (cacheKey !== null) this.#cache.set(cacheKey, judged);
          return result({ status: 'ok', ...judged, cost, attempts });
        }
        const wait = backoffMs(attempts);
        // Retrying is pointless once the next attempt could not start within the budget.
        if (!attempt.retry || attempts > spec.retries || performance.now() + wait >= deadline) {
          return result({ status: 'unknown', reason: attempt.reason, attempts, transient: attempt.retry });
        }
        await sleep(wait);
      }
    } finally {
      release();
    }
  }

  /** One request, aborted at the attempt's timeout or the call's deadline, whichever is first. */
  async #attempt(spec: JudgeSpec, authorization: string | null, body: string, deadline: number): Promise<Attempt> {
    const remaining = Math.max(0, deadline - performance.now());
    const byDeadline = remaining < spec.timeout_ms;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), byDeadline ? remaining : spec.timeout_ms);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'tollgate-judge',
    };
    if (authorization !== null) headers['authorization'] = authorization;
    try {
      const res = await this.#fetch(`${spec.endpoint.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers,
        body,
        signal: abort.signal,
      });
      if (res.status >= 200 && res.status < 300) return { status: res.status, body: await readCapped(res, MAX_ANSWER_BYTES) };
      await res.body?.cancel().catch(() => undefined);
      return { retry: transientStatus(res.status), reason: `judge endpoint answered HTTP ${res.status}` };
    } catch (err) {
      if (abort.signal.aborted) {
        return byDeadline ? { deadline: true } : { retry: true, reason: `judge endpoint did not answer within ${spec.timeout_ms} ms` };
      }
      if (err instanceof AnswerTooLarge) return { retry: false, reason: err.message };
      return { retry: true, reason: `judge endpoint could not be reached: ${networkReason(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** `Bearer …` for the judge's endpoint, or null for a keyless one; the allowlist is the server's, checked at call time. */
  #authorization(spec: JudgeSpec): string | null {
    const name = spec.api_key_env;
    if (name === null) return null;
    if (!keyEnvAllowed(name, this.#allowlist)) {
      throw new TollgateError(
        'TG_JUDGE_CREDENTIAL_MISSING',
        `the judge names ${name} for its endpoint key, which this server does not allow: ${describeAllowlist(this.#allowlist)}`,
      );
    }
    const value = this.#readEnv(name)?.trim();
    if (value === undefined || value === '') {
      throw new TollgateError(
        'TG_JUDGE_CREDENTIAL_MISSING',
        `the judge's key is missing: the environment variable ${name} is not set on this Tollgate server (set it and restart, or change the judge's api_key_env)`,
      );
    }
    return `Bearer ${value}`;
  }
}

function transientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** (attempts - 1), BACKOFF_CAP_MS);
}

interface Completion {
  content: string | null;
  /** Why there is no content. */
  reason: string;
  /** Set when the answer stopped at max_tokens: the likely reason it does not parse. */
  cutOff: string | null;
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
}

/** The first choice's text and the usage from a chat completion body, however malformed. */
function readCompletion(body: string, spec: JudgeSpec): Completion {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { content: null, reason: 'judge endpoint answered with a body that is not JSON', cutOff: null, usage: undefined };
  }
  const completion = isRecord(parsed) ? parsed : {};
  const usage = isRecord(completion['usage']) ? (completion['usage'] as Completion['usage']) : undefined;
  const choice = Array.isArray(completion['choices']) ? (completion['choices'] as unknown[])[0] : undefined;
  const message = isRecord(choice) && isRecord(choice['message']) ? choice['message'] : undefined;
  const content = message?.['content'];
  if (typeof content !== 'string') {
    const reason = typeof message?.['refusal'] === 'string' ? 'judge model refused to answer' : 'judge answer has no message content';
    return { content: null, reason, cutOff: null, usage };
  }
  const cutOff = isRecord(choice) && choice['finish_reason'] === 'length' ? `answer was cut off at max_tokens (${spec.max_tokens})` : null;
  return { content, reason: '', cutOff, usage };
}

class AnswerTooLarge extends Error {}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (res.body === null) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge(`judge endpoint answered with more than ${maxBytes} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The error's code and message: fetch wraps the socket error in `cause`. Never the request, which carries the key. */
function networkReason(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e.cause?.message === 'string' ? e.cause.message : typeof e.message === 'string' ? e.message : 'unknown error';
  return code === undefined || message.includes(code) ? message : `${code}: ${message}`;
}

/** Least recently used answers, evicting the oldest past `max`. */
class AnswerCache {
  readonly #entries = new Map<string, CachedAnswer>();

  constructor(private readonly max: number) {}

  get(key: string): CachedAnswer | undefined {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, answer: CachedAnswer): void {
    this.#entries.delete(key);
    this.#entries.set(key, answer);
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}

interface Gate {
  active: number;
  waiting: (() => void)[];
}

/**
 * At most `limit` holders per key, the rest waiting in order. A call holds its slot through its
 * retries, so a retrying call is not sent to the back of the queue.
 */
class KeyedSemaphore {
  readonly #gates = new Map<string, Gate>();

  /** A release function, or null when `deadline` (a performance.now() time) passed while waiting. */
  acquire(key: string, limit: number, deadline: number): Promise<(() => void) | null> {
    let gate = this.#gates.get(key);
    if (gate === undefined) {
      gate = { active: 0, waiting: [] };
      this.#gates.set(key, gate);
    }
    const g = gate;
    const release = once(() => this.#release(key, g, limit));
    if (g.active < Math.max(1, limit)) {
      g.active++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const admit = () => {
        clearTimeout(timer);
        g.active++;
        resolve(release);
      };
      g.waiting.push(admit);
      if (Number.isFinite(deadline)) {
        timer = setTimeout(
          () => {
            const at = g.waiting.indexOf(admit);
            if (at !== -1) g.waiting.splice(at, 1);
            this.#forgetIfIdle(key, g);
            resolve(null);
          },
          Math.max(0, deadline - performance.now()),
        );
      }
    });
  }

  #release(key: string, gate: Gate, limit: number): void {
    gate.active--;
    while (gate.active < Math.max(1, limit)) {
      const next = gate.waiting.shift();
      if (next === undefined) break;
      next();
    }
    this.#forgetIfIdle(key, gate);
  }

  #forgetIfIdle(key: string, gate: Gate): void {
    if (gate.active === 0 && gate.waiting.length === 0 && this.#gates.get(key) === gate) this.#gates.delete(key);
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
