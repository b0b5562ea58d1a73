import type { Decision, ItemOutput, JsonObject, JsonValue, OutcomeStatus, PolicyDocument, RubricDocument, Verdict } from '../core/types.js';
import { CliError } from './cli-error.js';

/*
 * The public JSON shapes the CLI reads. They mirror src/http/schemas (which are the contract);
 * the client trusts the server to honour them rather than re-validating every response.
 */

export interface VersionedDocument<T = PolicyDocument | RubricDocument> {
  version: number;
  document: T;
  created_at: string;
  created_by: string;
}

export interface Project {
  id: string;
  name: string;
  description: string | null;
  policy: VersionedDocument<PolicyDocument>;
  rubric: VersionedDocument<RubricDocument>;
  created_at: string;
  updated_at: string;
}

export interface Outcome {
  status: OutcomeStatus;
  output: JsonValue;
  decided_at: string | null;
  decided_by: string | null;
  reason: string | null;
  /** For timed_out: the hold's fallback that was applied. */
  fallback?: 'approve' | 'reject' | null;
}

/** The parts of a backtest report the CLI prints; `--json` prints it whole. */
export interface BacktestReport {
  since: string;
  until: string;
  items: number;
  overall: Record<'candidate' | 'current', { routed: number; held: number; review_tasks: number; share: number | null }>;
  per_rule: { name: string; action: string; matched: number; decisive: number; only_rule: number }[];
  per_day: {
    day: string;
    items: number;
    candidate_routed: number;
    current_routed: number;
    candidate_tasks: number;
    current_tasks: number;
  }[];
  known_failures: {
    total: number;
    candidate_caught: number;
    current_caught: number;
    candidate_recall: { rate: number; interval: { low: number; high: number } } | null;
    missed_by_candidate: string[];
  };
  caveats: string[];
}

export interface GuidelineVersion {
  version: number;
  document: { markdown: string; change_note: string; requires_recalibration: boolean };
  created_at: string;
  created_by: string;
}

export interface ReviewerStanding {
  reviewer: string;
  status: string;
  reason: string;
  since: string | null;
  updated_by: string;
  attempt: { id: string; purpose: string; served: number; judged: number; total: number; pass_accuracy: number } | null;
  rolling: { correct: number; total: number; accuracy: number | null; window: number } | null;
  gold_unseen: number | null;
}

export interface QueueRow {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_seconds: number | null;
  overdue: number;
  breached_24h: number;
  sla: { sla: { min_priority: number; seconds: number }[]; on_breach: string } | null;
}

/** `GET /v1/items/{id}/outcome`: the decided outcome (200) or `{status: "pending"}` (202). */
export type OutcomeAnswer = (Outcome & { item_id: string }) | { item_id: string; status: 'pending'; hold: unknown };

export interface Item {
  id: string;
  project_id: string;
  external_id: string | null;
  input: JsonValue;
  output: JsonValue;
  model: string | null;
  model_version: string | null;
  confidence: number | null;
  metadata: JsonObject;
  tags: string[];
  created_at: string;
  decision: Decision;
  outcome: Outcome;
}

export interface CaptureResult extends Item {
  created: boolean;
}

export interface Task {
  id: string;
  project_id: string;
  item_id: string;
  kind: string;
  queue: string;
  status: string;
  priority: number;
  rubric_version: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
}

export interface Judgment {
  id: string;
  task_id: string;
  item_id: string;
  reviewer: string;
  verdict: Verdict;
  scores: JsonValue;
  correction: JsonValue;
  comment: string | null;
  time_spent_ms: number | null;
  rubric_version: number;
  created_at: string;
}

export interface ItemDetail extends Item {
  tasks: Task[];
  judgments: Judgment[];
}

export interface ClaimedTask {
  task: Task;
  item: Item;
  rubric: { version: number; document: RubricDocument };
  /** For an expert task: why it was escalated. */
  escalation?: { reason: string; comment: string | null; partial: JsonObject | null; by: string; at: string } | null;
}

export interface ItemPage {
  items: Item[];
  next_cursor: string | null;
}

export interface ItemQuery {
  action?: string;
  outcome?: string;
  model?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface CreateProjectInput {
  name: string;
  description?: string;
  policy?: JsonObject;
  rubric?: JsonObject;
}

export interface ClaimInput {
  queue?: string;
  lease_seconds?: number;
}

/** `verdict` stays a string: the server owns the list of verdicts and says what is wrong. */
export interface JudgmentInput {
  verdict: string;
  scores?: JsonObject;
  correction?: ItemOutput;
  comment?: string;
  time_spent_ms?: number;
}

export type DocumentKind = 'policy' | 'rubric';

export interface DataProtection {
  redaction: JsonObject | null;
  retention: { days: number; action: string } | null;
}

export interface ErasureResult {
  id: string | null;
  dry_run: boolean;
  items: number;
  item_ids: string[];
  selector_digest: string;
}

export interface ErasureRecord {
  id: string;
  selector_kind: string;
  selector_digest: string;
  items_erased: number;
  requested_by: string;
  created_at: string;
}

export interface FieldError {
  path: string;
  message: string;
}

/** The server said no: carries its stable code so scripts can tell failures apart. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly details: unknown,
  ) {
    super([`${code}: ${serverMessage}`, ...fieldErrorsOf(details).map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
    this.name = 'ApiError';
  }
}

export interface ClientConfig {
  /** Base URL of the server, without a trailing slash. */
  baseUrl: string;
  key: string;
}

