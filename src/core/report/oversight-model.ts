import type { StandingStatus } from '../review/quality.js';
import type { RoutingAction } from '../types.js';

/**
 * The oversight report as data: the figures an auditor asks for about one project over a
 * window [since, until). Gathered by the app service, rendered by the pure renderers (Markdown,
 * HTML) and the PDF adapter, and served as JSON as is. Times are ISO 8601 strings and durations
 * seconds, so the model is its own JSON form.
 *
 * Cohorts: routing, holds, outcomes and timeouts count the production items captured in the
 * window, with each outcome as it stood at `until` (a decision made later counts as pending), so
 * a report on a closed period reads the same whenever it is generated. Judgments, escalations,
 * SLA due times, standing changes and audit events count by when they happened. The audit chain
 * verification alone is as of generation time.
 */
export interface OversightReport {
  report: 'oversight';
  /** Bumped when a field changes meaning. */
  format_version: 1;
  project: { id: string; name: string; description: string | null };
  window: { since: string; until: string; days: number };
  generated_at: string;
  tollgate_version: string;
  routing: RoutingSection;
  holds: HoldSection;
  human_decisions: HumanDecisionSection;
  fallbacks: FallbackSection;
  sla: SlaSection;
  reviewers: ReviewerSection;
  versions: VersionSection;
  monitoring: MonitoringSection;
  audit: AuditSection;
}

/**
 * A policy has no risk field of its own: a rule's priority (0–100) is how it ranks risk, and the
 * item takes the highest priority among the rules it matched. The report bands it.
 */
export const RISK_BANDS = [
  { band: 'critical', min_priority: 90, max_priority: 100 },
  { band: 'high', min_priority: 70, max_priority: 89 },
  { band: 'medium', min_priority: 40, max_priority: 69 },
  { band: 'low', min_priority: 0, max_priority: 39 },
] as const;
export type RiskBand = (typeof RISK_BANDS)[number]['band'];

export interface ActionCounts {
  captured: number;
  passed: number;
  reviewed: number;
  held: number;
}

export interface RoutingSection extends ActionCounts {
  /** (reviewed + held) / captured; null with nothing captured. */
  routed_share: number | null;
  /** Every rule that matched an item in the window, as the item's decision recorded it. */
  per_rule: RuleRouting[];
  per_band: (ActionCounts & { band: RiskBand; min_priority: number; max_priority: number })[];
  /** One entry per UTC day of the window, empty days included. */
  daily: (ActionCounts & { day: string })[];
}

export interface RuleRouting {
  rule: string;
  action: RoutingAction;
  /** Items whose decision lists the rule. */
  matched: number;
  /** Of those, items where the rule's action is the action taken and its budget was not used up: for review and hold rules, items it sent to people. */
  routed: number;
  /** Matched while its review budget was used up, so it routed nothing. */
  over_budget: number;
}

export interface OutcomeCounts {
  approved: number;
  corrected: number;
  rejected: number;
  timed_out: number;
  pending: number;
  /** Any other end, such as content withdrawn before a decision. */
  other: number;
}

export interface DurationSummary {
  count: number;
  median_seconds: number | null;
  p90_seconds: number | null;
  max_seconds: number | null;
}

export interface HoldSection {
  held: number;
  outcomes: OutcomeCounts;
  /** Holds whose timeout handed them to the experts before `until`. */
  escalated_on_timeout: number;
  /** From capture to a person's decision (approved, corrected or rejected); timeouts are left out. */
  time_to_decision: DurationSummary;
}

export interface HumanDecisionSection {
  /** Items the policy sent to people (review or hold). */
  routed: number;
  outcomes: OutcomeCounts;
  /** approved + corrected + rejected: the outcomes people decided. */
  decided_by_people: number;
  /** Shares of `decided_by_people`; null when people decided nothing. */
  approval_rate: number | null;
  correction_rate: number | null;
  rejection_rate: number | null;
  /** corrected + rejected: the model's output disregarded, changed or reversed. */
  override_rate: number | null;
  /** Judgments submitted in the window (one item may have several), by verdict. */
  judgments: { total: number; approve: number; correct: number; reject: number; other: number };
}

