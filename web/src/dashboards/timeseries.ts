/**
 * The contract of `GET /v1/projects/{project_id}/stats/timeseries` (permission `stats:read`),
 * which the dashboards draw. Query: `since`, `until` (ISO 8601; default the last 30 days up to
 * now), `bucket` = `hour` | `day` (default `day`; at most 1,000 buckets), `model_version`
 * (optional: only items of that model version). Buckets are half-open [start, start + bucket)
 * in UTC, every bucket of the range present (zeros, not gaps).
 */
export interface Timeseries {
  project_id: string;
  since: string;
  until: string;
  bucket: 'hour' | 'day';
  model_version: string | null;
  /** Every model version seen in the project's production items, for the filter. */
  model_versions: string[];
  /** Every rule name that appears in any bucket's `by_rule`, in order of total count (largest first). */
  rules: string[];
  /** Every agreement field that appears in any bucket: `verdict`, `scores.<criterion>`. */
  agreement_fields: string[];
  buckets: TimeseriesBucket[];
}

export interface TimeseriesBucket {
  /** Start of the bucket (ISO 8601, UTC). */
  start: string;
  /** Production items captured in the bucket (gold probes excluded). */
  captured: number;
  /** Of those, how many the policy sent to people (action review or hold). */
  routed: number;
  /** Of those captured, how many each rule matched (an item matched by two rules counts for both). */
  by_rule: Record<string, number>;
  /** Outcomes people decided in the bucket (by decided_at), by status. */
  decisions: { approved: number; corrected: number; rejected: number; timed_out: number };
  /** Judgments submitted in the bucket: review throughput. */
  judgments: number;
  /** Median and 90th percentile of judgments' time_spent_ms in the bucket; null without any. */
  time_per_task_ms: { median: number | null; p90: number | null };
  /** Tasks open (pending or claimed) at the end of the bucket, and the age of the oldest then. */
  backlog: { open: number; oldest_seconds: number | null };
  /** Krippendorff's alpha per field over items with two or more judgments submitted in the bucket; null when undefined. */
  agreement: Record<string, number | null>;
  /** Model quality among items people decided in the bucket. Rates are shares of decided items; null without any. */
  quality: {
    decided: number;
    approval_rate: number | null;
    correction_rate: number | null;
    rejection_rate: number | null;
    /** The routing-corrected (inverse-probability weighted) error rate for items captured in the bucket, with its 95% interval; null when it cannot be estimated. */
    error_rate: { estimate: number; low: number; high: number } | null;
    /** The naive error rate among reviewed items captured in the bucket; null without any. */
    naive_error_rate: number | null;
  };
}
