/** Number and time formatting for the quality pages: what a manager scans in a table. */
import { formatPercent } from '../shared/time.js';

// Counts, shares and ages are formatted as everywhere in the console (one implementation).
export { formatCount, formatDuration } from '../shared/time.js';

/** A share in [0, 1] as "87%" (or "87.5%" with digits); "—" when there is no value. */
export function formatShare(x: number | null | undefined, digits = 0): string {
  return formatPercent(x !== null && x !== undefined && Number.isFinite(x) ? x : null, digits);
}

/** A statistic like Krippendorff's alpha, which can be negative: two decimals. */
export function formatStat(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(2);
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
