/**
 * The dashboard's filters live in the URL query string so a dashboard can be shared as a link:
 * `range` (24h | 7d | 30d | 90d | custom), `from` / `to` (YYYY-MM-DD, custom only, both inclusive),
 * `bucket` (hour | day) and `model_version`. Defaults are left out of the URL.
 */

export type RangeKey = '24h' | '7d' | '30d' | '90d' | 'custom';
export type Bucket = 'hour' | 'day';

export interface Filters {
  range: RangeKey;
  from: string;
  to: string;
  bucket: Bucket;
  modelVersion: string;
}

export const RANGE_LABELS: Record<RangeKey, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  custom: 'Custom range',
};

const RANGE_DAYS: Record<Exclude<RangeKey, 'custom'>, number> = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 };

/** The server draws at most this many buckets. */
export const MAX_BUCKETS = 1000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function bucketMs(bucket: Bucket): number {
  return bucket === 'hour' ? HOUR_MS : DAY_MS;
}

export function defaultBucket(range: RangeKey): Bucket {
  return range === '24h' ? 'hour' : 'day';
}

function isRange(v: string | null): v is RangeKey {
  return v === '24h' || v === '7d' || v === '30d' || v === '90d' || v === 'custom';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A local calendar date as YYYY-MM-DD, the value of a date input. */
export function toDateInput(d: Date): string {
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${m}-${day}`;
}

function fromDateInput(s: string): Date | null {
  if (!DATE.test(s)) return null;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function readFilters(params: URLSearchParams, today: Date = new Date()): Filters {
  const rangeParam = params.get('range');
  const range: RangeKey = isRange(rangeParam) ? rangeParam : '30d';
  const bucketParam = params.get('bucket');
  const bucket: Bucket = bucketParam === 'hour' || bucketParam === 'day' ? bucketParam : defaultBucket(range);
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    range,
    from: DATE.test(from) ? from : toDateInput(new Date(today.getTime() - 29 * DAY_MS)),
    to: DATE.test(to) ? to : toDateInput(today),
    bucket,
    modelVersion: params.get('model_version') ?? '',
  };
}

export function writeFilters(f: Filters): URLSearchParams {
  const out = new URLSearchParams();
  if (f.range !== '30d') out.set('range', f.range);
  if (f.range === 'custom') {
    out.set('from', f.from);
    out.set('to', f.to);
  }
  if (f.bucket !== defaultBucket(f.range)) out.set('bucket', f.bucket);
  if (f.modelVersion !== '') out.set('model_version', f.modelVersion);
  return out;
}

export interface ResolvedRange {
  since: Date;
  until: Date;
  bucket: Bucket;
  /** Why the asked-for bucket could not be used, or why the range is invalid. */
  note: string | null;
  /** A custom range that cannot be asked for (from after to, a malformed date). */
  invalid: boolean;
}

function bucketCount(since: Date, until: Date, bucket: Bucket): number {
  return Math.ceil((until.getTime() - since.getTime()) / bucketMs(bucket));
}

function floorUtc(t: number, bucket: Bucket): number {
  return Math.floor(t / bucketMs(bucket)) * bucketMs(bucket);
}

/**
 * The instants to ask the server for. Relative ranges start on a bucket boundary so the first
 * bucket is a whole one and the last one is the one in progress; custom ranges run from local
 * midnight of `from` to midnight after `to` (UTC midnights for day buckets).
 */
export function resolveRange(f: Filters, now: Date): ResolvedRange {
  if (f.range === 'custom') {
    const from = fromDateInput(f.from);
    const to = fromDateInput(f.to);
    if (!from || !to) return { since: now, until: now, bucket: f.bucket, note: 'Enter both dates.', invalid: true };
    // Day buckets are UTC days, and the server widens a range to whole buckets: UTC midnights keep
    // the days asked for from growing a day on either side. Hours follow local midnight.
    const start = f.bucket === 'day' ? new Date(Date.UTC(from.getFullYear(), from.getMonth(), from.getDate())) : from;
    const until =
      f.bucket === 'day'
        ? new Date(Date.UTC(to.getFullYear(), to.getMonth(), to.getDate() + 1))
        : new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
    if (start.getTime() >= until.getTime()) {
      return { since: start, until, bucket: f.bucket, note: 'The start date must not be after the end date.', invalid: true };
    }
    return fitBucket(start, until, f.bucket);
  }
  const days = RANGE_DAYS[f.range];
  const step = bucketMs(f.bucket);
  const buckets = Math.round((days * DAY_MS) / step);
  const since = new Date(floorUtc(now.getTime(), f.bucket) - (buckets - 1) * step);
  return fitBucket(since, now, f.bucket);
}

function fitBucket(since: Date, until: Date, bucket: Bucket): ResolvedRange {
  if (bucket === 'hour' && bucketCount(since, until, 'hour') > MAX_BUCKETS) {
    return { since, until, bucket: 'day', note: 'Too many hours for this range: showing days.', invalid: false };
  }
  if (bucketCount(since, until, bucket) > MAX_BUCKETS) {
    const since2 = new Date(until.getTime() - MAX_BUCKETS * bucketMs(bucket));
    return { since: since2, until, bucket, note: `Showing the last ${MAX_BUCKETS} days of the range.`, invalid: false };
  }
  return { since, until, bucket, note: null, invalid: false };
}

/** Whether hourly buckets fit the range (for disabling the option). */
export function hourlyFits(f: Filters, now: Date): boolean {
  const r = resolveRange({ ...f, bucket: 'hour' }, now);
  return r.invalid || r.bucket === 'hour';
}
