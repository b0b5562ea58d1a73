import { isTollgateError, TollgateError } from '../errors.js';
import type { OutcomeStatus } from '../types.js';
import { krippendorffAlpha, type KrippendorffLevel } from './agreement/krippendorff-alpha.js';
import { ipwErrorRate } from './estimation/ipw-error-rate.js';
import { routingClasses, type RoutingCount } from './estimation/routing-classes.js';
import { quantileSorted } from './quantile.js';
import type { Rating, RatingValue } from './ratings.js';

/*
 * The dashboards' time series, bucketed and summarised without I/O: the store counts rows per
 * bucket, these functions lay the counts on a grid of UTC hours or days and compute each
 * bucket's statistics with the module's estimators. Bucket indexes are absolute (time / width,
 * so 0 is the bucket holding the epoch): UTC hours and days are whole multiples of the epoch.
 */

export const TIMESERIES_BUCKETS = ['hour', 'day'] as const;
export type TimeseriesBucketSize = (typeof TIMESERIES_BUCKETS)[number];

export const BUCKET_MS: Record<TimeseriesBucketSize, number> = { hour: 3_600_000, day: 86_400_000 };
export const MAX_TIMESERIES_BUCKETS = 1000;
export const DEFAULT_TIMESERIES_DAYS = 30;

/** Whole buckets from `since` (inclusive) to `until` (exclusive). */
export interface BucketGrid {
  bucket: TimeseriesBucketSize;
  width: number;
  /** Absolute index of the first bucket. */
  first: number;
  count: number;
  since: number;
  until: number;
}

export interface TimeseriesWindowQuery {
  since?: string;
  until?: string;
  bucket?: TimeseriesBucketSize;
}

function invalid(path: string, message: string): TollgateError {
  return new TollgateError('TG_VALIDATION_FAILED', `${path} ${message}`, { errors: [{ path, message }] });
}

function parseInstant(path: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(path, 'must be an ISO 8601 timestamp');
  return ms;
}

/**
 * The grid a query asks for: `until` defaults to now (this millisecond included), `since` to 30
 * days before it; both widen to whole buckets, so every bucket covers a full hour or day and
 * charts compare like with like (the bucket in progress is the exception, being partly future).
 */
export function timeseriesGrid(q: TimeseriesWindowQuery, now: number): BucketGrid {
  const bucket = q.bucket ?? 'day';
  const width = BUCKET_MS[bucket];
  const until = parseInstant('querystring.until', q.until) ?? now + 1;
  const since = parseInstant('querystring.since', q.since) ?? until - DEFAULT_TIMESERIES_DAYS * BUCKET_MS.day;
  if (since >= until) throw invalid('querystring.since', 'must be before until');
  const first = Math.floor(since / width);
  const end = Math.ceil(until / width);
  const count = end - first;
  if (count > MAX_TIMESERIES_BUCKETS) {
    throw invalid(
      'querystring.bucket',
      `the range holds ${count} ${bucket} buckets, more than ${MAX_TIMESERIES_BUCKETS}: shorten it or use a longer bucket`,
    );
  }
  return { bucket, width, first, count, since: first * width, until: end * width };
}

// ---- What the store counts -----------------------------------------------------------------

/** Production items captured, per bucket of capture time, action taken, π and outcome now. */
export interface CaptureCount {
  bucket: number;
  action: string;
  review_probability: number | null;
  outcome_status: OutcomeStatus;
  count: number;
}

/** Items captured per bucket that a rule matched. */
export interface RuleMatchCount {
  bucket: number;
  rule: string;
  count: number;
}

/** Routed items decided per bucket of decision time, by outcome. */
export interface DecisionCount {
  bucket: number;
  status: string;
  count: number;
}

/**
 * Tasks by the bucket they were created in (null: before the grid) and the bucket they stopped
 * being open in (null: open still), with how many and the earliest creation time among them.
 */
export interface TaskSpanCount {
  opened: number | null;
  closed: number | null;
  count: number;
  oldest_created_at: number;
}

/** One judgment: when, on which item, by whom, how long it took, and its value for each agreement field. */
export interface JudgmentPoint {
  at: number;
  item: string;
  reviewer: string;
  time_spent_ms: number | null;
  values: Readonly<Record<string, RatingValue | null>>;
}

