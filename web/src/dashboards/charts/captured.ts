import { formatCount, formatRate } from '../format.js';
import { colourAt, dashAt, INK } from '../palette.js';
import type { Timeseries } from '../timeseries.js';
import { baseOptions, countAxis, fromZero, peak, sum, table, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';

export function capturedChart(ts: Timeseries, frame: Frame): ChartSpec {
  const captured = ts.buckets.map((b) => b.captured);
  const routed = ts.buckets.map((b) => b.routed);
  const byRule = ts.rules.map((rule) => ts.buckets.map((b) => b.by_rule[rule] ?? 0));
  const total = sum(captured);
  const totalRouted = sum(routed);
  const top = peak(frame, captured);
  const ruleTotals = ts.rules.map((rule, i) => `${rule} ${formatCount(sum(byRule[i] ?? []))}`);
  const more = ruleTotals.length > 5 ? `, and ${ruleTotals.length - 5} more` : '';

  return {
    name: 'captured',
    title: 'Items captured and routed',
    caption:
      'Production items captured per bucket, how many the policy sent to people, and how many each rule matched (an item matched by two rules counts for both).',
    summary:
      total === 0
        ? 'Items captured: none in this range.'
        : `Items captured: ${formatCount(total)} in the range, ${formatCount(totalRouted)} (${formatRate(totalRouted / total)}) sent to people` +
          (top ? `; peak ${formatCount(top.value)} ${top.label}` : '') +
          (ruleTotals.length > 0 ? `. Matched by rule: ${ruleTotals.slice(0, 5).join(', ')}${more}.` : '.'),
    empty: total === 0 && byRule.every((r) => sum(r) === 0),
    options: baseOptions({
      frame,
      series: [
        { label: 'Captured', scale: 'count', stroke: INK, width: 2.5 },
        { label: 'Sent to people', scale: 'count', stroke: INK, width: 1.5, dash: [6, 3] },
        ...ts.rules.map((rule, i) => ({
          label: `Rule: ${rule}`,
          scale: 'count',
          stroke: colourAt(i),
          width: 1.5,
          dash: dashAt(i + 1),
        })),
      ],
      scales: { count: { range: fromZero } },
      axes: [countAxis('count')],
    }),
    data: [frame.x, captured, routed, ...byRule],
    table: table(frame, [
      { label: 'Captured', cell: (i) => formatCount(captured[i] ?? 0) },
      { label: 'Sent to people', cell: (i) => formatCount(routed[i] ?? 0) },
      ...ts.rules.map((rule, r) => ({ label: `Rule: ${rule}`, cell: (i: number) => formatCount(byRule[r]?.[i] ?? 0) })),
    ]),
  };
}
