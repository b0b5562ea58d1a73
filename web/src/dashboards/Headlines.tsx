import type { ReactNode } from 'react';
import type { ErrorRateAnswer } from './error-rate.js';
import { formatCount, formatRate, formatSeconds } from './format.js';
import type { Timeseries } from './timeseries.js';

interface HeadlinesProps {
  ts: Timeseries;
  errorRate: ErrorRateAnswer | null;
  errorRateFailed: boolean;
  /** Whether the range runs up to now, so the last bucket's backlog is the current one. */
  live: boolean;
}

/** Totals for the whole range, above the charts. */
export function Headlines({ ts, errorRate, errorRateFailed, live }: HeadlinesProps) {
  let captured = 0;
  let routed = 0;
  let decided = 0;
  for (const b of ts.buckets) {
    captured += b.captured;
    routed += b.routed;
    decided += b.decisions.approved + b.decisions.corrected + b.decisions.rejected + b.decisions.timed_out;
  }
  const last = ts.buckets.at(-1);
  // Hájek's ratio form always lies in [0, 1], which suits a single headline figure (docs/statistics.md).
  const est = errorRate?.estimate.defined ? (errorRate.estimate.hajek ?? errorRate.estimate.horvitz_thompson) : undefined;

  return (
    <section aria-labelledby="dash-headlines-title">
      <h2 id="dash-headlines-title" className="dash-sr-only">
        Totals for the range
      </h2>
      <dl className="dash-headlines">
        <Headline name="captured" label="Captured" value={formatCount(captured)} note="production items" />
        <Headline
          name="routed"
          label="Routed to people"
          value={formatRate(captured === 0 ? null : routed / captured)}
          note={`${formatCount(routed)} items`}
        />
        <Headline name="decided" label="Decided" value={formatCount(decided)} note="outcomes" />
        <Headline
          name="error-rate"
          label="Error rate (routing-corrected)"
          value={est ? formatRate(est.rate) : '—'}
          note={
            est
              ? `95% CI ${formatRate(est.interval.low)}–${formatRate(est.interval.high)}`
              : errorRateFailed
                ? 'could not be loaded'
                : errorRate === null
                  ? 'loading'
                  : 'not enough reviewed items'
          }
        />
        <Headline
          name="backlog"
          label={live ? 'Backlog now' : 'Backlog at end of range'}
          value={formatCount(last?.backlog.open ?? 0)}
          note={last?.backlog.oldest_seconds != null ? `oldest waiting ${formatSeconds(last.backlog.oldest_seconds)}` : 'open tasks'}
        />
      </dl>
    </section>
  );
}

function Headline({ name, label, value, note }: { name: string; label: string; value: ReactNode; note: ReactNode }) {
  return (
    <div className="dash-headline card" data-testid={`headline-${name}`}>
      <dt>{label}</dt>
      <dd className="dash-headline-value">{value}</dd>
      <dd className="dash-headline-note">{note}</dd>
    </div>
  );
}
