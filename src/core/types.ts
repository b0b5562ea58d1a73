/**
 * The domain model shared by every adapter. These are plain data shapes: the store maps rows
 * to them, the HTTP layer maps them to the public JSON (snake_case throughout, so the shapes
 * here already use the public field names).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const ROLES = ['admin', 'manager', 'expert', 'reviewer', 'viewer', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

/** A captured model output, or several candidate outputs to compare or rank. */
export const ITEM_KINDS = ['output', 'compare', 'rank'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const ACTIONS = ['pass', 'review', 'hold'] as const;
export type RoutingAction = (typeof ACTIONS)[number];

export const TASK_STATUSES = ['pending', 'claimed', 'done', 'expired', 'cancelled', 'escalated'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const VERDICTS = ['approve', 'reject', 'correct'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** `withdrawn`: the item's content was erased (a data subject's request) before anyone decided it. */
export const OUTCOME_STATUSES = ['pending', 'approved', 'rejected', 'corrected', 'timed_out', 'withdrawn'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** A chat message as OpenAI-compatible APIs shape it; extra fields are kept verbatim. */
export interface ChatMessage {
  role: string;
  content?: JsonValue;
  [key: string]: JsonValue | undefined;
}

/** Item input: plain text or a chat transcript. */
export type ItemInput = string | ChatMessage[];
/** Item output: plain text, one chat message, or a tool call / structured JSON object. */
export type ItemOutput = string | JsonObject;

/** The fields of an item that policies can see. */
export interface ItemFacts {
  id: string;
  input: ItemInput;
  output: ItemOutput;
  model: string | null;
  model_version: string | null;
  confidence: number | null;
  metadata: JsonObject;
  tags: string[];
  external_id: string | null;
  /** Results of the project's evaluators by name, as policies read them (`evals.pii.found`). */
  evals?: EvalFacts;
  /**
   * How unlike the project's recent traffic the input is, 0 (seen before) to 1 (nothing like
   * it): MinHash over word shingles (docs/novelty.md). Null until enough traffic was seen.
   */
  novelty?: number | null;
}

/** One evaluator's result as a policy sees it. `unknown`: it could not judge (no answer in budget, malformed answer). */
export interface EvalFact {
  [field: string]: JsonValue;
  status: 'pass' | 'fail' | 'unknown';
  score: number | null;
  label: string | null;
  found: boolean | null;
  latency_ms: number;
}

export type EvalFacts = { [name: string]: EvalFact };

// ---- Policy -------------------------------------------------------------------------------

export type Operator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'contains' | 'matches' | 'exists';
export const OPERATORS: readonly Operator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'matches', 'exists'];

/** `{ "confidence": { "lt": 0.5 } }`, `{ "all": [...] }`, `{ "any": [...] }`, `{ "not": {...} }`. */
export type Condition = { [pathOrCombinator: string]: JsonValue };

export const HOLD_FALLBACKS = ['approve', 'reject', 'escalate'] as const;
/** What happens to a held item nobody decided in time. */
export type HoldFallback = (typeof HOLD_FALLBACKS)[number];

export interface PolicyRule {
  name: string;
  when?: Condition;
  sample?: number;
  action: RoutingAction;
  priority: number;
  overlap?: number;
  queue?: string;
  description?: string;
  /** Review and hold rules: at most this many items routed per clock hour / day (UTC). */
  max_per_hour?: number;
  max_per_day?: number;
  /** Hold rules only: how long the caller waits for a person before `on_timeout` applies. */
  timeout_seconds?: number;
  on_timeout?: HoldFallback;
  /** Pass rules only: the rule auto-resolves outputs only while this evaluator keeps the people's trust. */
  trust?: TrustRequirementSpec;
}

/**
 * When an evaluator may auto-resolve outputs: its Cohen's kappa with the people's outcomes on
 * the items both judged in the last `window_days` is at least `min_kappa`, over at least
 * `min_checks` such items. A share `audit_sample` of what it resolves still goes to people
 * (queue `audit_queue`), so the measurement never goes stale.
 */
export interface TrustRequirementSpec {
  evaluator: string;
  min_kappa: number;
  min_checks: number;
  window_days: number;
  audit_sample: number;
  audit_queue: string;
}

// ---- Queues -------------------------------------------------------------------------------

export const SLA_BREACH_ACTIONS = ['raise_priority', 'escalate', 'none'] as const;
/** What the scheduler does to a task still open at its due time. */
export type SlaBreachAction = (typeof SLA_BREACH_ACTIONS)[number];

/** One priority band: tasks at `min_priority` or above are due `seconds` after creation. */
export interface SlaBand {
  min_priority: number;
  seconds: number;
}

export interface QueueConfig {
  /** Bands from the highest `min_priority` down; a task takes the first band it reaches. */
  sla: SlaBand[];
  on_breach: SlaBreachAction;
}

export type QueueConfigs = Record<string, QueueConfig>;

export const CONSENSUS_RULES = ['conservative', 'majority', 'unanimous', 'weighted'] as const;
export type ConsensusRule = (typeof CONSENSUS_RULES)[number];

export interface ConsensusConfig {
  rule: ConsensusRule;
  /** Per numeric criterion: the largest allowed difference between two reviewers' scores. */
  max_score_spread?: Record<string, number>;
}

// ---- Reviewer quality ---------------------------------------------------------------------

/**
 * The policy's `quality` section: how a project keeps its reviewers to the standard.
 * - `gold_share`: the share of each reviewer's live tasks that are gold, served like any other;
 * - `qualification`: a fixed set of gold items a reviewer must pass before live work;
 * - `pause`: when a reviewer's rolling accuracy on gold falls below a bound, live work stops;
 * - `recalibration`: the set of gold items a paused reviewer works to come back.
 */
export interface QualityConfig {
  gold_share: number;
  qualification?: GoldSet;
  pause?: PauseRule;
  recalibration?: GoldSet;
}

export interface GoldSet {
  /** Gold item ids, served in this order. */
  items: string[];
  /** The least share of the set a reviewer must get right to pass. */
  pass_accuracy: number;
}

export interface PauseRule {
  /** Pause when accuracy over the last `window` gold judgments falls below this. */
  below_accuracy: number;
  window: number;
  /** No pause on fewer gold judgments than this (since the reviewer last became active). */
  min_judgments: number;
}

export interface PolicyDocument {
  rules: PolicyRule[];
  /** How several reviewers' judgments become one outcome; `conservative` unless declared. */
  consensus?: ConsensusConfig;
  /** Per queue: an SLA (seconds to completion by priority band) and what a breach does. */
  queues?: QueueConfigs;
  /** Gold share, qualification, pause and recalibration of reviewers. */
  quality?: QualityConfig;
  /** Seed for deterministic sampling; changing it re-draws every sample. */
  seed?: string;
  /** Action when no rule matches; `pass` unless declared. */
  default_action?: RoutingAction;
}

/** Why one rule matched: each leaf condition with the value it saw. */
export interface ConditionTrace {
  path: string;
  operator: Operator;
  expected: JsonValue;
  actual: JsonValue | undefined;
  result: boolean;
}

export interface MatchedRule {
  name: string;
  action: RoutingAction;
  priority: number;
  queue: string;
  overlap: number;
  /** Human-readable reason, e.g. `confidence 0.31 lt 0.5` or `sampled at rate 0.02`. */
  reason: string;
  conditions: ConditionTrace[];
  sampled: boolean;
  /** Present and true when the rule matched but its review budget was used up: it routed nothing. */
  over_budget?: boolean;
  /** Present and true when a trust rule matched but its evaluator has not earned the trust: it resolved nothing. */
  untrusted?: boolean;
  /** Present and true when a trust rule resolved the item but drew it for the people's audit sample. */
  audit_sampled?: boolean;
}

export interface Decision {
  action: RoutingAction;
  priority: number;
  matched_rules: MatchedRule[];
  policy_version: number;
  /** Distinct reviewers required before the outcome resolves (0 for `pass`). */
  required_reviews: number;
  /** Queue the review work goes to (the highest-priority matched review/hold rule's queue). */
  queue: string | null;
  /**
   * Probability, over the policy's sampling draws, that an item with these facts is sent to a
   * person (review or hold): 1 when a deterministic rule sends it, the sample rate for an
   * audit-sampled one, 0 when nothing could send it. Inverse-probability weighting uses it to
   * estimate the error rate of all production from the reviewed items. `null` on items stored
   * before it was recorded.
   */
  review_probability: number | null;
  /** For `hold`: how long the caller waits and what happens then; null otherwise. */
  hold: HoldTerms | null;
}

export interface HoldTerms {
  timeout_seconds: number;
  on_timeout: HoldFallback;
}

// ---- Rubric -------------------------------------------------------------------------------

export interface LabelOption {
  value: string;
  description?: string;
}

export type CriterionScale =
  | { type: 'likert'; min: number; max: number; labels?: Record<string, string> }
  | { type: 'boolean' }
  | { type: 'categorical'; options: string[] }
  | { type: 'numeric'; min: number; max: number; step?: number }
  /** A taxonomy: one label, or several with `multiple`. */
  | { type: 'labels'; options: LabelOption[]; multiple?: boolean }
  /** Text spans over the item's `input.text` or `output.text`, each with a label. */
  | { type: 'spans'; target: 'input' | 'output'; labels: string[] };

/** A labelled stretch of text: UTF-16 offsets, `start` inclusive, `end` exclusive. */
export interface TextSpan {
  start: number;
  end: number;
  label: string;
}

export interface Criterion {
  key: string;
  label: string;
  description?: string;
  scale: CriterionScale;
  required?: boolean;
}

export interface RubricDocument {
  criteria: Criterion[];
}

export type ScoreValue = boolean | number | string | string[] | TextSpan[];
export type Scores = Record<string, ScoreValue>;

// ---- Access -------------------------------------------------------------------------------

/** Who is calling: resolved from an API key by the HTTP adapter. */
export interface Principal {
  key_id: string;
  role: Role;
  /** When set, the key may only touch this project. */
  project_id: string | null;
  /** Stable identity recorded as the actor in audit events and judgments. */
  actor: string;
}
