import { invalidStatsInput } from '../stats-errors.js';

/**
 * Both tails of the Kolmogorov limit distribution of K = sup|B(t)| for a Brownian bridge
 * (Kolmogorov 1933). Two series are used, each where it converges in a handful of terms, and each
 * tail is computed directly where it is small (Numerical Recipes, Press et al. 2007, §6.14):
 *   λ < 1.18:  P(K ≤ λ) = (√(2π)/λ) Σ_{k≥1} exp(−(2k−1)²π²/(8λ²))
 *   λ ≥ 1.18:  P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²)
 */
function kolmogorovTails(lambda: number): { lower: number; upper: number } {
  if (Number.isNaN(lambda)) throw invalidStatsInput('Kolmogorov distribution argument is NaN');
  if (lambda <= 0) return { lower: 0, upper: 1 };
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    // Σ y^{(2k−1)²}: the exponents 1, 9, 25, 49 grow fast, four terms reach double precision.
    const y8 = Math.pow(y, 8);
    const lower = (Math.sqrt(2 * Math.PI) / lambda) * y * (1 + y8 * (1 + y8 * y8 * (1 + y8 * y8 * y8)));
    return { lower, upper: 1 - lower };
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * sum) break;
  }
  const upper = Math.min(1, Math.max(0, 2 * sum));
  return { lower: 1 - upper, upper };
}

/** Kolmogorov limit distribution function P(K ≤ λ) (Kolmogorov 1933; series as in Numerical Recipes §6.14). */
export function kolmogorovCdf(lambda: number): number {
  return kolmogorovTails(lambda).lower;
}

/** Kolmogorov limit survival function Q_KS(λ) = P(K > λ) (Kolmogorov 1933; Numerical Recipes §6.14). */
export function kolmogorovSurvival(lambda: number): number {
  return kolmogorovTails(lambda).upper;
}

/**
 * Asymptotic two-sided p-value of the two-sample Smirnov statistic D for sample sizes n and m:
 * Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D), nₑ = nm/(n+m). The bracket is Stephens' (1970) correction
 * ("Use of the Kolmogorov–Smirnov, Cramér–von Mises and related statistics without extensive
 * tables", JRSS B 32:115–122; Numerical Recipes §14.3), which approximates the finite-n Kolmogorov
 * distribution at the effective size nₑ. SciPy's ks_2samp(method='asymp') evaluates that finite-n
 * distribution itself (kstwo.sf(D, round(nₑ))), so the two agree to about two to three decimals;
 * R's ks.test uses the uncorrected limit Q_KS(√nₑ·D), which is slightly anti-conservative for small nₑ.
 */
export function smirnovAsymptoticPValue(d: number, n: number, m: number): number {
  checkSizes(n, m);
  if (!(d >= 0 && d <= 1)) throw invalidStatsInput('Smirnov statistic must lie in [0, 1]', { d });
  const rootNe = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((rootNe + 0.12 + 0.11 / rootNe) * d);
}

/**
 * Exact two-sided p-value P(D ≥ d) of the two-sample Smirnov statistic under H0 (all assignments of
 * the pooled, sorted sample to the two groups equally likely), by the lattice-path recursion of
 * Hodges (1957, "The significance probability of the Smirnov two-sample test", Ark. Mat. 3:469–486).
 *
 * Paths run from (0,0) to (n,m); we track the fraction of paths to (i,j) that never reached the
 * boundary |i·m − j·n| ≥ d·n·m, normalised by C(i+j, i) so every value stays in [0,1]:
 * u(i,j) = u(i−1,j)·i/(i+j) + u(i,j−1)·j/(i+j). The comparison is done in integers (d·n·m is an
 * integer for an observed statistic), so there is no floating tolerance at the boundary.
 *
 * With ties, the ECDF difference can only be observed where the pooled sorted sample changes value;
 * `tieBlockEnds` lists those positions (the pooled count i+j after each distinct value), and the
 * boundary is only checked there. This gives the exact permutation distribution conditional on the
 * tie pattern, the method of Schröer & Trenkler (1995, "Exact and randomization distributions of
 * Kolmogorov–Smirnov tests for two or three samples", CSDA 20:185–202), as in R's psmirnov(obs=).
 * Without `tieBlockEnds` the data are taken as untied (every position is checked), which is what
 * SciPy's ks_2samp(method='exact') assumes even when there are ties.
 *
 * Cost O(n·m) time, O(min(n,m)) memory.
 */
export function smirnovExactPValue(d: number, n: number, m: number, tieBlockEnds?: readonly number[]): number {
  checkSizes(n, m);
  if (!(d >= 0 && d <= 1)) throw invalidStatsInput('Smirnov statistic must lie in [0, 1]', { d });
  const total = n + m;
  if (n * m > Number.MAX_SAFE_INTEGER / 4) throw invalidStatsInput('samples too large for the exact Smirnov distribution', { n, m });
  const threshold = Math.round(d * n * m);
  if (threshold === 0) return 1;
  const checked = new Uint8Array(total + 1);
  if (tieBlockEnds === undefined) {
    checked.fill(1);
  } else {
    for (const k of tieBlockEnds) {
      if (!Number.isInteger(k) || k < 1 || k > total) throw invalidStatsInput('tie block ends must be integers in [1, n+m]', { k });
      checked[k] = 1;
    }
  }
  // Iterate over the larger size in the outer loop so the row has min(n,m)+1 cells.
  const [outer, inner] = n >= m ? [n, m] : [m, n];
  const row = new Float64Array(inner + 1);
  const outside = (i: number, j: number): boolean => checked[i + j] === 1 && Math.abs(i * inner - j * outer) >= threshold;
  row[0] = 1;
  for (let j = 1; j <= inner; j++) row[j] = outside(0, j) ? 0 : row[j - 1]!;
  for (let i = 1; i <= outer; i++) {
    row[0] = outside(i, 0) ? 0 : row[0];
    for (let j = 1; j <= inner; j++) {
      row[j] = outside(i, j) ? 0 : (row[j]! * i + row[j - 1]! * j) / (i + j);
    }
  }
  return Math.min(1, Math.max(0, 1 - row[inner]!));
}

function checkSizes(n: number, m: number): void {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(m) && m >= 1)) {
    throw invalidStatsInput('sample sizes must be positive integers', { n, m });
  }
}
