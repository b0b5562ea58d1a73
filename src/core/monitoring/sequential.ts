import { isRecord } from '../json.js';
import { invalidStatsInput } from '../stats/stats-errors.js';
import { bernoulliCusumChart, pageHinkleyDelta } from './cusum-run-length.js';

export {
  averageRunLength,
  bernoulliCusumChart,
  defaultCusumThreshold,
  defaultPageHinkleyThreshold,
  DEFAULT_TARGET_ARL0,
  pageHinkleyChart,
  pageHinkleyDelta,
  thresholdForArl,
  type TwoPointCusum,
} from './cusum-run-length.js';

/**
 * Sequential detectors on the stream of human verdicts (1 = the reviewer found an error), which
 * notice a rise of the error rate after few observations while keeping false alarms rare: the
 * in-control average run length (ARL₀, expected observations between false alarms) is the
 * designed quantity, see `cusum-run-length.ts`.
 *
 * - `cusum`: the Bernoulli CUSUM (Page 1954, Biometrika 41:100–115) with the log-likelihood-ratio
 *   increments of Reynolds & Stoumbos (1999, J. Quality Technology 31(1):87–108):
 *   W_t = ln(p₁/p₀) on an error, ln((1 − p₁)/(1 − p₀)) otherwise; S_t = max(0, S_{t−1} + W_t);
 *   alarm when S_t ≥ h. This is the sequential probability ratio test of p₀ against p₁ restarted
 *   whenever it favours p₀, the optimal detector of that change (Moustakides 1986, Ann. Statist.
 *   14:1379–1387).
 * - `page_hinkley`: Page–Hinkley (Page 1954; Hinkley 1971, Biometrika 58:509–523) as in Gama et al. (2014, "A survey on
 *   concept drift adaptation", ACM Computing Surveys 46(4):44): m_t = Σ_{i≤t} (x_i − x̄_i − δ)
 *   with x̄_i the running mean of x_1..x_i, M_t = min(0, m_1, …, m_t), alarm when m_t − M_t > λ.
 *   It needs no baseline rate at run time (the running mean stands in for it); δ = (p₁ − p₀)/2.
 *   The state keeps S_t = m_t − M_t, which obeys S_t = max(0, S_{t−1} + x_t − x̄_t − δ) and,
 *   unlike m_t, stays bounded on a long stream.
 *
 * After an alarm both restart from zero, as a CUSUM is reset after a signal (Montgomery,
 * Introduction to Statistical Quality Control, ch. 9), so a persisting degradation signals again
 * after about ARL₁ more observations (the alert deduplicates those). The
 * alarm reports the CUSUM's change-point estimate: the last observation at which the statistic
 * was zero (Page 1954; Montgomery ch. 9), after which the rate is estimated to have risen.
 */
export type DetectorKind = 'cusum' | 'page_hinkley';

export interface DetectorParams {
  detector: DetectorKind;
  /** In-control error rate p₀. */
  baseline_rate: number;
  /** Error rate p₁ > p₀ to detect quickly. */
  detect_rate: number;
  /** h (CUSUM, log-likelihood units) or λ (Page–Hinkley, error counts). */
  threshold: number;
}

interface StateCommon {
  /** S_t after the last update (0 right after an alarm). */
  statistic: number;
  /** Observations seen since the detector was created. */
  observations: number;
  /** The last observation (count) at which the statistic was 0. */
  run_start: number;
  alarms: number;
}

/** Plain JSON, to be stored between scheduler passes and handed to `restoreDetector`. */
export type DetectorState =
  | ({ detector: 'cusum' } & StateCommon)
  | ({
      detector: 'page_hinkley';
      /** x̄ since the last restart */ mean: number;
      /** observations since the last restart */ count: number;
    } & StateCommon);

export interface DetectorStep {
  /** The statistic after this observation (before the restart, when it alarmed). */
  statistic: number;
  alarm: boolean;
  /** On an alarm, the observation after which the change is estimated to have happened; otherwise null. */
  change_after: number | null;
}

export interface Detector {
  update(isError: boolean): DetectorStep;
  state(): DetectorState;
}