type FetchFn = typeof fetch;

/** A thin HTTP client for the /v1 API: one method per route the CLI uses. */
export class TollgateClient {
  constructor(
    readonly config: ClientConfig,
    private readonly fetchFn: FetchFn = fetch,
  ) {}

  createProject(body: CreateProjectInput): Promise<Project> {
    return this.expect<Project>('POST', '/v1/projects', body);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.expect<{ projects: Project[] }>('GET', '/v1/projects')).projects;
  }

  getProject(projectId: string): Promise<Project> {
    return this.expect<Project>('GET', `/v1/projects/${seg(projectId)}`);
  }

  saveDocument(projectId: string, kind: DocumentKind, document: JsonObject): Promise<VersionedDocument> {
    return this.expect<VersionedDocument>('PUT', `/v1/projects/${seg(projectId)}/${kind}`, document);
  }

  async listDocumentVersions(projectId: string, kind: DocumentKind): Promise<VersionedDocument[]> {
    return (await this.expect<{ versions: VersionedDocument[] }>('GET', `/v1/projects/${seg(projectId)}/${kind}/versions`)).versions;
  }

  captureItem(projectId: string, item: JsonObject): Promise<CaptureResult> {
    return this.expect<CaptureResult>('POST', `/v1/projects/${seg(projectId)}/items`, item);
  }

  async captureBatch(projectId: string, items: readonly JsonObject[]): Promise<CaptureResult[]> {
    return (await this.expect<{ items: CaptureResult[] }>('POST', `/v1/projects/${seg(projectId)}/items/batch`, { items })).items;
  }

  listItems(projectId: string, query: ItemQuery): Promise<ItemPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const qs = params.toString();
    return this.expect<ItemPage>('GET', `/v1/projects/${seg(projectId)}/items${qs === '' ? '' : `?${qs}`}`);
  }

  getItem(itemId: string): Promise<ItemDetail> {
    return this.expect<ItemDetail>('GET', `/v1/items/${seg(itemId)}`);
  }

  escalateTask(
    taskId: string,
    body: { reason: string; comment?: string; partial?: JsonObject },
  ): Promise<{ task: Task; expert_task: Task; escalation: { reason: string; comment: string | null; by: string } }> {
    return this.expect('POST', `/v1/tasks/${seg(taskId)}/escalate`, body);
  }

  backtestPolicy(projectId: string, body: { policy: JsonObject; since?: string; until?: string }): Promise<BacktestReport> {
    return this.expect<BacktestReport>('POST', `/v1/projects/${seg(projectId)}/policy/backtest`, body);
  }

  publishGuidelines(
    projectId: string,
    body: { markdown: string; change_note: string; requires_recalibration: boolean },
  ): Promise<GuidelineVersion> {
    return this.expect<GuidelineVersion>('PUT', `/v1/projects/${seg(projectId)}/guidelines`, body);
  }

  async currentGuidelines(projectId: string): Promise<GuidelineVersion | null> {
    return (await this.expect<{ current: GuidelineVersion | null }>('GET', `/v1/projects/${seg(projectId)}/guidelines`)).current;
  }

  async listGuidelineVersions(projectId: string): Promise<GuidelineVersion[]> {
    return (await this.expect<{ versions: GuidelineVersion[] }>('GET', `/v1/projects/${seg(projectId)}/guidelines/versions`)).versions;
  }

  async listStandings(projectId: string): Promise<ReviewerStanding[]> {
    return (await this.expect<{ reviewers: ReviewerStanding[] }>('GET', `/v1/projects/${seg(projectId)}/reviewers/standing`)).reviewers;
  }

  myStanding(projectId: string): Promise<ReviewerStanding> {
    return this.expect<ReviewerStanding>('GET', `/v1/projects/${seg(projectId)}/reviewers/me`);
  }

  setStanding(projectId: string, reviewer: string, body: { status: string; reason: string }): Promise<ReviewerStanding> {
    return this.expect<ReviewerStanding>('PUT', `/v1/projects/${seg(projectId)}/reviewers/${seg(reviewer)}/standing`, body);
  }

  setDataProtection(projectId: string, document: JsonObject): Promise<DataProtection> {
    return this.expect<DataProtection>('PUT', `/v1/projects/${seg(projectId)}/data-protection`, document);
  }

  erase(projectId: string, body: { external_id?: string; metadata?: JsonObject; dry_run?: boolean }): Promise<ErasureResult> {
    return this.expect<ErasureResult>('POST', `/v1/projects/${seg(projectId)}/erasures`, body);
  }

  async listErasures(projectId: string): Promise<ErasureRecord[]> {
    return (await this.expect<{ erasures: ErasureRecord[] }>('GET', `/v1/projects/${seg(projectId)}/erasures`)).erasures;
  }

  getOriginal(itemId: string): Promise<JsonObject> {
    return this.expect<JsonObject>('GET', `/v1/items/${seg(itemId)}/original`);
  }

  async queueReport(projectId: string): Promise<QueueRow[]> {
    return (await this.expect<{ queues: QueueRow[] }>('GET', `/v1/projects/${seg(projectId)}/queues`)).queues;
  }

  /** Waits up to `waitSeconds` (at most 60, the server's limit) for a decision. */
  getOutcome(itemId: string, waitSeconds: number): Promise<OutcomeAnswer> {
    return this.expect<OutcomeAnswer>('GET', `/v1/items/${seg(itemId)}/outcome?wait=${Math.min(60, Math.max(0, Math.floor(waitSeconds)))}`);
  }

  /** Resolves to null when no task is available (204). */
  claimTask(projectId: string, body: ClaimInput): Promise<ClaimedTask | null> {
    return this.request<ClaimedTask>('POST', `/v1/projects/${seg(projectId)}/tasks/claim`, body);
  }

  renewTask(taskId: string, leaseSeconds?: number): Promise<Task> {
    return this.expect<Task>('POST', `/v1/tasks/${seg(taskId)}/renew`, leaseSeconds === undefined ? {} : { lease_seconds: leaseSeconds });
  }

  releaseTask(taskId: string): Promise<Task> {
    return this.expect<Task>('POST', `/v1/tasks/${seg(taskId)}/release`, {});
  }

  submitJudgment(taskId: string, body: JudgmentInput): Promise<{ judgment: Judgment; outcome: Outcome }> {
    return this.expect('POST', `/v1/tasks/${seg(taskId)}/judgments`, body);
  }

  /** Like request, for routes that always answer with a body. */
  private async expect<T>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await this.request<T>(method, path, body);
    if (result === null) throw new CliError(`${method} ${path}: the server sent no body`);
    return result;
  }

  /** Sends JSON, returns the parsed JSON body (null for 204), throws ApiError for 4xx/5xx. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T | null> {
    const url = `${this.config.baseUrl}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.config.key}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      throw connectionError(this.config.baseUrl, err);
    }
    if (res.status === 204) return null;
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) throw errorFromResponse(res.status, method, path, parsed, text);
    if (parsed === undefined) throw new CliError(`${method} ${path}: expected JSON from the server, got: ${snippet(text)}`);
    return parsed as T;
  }
}

/** Ids go into the path; encoding keeps a stray "/" or "?" from changing the route. */
const seg = (id: string): string => encodeURIComponent(id);

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const snippet = (text: string): string => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine || '(empty body)';
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every Tollgate error is `{error: {code, message, details?}}`; a proxy in between may send anything. */
function errorFromResponse(status: number, method: string, path: string, body: unknown, text: string): CliError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(status, error.code, error.message, error.details);
  }
  return new CliError(`HTTP ${status} from ${method} ${path}: ${snippet(text)}`);
}

