import type uPlot from 'uplot';
import { formatCount, formatRate } from '../format.js';
import { QUALITY_COLOURS as C } from '../palette.js';
import type { Timeseries } from '../timeseries.js';
import { AXIS_STYLE, baseOptions, sum, table, whenLabel, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';

/** The caption's one sentence on why there are two error rates. */
export const ERROR_RATE_EXPLAINED =
  'The routing-corrected error rate weights each reviewed item by how unlikely it was to be sent for review, so it estimates the error rate of all covered production, while the naive rate counts reviewed items only and is biased whenever the policy sends risky items to people.';

/** Rates are shares, so the scale stops at 100%; hiding the larger series in the legend zooms in on the small ones. */
function rateRange(_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax {
  const top = max === null || !Number.isFinite(max) || max <= 0 ? 0.1 : Math.min(1, max * 1.1);
  return [0, top];
}

function decidedWeighted(ts: Timeseries, rate: (q: Timeseries['buckets'][number]['quality']) => number | null): number | null {
  const decided = sum(ts.buckets.map((b) => b.quality.decided));
  if (decided === 0) return null;
  return sum(ts.buckets.map((b) => (rate(b.quality) ?? 0) * b.quality.decided)) / decided;
}

export function qualityChart(ts: Timeseries, frame: Frame): ChartSpec {
  const q = ts.buckets.map((b) => b.quality);
  const est = q.map((x) => x.error_rate?.estimate ?? null);
  const low = q.map((x) => x.error_rate?.low ?? null);
  const high = q.map((x) => x.error_rate?.high ?? null);
  const naive = q.map((x) => x.naive_error_rate);
  const approval = q.map((x) => x.approval_rate);
  const correction = q.map((x) => x.correction_rate);
  const rejection = q.map((x) => x.rejection_rate);
  const decided = sum(q.map((x) => x.decided));

  let lastEst = -1;
  for (let i = est.length - 1; i >= 0 && lastEst < 0; i--) if (est[i] !== null) lastEst = i;
  const interval = (i: number) => (low[i] === null || high[i] === null ? '' : ` (95% CI ${formatRate(low[i])}–${formatRate(high[i])})`);

  const empty = decided === 0 && est.every((v) => v === null) && naive.every((v) => v === null);
  const parts: string[] = [];
  if (lastEst >= 0) {
    parts.push(`latest routing-corrected error rate ${formatRate(est[lastEst])}${interval(lastEst)} ${whenLabel(frame, lastEst)}`);
    if (naive[lastEst] !== null) parts.push(`naive reviewed-only rate then ${formatRate(naive[lastEst])}`);
  }
  if (decided > 0) {
    parts.push(
      `over ${formatCount(decided)} decided items: approved ${formatRate(decidedWeighted(ts, (x) => x.approval_rate))}, ` +
        `corrected ${formatRate(decidedWeighted(ts, (x) => x.correction_rate))}, rejected ${formatRate(decidedWeighted(ts, (x) => x.rejection_rate))}`,
    );
  }

  const rate = (_u: uPlot, v: number) => formatRate(v);
  return {
    name: 'quality',
    title: 'Model quality',
    caption: `Shares of decided items approved, corrected and rejected, and the error rate with its 95% interval as a shaded band. ${ERROR_RATE_EXPLAINED}`,
    summary: empty ? 'Model quality: no decided items in this range.' : `Model quality: ${parts.join('; ')}.`,
    empty,
    options: baseOptions({
      frame,
      series: [
        {
          label: 'Error rate (routing-corrected)',
          scale: 'rate',
          stroke: C.error,
          width: 2.5,
          value: (_u: uPlot, v: number, _si: number, idx: number | null) =>
            v === null || idx === null ? '—' : `${formatRate(v)}${interval(idx)}`,
        },
        // The interval's edges exist to bound the band; the error rate's legend entry already tells them.
        { label: '95% interval, high', class: 'dash-ci-edge', scale: 'rate', stroke: C.band, width: 1, points: { show: false } },
        { label: '95% interval, low', class: 'dash-ci-edge', scale: 'rate', stroke: C.band, width: 1, points: { show: false } },
        { label: 'Naive error rate (reviewed only)', scale: 'rate', stroke: C.naive, width: 2, dash: [8, 4], value: rate },
        { label: 'Approval rate', scale: 'rate', stroke: C.approval, width: 1.5, value: rate },
        { label: 'Correction rate', scale: 'rate', stroke: C.correction, width: 1.5, dash: [4, 3], value: rate },
        { label: 'Rejection rate', scale: 'rate', stroke: C.rejection, width: 1.5, dash: [1, 3], value: rate },
      ],
      bands: [{ series: [2, 3], fill: C.band }],
      scales: { rate: { range: rateRange } },
      axes: [{ ...AXIS_STYLE, scale: 'rate', size: 52, values: (_u, splits) => splits.map((v) => formatRate(v, 0)) }],
    }),
    data: [frame.x, est, high, low, naive, approval, correction, rejection],
    table: table(frame, [
      { label: 'Decided', cell: (i) => formatCount(q[i]?.decided ?? 0) },
      { label: 'Error rate (routing-corrected)', cell: (i) => formatRate(est[i]) },
      { label: '95% interval', cell: (i) => (low[i] === null || high[i] === null ? '—' : `${formatRate(low[i])}–${formatRate(high[i])}`) },
      { label: 'Naive error rate (reviewed only)', cell: (i) => formatRate(naive[i]) },
      { label: 'Approval rate', cell: (i) => formatRate(approval[i]) },
      { label: 'Correction rate', cell: (i) => formatRate(correction[i]) },
      { label: 'Rejection rate', cell: (i) => formatRate(rejection[i]) },
    ]),
  };
}
