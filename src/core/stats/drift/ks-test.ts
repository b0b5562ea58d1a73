import { smirnovAsymptoticPValue, smirnovExactPValue } from '../distributions/kolmogorov.js';
import { invalidStatsInput, undefinedStatistic } from '../stats-errors.js';

export type KsMethod = 'auto' | 'exact' | 'asymptotic';

export interface KsTwoSampleOptions {
  /**
   * 'exact': the lattice-path permutation distribution (exact also with ties, see below).
   * 'asymptotic': Kolmogorov limit with Stephens' correction.
   * 'auto' (default): exact when n·m ≤ 1 000 000 (a few milliseconds), asymptotic above.
   * For comparison, R's ks.test goes exact when n·m < 10 000 and SciPy's when max(n, m) ≤ 10 000.
   */
  method?: KsMethod;
}

export interface KsTwoSampleResult {
  /** D = sup_x |F_a(x) − F_b(x)|, in [0, 1]. */
  statistic: number;
  /** Two-sided p-value for H0: both samples come from the same distribution. */
  pValue: number;
  n: number;
  m: number;
  method: 'exact' | 'asymptotic';
  /** True when some value occurs more than once in the pooled sample. */
  ties: boolean;
}

export const KS_AUTO_EXACT_MAX_PRODUCT = 1_000_000;

function sortedCopy(values: readonly number[], name: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalidStatsInput(`${name} contains a non-finite value`, { index: i, value: v });
    out[i] = v;
  }
  return out.sort();
}

/**
 * Two-sample Kolmogorov–Smirnov (Smirnov 1939) test, two-sided.
 *
 * The statistic is evaluated on the right-continuous ECDFs at every distinct pooled value by one
 * merge pass over the sorted samples, so ties (within or across samples) are handled exactly:
 * all copies of a value are absorbed before the difference is taken. O((n+m) log(n+m)).
 *
 * p-value: see `smirnovExactPValue` (Hodges 1957 recursion; with ties, the exact permutation
 * distribution conditional on the tie pattern, Schröer & Trenkler 1995) and
 * `smirnovAsymptoticPValue` (Stephens 1970 corrected limit; with ties it is conservative).
 *
 * Empty samples throw TG_STATS_UNDEFINED (there is no ECDF); NaN/±Infinity throw TG_STATS_INVALID_INPUT.
 * Two constant samples are fine: equal constants give D = 0, p = 1; different constants give D = 1.
 */
export function ksTwoSample(a: readonly number[], b: readonly number[], options: KsTwoSampleOptions = {}): KsTwoSampleResult {
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'exact' && method !== 'asymptotic') throw invalidStatsInput('unknown KS method', { method });
  if (a.length === 0 || b.length === 0) {
    throw undefinedStatistic('the KS test needs at least one value in each sample', { n: a.length, m: b.length });
  }
  const xs = sortedCopy(a, 'first sample');
  const ys = sortedCopy(b, 'second sample');
  const n = xs.length;
  const m = ys.length;

  // Work in integer units i·m − j·n (= n·m·(F_a − F_b)) so D is exact and the exact p-value
  // can compare against the boundary without rounding.
  let i = 0;
  let j = 0;
  let maxGap = 0;
  let ties = false;
  const blockEnds: number[] = [];
  while (i < n || j < m) {
    const value = j >= m || (i < n && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    const start = i + j;
    while (i < n && xs[i] === value) i++;
    while (j < m && ys[j] === value) j++;
    if (i + j - start > 1) ties = true;
    blockEnds.push(i + j);
    const gap = Math.abs(i * m - j * n);
    if (gap > maxGap) maxGap = gap;
  }
  const statistic = maxGap / (n * m);

  const useExact = method === 'exact' || (method === 'auto' && n * m <= KS_AUTO_EXACT_MAX_PRODUCT);
  const pValue = useExact ? smirnovExactPValue(statistic, n, m, ties ? blockEnds : undefined) : smirnovAsymptoticPValue(statistic, n, m);
  return { statistic, pValue, n, m, method: useExact ? 'exact' : 'asymptotic', ties };
}
