import type { Schemas } from '../api/client.js';

export type Project = Schemas['Project'];

/** One saved version of a policy, rubric or guideline document, as the versions endpoints list them. */
export interface DocVersion<D> {
  version: number;
  document: D;
  created_at: string;
  created_by: string;
}

export interface PolicyDoc {
  rules: Record<string, unknown>[];
  [key: string]: unknown;
}
export interface RubricDoc {
  criteria: Record<string, unknown>[];
  [key: string]: unknown;
}
export interface GuidelineDoc {
  markdown: string;
  change_note: string;
  requires_recalibration?: boolean;
  calibration_session_id?: string;
}

export interface SaveWarning {
  code: string;
  message: string;
}

export interface QueueStatus {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_seconds: number | null;
  overdue: number;
  breached_24h: number;
  sla: { sla: { min_priority: number; seconds: number }[]; on_breach: string } | null;
}

export type RoutingAction = 'pass' | 'review' | 'hold';

// The backtest report is declared loosely in the OpenAPI document (additionalProperties); these
// are the snake_cased fields of src/core/policy/backtest.ts, which the route returns as they are.
export interface BacktestTotals {
  routed: number;
  held: number;
  review_tasks: number;
  share: number | null;
  unmatched: number;
  expected_routed?: number;
}
export interface BacktestRecall {
  rate: number;
  interval: { low: number; high: number; level: number };
}
export interface BacktestReport {
  since: string;
  until: string;
  items: number;
  candidate_rules: number;
  overall: { candidate: BacktestTotals; current: BacktestTotals };
  per_rule: { name: string; action: RoutingAction; priority: number; matched: number; decisive: number; only_rule: number }[];
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
    candidate_only: number;
    current_only: number;
    candidate_expected_caught: number;
    candidate_recall: BacktestRecall | null;
    current_recall: BacktestRecall | null;
    missed_by_candidate: string[];
  };
  judged: { total: number; candidate_routed: number };
  changes: { from: RoutingAction; to: RoutingAction; count: number }[];
  caveats: string[];
}

export const ROLES = ['admin', 'manager', 'expert', 'reviewer', 'viewer'] as const;
export type UserRole = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  project_id: string | null;
  created_at: string;
  disabled_at: string | null;
  last_sign_in_at: string | null;
}