function checkParams(params: DetectorParams): void {
  if (params.detector !== 'cusum' && params.detector !== 'page_hinkley') {
    throw invalidStatsInput('detector must be "cusum" or "page_hinkley"', { detector: params.detector as unknown });
  }
  bernoulliCusumChart(params.baseline_rate, params.detect_rate); // checks 0 < p₀ < p₁ < 1
  if (!(Number.isFinite(params.threshold) && params.threshold > 0)) {
    throw invalidStatsInput('threshold must be positive and finite', { threshold: params.threshold });
  }
}

function initialState(detector: DetectorKind): DetectorState {
  const common = { statistic: 0, observations: 0, run_start: 0, alarms: 0 };
  return detector === 'cusum' ? { detector, ...common } : { detector, mean: 0, count: 0, ...common };
}

function makeDetector(params: DetectorParams, start: DetectorState): Detector {
  let s: DetectorState = { ...start };
  const h = params.threshold;
  const chart = bernoulliCusumChart(params.baseline_rate, params.detect_rate);
  const delta = pageHinkleyDelta(params.baseline_rate, params.detect_rate);

  const increment = (isError: boolean): number => {
    if (s.detector === 'cusum') return isError ? chart.up : -chart.down;
    const x = isError ? 1 : 0;
    s.count += 1;
    s.mean += (x - s.mean) / s.count;
    return x - s.mean - delta;
  };

  return {
    update(isError: boolean): DetectorStep {
      if (typeof isError !== 'boolean') throw invalidStatsInput('update needs true (error) or false');
      s.observations += 1;
      s.statistic = Math.max(0, s.statistic + increment(isError));
      if (s.statistic === 0) s.run_start = s.observations;
      const alarm = s.detector === 'cusum' ? s.statistic >= h : s.statistic > h;
      if (!alarm) return { statistic: s.statistic, alarm: false, change_after: null };
      const step = { statistic: s.statistic, alarm: true, change_after: s.run_start };
      s = { ...initialState(s.detector), observations: s.observations, run_start: s.observations, alarms: s.alarms + 1 };
      return step;
    },
    state(): DetectorState {
      return { ...s };
    },
  };
}

/** A fresh detector (statistic 0) for an error-rate monitor. */
export function createDetector(params: DetectorParams): Detector {
  checkParams(params);
  return makeDetector(params, initialState(params.detector));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A detector continuing from a stored `state()`. The state is checked (it may come from an older
 * version or another monitor): a state of the other detector kind or with malformed numbers
 * throws TG_STATS_INVALID_INPUT rather than silently restarting.
 */
export function restoreDetector(params: DetectorParams, state: unknown): Detector {
  checkParams(params);
  const problems: string[] = [];
  if (!isRecord(state)) throw invalidStatsInput('detector state must be an object');
  if (state['detector'] !== params.detector) problems.push(`detector is ${String(state['detector'])}, expected ${params.detector}`);
  const statistic = state['statistic'];
  if (!(typeof statistic === 'number' && Number.isFinite(statistic) && statistic >= 0)) problems.push('statistic must be ≥ 0');
  for (const key of ['observations', 'run_start', 'alarms']) if (!isCount(state[key])) problems.push(`${key} must be a whole number ≥ 0`);
  if (isCount(state['run_start']) && isCount(state['observations']) && state['run_start'] > state['observations']) {
    problems.push('run_start must not exceed observations');
  }
  if (params.detector === 'page_hinkley') {
    const mean = state['mean'];
    if (!(typeof mean === 'number' && mean >= 0 && mean <= 1)) problems.push('mean must lie in [0, 1]');
    if (!isCount(state['count'])) problems.push('count must be a whole number ≥ 0');
  }
  if (problems.length > 0) throw invalidStatsInput(`invalid detector state: ${problems.join('; ')}`, { problems });
  const common = {
    statistic: statistic as number,
    observations: state['observations'] as number,
    run_start: state['run_start'] as number,
    alarms: state['alarms'] as number,
  };
  const start: DetectorState =
    params.detector === 'cusum'
      ? { detector: 'cusum', ...common }
      : { detector: 'page_hinkley', mean: state['mean'] as number, count: state['count'] as number, ...common };
  return makeDetector(params, start);
}
