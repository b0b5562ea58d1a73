import { chiSquareHomogeneity } from '../stats/drift/chi-square.js';
import { ksTwoSample } from '../stats/drift/ks-test.js';
import { psi, psiFromCounts, psiReading } from '../stats/drift/psi.js';
import { quantileSorted } from '../stats/quantile.js';
import type { DriftMonitorSpec, DriftTest } from './monitor-spec.js';

/**
 * One pass of a drift monitor: the values of its field in the reference window against those in
 * the current window, judged by the monitor's test and threshold. Pure: the caller collects the
 * values (and applies the segment filter).
 *
 * Numeric monitors count anything but a finite number as missing (a metadata field that is
 * sometimes a string must not turn into NaN); categorical monitors take strings and finite
 * numbers as category labels (by their string form, so 1 and "1" are one category) and count
 * anything else as missing.
 *
 * Categorical fields with many values (user ids, free text) would spread the counts over cells
 * too small for the chi-square approximation and for PSI's logarithms; the most frequent
 * categories over both windows are kept and the rest pooled into one cell, the usual remedy for
 * sparse cells in a chi-square test (Cochran 1954, Biometrics 10:417–451).
 */
export const MAX_DRIFT_CATEGORIES = 20;
export const SUMMARY_TOP_CATEGORIES = 5;

export interface NumericSummary {
  type: 'numeric';
  n: number;
  missing: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

export interface CategoricalSummary {
  type: 'categorical';
  n: number;
  missing: number;
  distinct: number;
  /** The most frequent categories of this window with their share of its n, largest first. */
  top: { value: string; share: number }[];
}

export type WindowSummary = NumericSummary | CategoricalSummary;

export interface DriftVerdict {
  /** `insufficient` when a window has fewer than `min_samples` usable values: no verdict then. */
  status: 'ok' | 'drift' | 'insufficient';
  /** PSI; KS's D; chi-square's X². Null when insufficient. */
  statistic: number | null;
  /** KS and chi-square p-value; null for PSI (which has none) and when insufficient. */
  p_value: number | null;
  test: DriftTest;
  threshold: number;
  reference_n: number;
  current_n: number;
  summary: { reference: WindowSummary; current: WindowSummary };
  reason: string;
}

type Sample = readonly unknown[];

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential(2) : String(Number(x.toPrecision(4))));

function numericValues(values: Sample): number[] {
  const out: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  return out;
}

function categoricalValues(values: Sample): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
  }
  return out;
}

function numericSummary(values: number[], total: number): NumericSummary {
  const n = values.length;
  if (n === 0) return { type: 'numeric', n, missing: total, mean: null, p50: null, p90: null, min: null, max: null };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    type: 'numeric',
    n,
    missing: total - n,
    mean: sum / n,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    min: sorted[0]!,
    max: sorted[n - 1]!,
  };
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Largest count first; ties by label so the order never depends on arrival order. */
const byCount = (a: [string, number], b: [string, number]): number => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function categoricalSummary(counts: Map<string, number>, n: number, total: number): CategoricalSummary {
  const top = [...counts.entries()]
    .sort(byCount)
    .slice(0, SUMMARY_TOP_CATEGORIES)
    .map(([value, count]) => ({ value, share: count / n }));
  return { type: 'categorical', n, missing: total - n, distinct: counts.size, top };
}

/** Positional counts over the kept categories, the rest pooled in a last cell. */
function alignedCategoryCounts(ref: Map<string, number>, cur: Map<string, number>): { reference: number[]; current: number[] } {
  const pooled = new Map(ref);
  for (const [k, c] of cur) pooled.set(k, (pooled.get(k) ?? 0) + c);
  const ordered = [...pooled.entries()].sort(byCount).map(([k]) => k);
  const keep = ordered.length > MAX_DRIFT_CATEGORIES ? ordered.slice(0, MAX_DRIFT_CATEGORIES - 1) : ordered;
  const reference = keep.map((k) => ref.get(k) ?? 0);
  const current = keep.map((k) => cur.get(k) ?? 0);
  if (keep.length < ordered.length) {
    const rest = ordered.slice(keep.length);
    reference.push(rest.reduce((s, k) => s + (ref.get(k) ?? 0), 0));
    current.push(rest.reduce((s, k) => s + (cur.get(k) ?? 0), 0));
  }
  return { reference, current };
}

