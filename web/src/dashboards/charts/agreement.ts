import uPlot from 'uplot';
import { formatAlpha } from '../format.js';
import { colourAt, dashAt, MUTED } from '../palette.js';
import type { Timeseries } from '../timeseries.js';
import { AXIS_STYLE, baseOptions, latest, table, type Frame } from './common.js';
import type { ChartSpec } from './spec.js';

/** Krippendorff (2004): rely on α ≥ 0.800; 0.667 ≤ α < 0.800 allows only tentative conclusions. */
export const ALPHA_THRESHOLDS = [
  { value: 0.8, label: '0.800 reliable' },
  { value: 0.667, label: '0.667 tentative' },
] as const;

const ALPHA_FLOOR = -0.2;

export function fieldLabel(field: string): string {
  if (field === 'verdict') return 'Verdict';
  return field.startsWith('scores.') ? `Score: ${field.slice('scores.'.length)}` : field;
}

function reading(a: number): string {
  return a >= 0.8 ? 'reliable' : a >= 0.667 ? 'tentative' : 'below tentative';
}

/** Dashed reference lines at Krippendorff's thresholds, labelled at their right end. */
function drawThresholds(u: uPlot): void {
  const { ctx, bbox } = u;
  const px = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = MUTED;
  ctx.fillStyle = MUTED;
  ctx.lineWidth = px;
  ctx.setLineDash([5 * px, 4 * px]);
  ctx.font = `${11 * px}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  for (const t of ALPHA_THRESHOLDS) {
    const y = Math.round(u.valToPos(t.value, 'alpha', true));
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    // A backing box keeps the label legible where a series crosses it.
    const text = `α ${t.label}`;
    const right = bbox.left + bbox.width - 4 * px;
    const w = ctx.measureText(text).width;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(right - w - 3 * px, y - 15 * px, w + 6 * px, 13 * px);
    ctx.fillStyle = MUTED;
    ctx.fillText(text, right, y - 3 * px);
  }
  ctx.restore();
}

export function agreementChart(ts: Timeseries, frame: Frame): ChartSpec {
  const fields = ts.agreement_fields;
  const values = fields.map((f) => ts.buckets.map((b) => b.agreement[f] ?? null));
  // Alpha has no lower bound; the axis stops at the floor and the legend and table tell the true value.
  const drawn = values.map((vs) => vs.map((v) => (v === null ? null : Math.max(v, ALPHA_FLOOR))));
  const known = fields.flatMap((f, i) => {
    const last = latest(frame, values[i] ?? []);
    return last ? [{ f, last }] : [];
  });

  return {
    name: 'agreement',
    title: 'Agreement between reviewers',
    caption:
      "Krippendorff's alpha per field over items with two or more judgments in each bucket. Dashed lines mark his thresholds: 0.800 for reliable conclusions, 0.667 for tentative ones; values below −0.2 sit on the bottom edge.",
    summary:
      known.length === 0
        ? "Agreement (Krippendorff's alpha): not enough items with two or more judgments in this range."
        : "Agreement (Krippendorff's alpha), latest per field: " +
          known.map(({ f, last }) => `${fieldLabel(f)} ${formatAlpha(last.value)} (${reading(last.value)}, ${last.label})`).join('; ') +
          '.',
    empty: known.length === 0,
    options: baseOptions({
      frame,
      series: fields.map((f, i) => ({
        label: fieldLabel(f),
        scale: 'alpha',
        stroke: colourAt(i),
        width: 2,
        dash: dashAt(i),
        points: { size: 5, fill: colourAt(i) },
        value: (_u: uPlot, v: number, _si: number, idx: number | null) => formatAlpha(idx === null ? v : values[i]?.[idx]),
      })),
      scales: { alpha: { range: [ALPHA_FLOOR, 1] } },
      axes: [
        {
          ...AXIS_STYLE,
          scale: 'alpha',
          size: 48,
          splits: () => [-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1],
          values: (_u, splits) => splits.map((v) => v.toFixed(1)),
        },
      ],
      hooks: { draw: [drawThresholds] },
    }),
    data: [frame.x, ...drawn],
    table: table(
      frame,
      fields.map((f, r) => ({ label: fieldLabel(f), cell: (i: number) => formatAlpha(values[r]?.[i]) })),
    ),
  };
}
