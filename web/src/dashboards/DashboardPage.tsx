import { useCallback, useMemo } from 'react';
import { Link, useSearchParams } from 'wouter';
import { api, query, type Schemas } from '../api/client.js';
import { useLoad } from '../ui/hooks.js';
import { ErrorNote, Loading } from '../ui/feedback.js';
import { ChartFigure } from './ChartFigure.js';
import { buildCharts } from './charts/index.js';
import { loadErrorRate, type ErrorRateAnswer } from './error-rate.js';
import { FilterBar } from './FilterBar.js';
import { readFilters, resolveRange, writeFilters, type Filters, type ResolvedRange } from './filters.js';
import { Headlines } from './Headlines.js';
import type { Timeseries } from './timeseries.js';
import { formatDateTime } from './format.js';

interface DashboardData {
  range: ResolvedRange;
  ts: Timeseries | null;
  errorRate: ErrorRateAnswer | null;
}

function projectPath(projectId: string): string {
  return `/v1/projects/${encodeURIComponent(projectId)}`;
}

async function loadDashboard(projectId: string, filters: Filters, signal: AbortSignal): Promise<DashboardData> {
  // "Now" is read at load time, so Refresh moves a relative range forward.
  const range = resolveRange(filters, new Date());
  if (range.invalid) return { range, ts: null, errorRate: null };
  const window = { since: range.since, until: range.until, modelVersion: filters.modelVersion };
  const q = query({
    since: range.since.toISOString(),
    until: range.until.toISOString(),
    bucket: range.bucket,
    model_version: filters.modelVersion || undefined,
  });
  const [ts, errorRate] = await Promise.all([
    api.get<Timeseries>(`${projectPath(projectId)}/stats/timeseries${q}`, { signal }),
    // The headline error rate is one figure among many: the charts still draw without it.
    loadErrorRate(projectId, window, signal).catch((e: unknown) => {
      if (signal.aborted) throw e;
      return null;
    }),
  ]);
  return { range, ts, errorRate };
}

/** One project's dashboard: filters kept in the URL, headline totals, and the charts. */
export function DashboardPage({ projectId }: { projectId: string }) {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(search)), [search]);
  const setFilters = useCallback((next: Filters) => setParams(writeFilters(next)), [setParams]);

  const project = useLoad((signal) => api.get<Schemas['Project']>(projectPath(projectId), { signal }), [projectId]);
  const loaded = useLoad((signal) => loadDashboard(projectId, filters, signal), [projectId, filters]);
  const ts = loaded.data?.ts ?? null;
  const charts = useMemo(() => (ts ? buildCharts(ts) : []), [ts]);
  const range = loaded.data?.range;
  const name = project.data?.name ?? projectId;

  return (
    <main className="page dash-page" data-testid="dashboard">
      <div className="row dash-head">
        <h1>Dashboard: {name}</h1>
        <span className="spacer" />
        <Link href="/">All projects</Link>
      </div>
      <FilterBar
        filters={filters}
        onChange={setFilters}
        modelVersions={ts?.model_versions ?? []}
        note={range?.note ?? null}
        loading={loaded.loading}
        onRefresh={loaded.reload}
      />
      {ts && range && !range.invalid && (
        <p className="muted dash-range">
          {/* The server widens the range to whole buckets: say what is shown, not what was asked. */}
          {formatDateTime(new Date(ts.since))} to {formatDateTime(new Date(ts.until))} (your local time), by{' '}
          {ts.bucket === 'hour' ? 'hour' : 'UTC day'}
          {filters.modelVersion !== '' ? `, model version ${filters.modelVersion}` : ', all model versions'}.
        </p>
      )}
      {loaded.error && (
        <ErrorNote error={loaded.error}>
          <span>The dashboard could not be loaded. </span>
          <button type="button" className="link" onClick={loaded.reload}>
            Try again
          </button>{' '}
        </ErrorNote>
      )}
      {loaded.loading && !loaded.data && <Loading label="Loading the dashboard" />}
      {ts && (
        <div aria-busy={loaded.loading}>
          <Headlines
            ts={ts}
            errorRate={loaded.data?.errorRate ?? null}
            errorRateFailed={loaded.data?.errorRate === null}
            live={filters.range !== 'custom'}
          />
          <div className="dash-grid">
            {charts.map((spec) => (
              <ChartFigure key={spec.name} spec={spec} />
            ))}
          </div>
        </div>
      )}
    </main>
  );
}
