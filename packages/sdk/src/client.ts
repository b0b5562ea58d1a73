import { TollgateApiError, TollgateConnectionError, TollgateRejectedError, TollgateTimeoutError } from './errors.js';
import { readNdjson } from './ndjson.js';
import { sleep, Transport, type Call, type FetchLike, type JsonResponse, type RetryOptions, type RetryPolicy } from './transport.js';
import type {
  AuditEvent,
  AuditExportQuery,
  BatchItemResult,
  CaptureResult,
  ClaimedTask,
  ClaimOptions,
  DecidedOutcome,
  ExportFormat,
  ExportQuery,
  HttpMethod,
  Item,
  ItemDetail,
  ItemInput,
  ItemListQuery,
  ItemOutput,
  JudgmentInput,
  JudgmentResult,
  Outcome,
  PathParams,
  PathWith,
  PendingOutcome,
  Project,
  ProjectInput,
  QueryParams,
  RequestBody,
  ResponseBody,
  Task,
} from './types.js';

export interface TollgateOptions extends RetryOptions {
  /** The server, e.g. `https://tollgate.example.com` (no `/v1`). */
  baseUrl: string;
  /** An API key (`tg_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** A fetch implementation; the global `fetch` by default. */
  fetch?: FetchLike;
  /**
   * Per request (default 30 s); long-polls add the seconds they ask the server to wait, and a
   * stream fails when the server sends nothing for this long (time spent in your loop does not count).
   */
  timeoutMs?: number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  /** Aborts the call (and its retries and waits); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface WaitOptions extends RequestOptions {
  /**
   * Your budget for waiting on a person, in seconds. Without it the wait ends when the hold's
   * deadline (moved by an escalation) has passed by `graceSeconds`: by then the server has
   * applied the hold's timeout, so this only trips when its scheduler is not running.
   */
  waitSeconds?: number;
  /** Slack after the hold's deadline for the server to apply its timeout (default 60). */
  graceSeconds?: number;
}

export interface GuardResult<T = ItemOutput> {
  /**
   * The output to use: the one you sent (the policy passed it or sent it to after-the-fact
   * review, a person approved it, or the hold timed out with the `approve` fallback), or the
   * person's correction.
   */
  output: T;
  /** The capture's answer: the stored item, its decision and its hold. */
  item: CaptureResult;
  /** The outcome that decided (`pending` when the policy routed the item to review without holding it). */
  outcome: Outcome;
}

/** A task as claimed: what `tasks.judge` needs to retry a judgment safely. */
export type TaskRef = Pick<Task, 'id' | 'item_id' | 'lease_owner'>;

/** The largest batch the server takes in one request. */
export const MAX_BATCH = 1000;
/** The longest wait the server allows for one long-poll. */
export const MAX_WAIT_SECONDS = 60;

/**
 * A typed client of the Tollgate HTTP API.
 *
 * ```ts
 * const tollgate = new Tollgate({ baseUrl: 'http://localhost:8080', apiKey: process.env.TOLLGATE_KEY! });
 * const { output } = await tollgate.guard(projectId, { input, output: toolCall });
 * ```
 */
export class Tollgate {
  readonly projects: Projects;
  readonly items: Items;
  readonly outcomes: Outcomes;
  readonly tasks: Tasks;
  readonly exports: Exports;
  readonly audit: Audit;
  private readonly api: Api;

  constructor(options: TollgateOptions) {
    this.api = new Api(new Transport(options));
    this.projects = new Projects(this.api);
    this.items = new Items(this.api);
    this.outcomes = new Outcomes(this.api);
    this.tasks = new Tasks(this.api);
    this.exports = new Exports(this.api);
    this.audit = new Audit(this.api);
  }

  /**
   * Captures an output and, when the policy holds it, waits for people to decide; resolves with
   * the output to use. Throws `TollgateRejectedError` when it must not be used (rejected,
   * withdrawn, or timed out with the `reject` fallback) and `TollgateTimeoutError` when your
   * wait budget ran out first. Outputs the policy passes, or sends to review without holding,
   * resolve at once with the output you sent.
   *
   * The capture carries an `external_id` (yours, or a fresh UUID) so that retrying it is safe;
   * the correction's type is not checked: validate it before acting if reviewers may reshape it.
   */
  async guard<T extends ItemOutput>(
    projectId: string,
    item: ItemInput & { output: T },
    options: WaitOptions = {},
  ): Promise<GuardResult<T>> {
    const captured = await this.items.capture(projectId, item, { signal: options.signal });
    let outcome: Outcome = captured.outcome;
    if (outcome.status === 'pending' && captured.decision.action === 'hold') {
      outcome = await this.outcomes.wait(captured.id, options, captured);
    }
    switch (outcome.status) {
      case 'approved':
      case 'pending':
        return { output: item.output, item: captured, outcome };
      case 'corrected':
        return { output: outcome.output as T, item: captured, outcome };
      case 'timed_out':
        if (outcome.fallback === 'approve') return { output: item.output, item: captured, outcome };
        throw new TollgateRejectedError(captured, outcome);
      case 'rejected':
      case 'withdrawn':
        throw new TollgateRejectedError(captured, outcome);
    }
  }
}

