import uPlot from 'uplot';
import { formatCount, formatRate } from '../format.js';
import { DECISION_COLOURS } from '../palette.js';
import type { Timeseries, TimeseriesBucket } from '../timeseries.js';
import { baseOptions, countAxis, fromZero, sum, table, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';

type Status = keyof TimeseriesBucket['decisions'];

/** Top of the stack first: uPlot paints in series order, so each shorter bar is painted over the taller one below it. */
const STACK: { status: Status; label: string }[] = [
  { status: 'timed_out', label: 'Timed out' },
  { status: 'rejected', label: 'Rejected' },
  { status: 'corrected', label: 'Corrected' },
  { status: 'approved', label: 'Approved' },
];

export function decisionsChart(ts: Timeseries, frame: Frame): ChartSpec {
  const raw = STACK.map(({ status }) => ts.buckets.map((b) => b.decisions[status]));
  // Each series is drawn at the running total of itself and everything below it in the stack.
  const stacked = raw.map((_, s) => ts.buckets.map((_b, i) => sum(raw.slice(s).map((r) => r[i] ?? 0))));
  const totals = raw.map((r) => sum(r));
  const all = sum(totals);
  const bars = uPlot.paths.bars?.({ size: [0.8, 64, 1] });

  return {
    name: 'decisions',
    title: 'Decisions',
    caption: 'Outcomes people decided in each bucket, stacked by status; a hold whose time ran out counts as timed out.',
    summary:
      all === 0
        ? 'Decisions: none in this range.'
        : `Decisions: ${formatCount(all)} in the range — ` +
          STACK.map(({ label }, s) => `${label.toLowerCase()} ${formatCount(totals[s] ?? 0)} (${formatRate((totals[s] ?? 0) / all)})`)
            .reverse()
            .join(', ') +
          '.',
    empty: all === 0,
    options: baseOptions({
      frame,
      series: STACK.map(({ status, label }, s) => ({
        label,
        scale: 'count',
        // No outline: at hundreds of buckets a bar is a pixel or two wide and an outline would hide it.
        stroke: DECISION_COLOURS[status],
        fill: DECISION_COLOURS[status],
        width: 0,
        ...(bars ? { paths: bars } : {}),
        points: { show: false },
        // The legend tells the bucket's own count, not the running total the bar is drawn at.
        value: (_u: uPlot, _v: number, _si: number, idx: number | null) => (idx === null ? '—' : formatCount(raw[s]?.[idx] ?? 0)),
      })),
      scales: { count: { range: fromZero } },
      axes: [countAxis('count')],
    }),
    data: [frame.x, ...stacked],
    table: table(
      frame,
      [...STACK].reverse().map(({ label }, r) => ({ label, cell: (i: number) => formatCount(raw[STACK.length - 1 - r]?.[i] ?? 0) })),
    ),
  };
}
