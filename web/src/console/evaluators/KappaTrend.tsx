import { lazy, Suspense } from 'react';
import { formatBucketStart } from '../../dashboards/format.js';
import { formatCount } from '../quality/format.js';
import { KappaValue } from './KappaValue.js';
import type { AgreementAnswer } from './types.js';

// uPlot loads only when there is a trend to draw.
const KappaChart = lazy(() => import('./KappaChart.js').then((m) => ({ default: m.KappaChart })));

type Bucket = AgreementAnswer['over_time'][number];

/** Buckets are whole UTC days or weeks: named by their UTC start date, as the dashboards do. */
export function bucketName(b: Bucket): string {
  const start = new Date(b.start);
  const day = formatBucketStart(start, 'day');
  return Date.parse(b.end) - start.getTime() > 86_400_000 ? `week of ${day}` : day;
}

/** Kappa per day (or week) with checks: a small chart for the eye, and the same values as a table. */
export function KappaTrend({ name, buckets }: { name: string; buckets: Bucket[] }) {
  const checked = buckets.filter((b) => b.report.n > 0);
  if (checked.length === 0) return null;
  return (
    <div className="ev-trend">
      <h4>Kappa over time</h4>
      {checked.length > 1 && (
        <Suspense fallback={null}>
          <KappaChart buckets={buckets} />
        </Suspense>
      )}
      <details>
        <summary>Kappa per {Date.parse(checked[0]!.end) - Date.parse(checked[0]!.start) > 86_400_000 ? 'week' : 'day'} as a table</summary>
        <div className="table-scroll">
          <table className="dense" data-testid={`kappa-trend-${name}`}>
            <caption className="visually-hidden">Kappa of {name} over time</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col" className="num">
                  Checks
                </th>
                <th scope="col">Kappa</th>
              </tr>
            </thead>
            <tbody>
              {checked.map((b) => (
                <tr key={b.start}>
                  <th scope="row">{bucketName(b)}</th>
                  <td className="num">{formatCount(b.report.n)}</td>
                  <td>
                    <KappaValue e={b.report.kappa} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