type CallOptions<M extends HttpMethod, P extends PathWith<M>> = {
  params?: PathParams<P, M>;
  query?: QueryParams<P, M>;
  body?: RequestBody<P, M>;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
};

/** The typed door to the transport: only paths and methods the OpenAPI document has compile. */
class Api {
  constructor(readonly transport: Transport) {}

  call<M extends HttpMethod, P extends PathWith<M>>(method: M, path: P, options: CallOptions<M, P>): Promise<JsonResponse> {
    return this.transport.json(this.spec(method, path, options));
  }

  spec<M extends HttpMethod, P extends PathWith<M>>(method: M, path: P, options: CallOptions<M, P>): Call {
    return {
      method: method.toUpperCase() as Call['method'],
      path,
      params: options.params as Record<string, string> | undefined,
      query: options.query,
      body: options.body,
      retry: options.retry,
      signal: options.signal,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
  }

  async *ndjson<T>(call: Call): AsyncGenerator<T, void, undefined> {
    const stream = await this.transport.stream({ ...call, accept: 'application/x-ndjson, application/json' });
    try {
      yield* readNdjson<T>(stream.response, { beforeRead: stream.waiting, afterRead: stream.pause });
    } finally {
      stream.done();
    }
  }
}

export class Projects {
  constructor(private readonly api: Api) {}

  async get(projectId: string, options: RequestOptions = {}): Promise<Project> {
    const r = await this.api.call('get', '/v1/projects/{project_id}', {
      params: { project_id: projectId },
      retry: 'idempotent',
      ...options,
    });
    return r.body as ResponseBody<'/v1/projects/{project_id}', 'get', 200>;
  }

  async list(options: RequestOptions = {}): Promise<Project[]> {
    const r = await this.api.call('get', '/v1/projects', { retry: 'idempotent', ...options });
    return (r.body as ResponseBody<'/v1/projects', 'get', 200>).projects;
  }

  /** Not retried after an ambiguous failure (it would create a second project); see `RetryPolicy`. */
  async create(project: ProjectInput, options: RequestOptions = {}): Promise<Project> {
    const r = await this.api.call('post', '/v1/projects', { body: project, retry: 'unsent', ...options });
    return r.body as ResponseBody<'/v1/projects', 'post', 201>;
  }
}

export class Items {
  constructor(private readonly api: Api) {}

  /**
   * Captures one output. Without an `external_id` one is generated (`crypto.randomUUID()`), so
   * the SDK's retries never store it twice. Give your own to make your own retries (after a
   * crash, a redelivered job) safe too: the server answers the stored item, `created: false`.
   */
  async capture(projectId: string, item: ItemInput, options: RequestOptions = {}): Promise<CaptureResult> {
    const body = withExternalId(item);
    const r = await this.api.call('post', '/v1/projects/{project_id}/items', {
      params: { project_id: projectId },
      body,
      retry: 'idempotent',
      ...options,
    });
    return r.body as CaptureResult;
  }

  /**
   * Captures many outputs, in order, `chunkSize` (at most 1,000) per request, each chunk in one
   * transaction; resolves with one entry per item. Items get generated `external_id`s like
   * `capture`. If a chunk fails, the chunks before it are stored and the error's `itemIndex`
   * names the failing item in your array; with your own `external_id`s, sending the whole array
   * again stores only what is missing.
   */
  async captureBatch(
    projectId: string,
    items: readonly ItemInput[],
    options: RequestOptions & { chunkSize?: number } = {},
  ): Promise<BatchItemResult[]> {
    const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(options.chunkSize ?? MAX_BATCH)));
    const results: BatchItemResult[] = [];
    for (let offset = 0; offset < items.length; offset += size) {
      const chunk = items.slice(offset, offset + size).map(withExternalId);
      try {
        const r = await this.api.call('post', '/v1/projects/{project_id}/items/batch', {
          params: { project_id: projectId },
          body: { items: chunk },
          retry: 'idempotent',
          signal: options.signal,
        });
        results.push(...(r.body as ResponseBody<'/v1/projects/{project_id}/items/batch', 'post', 200>).items);
      } catch (err) {
        const index = err instanceof TollgateApiError ? itemIndexOf(err.details) : undefined;
        throw index === undefined ? err : (err as TollgateApiError).withItemIndex(offset + index);
      }
    }
    return results;
  }

  /** An item with its decision, tasks, judgments and outcome. */
  async get(itemId: string, options: RequestOptions = {}): Promise<ItemDetail> {
    const r = await this.api.call('get', '/v1/items/{item_id}', { params: { item_id: itemId }, retry: 'idempotent', ...options });
    return r.body as ItemDetail;
  }

  /** Every matching item, newest first, fetching page after page as you iterate. */
  async *list(projectId: string, query: ItemListQuery = {}, options: RequestOptions = {}): AsyncGenerator<Item, void, undefined> {
    let cursor: string | undefined;
    do {
      const r = await this.api.call('get', '/v1/projects/{project_id}/items', {
        params: { project_id: projectId },
        query: { ...query, ...(cursor === undefined ? {} : { cursor }) },
        retry: 'idempotent',
        ...options,
      });
      const page = r.body as ResponseBody<'/v1/projects/{project_id}/items', 'get', 200>;
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }
}

