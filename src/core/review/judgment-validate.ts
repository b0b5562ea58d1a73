import { TollgateError } from '../errors.js';
import type { ItemOutput, Verdict } from '../types.js';

export interface JudgmentInput {
  verdict: Verdict;
  correction?: ItemOutput | null;
}

/** A `correct` verdict must carry the revised output; the others must not, to avoid ambiguity. */
export function assertJudgmentConsistent(j: JudgmentInput): void {
  const hasCorrection = j.correction !== undefined && j.correction !== null;
  if (j.verdict === 'correct' && !hasCorrection) {
    throw new TollgateError('TG_INVALID_JUDGMENT', 'verdict "correct" requires a correction (the revised output)', {
      errors: [{ path: 'correction', message: 'required when verdict is "correct"' }],
    });
  }
  if (j.verdict !== 'correct' && hasCorrection) {
    throw new TollgateError('TG_INVALID_JUDGMENT', `a correction is only accepted with verdict "correct", not "${j.verdict}"`, {
      errors: [{ path: 'correction', message: 'only allowed when verdict is "correct"' }],
    });
  }
}
