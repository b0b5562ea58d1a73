import type { ColumnType, Generated } from 'kysely';

/**
 * Row shapes as both dialects store them. Times are epoch milliseconds (BIGINT) so lease
 * arithmetic and ordering are plain integer comparisons on SQLite and PostgreSQL alike.
 * JSON columns are `jsonb` on PostgreSQL and `text` on SQLite; `JsonColumn` covers both and
 * the store's codec turns them into values (see json-codec.ts).
 */
export type JsonColumn = ColumnType<unknown, string, string>;

export interface ProjectsTable {
  id: string;
  name: string;
  description: string | null;
  policy_version: number;
  rubric_version: number;
  /** 0 until the first guideline version is published. */
  guideline_version: number;
  created_at: number;
  updated_at: number;
  /** Redaction and retention settings (see core/data-protection); null: none. */
  data_protection: JsonColumn | null;
  /** The OpenAI-compatible proxy's upstream and credential variable name (see core/proxy); null: no proxy. */
  proxy: JsonColumn | null;
  /** 0 until the first evaluator set is saved. */
  evaluator_version: Generated<number>;
  /** 0 until the first monitor set is saved. */
  monitor_version: Generated<number>;
}

export interface MonitorVersionsTable {
  project_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
  created_by: string;
}

export interface MonitorStateTable {
  project_id: string;
  monitor: string;
  state: JsonColumn;
  updated_at: number;
}

export interface AlertsTable {
  id: string;
  project_id: string;
  monitor: string;
  kind: string;
  status: string;
  evidence: JsonColumn;
  opened_at: number;
  last_seen_at: number;
  occurrences: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  note: string | null;
}

export interface SamplingBoostsTable {
  id: string;
  project_id: string;
  alert_id: string | null;
  monitor: string;
  segment: JsonColumn | null;
  sample_rate: number;
  starts_at: number;
  ends_at: number;
  ended_at: number | null;
  ended_by: string | null;
}

export interface EvaluatorVersionsTable {
  project_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
  created_by: string;
}

export interface EvalResultsTable {
  item_id: string;
  evaluator: string;
  project_id: string;
  evaluator_version: number;
  mode: string;
  status: string;
  score: number | null;
  label: string | null;
  /** 0/1; null for checks that look for nothing. */
  found: number | null;
  explanation: string | null;
  details: JsonColumn;
  latency_ms: number;
  cost: number | null;
  created_at: number;
}

export interface EvalJobsTable {
  item_id: string;
  evaluator: string;
  project_id: string;
  evaluator_version: number;
  attempts: Generated<number>;
  run_after: number;
  lease_expires_at: number | null;
  created_at: number;
}

export interface JudgeSpendTable {
  project_id: string;
  evaluator: string;
  day: string;
  cost: number;
  calls: number;
}

export interface EvaluatorTrustTable {
  project_id: string;
  rule: string;
  evaluator: string;
  trusted: number;
  kappa: number | null;
  checks: number;
  reason: string;
  requirement: JsonColumn;
  changed_at: number;
  evaluated_at: number;
}

export interface PolicyVersionsTable {
  project_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
  created_by: string;
}

export interface GuidelineVersionsTable {
  project_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
  created_by: string;
}

export interface RubricVersionsTable {
  project_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
  created_by: string;
}

export interface ItemsTable {
  id: string;
  project_id: string;
  external_id: string | null;
  input: JsonColumn;
  output: JsonColumn;
  model: string | null;
  model_version: string | null;
  confidence: number | null;
  metadata: JsonColumn;
  tags: JsonColumn;
  created_at: number;
  decision_action: string;
  decision_priority: number;
  decision_rules: JsonColumn;
  policy_version: number;
  required_reviews: number;
  review_probability: number | null;
  hold_deadline: number | null;
  hold_escalated_at: number | null;
  outcome_fallback: string | null;
  /** `output` (a captured model output), `compare` or `rank` (candidates for one input). */
  kind: string;
  outcome_status: string;
  outcome_output: JsonColumn | null;
  outcome_decided_at: number | null;
  outcome_decided_by: string | null;
  outcome_reason: string | null;
  /**
   * Set on items outside production: on a gold probe, the gold item it copies to be served to one
   * reviewer; on a gold item a manager wrote (not captured), its own id. Production lists and
   * figures take `probe_of is null`.
   */
  probe_of: string | null;
  /** What capture-time redaction replaced, per detector; null when nothing was redacted. */
  redactions: JsonColumn | null;
  /** When retention or an erasure emptied the payloads; the row stays for the figures. */
  purged_at: number | null;
  purge_reason: string | null;
  /** How unlike recent traffic the input was at capture (0..1); null when not computed. */
  novelty: number | null;
}

