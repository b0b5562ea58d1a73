import { isRecord } from '../json.js';
import type { ConditionProblem } from '../policy/condition-types.js';
import type { GoldSet, PauseRule, QualityConfig } from '../types.js';

export type { GoldSet, PauseRule, QualityConfig };

export const MAX_GOLD_SET = 200;
export const DEFAULT_PAUSE_WINDOW = 20;
export const DEFAULT_PAUSE_MIN_JUDGMENTS = 10;

/**
 * A reviewer's standing in a project:
 * - `qualifying`: working through the qualification set; no live work yet;
 * - `active`: live work, with the gold share mixed in;
 * - `recalibrating`: paused for low accuracy on gold, working through the recalibration set;
 * - `suspended`: no work until a manager reinstates them (a failed set, a pause with no
 *   recalibration set, or a manager's decision).
 */
export const STANDING_STATUSES = ['qualifying', 'active', 'recalibrating', 'suspended'] as const;
export type StandingStatus = (typeof STANDING_STATUSES)[number];

/** Gold probes are served for one of these. */
export const PROBE_PURPOSES = ['gold', 'qualification', 'recalibration'] as const;
export type ProbePurpose = (typeof PROBE_PURPOSES)[number];

/** Which set an attempt of this status works through; null for statuses without one. */
export function setFor(config: QualityConfig | undefined, status: StandingStatus): GoldSet | undefined {
  if (status === 'qualifying') return config?.qualification;
  if (status === 'recalibrating') return config?.recalibration;
  return undefined;
}

/** The status a reviewer has in a project before anything was recorded for them. */
export function initialStanding(config: QualityConfig | undefined): StandingStatus {
  return config?.qualification ? 'qualifying' : 'active';
}

export interface AttemptScore {
  correct: number;
  /** Set items that still had a gold answer when judged. */
  total: number;
  accuracy: number | null;
  passed: boolean;
}

/** The result of a finished attempt at a set: passed when accuracy reaches the bound. */
export function scoreAttempt(results: readonly boolean[], passAccuracy: number): AttemptScore {
  const correct = results.filter(Boolean).length;
  const total = results.length;
  const accuracy = total === 0 ? null : correct / total;
  // A set with no gold left proves nothing: it is not a pass.
  return { correct, total, accuracy, passed: accuracy !== null && accuracy >= passAccuracy };
}

export interface RollingAccuracy {
  correct: number;
  total: number;
  accuracy: number | null;
}

/** Accuracy over the most recent `window` results (oldest first in `results`). */
export function rollingAccuracy(results: readonly boolean[], window: number): RollingAccuracy {
  const recent = results.slice(-window);
  const correct = recent.filter(Boolean).length;
  return { correct, total: recent.length, accuracy: recent.length === 0 ? null : correct / recent.length };
}

/** Whether results this recent call for a pause under the rule. */
export function pauseDue(rule: PauseRule, results: readonly boolean[]): RollingAccuracy | null {
  const r = rollingAccuracy(results, rule.window);
  return r.total >= rule.min_judgments && r.accuracy !== null && r.accuracy < rule.below_accuracy ? r : null;
}

/**
 * Whether to serve a gold task on this claim: a draw below the share. Random rather than every
 * n-th task, so that a reviewer cannot learn where gold falls.
 */
export function drawsGold(config: QualityConfig | undefined, draw: number): boolean {
  return config !== undefined && config.gold_share > 0 && draw < config.gold_share;
}

const isShare = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

