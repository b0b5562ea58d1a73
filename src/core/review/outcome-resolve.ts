import type { ItemOutput, OutcomeStatus, Verdict } from '../types.js';

export interface JudgmentView {
  reviewer: string;
  verdict: Verdict;
  correction: ItemOutput | null;
  created_at: number;
}

export interface ResolvedOutcome {
  status: Exclude<OutcomeStatus, 'pending' | 'timed_out'>;
  output: ItemOutput | null;
  reason: string;
}

/**
 * The item's outcome once the required judgments are in, or null while some are missing.
 *
 * With several reviewers and no consensus rule configured, the core resolves conservatively:
 * any rejection rejects, otherwise any correction corrects (the latest correction, since a
 * later reviewer saw the same item and chose to change it), otherwise it is approved.
 * A rejected item has no final output: the caller must not use the model's.
 */
export function resolveOutcome(requiredReviews: number, original: ItemOutput, judgments: readonly JudgmentView[]): ResolvedOutcome | null {
  if (judgments.length < requiredReviews || judgments.length === 0) return null;
  const ordered = [...judgments].sort((a, b) => a.created_at - b.created_at);
  const rejects = ordered.filter((j) => j.verdict === 'reject');
  const corrections = ordered.filter((j) => j.verdict === 'correct');
  const n = ordered.length;
  if (rejects.length > 0) {
    return { status: 'rejected', output: null, reason: `${rejects.length} of ${n} reviewer(s) rejected` };
  }
  const latest = corrections.at(-1);
  if (latest) {
    return {
      status: 'corrected',
      output: latest.correction ?? original,
      reason: `${corrections.length} of ${n} reviewer(s) corrected; latest correction by ${latest.reviewer}`,
    };
  }
  return { status: 'approved', output: original, reason: `${n} of ${n} reviewer(s) approved` };
}
