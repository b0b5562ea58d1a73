import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import { pathProblem } from '../policy/item-path.js';
import { summarizeProblems } from '../policy/policy-validate.js';
import { DEFAULT_TARGET_ARL0, defaultCusumThreshold, defaultPageHinkleyThreshold } from './cusum-run-length.js';

/**
 * A project's monitors: drift monitors compare a field's distribution in a current window with a
 * reference window; error-rate monitors run a sequential detector on the human-found error rate.
 * Monitors are accepted only through `readMonitorSpec` / `readMonitorSet`, which report every
 * problem with its path at once and fill in every default (including an error-rate monitor's
 * threshold), so a stored monitor means the same thing after defaults change.
 */
export const MONITOR_KINDS = ['drift', 'error_rate'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];
export const DRIFT_TESTS = ['psi', 'ks', 'chi_square'] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];
export const DRIFT_VALUE_TYPES = ['numeric', 'categorical'] as const;
export type DriftValueType = (typeof DRIFT_VALUE_TYPES)[number];
export const DETECTORS = ['cusum', 'page_hinkley'] as const;
/** Item fields that are always numbers; any other drift field is a `metadata.<path>`. */
export const NUMERIC_ITEM_FIELDS = ['confidence', 'input.length', 'output.length'] as const;

export const MONITOR_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const MAX_MONITORS = 50;
/** The upper end of PSI's "moderate shift" band (see `psiReading`): above it the shift is significant. */
export const DEFAULT_PSI_THRESHOLD = 0.25;
export const DEFAULT_P_VALUE_THRESHOLD = 0.01;
export const DEFAULT_REFERENCE_DAYS = 7;
export const DEFAULT_CURRENT_HOURS = 24;
export const DEFAULT_MIN_SAMPLES = 100;
export const DEFAULT_BOOST_HOURS = 24;
const MAX_PATH_CHARS = 200;
const MAX_SEGMENT_VALUE_CHARS = 200;

/** Only items whose `field` (stringified) equals `value` enter either window. */
export interface MonitorSegment {
  /** `model`, `model_version` or `metadata.<path>`. */
  field: string;
  value: string;
}

/** On an alert, review sampling of the affected items is raised to `sample_rate` for `hours`. */
export interface MonitorBoost {
  sample_rate: number;
  hours: number;
}

/**
 * `rolling`: the `days` before the current window, ending `gap_days` before it starts (a gap keeps
 * a slow drift from leaking into the reference). `fixed`: a period known to be good, as ISO
 * instants (stored normalised to UTC).
 */
export type ReferenceWindow = { type: 'rolling'; days: number; gap_days: number } | { type: 'fixed'; since: string; until: string };

export interface DriftMonitorSpec {
  name: string;
  kind: 'drift';
  /** `confidence`, `input.length`, `output.length` or `metadata.<path>`. */
  field: string;
  value_type: DriftValueType;
  /** psi: numeric (binned at the reference deciles) or categorical; ks: numeric; chi_square: categorical. */
  test: DriftTest;
  /** psi: drift when PSI ≥ threshold; ks and chi_square: drift when p ≤ threshold. */
  threshold: number;
  reference: ReferenceWindow;
  /** The current window: the last `current_hours` hours. */
  current_hours: number;
  /** Fewer usable values than this in either window gives no verdict. */
  min_samples: number;
  segment: MonitorSegment | null;
  boost: MonitorBoost | null;
}

export interface ErrorRateMonitorSpec {
  name: string;
  kind: 'error_rate';
  detector: (typeof DETECTORS)[number];
  /** In-control error rate p₀ (for example the historical human-found error rate). */
  baseline_rate: number;
  /** The rate p₁ > p₀ to detect quickly. */
  detect_rate: number;
  /**
   * CUSUM h (log-likelihood units) or Page–Hinkley λ (error counts). Defaults to the value whose
   * in-control average run length is about 1000 observations (`defaultCusumThreshold`).
   */
  threshold: number;
  segment: MonitorSegment | null;
  boost: MonitorBoost | null;
}

export type MonitorSpec = DriftMonitorSpec | ErrorRateMonitorSpec;

export interface MonitorSetDocument {
  monitors: MonitorSpec[];
}

export interface MonitorProblem {
  path: string;
  message: string;
}