/** `details.errors` as the server's error handler and validators shape it; anything else is ignored. */
export function fieldErrorsOf(details: unknown): FieldError[] {
  if (!isRecord(details) || !Array.isArray(details.errors)) return [];
  return details.errors.flatMap((e: unknown) =>
    isRecord(e) && typeof e.path === 'string' && typeof e.message === 'string' ? [{ path: e.path, message: e.message }] : [],
  );
}

/** Node's fetch hides the socket error in `cause` (sometimes an AggregateError of per-address errors). */
function networkCode(err: unknown): string | undefined {
  const cause = isRecord(err) ? err.cause : undefined;
  if (!isRecord(cause)) return undefined;
  if (typeof cause.code === 'string') return cause.code;
  if (Array.isArray(cause.errors)) {
    for (const inner of cause.errors as unknown[]) if (isRecord(inner) && typeof inner.code === 'string') return inner.code;
  }
  return undefined;
}

function connectionError(baseUrl: string, err: unknown): CliError {
  const code = networkCode(err);
  const hint = 'is the server running? Point the CLI at it with --url or TOLLGATE_URL';
  if (code === 'ECONNREFUSED') return new CliError(`cannot connect to ${baseUrl}: connection refused (${hint})`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`cannot connect to ${baseUrl}: host not found (${hint})`);
  const cause = isRecord(err) && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
  return new CliError(`cannot reach ${baseUrl}: ${cause}${code === undefined || cause.includes(code) ? '' : ` (${code})`}`);
}
