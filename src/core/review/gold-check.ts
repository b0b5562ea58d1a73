import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { JsonValue, ScoreValue, Scores, TextSpan, Verdict } from '../types.js';
import { TIE } from './preference.js';

/**
 * What a manager expects on a gold item. Any part may be left out; a judgment is right on the
 * item when it matches every part that is given. Comparisons expect a winner, rankings an order.
 */
export interface GoldExpectation {
  verdict: Verdict | null;
  scores: Scores;
  answer: GoldPreference | GoldRanking | null;
}

export interface GoldPreference {
  winner: string;
}

export interface GoldRanking {
  order: string[];
}

/** The parts of a judgment gold is checked against. */
export interface GivenAnswer {
  verdict: Verdict | null;
  scores: Scores;
  answer: JsonValue | null;
}

export interface GoldCheck {
  correct: boolean;
  /** Which expected parts the judgment missed: `verdict`, `scores.<key>`, `preference.winner`, `ranking.order`. */
  misses: string[];
}

/** Two spans match when they carry the same label and overlap by at least half their union. */
export const SPAN_MATCH_JACCARD = 0.5;

/**
 * Compares a judgment with the gold answer, part by part:
 * - the verdict, and single values (likert, numeric, boolean, categorical, one label): equal;
 * - several labels: the same set, in any order;
 * - spans: one to one, each expected span matched by a given span with its label that overlaps
 *   it by at least half their union (exact offsets are too strict a test of a person's reading);
 * - a preference: the same winner (the strength is a matter of degree, not of right or wrong);
 * - a ranking: the same order.
 */
export function checkAgainstGold(expected: GoldExpectation, given: GivenAnswer): GoldCheck {
  const misses: string[] = [];
  if (expected.verdict !== null && given.verdict !== expected.verdict) misses.push('verdict');
  for (const [key, want] of Object.entries(expected.scores)) {
    const got = given.scores[key];
    if (got === undefined || !scoreMatches(want, got)) misses.push(`scores.${key}`);
  }
  const a = expected.answer;
  if (a !== null) {
    const g = isRecord(given.answer) ? given.answer : {};
    if ('winner' in a) {
      if (g['winner'] !== a.winner) misses.push('preference.winner');
    } else if (!sameOrder(g['order'], a.order)) {
      misses.push('ranking.order');
    }
  }
  return { correct: misses.length === 0, misses };
}

function sameOrder(given: unknown, want: readonly string[]): boolean {
  return Array.isArray(given) && given.length === want.length && want.every((w, i) => given[i] === w);
}

function scoreMatches(want: ScoreValue, got: ScoreValue): boolean {
  if (!Array.isArray(want) || !Array.isArray(got)) return want === got;
  if (want.every((w) => typeof w === 'string')) {
    if (!got.every((g) => typeof g === 'string')) return false;
    const a = new Set(want);
    const b = new Set(got);
    return a.size === b.size && [...a].every((v) => b.has(v));
  }
  return spansMatch(want, got as TextSpan[]);
}

function spansMatch(want: readonly TextSpan[], got: readonly TextSpan[]): boolean {
  if (want.length !== got.length) return false;
  const free = [...got];
  for (const w of want) {
    const i = free.findIndex((g) => g.label === w.label && jaccard(w, g) >= SPAN_MATCH_JACCARD);
    if (i < 0) return false;
    free.splice(i, 1);
  }
  return true;
}

function jaccard(a: TextSpan, b: TextSpan): number {
  const overlap = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union === 0 ? 0 : overlap / union;
}

const invalid = (path: string, message: string): never => {
  throw new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });
};

/**
 * The expected answer of a comparison (`{winner}`, a candidate or `tie`) or a ranking (`{order}`,
 * every candidate once), checked against the item's candidates.
 */
export function readGoldAnswer(kind: 'compare' | 'rank', candidateIds: readonly string[], raw: unknown): GoldPreference | GoldRanking {
  if (kind === 'compare') {
    if (!isRecord(raw)) return invalid('preference', 'is required on a comparison: {winner}');
    const choices = [...candidateIds, TIE];
    for (const key of Object.keys(raw)) if (key !== 'winner') invalid(`preference.${key}`, 'a gold preference gives the winner only');
    const winner = raw['winner'];
    if (typeof winner !== 'string' || !choices.includes(winner))
      invalid('preference.winner', `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(winner)}`);
    return { winner: winner as string };
  }
  if (!isRecord(raw)) return invalid('ranking', 'is required on a ranking: {order}');
  for (const key of Object.keys(raw)) if (key !== 'order') invalid(`ranking.${key}`, 'a gold ranking gives the order only');
  const order = raw['order'];
  if (!Array.isArray(order) || !order.every((o): o is string => typeof o === 'string'))
    return invalid('ranking.order', 'must be an array of candidate ids');
  const unknown = order.find((o) => !candidateIds.includes(o));
  if (unknown !== undefined) invalid('ranking.order', `"${unknown}" is not a candidate (${candidateIds.join(', ')})`);
  if (new Set(order).size !== order.length) invalid('ranking.order', 'names a candidate twice');
  const missing = candidateIds.filter((c) => !order.includes(c));
  if (missing.length > 0) invalid('ranking.order', `leaves out ${missing.join(', ')}: order every candidate`);
  return { order };
}