const COMMON_KEYS = ['name', 'kind', 'segment', 'boost'];
const DRIFT_KEYS = new Set([...COMMON_KEYS, 'field', 'value_type', 'test', 'threshold', 'reference', 'current_hours', 'min_samples']);
const ERROR_RATE_KEYS = new Set([...COMMON_KEYS, 'detector', 'baseline_rate', 'detect_rate', 'threshold']);

const join = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`);

class Problems {
  readonly list: MonitorProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(at: string, value: Record<string, unknown>, allowed: ReadonlySet<string>): void {
    for (const key of Object.keys(value)) if (!allowed.has(key)) this.add(join(at, key), 'unknown field');
  }
}

interface Bounds {
  min: number;
  max: number;
  /** Excludes `min` itself. */
  above?: boolean;
  integer?: boolean;
}

function describe(b: Bounds): string {
  const kind = b.integer ? 'a whole number' : 'a number';
  return b.above ? `${kind} above ${b.min} and at most ${b.max}` : `${kind} from ${b.min} to ${b.max}`;
}

/** The number at `raw[key]`, `fallback` when absent, or undefined (with a problem) when invalid. */
function readNumber(
  raw: Record<string, unknown>,
  key: string,
  at: string,
  b: Bounds,
  fallback: number | undefined,
  problems: Problems,
): number | undefined {
  const value = raw[key];
  if (value === undefined && fallback !== undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (b.above ? value > b.min : value >= b.min) &&
    value <= b.max &&
    (!b.integer || Number.isInteger(value));
  if (ok) return value;
  problems.add(join(at, key), value === undefined ? `is required: ${describe(b)}` : `must be ${describe(b)}`);
  return undefined;
}

function readChoice<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  at: string,
  choices: readonly T[],
  fallback: T | undefined,
  problems: Problems,
): T | undefined {
  const value = raw[key] ?? fallback;
  if ((choices as readonly unknown[]).includes(value)) return value as T;
  problems.add(join(at, key), `${value === undefined ? 'is required: ' : 'must be '}one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  return undefined;
}