export interface FallbackSection {
  /** Holds decided by their timeout, by the fallback applied. */
  timed_out: number;
  fallback_approve: number;
  fallback_reject: number;
  escalated_on_timeout: number;
  /** Work handed to the experts in the window, by why. */
  escalations: { reason: string; count: number }[];
  /** Expert tasks created because reviewers disagreed beyond the consensus rule. */
  adjudications: number;
}

export interface SlaQueue {
  queue: string;
  /** Tasks whose SLA due time fell in the window. */
  due: number;
  /** Of those, tasks that breached it before `until`. */
  breached: number;
  breach_rate: number | null;
}

export interface SlaSection {
  queues: SlaQueue[];
  due: number;
  breached: number;
  breach_rate: number | null;
  /** Every breach recorded in the window (whenever the task was due), by queue. */
  breaches_recorded: { queue: string; count: number }[];
}

/** A reviewer's standing when they judged: a status, or not held to one (managers, admins). */
export type StandingAtJudgment = StandingStatus | 'not_held';
export const STANDINGS_AT_JUDGMENT: readonly StandingAtJudgment[] = ['qualifying', 'active', 'recalibrating', 'suspended', 'not_held'];

export interface ReviewerRow {
  reviewer: string;
  /** The role of the reviewer's key; null when the reviewer is not a key. */
  role: string | null;
  judgments: number;
  by_standing: Record<StandingAtJudgment, number>;
  verdicts: { approve: number; correct: number; reject: number; other: number };
  /** Accuracy on gold met in work in the window; null without any. */
  gold: { correct: number; total: number; accuracy: number | null } | null;
  calibration_judgments: number;
  standing_changes: number;
  /** Their standing at `until`. */
  standing_at_end: StandingAtJudgment;
}

export interface StandingChange {
  at: string;
  reviewer: string;
  from: string | null;
  to: string;
  by: string;
  reason: string;
}

export interface CalibrationSessionRow {
  id: string;
  name: string;
  status: string;
  created_at: string;
  closed_at: string | null;
  members: number;
  judgments_in_window: number;
}

export interface ReviewerSection {
  /** What a reviewer with no recorded standing counts as, and why. */
  default_standing_note: string;
  totals: { judgments: number; by_standing: Record<StandingAtJudgment, number> };
  reviewers: ReviewerRow[];
  standing_changes: StandingChange[];
  /** True when more standing changes happened than are listed. */
  standing_changes_truncated: boolean;
  calibration_sessions: CalibrationSessionRow[];
}

export interface VersionInForce {
  version: number;
  created_at: string;
  created_by: string;
  /** When it took over, clipped to the window. */
  from: string;
  /** When the next version took over, or null when still current at `until`. */
  to: string | null;
  summary: string;
}

export interface VersionSection {
  policy: VersionInForce[];
  guidelines: VersionInForce[];
  rubric: VersionInForce[];
  items_by_policy_version: { version: number; count: number }[];
  judgments_by_guideline_version: { version: number; count: number }[];
  judgments_by_rubric_version: { version: number; count: number }[];
}

export interface AuditEventBrief {
  seq: number;
  at: string;
  action: string;
  actor: string;
  subject_type: string;
  subject_id: string;
}

export interface EventFamily {
  count: number;
  by_action: { action: string; count: number }[];
  /** The latest events, newest first. */
  latest: AuditEventBrief[];
}

export interface MonitoringSection {
  /** Audit events with action `alert.*`. */
  drift_alerts: EventFamily;
  /** Audit events with action `campaign.*`. */
  red_team: EventFamily;
}

export interface AuditSection {
  verification: {
    ok: boolean;
    /** Events linked and recomputed: the whole chain, not only the window. */
    events_checked: number;
    head: { pos: number; hash: string } | null;
    problem: { pos: number | null; seq: number | null; message: string } | null;
    verified_at: string;
    elapsed_ms: number;
  };
  /** Signed checkpoints stored for the chain; their signatures need the auditor's public key. */
  checkpoints: { stored: number; last_pos: number | null; last_signed_at: string | null };
  events_in_window: number;
  by_action: { action: string; count: number }[];
}