export class Outcomes {
  constructor(private readonly api: Api) {}

  /**
   * An item's outcome: decided (`DecidedOutcome`), or `PendingOutcome` (with the hold's clock)
   * when `wait` seconds (0–60, a long-poll; default 0) pass first.
   */
  async get(itemId: string, options: RequestOptions & { wait?: number } = {}): Promise<DecidedOutcome | PendingOutcome> {
    return (await this.poll(itemId, options.wait ?? 0, options.signal)).body as DecidedOutcome | PendingOutcome;
  }

  /**
   * Waits until the item is decided, long-polling 60 s at a time, and resolves with the outcome
   * (whatever it is: this does not throw on a rejection). Throws `TollgateTimeoutError` when the
   * budget (see `WaitOptions`) runs out. Failed polls — a server restarting — are retried with
   * backoff until then.
   */
  async wait(itemId: string, options: WaitOptions = {}, item: CaptureResult | null = null): Promise<DecidedOutcome> {
    const transport = this.api.transport;
    const started = Date.now();
    const budgetEnd = options.waitSeconds === undefined ? null : started + Math.max(0, options.waitSeconds) * 1000;
    const graceMs = (options.graceSeconds ?? 60) * 1000;
    const deadline = item?.hold?.deadline;
    let holdEnd: number | null = deadline ? Date.parse(deadline) + graceMs : null;
    let pending: PendingOutcome | null = null;
    let failures = 0;
    const end = () => (budgetEnd === null ? holdEnd : holdEnd === null ? budgetEnd : Math.min(budgetEnd, holdEnd));
    for (;;) {
      const until = end();
      const remaining = until === null ? Infinity : until - Date.now();
      const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.ceil(remaining / 1000)));
      try {
        const r = await this.poll(itemId, wait, options.signal);
        failures = 0;
        if (r.status === 200) return r.body as DecidedOutcome;
        pending = r.body as PendingOutcome;
        if (pending.hold !== null) holdEnd = serverTimeToLocal(pending.hold.deadline, r.headers) + graceMs;
      } catch (err) {
        if (!isTransient(err)) throw err;
        const stop = end();
        if (stop !== null && Date.now() >= stop) throw err;
        failures++;
        await sleep(Math.min(transport.backoff(failures), stop === null ? Infinity : Math.max(0, stop - Date.now())), options.signal);
        continue;
      }
      const stop = end();
      if (stop !== null && Date.now() >= stop) {
        throw new TollgateTimeoutError(itemId, item, pending, Date.now() - started);
      }
    }
  }

  private poll(itemId: string, wait: number, signal: AbortSignal | undefined): Promise<JsonResponse> {
    const seconds = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.floor(wait)));
    return this.api.call('get', '/v1/items/{item_id}/outcome', {
      params: { item_id: itemId },
      query: { wait: seconds },
      retry: 'idempotent',
      signal,
      timeoutMs: this.api.transport.timeoutMs + seconds * 1000,
    });
  }
}

export class Tasks {
  constructor(private readonly api: Api) {}

  /**
   * Leases the next task (highest priority, then oldest), or null when there is none. Not
   * retried after an ambiguous failure: a claim lost in flight returns to the queue when its
   * lease expires, while a retried one would hold a second task.
   */
  async claim(projectId: string, options: ClaimOptions & RequestOptions = {}): Promise<ClaimedTask | null> {
    const { signal, ...body } = options;
    const r = await this.api.call('post', '/v1/projects/{project_id}/tasks/claim', {
      params: { project_id: projectId },
      body,
      retry: 'unsent',
      signal,
    });
    return r.status === 204 ? null : (r.body as ClaimedTask);
  }

