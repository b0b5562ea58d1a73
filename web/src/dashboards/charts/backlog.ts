import type uPlot from 'uplot';
import { formatCount, formatSeconds } from '../format.js';
import { AXIS_STYLE, baseOptions, countAxis, fromZero, latest, peak, table, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';
import type { Timeseries } from '../timeseries.js';

export function backlogChart(ts: Timeseries, frame: Frame): ChartSpec {
  const open = ts.buckets.map((b) => b.backlog.open);
  const oldest = ts.buckets.map((b) => b.backlog.oldest_seconds);
  const now = latest(frame, open);
  const top = peak(frame, open);
  const age = latest(frame, oldest);

  return {
    name: 'backlog',
    title: 'Backlog',
    caption:
      'Tasks open (pending or claimed) at the end of each bucket (left axis), and how long the oldest of them had been waiting (dashed, right axis).',
    summary:
      top === null && oldest.every((v) => v === null)
        ? 'Backlog: no open tasks in this range.'
        : `Backlog: ${formatCount(now?.value ?? 0)} open tasks at the end of the range` +
          (top ? `, at most ${formatCount(top.value)} ${top.label}` : '') +
          (age ? `; oldest open task then waiting ${formatSeconds(age.value)}.` : '.'),
    empty: top === null && oldest.every((v) => v === null),
    options: baseOptions({
      frame,
      series: [
        { label: 'Open tasks', scale: 'count', stroke: '#0b5cad', fill: 'rgba(11, 92, 173, 0.12)', width: 2 },
        {
          label: 'Oldest open task age',
          scale: 's',
          stroke: '#a3336e',
          width: 2,
          dash: [8, 4],
          value: (_u: uPlot, v: number) => formatSeconds(v),
        },
      ],
      scales: { count: { range: fromZero }, s: { range: fromZero } },
      axes: [
        countAxis('count'),
        {
          ...AXIS_STYLE,
          scale: 's',
          side: 1,
          grid: { show: false },
          size: 64,
          values: (_u, splits) => splits.map((v) => formatSeconds(v)),
        },
      ],
    }),
    data: [frame.x, open, oldest],
    table: table(frame, [
      { label: 'Open tasks', cell: (i) => formatCount(open[i] ?? 0) },
      { label: 'Oldest open task age', cell: (i) => formatSeconds(oldest[i]) },
    ]),
  };
}
