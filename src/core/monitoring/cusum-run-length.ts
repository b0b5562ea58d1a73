import { invalidStatsInput } from '../stats/stats-errors.js';

/**
 * Average run lengths (ARL) of a one-sided CUSUM on a 0/1 stream, and the decision interval that
 * gives a chosen in-control ARL.
 *
 * The chart is S₀ = 0, S_t = max(0, S_{t−1} + W_t), alarm when S_t ≥ h, where W_t = +up when
 * observation t is an error (probability p) and −down otherwise. Both detectors in
 * `sequential.ts` are of this form: the Bernoulli CUSUM with log-likelihood-ratio increments
 * (Reynolds & Stoumbos 1999, J. Quality Technology 31(1):87–108) and, once its running mean has
 * settled at p₀, Page–Hinkley (a CUSUM on x − p₀ − δ).
 *
 * Method: the Markov-chain approach of Brook & Evans (1972, Biometrika 59:539–549; Montgomery,
 * Introduction to Statistical Quality Control, ch. 9), applied to the chain embedded at the error
 * steps. S only rises at an error and an alarm can only happen there, so it suffices to follow
 * the value just after each error. From a post-error value s, the number G of non-errors before
 * the next error is geometric (P(G ≥ g) = q^g, q = 1 − p), and the next post-error value is
 * max(0, s − G·down) + up. Values are kept on the grid Δ = up / A, so `up` itself is exact and
 * only the drop G·down is rounded to the nearest grid point, once per error. The expected number
 * of steps from one error to the next is 1/p, so the expected steps to alarm from post-error
 * state i solve L_i = 1/p + Σ_j P(i→j)·L_j over the non-alarm states, and ARL = 1/p + L_A
 * (the first error always lands on exactly `up`).
 *
 * Cost: with n states, row i reaches states up to i + A, so LU without pivoting (safe: I − P is a
 * nonsingular M-matrix) keeps U within that band and costs about n²·A/2. The chain for a
 * threshold N·Δ is the leading N − A states of the chain for any larger threshold, and so are
 * its LU factors and forward-substituted right-hand side; one factorisation therefore answers
 * every threshold below it with a back-substitution each, which is what the search uses.
 *
 * Accuracy is checked in the tests against closed forms (run of r consecutive errors, Feller
 * 1968, An Introduction to Probability Theory and Its Applications I, §XIII.7) and against
 * simulation.
 */
export interface TwoPointCusum {
  /** Added to the statistic on an error (> 0). */
  up: number;
  /** Subtracted on a non-error (> 0). */
  down: number;
}

/** Grid points up to the largest threshold a chain is built for: a quick first search, then the accurate one. */
const COARSE_GRID_POINTS = 150;
const GRID_POINTS = 600;

interface EmbeddedChain {
  p: number;
  /** Grid steps in `up`. */
  jump: number;
  step: number;
  /** Largest threshold index covered: thresholds N·step for jump < N ≤ maxIndex. */
  maxIndex: number;
  /** LU factors of I − P (n × n, row-major, L below the diagonal with unit diagonal implied). */
  lu: Float64Array;
  /** L⁻¹·(1/p, …, 1/p). */
  forward: Float64Array;
}

function checkCusum(chart: TwoPointCusum): void {
  if (!(Number.isFinite(chart.up) && chart.up > 0 && Number.isFinite(chart.down) && chart.down > 0)) {
    throw invalidStatsInput('CUSUM increments must be positive and finite', { up: chart.up, down: chart.down });
  }
}

function checkRate(p: number, name: string): void {
  if (!(Number.isFinite(p) && p > 0 && p < 1)) throw invalidStatsInput(`${name} must lie strictly between 0 and 1`, { [name]: p });
}

