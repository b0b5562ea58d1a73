import type { Claim, TaskKind } from './task-view.js';
import { adjudicationOf, adjudicationTask } from './tasks/AdjudicationTask.js';
import { compareTask } from './tasks/CompareTask.js';
import { rankTask } from './tasks/RankTask.js';
import { reviewTask } from './tasks/ReviewTask.js';

const adjudicateCompare = adjudicationOf(compareTask);
const adjudicateRank = adjudicationOf(rankTask);

/**
 * The view a claim is worked in: the item's kind says what is judged (one output, a pair, a
 * ranking); an adjudication adds the prior judgments above it. Escalations are reviews with the
 * escalation shown, which the review view does by itself.
 */
// The kinds differ in their draft type; the workspace only passes a kind's own drafts back to it.
export function taskKindFor(claim: Claim): TaskKind<unknown> {
  const adjudication = claim.task.kind === 'adjudication';
  switch (claim.item.kind) {
    case 'compare':
      return (adjudication ? adjudicateCompare : compareTask) as TaskKind<unknown>;
    case 'rank':
      return (adjudication ? adjudicateRank : rankTask) as TaskKind<unknown>;
    default:
      return (adjudication ? adjudicationTask : reviewTask) as TaskKind<unknown>;
  }
}

export function isReviewLike(claim: Claim): boolean {
  return claim.item.kind !== 'compare' && claim.item.kind !== 'rank';
}