function readSet(raw: unknown, path: string, problems: ConditionProblem[]): GoldSet | undefined {
  if (!isRecord(raw)) {
    problems.push({ path, message: 'must be an object {items, pass_accuracy}' });
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (key !== 'items' && key !== 'pass_accuracy') problems.push({ path: `${path}.${key}`, message: 'unknown field' });
  const items = raw['items'];
  let ok = true;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_GOLD_SET) {
    problems.push({ path: `${path}.items`, message: `must be a list of 1 to ${MAX_GOLD_SET} gold item ids` });
    ok = false;
  } else {
    const seen = new Set<string>();
    items.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || id.length === 0) {
        problems.push({ path: `${path}.items[${i}]`, message: 'must be an item id' });
        ok = false;
      } else if (seen.has(id)) {
        problems.push({ path: `${path}.items[${i}]`, message: `"${id}" is listed twice` });
        ok = false;
      } else seen.add(id);
    });
  }
  const pass = raw['pass_accuracy'];
  if (!isShare(pass)) {
    problems.push({ path: `${path}.pass_accuracy`, message: 'must be a number from 0 to 1' });
    ok = false;
  }
  return ok ? { items: items as string[], pass_accuracy: pass as number } : undefined;
}

function readPause(raw: unknown, problems: ConditionProblem[]): PauseRule | undefined {
  const path = 'quality.pause';
  if (!isRecord(raw)) {
    problems.push({ path, message: 'must be an object {below_accuracy, window?, min_judgments?}' });
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (!['below_accuracy', 'window', 'min_judgments'].includes(key)) problems.push({ path: `${path}.${key}`, message: 'unknown field' });
  const below = raw['below_accuracy'];
  const window = raw['window'] ?? DEFAULT_PAUSE_WINDOW;
  const min = raw['min_judgments'] ?? Math.min(DEFAULT_PAUSE_MIN_JUDGMENTS, window as number);
  const before = problems.length;
  if (!isShare(below)) problems.push({ path: `${path}.below_accuracy`, message: 'must be a number from 0 to 1' });
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > 1000)
    problems.push({ path: `${path}.window`, message: 'must be a whole number of gold judgments from 1 to 1000' });
  else if (typeof min !== 'number' || !Number.isInteger(min) || min < 1 || min > window)
    problems.push({ path: `${path}.min_judgments`, message: `must be a whole number from 1 to the window (${window})` });
  if (problems.length > before) return undefined;
  return { below_accuracy: below as number, window: window as number, min_judgments: min as number };
}

/** Reads the policy's `quality` section; problems are added with their paths. */
export function readQuality(raw: unknown, problems: ConditionProblem[]): QualityConfig | undefined {
  if (!isRecord(raw)) {
    problems.push({ path: 'quality', message: 'must be an object {gold_share?, qualification?, pause?, recalibration?}' });
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (!['gold_share', 'qualification', 'pause', 'recalibration'].includes(key))
      problems.push({ path: `quality.${key}`, message: 'unknown field' });
  const before = problems.length;
  const share = raw['gold_share'] ?? 0;
  if (!isShare(share)) problems.push({ path: 'quality.gold_share', message: 'must be a number from 0 to 1' });
  const out: QualityConfig = { gold_share: isShare(share) ? share : 0 };
  if (raw['qualification'] !== undefined) {
    const s = readSet(raw['qualification'], 'quality.qualification', problems);
    if (s) out.qualification = s;
  }
  if (raw['pause'] !== undefined) {
    const p = readPause(raw['pause'], problems);
    if (p) out.pause = p;
  }
  if (raw['recalibration'] !== undefined) {
    const s = readSet(raw['recalibration'], 'quality.recalibration', problems);
    if (s) out.recalibration = s;
  }
  if (out.recalibration && !out.pause && problems.length === before)
    problems.push({ path: 'quality.recalibration', message: 'needs a "pause" rule: recalibration is what a paused reviewer works' });
  return problems.length > before ? undefined : out;
}

/** Every gold item the section names, with where, for the check that each one is gold. */
export function namedGoldItems(config: QualityConfig): { id: string; path: string }[] {
  const out: { id: string; path: string }[] = [];
  for (const set of ['qualification', 'recalibration'] as const)
    config[set]?.items.forEach((id, i) => out.push({ id, path: `quality.${set}.items[${i}]` }));
  return out;
}
