/** Number and time formatting for the quality pages: what a manager scans in a table. */

const count = new Intl.NumberFormat(undefined);

export function formatCount(n: number): string {
  return count.format(n);
}

/** A share in [0, 1] as "87%" (or "87.5%" with digits); "—" when there is no value. */
export function formatShare(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

/** A statistic like Krippendorff's alpha, which can be negative: two decimals. */
export function formatStat(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(2);
}

/** An age in seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

/** A Wilson (or bootstrap) interval as text: "70%–90% (95%)". */
export function formatInterval(interval: { low: number; high: number; level?: number } | null | undefined): string {
  if (!interval) return '—';
  const level = interval.level === undefined ? '' : ` (${formatShare(interval.level)})`;
  return `${formatShare(interval.low)}–${formatShare(interval.high)}${level}`;
}

/** A model input or output, shortened to one line for a table cell. */
export function previewText(value: unknown, max = 140): string {
  const text = toText(value).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    // Chat input: the last message is what the model answered.
    const last: unknown = value[value.length - 1];
    if (last && typeof last === 'object' && 'content' in last) return toText(last.content);
  }
  if (value && typeof value === 'object' && 'content' in value && typeof value.content === 'string') return value.content;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** A model input or output in full: text as sent, anything else as indented JSON. */
export function displayText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}