function buildChain(chart: TwoPointCusum, p: number, maxThreshold: number, gridPoints = GRID_POINTS): EmbeddedChain {
  const jump = Math.min(gridPoints, Math.max(1, Math.round((gridPoints * chart.up) / maxThreshold)));
  const step = chart.up / jump;
  // A hair below the quotient so a threshold lying on the grid is not pushed one point up by rounding.
  const maxIndex = Math.max(1, Math.ceil(maxThreshold / step - 1e-9));
  const n = Math.max(0, maxIndex - jump);
  const q = 1 - p;
  const dropPerNonError = chart.down / step;
  // survival[K] = P(round(G·down/step) ≥ K) = P(G ≥ ⌈(K − ½)/r⌉) = q^⌈(K − ½)/r⌉.
  const survival = new Float64Array(n + jump + 2);
  for (let k = 0; k < survival.length; k++) survival[k] = k === 0 ? 1 : Math.pow(q, Math.ceil((k - 0.5) / dropPerNonError));

  // Row m is post-error state i = m + jump. A drop of K lands on index m + jump − K; a drop of at
  // least i hits the floor 0 and lands on index 0 (the value `up`).
  const lu = new Float64Array(n * n);
  for (let m = 0; m < n; m++) {
    const i = m + jump;
    const row = m * n;
    lu[row + m] = 1;
    lu[row] = lu[row]! - survival[i]!;
    const top = Math.min(n - 1, i);
    for (let t = 1; t <= top; t++) {
      const k = i - t;
      lu[row + t] = lu[row + t]! - (survival[k]! - survival[k + 1]!);
    }
  }
  for (let k = 0; k < n; k++) {
    const pivotRow = k * n;
    const pivot = lu[pivotRow + k]!;
    const last = Math.min(n - 1, k + jump);
    for (let r = k + 1; r < n; r++) {
      const row = r * n;
      const factor = lu[row + k]! / pivot;
      lu[row + k] = factor;
      if (factor === 0) continue;
      for (let c = k + 1; c <= last; c++) lu[row + c] = lu[row + c]! - factor * lu[pivotRow + c]!;
    }
  }
  const forward = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let value = 1 / p;
    const row = r * n;
    for (let k = 0; k < r; k++) value -= lu[row + k]! * forward[k]!;
    forward[r] = value;
  }
  return { p, jump, step, maxIndex, lu, forward };
}

/** ARL of the chart whose alarm index is `index` (alarm when S ≥ index·step). */
function chainArl(chain: EmbeddedChain, index: number): number {
  const states = index - chain.jump;
  if (states <= 0) return 1 / chain.p;
  const n = chain.maxIndex - chain.jump;
  const x = new Float64Array(states);
  for (let m = states - 1; m >= 0; m--) {
    const row = m * n;
    let value = chain.forward[m]!;
    const last = Math.min(states - 1, m + chain.jump);
    for (let c = m + 1; c <= last; c++) value -= chain.lu[row + c]! * x[c]!;
    x[m] = value / chain.lu[row + m]!;
  }
  return 1 / chain.p + x[0]!;
}

/** Expected observations until the first alarm (zero start) when each observation is an error with probability `p`. */
export function averageRunLength(chart: TwoPointCusum, threshold: number, p: number): number {
  checkCusum(chart);
  checkRate(p, 'p');
  if (!(Number.isFinite(threshold) && threshold > 0)) throw invalidStatsInput('threshold must be positive and finite', { threshold });
  const chain = buildChain(chart, p, threshold);
  return chainArl(chain, chain.maxIndex);
}

function searchThreshold(chart: TwoPointCusum, p: number, targetArl: number, initialBracket: number, gridPoints: number): number {
  let bracket = Math.max(initialBracket, chart.up);
  let chain = buildChain(chart, p, bracket, gridPoints);
  for (let tries = 0; chainArl(chain, chain.maxIndex) < targetArl; tries++) {
    if (tries >= 40) throw invalidStatsInput('no threshold reaches the target ARL', { targetArl });
    bracket *= 2;
    chain = buildChain(chart, p, bracket, gridPoints);
  }
  if (1 / p >= targetArl) return chain.step;
  // Every threshold up to `up` alarms at the first error (ARL = 1/p < target); the top one reaches it.
  let low = chain.jump;
  let high = chain.maxIndex;
  while (high - low > 1) {
    const mid = (low + high) >>> 1;
    if (chainArl(chain, mid) >= targetArl) high = mid;
    else low = mid;
  }
  return high * chain.step;
}

/**
 * The smallest threshold whose ARL at error rate `p` is at least `targetArl` (ARL grows with the
 * threshold, so a bisection over grid points finds it). `initialBracket` is a threshold guessed
 * to be large enough; it is doubled until it is. A first search on the bracket's grid is refined
 * on a grid fitted to its answer, so the result is as accurate as `averageRunLength` there.
 */
