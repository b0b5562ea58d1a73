import { checkBootstrapOptions } from '../stats/bootstrap.js';
import { KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES } from '../stats/agreement/krippendorff-bootstrap.js';
import { invalidStatsInput } from '../stats/stats-errors.js';
import { checkPairs, countVerdicts, kappaEstimate, wilsonEstimate } from './calibration-figures.js';
import { scoreAgreement, type ScoreSettings } from './calibration-scores.js';
import type { AgreementOptions, AgreementReport, CalibrationPair } from './calibration-types.js';

/**
 * How far an automatic evaluator (a check or a judge model) agrees with human reviewers, on the
 * items both judged, and whether it may be trusted to auto-resolve outputs. Pure: the caller
 * loads the pairs. Every figure is null rather than thrown when the data cannot define it; a
 * malformed pair or option is `TG_STATS_INVALID_INPUT`.
 */
export type {
  AgreementOptions,
  AgreementReport,
  CalibrationConfusion,
  CalibrationPair,
  Estimate,
  ScoreAgreement,
  TrustRequirement,
  TrustVerdict,
} from './calibration-types.js';
export { trustVerdict } from './calibration-trust.js';
export { WEIGHTED_KAPPA_MAX_LEVELS } from './calibration-scores.js';

export const CALIBRATION_DEFAULT_SEED = 'tollgate-calibration';
export const CALIBRATION_BOOTSTRAP_SAMPLES = 1000;
/** Per bucket: a trend line reads the point estimates; 200 resamples give an indicative interval at a fifth of the cost. */
export const CALIBRATION_BUCKET_BOOTSTRAP_SAMPLES = 200;
/** One report per bucket (and per segment) is computed, so their number is bounded. */
export const CALIBRATION_MAX_BUCKETS = 1000;
export const CALIBRATION_DEFAULT_SEGMENT_LIMIT = 20;

function settingsOf(options: AgreementOptions, defaultSamples: number): ScoreSettings {
  if (typeof options !== 'object' || options === null) throw invalidStatsInput('options must be an object');
  const { scoreLevel = 'interval', bootstrapSamples = defaultSamples, seed = CALIBRATION_DEFAULT_SEED } = options;
  if (scoreLevel !== 'interval' && scoreLevel !== 'ordinal') {
    throw invalidStatsInput(`scoreLevel must be 'ordinal' or 'interval' (got ${String(scoreLevel)})`);
  }
  if (typeof seed !== 'string') throw invalidStatsInput('seed must be a string');
  // Checked here, not only when a bootstrap runs, so a bad option fails whatever the data.
  checkBootstrapOptions({ samples: bootstrapSamples, seed }, KRIPPENDORFF_BOOTSTRAP_MAX_SAMPLES);
  return { level: scoreLevel, samples: bootstrapSamples, seed };
}

function report(pairs: readonly CalibrationPair[], settings: ScoreSettings): AgreementReport {
  const { confusion, n, unknown } = countVerdicts(pairs);
  const { pass_pass, pass_fail, fail_pass, fail_fail } = confusion;
  const scored: { evaluator: number; human: number }[] = [];
  for (const p of pairs) {
    if (p.evaluator.status !== 'unknown' && p.evaluator.score !== null && p.human.score !== null) {
      scored.push({ evaluator: p.evaluator.score, human: p.human.score });
    }
  }
  return {
    n,
    unknown,
    confusion,
    agreement: wilsonEstimate(pass_pass + fail_fail, n),
    kappa: kappaEstimate(confusion),
    precision: wilsonEstimate(fail_fail, fail_pass + fail_fail),
    recall: wilsonEstimate(fail_fail, pass_fail + fail_fail),
    scores: scoreAgreement(scored, settings),
  };
}

/**
 * The agreement report over all pairs given. Pairs whose evaluator status is unknown are
 * counted and left out of every figure, including the scores section. The bootstrap is seeded
 * (default `CALIBRATION_DEFAULT_SEED`), so the same pairs in the same order always give the same report.
 */
export function agreementReport(pairs: readonly CalibrationPair[], options: AgreementOptions = {}): AgreementReport {
  const settings = settingsOf(options, CALIBRATION_BOOTSTRAP_SAMPLES);
  checkPairs(pairs);
  return report(pairs, settings);
}

function firstAtOrAfter(sorted: readonly CalibrationPair[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkBuckets(buckets: unknown): void {
  if (!Array.isArray(buckets) || buckets.length > CALIBRATION_MAX_BUCKETS) {
    throw invalidStatsInput(`buckets must be an array of at most ${CALIBRATION_MAX_BUCKETS}`);
  }
  buckets.forEach((b: unknown, i) => {
    const { start, end } = (typeof b === 'object' && b !== null ? b : {}) as { start?: unknown; end?: unknown };
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw invalidStatsInput(`bucket ${i} needs finite start < end`, { index: i });
    }
  });
}

/**
 * One report per time bucket, by `at`: start inclusive, end exclusive, in the order given
 * (buckets may overlap or leave gaps; each is independent). The alpha bootstrap uses
 * `CALIBRATION_BUCKET_BOOTSTRAP_SAMPLES` resamples unless `options.bootstrapSamples` says
 * otherwise, because a trend has many buckets and is read for its points, not its intervals.
 */
export function agreementOverTime(
  pairs: readonly CalibrationPair[],
  buckets: readonly { start: number; end: number }[],
  options: AgreementOptions = {},
): { start: number; end: number; report: AgreementReport }[] {
  const settings = settingsOf(options, CALIBRATION_BUCKET_BOOTSTRAP_SAMPLES);
  checkPairs(pairs);
  checkBuckets(buckets);
  // Time order (stable for ties), so a bucket's units reach the bootstrap in the same order however the rows came.
  const sorted = [...pairs].sort((a, b) => a.at - b.at);
  return buckets.map(({ start, end }) => ({
    start,
    end,
    report: report(sorted.slice(firstAtOrAfter(sorted, start), firstAtOrAfter(sorted, end)), settings),
  }));
}

/**
 * One report per segment value (null is a segment of its own: pairs without the field), largest
 * first by number of pairs including unknown ones (the traffic the segment carries), ties by
 * segment value with null last; at most `limit` segments (default 20).
 */
export function agreementBySegment(
  pairs: readonly CalibrationPair[],
  options: AgreementOptions & { limit?: number } = {},
): { segment: string | null; report: AgreementReport }[] {
  const settings = settingsOf(options, CALIBRATION_BOOTSTRAP_SAMPLES);
  const limit = options.limit ?? CALIBRATION_DEFAULT_SEGMENT_LIMIT;
  if (!Number.isInteger(limit) || limit < 0 || limit > CALIBRATION_MAX_BUCKETS) {
    throw invalidStatsInput(`limit must be a whole number from 0 to ${CALIBRATION_MAX_BUCKETS} (got ${String(limit)})`, { limit });
  }
  checkPairs(pairs);
  const groups = new Map<string | null, CalibrationPair[]>();
  for (const p of pairs) {
    const list = groups.get(p.segment);
    if (list === undefined) groups.set(p.segment, [p]);
    else list.push(p);
  }
  const order = (a: string | null, b: string | null): number => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    return a < b ? -1 : 1;
  };
  return [...groups.entries()]
    .sort(([a, x], [b, y]) => y.length - x.length || order(a, b))
    .slice(0, limit)
    .map(([segment, list]) => ({ segment, report: report(list, settings) }));
}
