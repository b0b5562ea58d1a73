import { useMemo } from 'react';
import type uPlot from 'uplot';
import { AXIS_STYLE, isolatedPoints } from '../../dashboards/charts/common.js';
import type { ChartOptions } from '../../dashboards/charts/spec.js';
import { formatBucketStart } from '../../dashboards/format.js';
import { colourAt } from '../../dashboards/palette.js';
import { TimeChart } from '../../dashboards/TimeChart.js';
import { formatStat } from '../quality/format.js';
import type { AgreementAnswer } from './types.js';

type Bucket = AgreementAnswer['over_time'][number];

// Kappa has no useful lower bound: the axis stops here and the table beside tells the true value.
const FLOOR = -0.2;
const clampKappa = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.max(v, FLOOR));

/**
 * Kappa per bucket over the whole window with its interval as a band (a gap where people checked
 * nothing); drawn for the eye, the table beside it carries the values.
 */
export function KappaChart({ buckets }: { buckets: Bucket[] }) {
  const { options, data } = useMemo(() => {
    const x = buckets.map((b) => (Date.parse(b.start) + Date.parse(b.end)) / 2000);
    const from = Date.parse(buckets[0]?.start ?? '') / 1000;
    const to = Date.parse(buckets.at(-1)?.end ?? '') / 1000;
    const kappa = buckets.map((b) => b.report.kappa?.value ?? null);
    const low = buckets.map((b) => clampKappa(b.report.kappa?.low));
    const high = buckets.map((b) => clampKappa(b.report.kappa?.high));
    const colour = colourAt(0);
    const opts: ChartOptions = {
      series: [
        { label: 'From', value: (_u, v) => (v === null ? '—' : formatBucketStart(new Date(v * 1000), 'day')) },
        {
          label: 'Kappa',
          scale: 'kappa',
          stroke: colour,
          width: 2,
          points: { size: 6, fill: colour, filter: isolatedPoints },
          value: (_u: uPlot, _v: number, _si: number, i: number | null) => formatStat(i === null ? null : kappa[i]),
        },
        { label: 'high', scale: 'kappa', stroke: 'transparent', points: { show: false } },
        { label: 'low', scale: 'kappa', stroke: 'transparent', points: { show: false } },
      ],
      bands: [{ series: [2, 3], fill: 'rgba(11, 92, 173, 0.12)' }],
      scales: { x: { time: true, range: () => [from, to] }, kappa: { range: [FLOOR, 1] } },
      axes: [
        { ...AXIS_STYLE, size: 40 },
        {
          ...AXIS_STYLE,
          scale: 'kappa',
          size: 44,
          splits: () => [-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1],
          values: (_u, s) => s.map((v) => v.toFixed(1)),
        },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
      padding: [10, 10, 0, 4],
    };
    return { options: opts, data: [x, kappa.map(clampKappa), high, low] as uPlot.AlignedData };
  }, [buckets]);
  return <TimeChart options={options} data={data} height={160} />;
}
