import uPlot from 'uplot';
import { formatCount, formatDuration } from '../format.js';
import { INK } from '../palette.js';
import type { Timeseries } from '../timeseries.js';
import { AXIS_STYLE, baseOptions, countAxis, fromZero, peak, sum, table, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function throughputChart(ts: Timeseries, frame: Frame): ChartSpec {
  const judgments = ts.buckets.map((b) => b.judgments);
  const med = ts.buckets.map((b) => b.time_per_task_ms.median);
  const p90 = ts.buckets.map((b) => b.time_per_task_ms.p90);
  const total = sum(judgments);
  const top = peak(frame, judgments);
  const typical = median(med.filter((v): v is number => v !== null));
  const bars = uPlot.paths.bars?.({ size: [0.7, 48, 1] });

  return {
    name: 'throughput',
    title: 'Review throughput and time per task',
    caption:
      'Judgments submitted per bucket (bars, left axis) and the time reviewers spent per task: the median and the 90th percentile (lines, right axis).',
    summary:
      total === 0
        ? 'Review throughput: no judgments in this range.'
        : `Review throughput: ${formatCount(total)} judgments in the range` +
          (top ? `, at most ${formatCount(top.value)} ${top.label}` : '') +
          (typical !== null ? `; typical median time per task ${formatDuration(typical)}.` : '.'),
    empty: total === 0 && med.every((v) => v === null),
    options: baseOptions({
      frame,
      series: [
        {
          label: 'Judgments',
          scale: 'count',
          stroke: '#5a7fb0',
          fill: '#c9d8ec',
          width: 1,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
        },
        {
          label: 'Median time per task',
          scale: 'ms',
          stroke: INK,
          width: 2,
          value: (_u: uPlot, v: number) => formatDuration(v),
        },
        {
          label: '90th percentile time',
          scale: 'ms',
          stroke: '#b35900',
          width: 2,
          dash: [8, 4],
          value: (_u: uPlot, v: number) => formatDuration(v),
        },
      ],
      scales: { count: { range: fromZero }, ms: { range: fromZero } },
      axes: [
        countAxis('count'),
        {
          ...AXIS_STYLE,
          scale: 'ms',
          side: 1,
          grid: { show: false },
          size: 64,
          values: (_u, splits) => splits.map((v) => formatDuration(v)),
        },
      ],
    }),
    data: [frame.x, judgments, med, p90],
    table: table(frame, [
      { label: 'Judgments', cell: (i) => formatCount(judgments[i] ?? 0) },
      { label: 'Median time per task', cell: (i) => formatDuration(med[i]) },
      { label: '90th percentile time', cell: (i) => formatDuration(p90[i]) },
    ]),
  };
}
