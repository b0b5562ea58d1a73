/**
 * Quantile of sorted data by linear interpolation between order statistics (Hyndman & Fan
 * 1996, "Sample quantiles in statistical packages", type 7; R's and NumPy's default), so
 * percentile intervals match what analysts get from those tools.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

/** The central `level` percentile interval of sorted resample values. */
export function percentileInterval(sorted: ArrayLike<number>, level: number): { low: number; high: number } {
  const tail = (1 - level) / 2;
  return { low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}
