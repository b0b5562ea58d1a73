/** Number and time formats of the dashboards, in the viewer's locale and local time zone. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return integer.format(n);
}

/** A share in [0, 1] as a percentage; `—` when there is nothing to divide. */
export function formatRate(r: number | null | undefined, digits = 1): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  return `${(r * 100).toFixed(digits)}%`;
}

export function formatAlpha(a: number | null | undefined): string {
  if (a === null || a === undefined || !Number.isFinite(a)) return '—';
  return a.toFixed(3);
}

/** A duration the way a person says it: 420 ms, 4.2 s, 3.5 min, 1.2 h, 2.1 d. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${integer.format(ms)} ms`;
  if (abs < 60_000) return `${oneDecimal.format(ms / 1000)} s`;
  if (abs < 3_600_000) return `${oneDecimal.format(ms / 60_000)} min`;
  if (abs < 86_400_000) return `${oneDecimal.format(ms / 3_600_000)} h`;
  return `${oneDecimal.format(ms / 86_400_000)} d`;
}

export function formatSeconds(s: number | null | undefined): string {
  return s === null || s === undefined ? '—' : formatDuration(s * 1000);
}

const hourFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
// Day buckets are UTC days: naming them by their UTC date keeps a day from showing as the one before
// west of Greenwich. Hours are shown in local time.
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** Which bucket it is: day buckets by their (UTC) date, hour buckets by local date and time. */
export function formatBucketStart(date: Date, bucket: 'hour' | 'day'): string {
  return bucket === 'hour' ? hourFormat.format(date) : dayFormat.format(date);
}

export function formatDateTime(date: Date): string {
  return hourFormat.format(date);
}
