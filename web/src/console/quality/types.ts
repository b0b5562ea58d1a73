import type { Schemas } from '../../api/client.js';

// Shapes of the quality endpoints, as docs/openapi.json declares them (the generated SDK types
// cover only the SDK's own routes, and the calibration answers are declared open there).

export type ReviewerStanding = Schemas['ReviewerStanding'];
export type StandingStatus = ReviewerStanding['status'];
export type Item = Schemas['Item'];
export type Verdict = 'approve' | 'reject' | 'correct';

export interface QueueStatus {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_seconds: number | null;
  overdue: number;
  breached_24h: number;
  sla: { sla: { min_priority: number; seconds: number }[]; on_breach: string } | null;
}

export interface Interval {
  low: number;
  high: number;
  level: number;
}

export interface ReviewerStats {
  reviewer: string;
  judgments: number;
  agreement_with_peers: {
    agreed: number;
    compared: number;
    rate: number | null;
    interval: Interval | null;
    skipped_ties: number;
    skipped_alone: number;
  } | null;
  gold: { correct: number; total: number; accuracy: number | null; interval: Interval | null } | null;
}

export interface ReviewerStatsReport {
  project_id: string;
  field: string;
  reviewers: ReviewerStats[];
}

/** A statistic, or why it has no value for these judgments. */
export interface Measured {
  defined: boolean;
  value?: number;
  reason?: string;
  units?: number;
}

export interface FieldAgreement {
  field: string;
  level: 'nominal' | 'ordinal' | 'interval' | 'ratio';
  units: number;
  krippendorff_alpha: Measured;
  percent_agreement: Measured;
}

export interface AgreementReport {
  project_id: string;
  judgments: number;
  multiply_judged_items: number;
  fields: FieldAgreement[];
}

export interface SessionSummary {
  id: string;
  project_id: string;
  name: string;
  status: 'open' | 'closed';
  rubric_version: number;
  created_at: string;
  created_by: string;
  closed_at: string | null;
  item_count: number;
  reviewer_count: number;
  progress: { judged: number; expected: number; reviewers_done: number };
}

export interface CalibrationSession {
  id: string;
  project_id: string;
  name: string;
  status: 'open' | 'closed';
  item_ids: string[];
  reviewers: string[];
  rubric_version: number;
  created_at: string;
  created_by: string;
  closed_at: string | null;
}

export interface SessionWithProgress extends CalibrationSession {
  progress: { reviewer: string; judged: number }[];
}

export interface CalibrationReport {
  session: CalibrationSession;
  items: {
    item_id: string;
    judgments: number;
    votes: Partial<Record<Verdict, number>>;
    majority: Verdict | null;
    agreement: number | null;
    gold: Verdict | null;
    comments: { reviewer: string; comment: string | null }[];
  }[];
  criteria: { field: string; level: string; krippendorff_alpha: Measured }[];
  reviewers: {
    reviewer: string;
    judged: number;
    distance_from_consensus: number | null;
    compared_with_consensus: number;
    distance_from_gold: number | null;
    gold_items: number;
  }[];
}

export interface GoldAnswer {
  item_id: string;
  verdict: string | null;
  scores: unknown;
  answer: unknown;
  note: string | null;
  created_at: string;
  created_by: string;
}
