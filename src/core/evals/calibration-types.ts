/**
 * The shapes of evaluator calibration (see calibration.ts). Kept apart from the functions so the
 * helper modules can share them without an import cycle.
 */

/** One item both an evaluator and people judged. */
export interface CalibrationPair {
  item_id: string;
  /** When the human outcome was decided (ms since epoch). */
  at: number;
  /** The segment value the report is split by (e.g. a metadata field), null when absent. */
  segment: string | null;
  evaluator: { status: 'pass' | 'fail' | 'unknown'; score: number | null };
  /** People's outcome: approved → 'pass'; corrected or rejected → 'fail'. `score`: mean of reviewers' scores on the criterion the evaluator shares, null when none. */
  human: { verdict: 'pass' | 'fail'; score: number | null };
}

/** A point estimate with a 95% interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** Rows: evaluator; columns: people. 'fail' = the output should not pass. */
export interface CalibrationConfusion {
  pass_pass: number;
  pass_fail: number;
  fail_pass: number;
  fail_fail: number;
}

/** Agreement on the shared criterion's scores. */
export interface ScoreAgreement {
  /** Pairs where both the evaluator and people have a score. */
  n: number;
  /** Krippendorff's alpha (evaluator and people as two raters, each pair a unit) with a seeded percentile bootstrap interval. */
  alpha: Estimate | null;
  /** Quadratic-weighted Cohen's kappa with its Wald interval; only when the evaluator's scores are all integers (people's means are rounded). */
  weighted_kappa: Estimate | null;
  /** Mean of evaluator score − people's score: above 0, the evaluator scores more generously than people. */
  mean_difference: number;
}

export interface AgreementReport {
  /** Pairs with a known evaluator status. */
  n: number;
  /** Pairs the evaluator could not judge (status unknown): left out of every figure below, counted here. */
  unknown: number;
  confusion: CalibrationConfusion;
  /** Share of pairs where both agree, with a Wilson 95% interval. */
  agreement: Estimate | null;
  /** Cohen's kappa of the 2×2 table, Wald 95% interval; null when undefined (e.g. a single category). */
  kappa: Estimate | null;
  /** Of outputs the evaluator failed, the share people also failed (Wilson). */
  precision: Estimate | null;
  /** Of outputs people failed, the share the evaluator caught (Wilson). */
  recall: Estimate | null;
  /** Null when fewer than 2 pairs have both scores. */
  scores: ScoreAgreement | null;
}

export interface AgreementOptions {
  /** Krippendorff level for the scores; default 'interval'. */
  scoreLevel?: 'ordinal' | 'interval';
  /** Bootstrap resamples for the alpha interval; default 1000 (200 per bucket in agreementOverTime). */
  bootstrapSamples?: number;
  /** Bootstrap seed; a fixed default keeps a report reproducible. */
  seed?: string;
}

/** A policy rule's trust requirement for letting an evaluator auto-resolve outputs. */
export interface TrustRequirement {
  min_kappa: number;
  min_checks: number;
}

export interface TrustVerdict {
  trusted: boolean;
  /** Point kappa over the known pairs given; null when undefined. */
  kappa: number | null;
  /** Lower end of its Wald 95% interval, for display; the decision does not use it. */
  kappa_low: number | null;
  /** Known pairs (the evaluator's status was pass or fail). */
  checks: number;
  reason: string;
}
