import type uPlot from 'uplot';
import { formatBucketStart, formatCount } from '../format.js';
import { GRID, MUTED } from '../palette.js';
import type { Timeseries } from '../timeseries.js';
import type { ChartOptions, DataTable } from './spec.js';

/** The time frame every chart of one answer shares. */
export interface Frame {
  bucket: Timeseries['bucket'];
  starts: Date[];
  /** Where each bucket is drawn: its midpoint, in Unix seconds, so a day sits over its own date. */
  x: number[];
  /** Bucket width in seconds. */
  step: number;
  /** The x scale: from the first bucket's start to the last one's end. */
  min: number;
  max: number;
}

export function frameOf(ts: Timeseries): Frame {
  const step = ts.bucket === 'hour' ? 3600 : 86_400;
  const starts = ts.buckets.map((b) => new Date(b.start));
  const x = starts.map((d) => d.getTime() / 1000 + step / 2);
  const first = starts[0]?.getTime() ?? Date.parse(ts.since);
  const last = starts.at(-1)?.getTime() ?? Date.parse(ts.until) - step * 1000;
  return { bucket: ts.bucket, starts, x, step, min: first / 1000, max: last / 1000 + step };
}

export function bucketLabel(frame: Frame, i: number): string {
  const d = frame.starts[i];
  return d ? formatBucketStart(d, frame.bucket) : '';
}

/** "on 3 Mar" for days, "at 3 Mar, 14:00" for hours: for sentences in summaries. */
export function whenLabel(frame: Frame, i: number): string {
  return `${frame.bucket === 'day' ? 'on' : 'at'} ${bucketLabel(frame, i)}`;
}

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export const AXIS_STYLE = {
  stroke: MUTED,
  font: FONT,
  grid: { stroke: GRID, width: 1 },
  ticks: { stroke: GRID, width: 1 },
} satisfies Partial<uPlot.Axis>;

/** Whole-number steps only: half an item is not a thing. */
export const COUNT_INCRS = Array.from({ length: 28 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

export function countAxis(scale: string, side: 1 | 3 = 3): uPlot.Axis {
  return {
    ...AXIS_STYLE,
    scale,
    side,
    incrs: COUNT_INCRS,
    values: (_u, splits) => splits.map((v) => formatCount(v)),
    size: 56,
  };
}

/** A y range from zero with a little headroom, and a visible axis when everything is zero. */
export function fromZero(_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax {
  const top = max === null || !Number.isFinite(max) || max <= 0 ? 1 : max * 1.08;
  return [0, top];
}

/**
 * When a line is too dense for uPlot to draw its points, a value with no neighbour (an agreement
 * bucket between two empty ones) would draw nothing at all: draw those points anyway.
 */
export function isolatedPoints(u: uPlot, seriesIdx: number, show: boolean): number[] | null {
  if (show) return null;
  const ys = u.data[seriesIdx];
  if (!ys) return null;
  const out: number[] = [];
  const missing = (i: number) => i < 0 || i >= ys.length || ys[i] === null || ys[i] === undefined;
  for (let i = 0; i < ys.length; i++) if (!missing(i) && missing(i - 1) && missing(i + 1)) out.push(i);
  return out.length > 0 ? out : null;
}

interface BaseParts {
  frame: Frame;
  series: uPlot.Series[];
  axes: uPlot.Axis[];
  scales?: uPlot.Scales;
  bands?: uPlot.Band[];
  hooks?: uPlot.Hooks.Arrays;
}

/** Options every chart shares: a local-time x axis over whole buckets and a live legend. */
export function baseOptions({ frame, series, axes, scales, bands, hooks }: BaseParts): ChartOptions {
  const half = frame.step / 2;
  return {
    series: [
      {
        label: frame.bucket === 'hour' ? 'Hour' : 'Day',
        value: (_u, v) => (v === null || !Number.isFinite(v) ? '—' : formatBucketStart(new Date((v - half) * 1000), frame.bucket)),
      },
      ...series.map((s) => (s.paths ? s : { ...s, points: { filter: isolatedPoints, ...s.points } })),
    ],
    scales: { x: { time: true, range: () => [frame.min, frame.max] }, ...scales },
    axes: [{ ...AXIS_STYLE, size: 44 }, ...axes],
    legend: { live: true },
    // Zooming a shared dashboard would make it disagree with its URL: the filters set the range.
    cursor: { drag: { x: false, y: false, setScale: false } },
    padding: [14, 14, 0, 4],
    ...(bands ? { bands } : {}),
    ...(hooks ? { hooks } : {}),
  };
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The bucket with the largest value, for summaries (`null` when all are zero or missing). */
export function peak(frame: Frame, values: readonly (number | null)[]): { value: number; label: string } | null {
  let at = -1;
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && v > best) {
      best = v;
      at = i;
    }
  }
  return at < 0 ? null : { value: best, label: whenLabel(frame, at) };
}

/** The last non-null value, for "latest" summaries. */
export function latest(frame: Frame, values: readonly (number | null)[]): { value: number; label: string } | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return { value: v, label: whenLabel(frame, i) };
  }
  return null;
}

export function table(frame: Frame, columns: { label: string; cell: (i: number) => string }[]): DataTable {
  return {
    columns: [frame.bucket === 'hour' ? 'Hour (local time)' : 'Day (UTC)', ...columns.map((c) => c.label)],
    rows: frame.starts.map((_, i) => [bucketLabel(frame, i), ...columns.map((c) => c.cell(i))]),
  };
}
