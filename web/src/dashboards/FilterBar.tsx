import { useId } from 'react';
import { hourlyFits, RANGE_LABELS, type Bucket, type Filters, type RangeKey } from './filters.js';

interface FilterBarProps {
  filters: Filters;
  onChange: (next: Filters) => void;
  modelVersions: readonly string[];
  /** A reason the range or bucket asked for is not what is shown. */
  note: string | null;
  loading: boolean;
  onRefresh: () => void;
}

const RANGES = Object.keys(RANGE_LABELS) as RangeKey[];

/** Time range, bucket and model version: everything that changes what the charts draw. */
export function FilterBar({ filters, onChange, modelVersions, note, loading, onRefresh }: FilterBarProps) {
  const id = useId();
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const versions =
    filters.modelVersion !== '' && !modelVersions.includes(filters.modelVersion) ? [filters.modelVersion, ...modelVersions] : modelVersions;
  const hourly = hourlyFits(filters, new Date());

  return (
    <div className="dash-filters card" data-testid="dashboard-filters" role="group" aria-label="Dashboard filters">
      <div className="field">
        <label htmlFor={`${id}-range`}>Time range</label>
        <select
          id={`${id}-range`}
          value={filters.range}
          onChange={(e) => {
            const range = e.target.value as RangeKey;
            // 24 hours only make sense by the hour; longer ranges read best by the day.
            set({ range, bucket: range === '24h' ? 'hour' : filters.range === '24h' ? 'day' : filters.bucket });
          }}
        >
          {RANGES.map((r) => (
            <option key={r} value={r}>
              {RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </div>
      {filters.range === 'custom' && (
        <>
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input
              id={`${id}-from`}
              type="date"
              value={filters.from}
              max={filters.to}
              required
              onChange={(e) => set({ from: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input
              id={`${id}-to`}
              type="date"
              value={filters.to}
              min={filters.from}
              required
              onChange={(e) => set({ to: e.target.value })}
            />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-bucket`}>Bucket</label>
        <select id={`${id}-bucket`} value={filters.bucket} onChange={(e) => set({ bucket: e.target.value as Bucket })}>
          <option value="hour" disabled={!hourly && filters.bucket !== 'hour'}>
            Hourly
          </option>
          <option value="day">Daily</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-model`}>Model version</label>
        <select
          id={`${id}-model`}
          data-testid="model-version-filter"
          value={filters.modelVersion}
          onChange={(e) => set({ modelVersion: e.target.value })}
        >
          <option value="">All versions</option>
          {versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </div>
      <div className="dash-filters-end">
        <button type="button" onClick={onRefresh} aria-busy={loading}>
          {loading ? 'Updating…' : 'Refresh'}
        </button>
      </div>
      {note !== null && (
        <p className="dash-filters-note" role="status">
          {note}
        </p>
      )}
    </div>
  );
}