export function thresholdForArl(chart: TwoPointCusum, p: number, targetArl: number, initialBracket: number): number {
  checkCusum(chart);
  checkRate(p, 'p');
  if (!(Number.isFinite(targetArl) && targetArl >= 1 && targetArl <= 1e9)) {
    throw invalidStatsInput('target ARL must be from 1 to 1e9', { targetArl });
  }
  const coarse = searchThreshold(chart, p, targetArl, initialBracket, COARSE_GRID_POINTS);
  if (1 / p >= targetArl) return coarse;
  return searchThreshold(chart, p, targetArl, coarse * 1.05, GRID_POINTS);
}

/** Log-likelihood-ratio increments of the Bernoulli CUSUM for p₀ → p₁ (Reynolds & Stoumbos 1999). */
export function bernoulliCusumChart(p0: number, p1: number): TwoPointCusum {
  checkRate(p0, 'p0');
  checkRate(p1, 'p1');
  if (!(p1 > p0)) throw invalidStatsInput('p1 must be greater than p0', { p0, p1 });
  return { up: Math.log(p1 / p0), down: Math.log((1 - p0) / (1 - p1)) };
}

/**
 * Page–Hinkley's tolerance δ for p₀ → p₁: half the shift, the usual CUSUM reference value
 * k = p₀ + (p₁ − p₀)/2 (Montgomery ch. 9: k is half the shift to detect).
 */
export function pageHinkleyDelta(p0: number, p1: number): number {
  return (p1 - p0) / 2;
}

/** Page–Hinkley with its mean settled at p₀ is a CUSUM on x − p₀ − δ: +(1 − p₀ − δ) on an error, −(p₀ + δ) otherwise. */
export function pageHinkleyChart(p0: number, p1: number): TwoPointCusum {
  bernoulliCusumChart(p0, p1); // same argument checks
  const delta = pageHinkleyDelta(p0, p1);
  return { up: 1 - p0 - delta, down: p0 + delta };
}

/** Rounds up to three significant digits, so a stored default reads well and never lowers the ARL. */
function ceilSignificant(value: number): number {
  const exponent = Math.floor(Math.log10(value)) - 2;
  const digits = Math.ceil(value / Math.pow(10, exponent) - 1e-9);
  // Dividing by an exact power of ten gives the double nearest the decimal (k × 10^e may not).
  return exponent < 0 ? digits / Math.pow(10, -exponent) : digits * Math.pow(10, exponent);
}

export const DEFAULT_TARGET_ARL0 = 1000;

// A search costs tens of milliseconds and a saved monitor set may repeat the same rates; the
// functions are pure, so remembering answers is safe. Bounded so it cannot grow without limit.
const thresholdCache = new Map<string, number>();
const THRESHOLD_CACHE_SIZE = 256;

function cached(key: string, compute: () => number): number {
  const hit = thresholdCache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (thresholdCache.size >= THRESHOLD_CACHE_SIZE) thresholdCache.clear();
  thresholdCache.set(key, value);
  return value;
}

/**
 * Decision interval h for the Bernoulli CUSUM p₀ → p₁ whose in-control ARL is at least
 * `targetArl0` (by the Markov chain above, rounded up to three significant digits). The search
 * starts from h = ln(ARL₀): for log-likelihood-ratio increments e^{S} is a martingale in
 * control, so each excursion from 0 reaches h with probability at most e^{−h} (Wald) and
 * ARL₀ ≥ e^{h}, which makes ln(target) an upper bracket.
 * When 1/p₀ ≥ target, any error may alarm and the smallest grid step is returned.
 */
export function defaultCusumThreshold(p0: number, p1: number, targetArl0 = DEFAULT_TARGET_ARL0): number {
  const chart = bernoulliCusumChart(p0, p1);
  return cached(`cusum:${p0}:${p1}:${targetArl0}`, () => ceilSignificant(thresholdForArl(chart, p0, targetArl0, Math.log(targetArl0))));
}

/**
 * Page–Hinkley λ for p₀ → p₁ with δ = (p₁ − p₀)/2, chosen like `defaultCusumThreshold` on the
 * chart Page–Hinkley becomes once its running mean equals p₀. Early in a run the running mean is
 * noisy, which the chain does not model; the tests measure the real false-alarm rate.
 */
export function defaultPageHinkleyThreshold(p0: number, p1: number, targetArl0 = DEFAULT_TARGET_ARL0): number {
  const chart = pageHinkleyChart(p0, p1);
  return cached(`page_hinkley:${p0}:${p1}:${targetArl0}`, () => ceilSignificant(thresholdForArl(chart, p0, targetArl0, 4 * chart.up)));
}