export interface AgreementFieldSpec {
  name: string;
  level: KrippendorffLevel;
}

export interface TimeseriesInput {
  captures: readonly CaptureCount[];
  rules: readonly RuleMatchCount[];
  decisions: readonly DecisionCount[];
  tasks: readonly TaskSpanCount[];
  judgments: readonly JudgmentPoint[];
  /** The fields agreement can be measured on, in the rubric's order. */
  fields: readonly AgreementFieldSpec[];
}

// ---- What the dashboards draw ---------------------------------------------------------------

export interface TimeseriesBucket {
  start: string;
  captured: number;
  routed: number;
  by_rule: Record<string, number>;
  decisions: { approved: number; corrected: number; rejected: number; timed_out: number };
  judgments: number;
  time_per_task_ms: { median: number | null; p90: number | null };
  backlog: { open: number; oldest_seconds: number | null };
  agreement: Record<string, number | null>;
  quality: {
    decided: number;
    approval_rate: number | null;
    correction_rate: number | null;
    rejection_rate: number | null;
    error_rate: { estimate: number; low: number; high: number } | null;
    naive_error_rate: number | null;
  };
}

export interface TimeseriesSeries {
  rules: string[];
  agreement_fields: string[];
  buckets: TimeseriesBucket[];
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** A statistic that is undefined for these data (no pairs, no variation, nothing reviewed) is null, not an error. */
function orNull<T>(compute: () => T): T | null {
  try {
    return compute();
  } catch (err) {
    if (isTollgateError(err) && (err.code === 'TG_STATS_UNDEFINED' || err.code === 'TG_STATS_INVALID_INPUT')) return null;
    throw err;
  }
}

/** Median and 90th percentile (type 7, as everywhere in the module); nulls without values. */
export function medianAndP90(values: readonly number[]): { median: number | null; p90: number | null } {
  if (values.length === 0) return { median: null, p90: null };
  const sorted = Float64Array.from(values).sort();
  return { median: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9) };
}

/**
 * The routing-corrected error rate of the items captured in one bucket: the Hájek estimate,
 * which, unlike Horvitz–Thompson, stays within [0, 1], with its 95% interval.
 */
export function bucketErrorRate(groups: readonly RoutingCount[]): { estimate: number; low: number; high: number } | null {
  const { routed } = routingClasses(groups);
  return orNull(() => {
    const { hajek } = ipwErrorRate(routed);
    return { estimate: hajek.rate, low: hajek.interval.low, high: hajek.interval.high };
  });
}

/** Errors (reject, correct) among the routed items with a human verdict; null without any. */
export function naiveErrorRate(groups: readonly RoutingCount[]): number | null {
  let errors = 0;
  let verdicts = 0;
  for (const g of groups) {
    if (!g.reviewed) continue;
    if (g.outcome_status === 'rejected' || g.outcome_status === 'corrected') errors += g.count;
    if (g.outcome_status === 'rejected' || g.outcome_status === 'corrected' || g.outcome_status === 'approved') verdicts += g.count;
  }
  return share(errors, verdicts);
}

/**
 * Open tasks and the age of the oldest at each instant `at[k]` (the end of bucket k, or now for
 * the bucket in progress). A task created in bucket j and closed in bucket c is open at the end
 * of buckets j … c − 1. Counts come from a running sum of openings less closings; the oldest
 * from a sweep over the spans in order of creation, past those already closed, which stay
 * closed: O(spans · log spans + buckets).
 */
export function backlogAtBucketEnds(
  spans: readonly TaskSpanCount[],
  grid: BucketGrid,
  at: readonly number[],
): TimeseriesBucket['backlog'][] {
  const relative = spans.map((s) => ({
    opened: s.opened === null ? -1 : s.opened - grid.first,
    // Closed after the grid (a past window): open at every end within it.
    closed: s.closed === null || s.closed - grid.first >= grid.count ? null : s.closed - grid.first,
    count: s.count,
    oldest: s.oldest_created_at,
  }));
  const delta = new Array<number>(grid.count + 1).fill(0);
  for (const s of relative) {
    delta[Math.max(0, s.opened)]! += s.count;
    if (s.closed !== null) delta[Math.max(0, s.closed)]! -= s.count;
  }
  const ordered = relative.sort((a, b) => a.oldest - b.oldest);
  const out: TimeseriesBucket['backlog'][] = [];
  let open = 0;
  let p = 0;
  for (let k = 0; k < grid.count; k++) {
    open += delta[k]!;
    while (p < ordered.length && ordered[p]!.closed !== null && ordered[p]!.closed! <= k) p++;
    const oldest = p < ordered.length && ordered[p]!.opened <= k ? ordered[p]!.oldest : null;
    out.push({ open, oldest_seconds: oldest === null ? null : Math.max(0, at[k]! - oldest) / 1000 });
  }
  return out;
}

