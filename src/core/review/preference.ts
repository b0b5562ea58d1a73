import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import type { ItemOutput } from '../types.js';

/** One of the outputs a comparison or ranking puts side by side; ids are `a`, `b`, `c`… in order. */
export interface Candidate {
  id: string;
  output: ItemOutput;
  model: string | null;
  model_version: string | null;
  /** The stored item it was taken from, if any. */
  item_id: string | null;
}

/** What a comparison or ranking item stores as its output. */
export interface CandidateSet {
  candidates: Candidate[];
}

export const PREFERENCE_STRENGTHS = ['slight', 'clear', 'decisive'] as const;
export type PreferenceStrength = (typeof PREFERENCE_STRENGTHS)[number];

/** A reviewer's answer on a pair: the better candidate (or a tie), how strongly, and why. */
export interface Preference {
  winner: string;
  strength: PreferenceStrength | null;
  /** Per rubric criterion: which candidate is better on it (or `tie`). */
  criteria: Record<string, string>;
  rationale: string | null;
}

/** A reviewer's answer on three or more: every candidate, best first. */
export interface Ranking {
  order: string[];
  rationale: string | null;
}

export const MAX_CANDIDATES = 10;
export const TIE = 'tie';

export function candidateIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
}

type Problem = { path: string; message: string };

function refuse(problems: Problem[]): never {
  const first = problems[0]!;
  throw new TollgateError(
    'TG_INVALID_JUDGMENT',
    `${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`,
    { errors: problems },
  );
}

/** Checks a preference on a pair strictly; every problem at once (TG_INVALID_JUDGMENT). */
export function validatePreference(ids: readonly string[], raw: unknown, criterionKeys: readonly string[]): Preference {
  const problems: Problem[] = [];
  if (!isRecord(raw)) refuse([{ path: 'preference', message: 'must be an object {winner, strength, criteria?, rationale?}' }]);
  const choices = [...ids, TIE];
  const named = choices.map((c) => `"${c}"`).join(', ');
  for (const key of Object.keys(raw))
    if (!['winner', 'strength', 'criteria', 'rationale'].includes(key))
      problems.push({ path: `preference.${key}`, message: 'unknown field' });
  const { winner, strength, criteria, rationale } = raw;
  if (typeof winner !== 'string' || !choices.includes(winner))
    problems.push({ path: 'preference.winner', message: `must be one of ${named}, got ${JSON.stringify(winner)}` });
  if (winner !== TIE && !(PREFERENCE_STRENGTHS as readonly unknown[]).includes(strength)) {
    problems.push({ path: 'preference.strength', message: 'must be "slight", "clear" or "decisive" when there is a winner' });
  }
  if (winner === TIE && strength !== undefined && strength !== null)
    problems.push({ path: 'preference.strength', message: 'a tie has no strength' });
  const perCriterion: Record<string, string> = {};
  if (criteria !== undefined) {
    if (!isRecord(criteria)) problems.push({ path: 'preference.criteria', message: 'must be an object of criterion key → candidate' });
    else {
      for (const [key, value] of Object.entries(criteria)) {
        if (!criterionKeys.includes(key)) problems.push({ path: `preference.criteria.${key}`, message: 'unknown criterion' });
        else if (typeof value !== 'string' || !choices.includes(value))
          problems.push({ path: `preference.criteria.${key}`, message: `must be one of ${named}` });
        else perCriterion[key] = value;
      }
    }
  }
  if (rationale !== undefined && rationale !== null && (typeof rationale !== 'string' || rationale.length > 10_000)) {
    problems.push({ path: 'preference.rationale', message: 'must be text of at most 10,000 characters' });
  }
  if (problems.length > 0) refuse(problems);
  return {
    winner: winner as string,
    strength: winner === TIE ? null : (strength as PreferenceStrength),
    criteria: perCriterion,
    rationale: typeof rationale === 'string' ? rationale : null,
  };
}

/** Checks a ranking strictly: every candidate exactly once. */
export function validateRanking(ids: readonly string[], raw: unknown): Ranking {
  if (!isRecord(raw)) refuse([{ path: 'ranking', message: 'must be an object {order, rationale?}' }]);
  const problems: Problem[] = [];
  for (const key of Object.keys(raw))
    if (key !== 'order' && key !== 'rationale') problems.push({ path: `ranking.${key}`, message: 'unknown field' });
  const { order, rationale } = raw;
  if (!Array.isArray(order)) problems.push({ path: 'ranking.order', message: `must list every candidate best first: ${ids.join(', ')}` });
  else {
    const seen = new Set<string>();
    for (const [i, id] of (order as unknown[]).entries()) {
      if (typeof id !== 'string' || !ids.includes(id))
        problems.push({ path: `ranking.order[${i}]`, message: `not a candidate: ${JSON.stringify(id)}` });
      else if (seen.has(id)) problems.push({ path: `ranking.order[${i}]`, message: `"${id}" is ranked twice` });
      else seen.add(id);
    }
    const missing = ids.filter((id) => !seen.has(id));
    if (missing.length > 0) problems.push({ path: 'ranking.order', message: `omits ${missing.map((m) => `"${m}"`).join(', ')}` });
  }
  if (rationale !== undefined && rationale !== null && (typeof rationale !== 'string' || rationale.length > 10_000)) {
    problems.push({ path: 'ranking.rationale', message: 'must be text of at most 10,000 characters' });
  }
  if (problems.length > 0) refuse(problems);
  return { order: order as string[], rationale: typeof rationale === 'string' ? rationale : null };
}

/** The pair's outcome: the candidate most reviewers preferred, or `tie` when none leads. */
export function aggregatePreferences(
  ids: readonly string[],
  prefs: readonly Preference[],
): { winner: string; votes: Record<string, number>; reason: string } {
  const votes: Record<string, number> = Object.fromEntries([...ids, TIE].map((c) => [c, 0]));
  for (const p of prefs) votes[p.winner] = (votes[p.winner] ?? 0) + 1;
  const top = Math.max(...ids.map((c) => votes[c] ?? 0));
  const leaders = ids.filter((c) => votes[c] === top);
  const winner = top > 0 && leaders.length === 1 && top > (votes[TIE] ?? 0) ? leaders[0]! : TIE;
  const tally = [...ids, TIE].map((c) => `${c} ${votes[c] ?? 0}`).join(', ');
  return { winner, votes, reason: winner === TIE ? `no candidate preferred (${tally})` : `preferred: ${winner} (${tally})` };
}

/** Rankings combined by Borda count (n−1 points for first place … 0 for last); ties keep candidate order. */
export function aggregateRankings(
  ids: readonly string[],
  rankings: readonly Ranking[],
): { order: string[]; points: Record<string, number>; reason: string } {
  const points: Record<string, number> = Object.fromEntries(ids.map((c) => [c, 0]));
  for (const r of rankings) r.order.forEach((c, i) => (points[c] = (points[c] ?? 0) + (ids.length - 1 - i)));
  const order = [...ids].sort((a, b) => (points[b] ?? 0) - (points[a] ?? 0) || ids.indexOf(a) - ids.indexOf(b));
  return { order, points, reason: `ranked by Borda count over ${rankings.length} ranking(s): ${order.join(' > ')}` };
}