export interface TasksTable {
  id: string;
  project_id: string;
  item_id: string;
  kind: string;
  queue: string;
  status: string;
  priority: number;
  rubric_version: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  claim_count: number;
  created_at: number;
  updated_at: number;
  escalation: JsonColumn | null;
  due_at: number | null;
  sla_breached_at: number | null;
  guideline_version: number;
}

export interface JudgmentsTable {
  id: string;
  task_id: string;
  item_id: string;
  project_id: string;
  reviewer: string;
  /** null on comparisons and rankings, whose judgment is its `answer`. */
  verdict: string | null;
  scores: JsonColumn;
  correction: JsonColumn | null;
  comment: string | null;
  time_spent_ms: number | null;
  rubric_version: number;
  /** The guideline version the reviewer saw (0: the project had none). */
  guideline_version: number;
  created_at: number;
  /** A comparison's preference or a ranking; null on reviews. */
  answer: JsonColumn | null;
}

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  prefix: string;
  name: string | null;
  role: string;
  project_id: string | null;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  /** After this instant the key no longer authenticates; null: no expiry. */
  expires_at: number | null;
  /** Recorded at most once a minute per server. */
  last_used_at: number | null;
  /** The key that replaced this one, when it was rotated. */
  rotated_to: string | null;
}

export interface AuditEventsTable {
  /** Position in the trail; also the event's id. */
  seq: Generated<number>;
  project_id: string | null;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: JsonColumn | null;
  after: JsonColumn | null;
  created_at: number;
}

export interface RuleBudgetUsageTable {
  project_id: string;
  rule: string;
  /** `h:<hours since epoch>` or `d:<days since epoch>`, UTC. */
  window: string;
  used: number;
}

export interface GoldAnswersTable {
  item_id: string;
  project_id: string;
  /** null when the answer expects only scores, or a preference or ranking. */
  verdict: string | null;
  scores: JsonColumn;
  note: string | null;
  created_at: number;
  created_by: string;
  /** The expected preference (`{winner}`) or ranking (`{order}`) on comparisons and rankings. */
  answer: JsonColumn | null;
}

export interface GoldProbesTable {
  item_id: string;
  gold_item_id: string;
  project_id: string;
  reviewer: string;
  purpose: string;
  attempt_id: string | null;
  created_at: number;
}

export interface ReviewerStandingsTable {
  project_id: string;
  reviewer: string;
  status: string;
  reason: string;
  attempt_id: string | null;
  attempt_items: JsonColumn | null;
  pass_accuracy: number | null;
  since: number;
  updated_by: string;
}

export interface CalibrationSessionsTable {
  id: string;
  project_id: string;
  name: string;
  status: string;
  item_ids: JsonColumn;
  reviewers: JsonColumn;
  rubric_version: number;
  created_at: number;
  created_by: string;
  closed_at: number | null;
}

export interface CalibrationJudgmentsTable {
  session_id: string;
  item_id: string;
  reviewer: string;
  verdict: string;
  scores: JsonColumn;
  comment: string | null;
  created_at: number;
}

export interface AuditSealsTable {
  chain: string;
  pos: number;
  seq: number;
  prev_hash: string;
  hash: string;
  sealed_at: number;
}

export interface AuditCheckpointsTable {
  chain: string;
  pos: number;
  hash: string;
  signed_at: number;
  key_id: string;
  signature: string;
}

export interface AuditSealStateTable {
  id: number;
  low_water: number;
}

export interface ItemOriginalsTable {
  item_id: string;
  project_id: string;
  key_id: string;
  ciphertext: string;
  created_at: number;
}

export interface ErasuresTable {
  id: string;
  project_id: string;
  /** `external_id` or `metadata`. */
  selector_kind: string;
  /** SHA-256 of the canonical selector: proves what was erased to whoever holds the identifier. */
  selector_digest: string;
  items_erased: number;
  requested_by: string;
  created_at: number;
}