  /** Extends your lease (`lease_seconds` 10–3600, default 600). Retried: renewing twice is renewing. */
  async renew(task: string | TaskRef, options: { lease_seconds?: number } & RequestOptions = {}): Promise<Task> {
    const { signal, ...body } = options;
    const r = await this.api.call('post', '/v1/tasks/{task_id}/renew', {
      params: { task_id: idOf(task) },
      body,
      retry: 'idempotent',
      signal,
    });
    return r.body as Task;
  }

  /** Gives the task back to the queue. Not retried after an ambiguous failure. */
  async release(task: string | TaskRef, options: RequestOptions = {}): Promise<Task> {
    const r = await this.api.call('post', '/v1/tasks/{task_id}/release', { params: { task_id: idOf(task) }, retry: 'unsent', ...options });
    return r.body as Task;
  }

  /**
   * Submits your judgment on a task you hold.
   *
   * Pass the claimed task (`claimed.task`) and the judgment is retried like a GET: should a
   * retry find the task already done (`TG_TASK_ALREADY_DONE`, because the first attempt did
   * commit and only its answer was lost), the SDK reads the item and, if the judgment on that
   * task is yours, resolves with it. Pass just the task id and it is not retried after an
   * ambiguous failure, since that could not be told apart from someone else's judgment.
   */
  async judge(task: string | TaskRef, judgment: JudgmentInput, options: RequestOptions = {}): Promise<JudgmentResult> {
    const ref = typeof task === 'string' ? null : task;
    try {
      const r = await this.api.call('post', '/v1/tasks/{task_id}/judgments', {
        params: { task_id: idOf(task) },
        body: judgment,
        retry: ref === null ? 'unsent' : 'idempotent',
        ...options,
      });
      return r.body as JudgmentResult;
    } catch (err) {
      if (!(ref && err instanceof TollgateApiError && err.code === 'TG_TASK_ALREADY_DONE' && err.attempts > 1)) throw err;
      const item = (
        await this.api.call('get', '/v1/items/{item_id}', { params: { item_id: ref.item_id }, retry: 'idempotent', ...options })
      ).body as ItemDetail;
      const mine = item.judgments.find((j) => j.task_id === ref.id && ref.lease_owner !== null && j.reviewer === ref.lease_owner);
      if (mine === undefined) throw err;
      return { judgment: mine, outcome: item.outcome };
    }
  }
}

export class Exports {
  constructor(private readonly api: Api) {}

  /**
   * Streams an export (`GET /v1/projects/{project_id}/exports/{format}`, JSON Lines) record by
   * record, parsing as the bytes arrive: memory stays flat however large the export. The
   * request is sent when iteration starts; `break` closes the connection. A failure before the
   * first byte is retried like any GET; one mid-stream ends the iteration with the error.
   */
  stream<T = Record<string, unknown>>(
    projectId: string,
    format: ExportFormat,
    filters: ExportQuery = {},
    options: RequestOptions = {},
  ): AsyncGenerator<T, void, undefined> {
    return this.api.ndjson<T>({
      method: 'GET',
      path: '/v1/projects/{project_id}/exports/{format}',
      params: { project_id: projectId, format },
      query: filters,
      retry: 'idempotent',
      signal: options.signal,
    });
  }
}

export class Audit {
  constructor(private readonly api: Api) {}

  /** The project's audit events (managers and admins), streamed as JSON Lines and parsed as they arrive. */
  export(projectId: string, query: AuditExportQuery = {}, options: RequestOptions = {}): AsyncGenerator<AuditEvent, void, undefined> {
    return this.api.ndjson<AuditEvent>(
      this.api.spec('get', '/v1/projects/{project_id}/audit/export', {
        params: { project_id: projectId },
        query,
        retry: 'idempotent',
        signal: options.signal,
      }),
    );
  }
}

function withExternalId<T extends ItemInput>(item: T): T {
  return item.external_id === undefined ? { ...item, external_id: randomUuid() } : item;
}

/** A v4 UUID; `crypto.randomUUID` is missing from pages served over plain http, `getRandomValues` is not. */
function randomUuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function idOf(task: string | TaskRef): string {
  return typeof task === 'string' ? task : task.id;
}

function itemIndexOf(details: unknown): number | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const index = (details as { item_index?: unknown }).item_index;
  return typeof index === 'number' ? index : undefined;
}

/** Worth polling again: no answer, or a server error (a restart, the store briefly away). */
function isTransient(err: unknown): boolean {
  return err instanceof TollgateConnectionError || (err instanceof TollgateApiError && (err.status >= 500 || err.status === 429));
}

/** A server timestamp on this machine's clock, using the answer's `Date` header (when readable) to cancel clock skew. */
function serverTimeToLocal(iso: string, headers: Headers): number {
  const at = Date.parse(iso);
  const serverNow = Date.parse(headers.get('date') ?? '');
  return Number.isFinite(serverNow) ? at - (serverNow - Date.now()) : at;
}