function isMetadataPath(value: string): boolean {
  return value.startsWith('metadata.') && value.length <= MAX_PATH_CHARS && pathProblem(value) === null;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** Milliseconds of an ISO 8601 date or date-time with an offset, or undefined. Date.parse alone accepts 30 February. */
function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_INSTANT.exec(value);
  if (m === null) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = m
    .slice(1)
    .map((g) => Number(g ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function readReference(raw: unknown, at: string, problems: Problems): ReferenceWindow | undefined {
  if (raw === undefined) return { type: 'rolling', days: DEFAULT_REFERENCE_DAYS, gap_days: 0 };
  if (!isRecord(raw)) {
    problems.add(at, 'must be {"type": "rolling", "days": n} or {"type": "fixed", "since": ISO, "until": ISO}');
    return undefined;
  }
  const type = readChoice(raw, 'type', at, ['rolling', 'fixed'] as const, undefined, problems);
  if (type === 'rolling') {
    problems.unknownKeys(at, raw, new Set(['type', 'days', 'gap_days']));
    const days = readNumber(raw, 'days', at, { min: 1, max: 365, integer: true }, DEFAULT_REFERENCE_DAYS, problems);
    const gap = readNumber(raw, 'gap_days', at, { min: 0, max: 365, integer: true }, 0, problems);
    return days === undefined || gap === undefined ? undefined : { type, days, gap_days: gap };
  }
  if (type === 'fixed') {
    problems.unknownKeys(at, raw, new Set(['type', 'since', 'until']));
    const since = parseInstant(raw['since']);
    const until = parseInstant(raw['until']);
    if (since === undefined)
      problems.add(join(at, 'since'), 'must be an ISO 8601 date or date-time with an offset, such as "2025-01-01T00:00:00Z"');
    if (until === undefined)
      problems.add(join(at, 'until'), 'must be an ISO 8601 date or date-time with an offset, such as "2025-01-08T00:00:00Z"');
    if (since === undefined || until === undefined) return undefined;
    if (since >= until) {
      problems.add(join(at, 'until'), 'must be after "since"');
      return undefined;
    }
    return { type, since: new Date(since).toISOString(), until: new Date(until).toISOString() };
  }
  return undefined;
}

function readSegment(raw: unknown, at: string, problems: Problems): MonitorSegment | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (!isRecord(raw)) {
    problems.add(at, 'must be {"field": "metadata.<path>", "value": "..."} or null');
    return undefined;
  }
  problems.unknownKeys(at, raw, new Set(['field', 'value']));
  const field = raw['field'];
  const value = raw['value'];
  const fieldOk = field === 'model' || field === 'model_version' || (typeof field === 'string' && isMetadataPath(field));
  if (!fieldOk) problems.add(join(at, 'field'), 'must be "model", "model_version" or "metadata.<path>"');
  const valueOk = typeof value === 'string' && value !== '' && value.length <= MAX_SEGMENT_VALUE_CHARS;
  if (!valueOk) problems.add(join(at, 'value'), `must be a non-empty string of at most ${MAX_SEGMENT_VALUE_CHARS} characters`);
  return fieldOk && valueOk ? { field, value } : undefined;
}

function readBoost(raw: unknown, at: string, problems: Problems): MonitorBoost | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (!isRecord(raw)) {
    problems.add(at, 'must be {"sample_rate": 0..1, "hours": n} or null');
    return undefined;
  }
  problems.unknownKeys(at, raw, new Set(['sample_rate', 'hours']));
  const rate = readNumber(raw, 'sample_rate', at, { min: 0, max: 1 }, undefined, problems);
  const hours = readNumber(raw, 'hours', at, { min: 1, max: 720, integer: true }, DEFAULT_BOOST_HOURS, problems);
  return rate === undefined || hours === undefined ? undefined : { sample_rate: rate, hours };
}

function readDriftValueType(
  raw: Record<string, unknown>,
  at: string,
  field: string | undefined,
  problems: Problems,
): DriftValueType | undefined {
  const builtIn = field !== undefined && (NUMERIC_ITEM_FIELDS as readonly string[]).includes(field);
  if (raw['value_type'] === undefined) {
    if (field === undefined) return undefined;
    if (builtIn || raw['test'] === 'ks') return 'numeric';
    if (raw['test'] === 'chi_square') return 'categorical';
    problems.add(join(at, 'value_type'), 'is required for a metadata field: "numeric" or "categorical"');
    return undefined;
  }
  const type = readChoice(raw, 'value_type', at, DRIFT_VALUE_TYPES, undefined, problems);
  if (type === 'categorical' && builtIn) problems.add(join(at, 'value_type'), `"${field}" is numeric`);
  return type;
}

function readDrift(raw: Record<string, unknown>, at: string, name: string | undefined, problems: Problems): DriftMonitorSpec | undefined {
  problems.unknownKeys(at, raw, DRIFT_KEYS);
  const before = problems.list.length;
  const rawField = raw['field'];
  let field: string | undefined;
  if (typeof rawField === 'string' && ((NUMERIC_ITEM_FIELDS as readonly string[]).includes(rawField) || isMetadataPath(rawField)))
    field = rawField;
  else problems.add(join(at, 'field'), 'must be "confidence", "input.length", "output.length" or "metadata.<path>"');
  const valueType = readDriftValueType(raw, at, field, problems);
  const test = readChoice(raw, 'test', at, DRIFT_TESTS, 'psi', problems);
  if (test === 'ks' && valueType === 'categorical') {
    problems.add(join(at, 'test'), '"ks" compares numbers: use "chi_square" or "psi" for a categorical field');
  }
  if (test === 'chi_square' && valueType === 'numeric') {
    problems.add(join(at, 'test'), '"chi_square" compares categories: use "ks" or "psi" for a numeric field');
  }
  let threshold: number | undefined;
  if (test === 'psi') threshold = readNumber(raw, 'threshold', at, { min: 0, max: 10, above: true }, DEFAULT_PSI_THRESHOLD, problems);
  else if (test !== undefined) {
    // A p-value threshold: the false-alarm probability of one comparison.
    threshold = readNumber(raw, 'threshold', at, { min: 0, max: 0.5, above: true }, DEFAULT_P_VALUE_THRESHOLD, problems);
  }
  const reference = readReference(raw['reference'], join(at, 'reference'), problems);
  const currentHours = readNumber(raw, 'current_hours', at, { min: 1, max: 2160, integer: true }, DEFAULT_CURRENT_HOURS, problems);
  const minSamples = readNumber(raw, 'min_samples', at, { min: 1, max: 1_000_000, integer: true }, DEFAULT_MIN_SAMPLES, problems);
  const segment = readSegment(raw['segment'], join(at, 'segment'), problems);
  const boost = readBoost(raw['boost'], join(at, 'boost'), problems);
  if (problems.list.length > before || name === undefined) return undefined;
  return {
    name,
    kind: 'drift',
    field: field!,
    value_type: valueType!,
    test: test!,
    threshold: threshold!,
    reference: reference!,
    current_hours: currentHours!,
    min_samples: minSamples!,
    segment: segment!,
    boost: boost!,
  };
}

function readErrorRate(
  raw: Record<string, unknown>,
  at: string,
  name: string | undefined,
  problems: Problems,
): ErrorRateMonitorSpec | undefined {
  problems.unknownKeys(at, raw, ERROR_RATE_KEYS);
  const before = problems.list.length;
  const detector = readChoice(raw, 'detector', at, DETECTORS, 'cusum', problems);
  const p0 = readNumber(raw, 'baseline_rate', at, { min: 0, max: 0.99, above: true }, undefined, problems);
  const p1 = readNumber(raw, 'detect_rate', at, { min: 0, max: 0.999, above: true }, undefined, problems);
  if (p0 !== undefined && p1 !== undefined && p1 <= p0) problems.add(join(at, 'detect_rate'), 'must be above baseline_rate');
  let threshold: number | undefined;
  if (raw['threshold'] !== undefined) threshold = readNumber(raw, 'threshold', at, { min: 0, max: 1000, above: true }, undefined, problems);
  const segment = readSegment(raw['segment'], join(at, 'segment'), problems);
  const boost = readBoost(raw['boost'], join(at, 'boost'), problems);
  if (problems.list.length > before || name === undefined) return undefined;
  threshold ??=
    detector === 'cusum'
      ? defaultCusumThreshold(p0!, p1!, DEFAULT_TARGET_ARL0)
      : defaultPageHinkleyThreshold(p0!, p1!, DEFAULT_TARGET_ARL0);
  return {
    name,
    kind: 'error_rate',
    detector: detector!,
    baseline_rate: p0!,
    detect_rate: p1!,
    threshold,
    segment: segment!,
    boost: boost!,
  };
}

function readMonitor(raw: unknown, at: string, problems: Problems): MonitorSpec | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object with "name" and "kind"');
    return undefined;
  }
  const rawName = raw['name'];
  let name: string | undefined;
  if (typeof rawName === 'string' && MONITOR_NAME.test(rawName)) name = rawName;
  else problems.add(join(at, 'name'), 'must be lower case letters, digits, _ and - (starting with a letter, at most 63)');
  const kind = readChoice(raw, 'kind', at, MONITOR_KINDS, undefined, problems);
  if (kind === 'drift') return readDrift(raw, at, name, problems);
  if (kind === 'error_rate') return readErrorRate(raw, at, name, problems);
  return undefined;
}