interface TestOutcome {
  statistic: number;
  p_value: number | null;
  drift: boolean;
  reason: string;
}

function psiOutcome(value: number, threshold: number): TestOutcome {
  const drift = value >= threshold;
  return {
    statistic: value,
    p_value: null,
    drift,
    reason: `PSI ${fmt(value)} ${drift ? '≥' : '<'} threshold ${fmt(threshold)} (${psiReading(value)} by the usual reading)`,
  };
}

function pValueOutcome(statistic: number, pValue: number, threshold: number, what: string): TestOutcome {
  const drift = pValue <= threshold;
  return { statistic, p_value: pValue, drift, reason: `${what}, p = ${fmt(pValue)} ${drift ? '≤' : '>'} threshold ${fmt(threshold)}` };
}

function runNumeric(spec: DriftMonitorSpec, ref: number[], cur: number[]): TestOutcome {
  if (spec.test === 'ks') {
    const r = ksTwoSample(ref, cur);
    return pValueOutcome(r.statistic, r.pValue, spec.threshold, `Kolmogorov–Smirnov D = ${fmt(r.statistic)} (${r.method})`);
  }
  return psiOutcome(psi(ref, cur).value, spec.threshold);
}

function runCategorical(spec: DriftMonitorSpec, ref: Map<string, number>, cur: Map<string, number>): TestOutcome {
  const counts = alignedCategoryCounts(ref, cur);
  if (spec.test === 'chi_square') {
    const r = chiSquareHomogeneity(counts.reference, counts.current);
    const outcome = pValueOutcome(r.statistic, r.pValue, spec.threshold, `chi-square X² = ${fmt(r.statistic)}, df = ${r.df}`);
    if (r.lowExpectedCells > 0) outcome.reason += `; ${r.lowExpectedCells} cells expect fewer than 5, so p is approximate`;
    return outcome;
  }
  return psiOutcome(psiFromCounts(counts.reference, counts.current).value, spec.threshold);
}

/**
 * Compares the two windows. Below `min_samples` usable values in either window the verdict is
 * `insufficient` (no statistic), so a quiet night never raises an alert on a handful of items.
 * PSI flags drift when PSI ≥ threshold; KS and chi-square when p ≤ threshold. The spec is trusted
 * (it passed `readMonitorSpec`), so its test suits its value type.
 */
export function evaluateDrift(
  spec: DriftMonitorSpec,
  reference: readonly (number | string)[],
  current: readonly (number | string)[],
): DriftVerdict {
  const base = { test: spec.test, threshold: spec.threshold };
  let refN: number;
  let curN: number;
  let summary: DriftVerdict['summary'];
  let run: () => TestOutcome;
  if (spec.value_type === 'numeric') {
    const ref = numericValues(reference);
    const cur = numericValues(current);
    refN = ref.length;
    curN = cur.length;
    summary = { reference: numericSummary(ref, reference.length), current: numericSummary(cur, current.length) };
    run = () => runNumeric(spec, ref, cur);
  } else {
    const ref = categoricalValues(reference);
    const cur = categoricalValues(current);
    const refCounts = tally(ref);
    const curCounts = tally(cur);
    refN = ref.length;
    curN = cur.length;
    summary = {
      reference: categoricalSummary(refCounts, refN, reference.length),
      current: categoricalSummary(curCounts, curN, current.length),
    };
    run = () => runCategorical(spec, refCounts, curCounts);
  }
  if (refN < spec.min_samples || curN < spec.min_samples) {
    return {
      status: 'insufficient',
      statistic: null,
      p_value: null,
      ...base,
      reference_n: refN,
      current_n: curN,
      summary,
      reason: `reference has ${refN} values and current ${curN}; at least ${spec.min_samples} in each are needed for a verdict`,
    };
  }
  const outcome = run();
  return {
    status: outcome.drift ? 'drift' : 'ok',
    statistic: outcome.statistic,
    p_value: outcome.p_value,
    ...base,
    reference_n: refN,
    current_n: curN,
    summary,
    reason: outcome.reason,
  };
}
