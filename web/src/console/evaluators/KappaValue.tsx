import { formatStat } from '../quality/format.js';
import { kappaTone } from './format.js';
import type { Estimate } from './types.js';

/** Kappa as a tinted badge with its reading in words, and the interval beside it. */
export function KappaValue({ e }: { e: Estimate | null }) {
  if (!e) return <span className="muted">—</span>;
  const { tone, reading } = kappaTone(e.value);
  return (
    <span className="ev-kappa">
      <span className={`badge ${tone}`}>{formatStat(e.value)}</span> {reading}{' '}
      <span className="muted">
        ({formatStat(e.low)} to {formatStat(e.high)})
      </span>
    </span>
  );
}