function emptyBucket(start: number): TimeseriesBucket {
  return {
    start: new Date(start).toISOString(),
    captured: 0,
    routed: 0,
    by_rule: {},
    decisions: { approved: 0, corrected: 0, rejected: 0, timed_out: 0 },
    judgments: 0,
    time_per_task_ms: { median: null, p90: null },
    backlog: { open: 0, oldest_seconds: null },
    agreement: {},
    quality: { decided: 0, approval_rate: null, correction_rate: null, rejection_rate: null, error_rate: null, naive_error_rate: null },
  };
}

const DECIDED = new Set(['approved', 'corrected', 'rejected', 'timed_out']);

/** Every bucket of the grid from the store's counts, zeros where nothing happened. */
export function buildTimeseries(grid: BucketGrid, input: TimeseriesInput, now: number): TimeseriesSeries {
  const buckets = Array.from({ length: grid.count }, (_, k) => emptyBucket(grid.since + k * grid.width));
  const at = (bucket: number): TimeseriesBucket | undefined => buckets[bucket - grid.first];

  const routing = buckets.map((): RoutingCount[] => []);
  for (const c of input.captures) {
    const b = at(c.bucket);
    if (b === undefined) continue;
    const reviewed = c.action !== 'pass';
    b.captured += c.count;
    if (reviewed) b.routed += c.count;
    routing[c.bucket - grid.first]!.push({
      review_probability: c.review_probability,
      reviewed,
      outcome_status: c.outcome_status,
      count: c.count,
    });
  }

  const ruleTotals = new Map<string, number>();
  for (const r of input.rules) {
    const b = at(r.bucket);
    if (b === undefined) continue;
    b.by_rule[r.rule] = (b.by_rule[r.rule] ?? 0) + r.count;
    ruleTotals.set(r.rule, (ruleTotals.get(r.rule) ?? 0) + r.count);
  }

  for (const d of input.decisions) {
    const b = at(d.bucket);
    if (b === undefined || !DECIDED.has(d.status)) continue;
    b.decisions[d.status as keyof TimeseriesBucket['decisions']] += d.count;
  }

  const judged = buckets.map((): JudgmentPoint[] => []);
  for (const j of input.judgments) judged[Math.floor(j.at / grid.width) - grid.first]?.push(j);
  const fields = input.fields.filter((f) => input.judgments.some((j) => (j.values[f.name] ?? null) !== null));

  const ends = buckets.map((_, k) => Math.min(grid.since + (k + 1) * grid.width, now));
  const backlog = backlogAtBucketEnds(input.tasks, grid, ends);

  buckets.forEach((b, k) => {
    const { approved, corrected, rejected } = b.decisions;
    const decided = approved + corrected + rejected;
    b.quality = {
      decided,
      approval_rate: share(approved, decided),
      correction_rate: share(corrected, decided),
      rejection_rate: share(rejected, decided),
      error_rate: bucketErrorRate(routing[k]!),
      naive_error_rate: naiveErrorRate(routing[k]!),
    };
    const list = judged[k]!;
    b.judgments = list.length;
    b.time_per_task_ms = medianAndP90(list.flatMap((j) => (j.time_spent_ms === null ? [] : [j.time_spent_ms])));
    for (const f of fields) {
      const ratings: Rating[] = list.map((j) => ({ unit: j.item, rater: j.reviewer, value: j.values[f.name] ?? null }));
      b.agreement[f.name] = ratings.length < 2 ? null : orNull(() => krippendorffAlpha(ratings, { level: f.level }).value);
    }
    b.backlog = backlog[k]!;
  });

  return {
    rules: [...ruleTotals.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([rule]) => rule),
    agreement_fields: fields.map((f) => f.name),
    buckets,
  };
}