function fail(problems: Problems): never {
  const list = problems.list;
  throw new TollgateError('TG_INVALID_MONITORS', summarizeProblems(list), { errors: list });
}

/** Validates one monitor as written by a person; throws TG_INVALID_MONITORS with `details.errors` (paths like `reference.days`). */
export function readMonitorSpec(raw: unknown): MonitorSpec {
  const problems = new Problems();
  const spec = readMonitor(raw, '', problems);
  if (problems.list.length > 0 || spec === undefined) fail(problems);
  return spec;
}

/** Validates `{"monitors": [...]}`: at most 50 monitors with unique names; paths like `monitors[2].threshold`. */
export function readMonitorSet(raw: unknown): MonitorSetDocument {
  const problems = new Problems();
  const monitors: MonitorSpec[] = [];
  if (!isRecord(raw) || !Array.isArray(raw['monitors'])) problems.add('', 'must be an object with a "monitors" array');
  else {
    problems.unknownKeys('', raw, new Set(['monitors']));
    const list = raw['monitors'] as unknown[];
    if (list.length > MAX_MONITORS) problems.add('monitors', `must have at most ${MAX_MONITORS} monitors`);
    const seen = new Set<string>();
    list.slice(0, MAX_MONITORS).forEach((entry, i) => {
      const spec = readMonitor(entry, `monitors[${i}]`, problems);
      // Checked on the raw name so a duplicate is reported even when either monitor has other problems.
      const name = isRecord(entry) ? entry['name'] : undefined;
      if (typeof name === 'string') {
        if (seen.has(name)) problems.add(`monitors[${i}].name`, `"${name}" is used twice`);
        seen.add(name);
      }
      if (spec !== undefined) monitors.push(spec);
    });
  }
  if (problems.list.length > 0) fail(problems);
  return { monitors };
}