/** People who sign in with an email and a password (migration 017). */
export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  role: string;
  project_id: string | null;
  password_hash: string;
  created_at: number;
  created_by: string;
  password_changed_at: number;
  disabled_at: number | null;
  last_sign_in_at: number | null;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 (hex) of the session token; the token itself is only ever in the browser's cookie. */
  token_hash: string;
  /** `oidc:<issuer host>:<sub>`: who the user is in audit events, judgments and standings. */
  actor: string;
  issuer: string;
  /** The identity provider's `sub`: stable, never reassigned. */
  subject: string;
  /** As the identity provider gave it; informational (sign-in keys on `sub`, not the email). */
  email: string | null;
  role: string;
  project_id: string | null;
  /** Echoed by the console in `x-csrf-token` on state-changing requests. */
  csrf_token: string;
  created_at: number;
  expires_at: number;
  /** Recorded at most once a minute per server. */
  last_seen_at: number | null;
  revoked_at: number | null;
}

/** A sign-in in flight, between the redirect to the identity provider and its callback. */
export interface OidcLoginsTable {
  /** SHA-256 (hex) of the random value in the browser's login cookie. */
  id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: number;
  expires_at: number;
}

export interface WebhookSubscriptionsTable {
  id: string;
  project_id: string;
  url: string;
  /** The event types delivered, as a JSON array of strings. */
  events: JsonColumn;
  description: string | null;
  /** `active`, `paused` or `deleted`. */
  status: string;
  /** `whsec_…`, or `sealed:<key id>:<ciphertext>` when sealed with the server's encryption key; '' once deleted. */
  secret: string;
  /** The secret before a rotation, still signing beside the new one until it expires. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  paused_reason: string | null;
  paused_at: number | null;
  /** Consecutive failed attempts; any success resets it. */
  failure_streak: number;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  created_at: number;
  created_by: string;
  updated_at: number;
}

/** The URL a held item's caller named, to be sent `hold.resolved` instead of polling. */
export interface ItemCallbacksTable {
  item_id: string;
  project_id: string;
  url: string;
  created_at: number;
}

export interface WebhookCallbackSecretsTable {
  project_id: string;
  /** Stored like a subscription's secret. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  rotated_at: number | null;
}

/** How far the webhook dispatcher has read a project's sealed audit chain. */
export interface WebhookCursorsTable {
  chain: string;
  pos: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  project_id: string;
  /** null for a hold callback. */
  subscription_id: string | null;
  callback_url: string | null;
  /** One delivery per event and destination: `<subscription id>:<event seq>`, `callback:<seq>`, `test:<id>`. */
  dedupe_key: string;
  event_type: string;
  event_seq: number | null;
  item_id: string | null;
  /** The payload as JSON text without content; the item's content is filled in when sending. */
  envelope: string;
  /** `pending`, `delivered`, `failed` or `cancelled`. */
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: number | null;
  /** 1: the next attempt was asked for by a manager (replay, test) and goes out even while paused. */
  manual: number;
  lease_token: string | null;
  lease_until: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  number: number;
  /** `scheduled` or `manual`. */
  trigger: string;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  /** The start of the receiver's answer, truncated. */
  response_body: string | null;
}

export interface Database {
  projects: ProjectsTable;
  policy_versions: PolicyVersionsTable;
  rubric_versions: RubricVersionsTable;
  guideline_versions: GuidelineVersionsTable;
  evaluator_versions: EvaluatorVersionsTable;
  eval_results: EvalResultsTable;
  eval_jobs: EvalJobsTable;
  judge_spend: JudgeSpendTable;
  evaluator_trust: EvaluatorTrustTable;
  monitor_versions: MonitorVersionsTable;
  monitor_state: MonitorStateTable;
  alerts: AlertsTable;
  sampling_boosts: SamplingBoostsTable;
  items: ItemsTable;
  tasks: TasksTable;
  judgments: JudgmentsTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  rule_budget_usage: RuleBudgetUsageTable;
  gold_answers: GoldAnswersTable;
  calibration_sessions: CalibrationSessionsTable;
  calibration_judgments: CalibrationJudgmentsTable;
  gold_probes: GoldProbesTable;
  reviewer_standings: ReviewerStandingsTable;
  audit_seals: AuditSealsTable;
  audit_checkpoints: AuditCheckpointsTable;
  item_originals: ItemOriginalsTable;
  erasures: ErasuresTable;
  audit_seal_state: AuditSealStateTable;
  sessions: SessionsTable;
  users: UsersTable;
  oidc_logins: OidcLoginsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  item_callbacks: ItemCallbacksTable;
  webhook_callback_secrets: WebhookCallbackSecretsTable;
  webhook_cursors: WebhookCursorsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
