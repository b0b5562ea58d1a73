import type { OutcomeStatus } from '../../types.js';
import type { RoutedItem } from './ipw-error-rate.js';

/**
 * Production items counted by what the error-rate estimators need: the recorded review
 * probability (null on items stored before it was recorded), whether a person was asked, and
 * how the item ended.
 */
export interface RoutingCount {
  review_probability: number | null;
  reviewed: boolean;
  outcome_status: OutcomeStatus;
  count: number;
}

export interface RoutingClasses {
  /** The input of `ipwErrorRate`, with each class's probability scaled by its share observed. */
  routed: RoutedItem[];
  /** Sent to people, no decision yet. */
  pendingReviews: number;
  /** Held items decided by their timeout, with no human verdict. */
  timedOut: number;
  /** Items stored before review probabilities were recorded: left out. */
  unknownProbability: number;
}

interface ProbabilityClass {
  errors: number;
  fine: number;
  awaiting: number;
  notRouted: number;
}

/**
 * Turns routing counts into the items the inverse-probability estimators weigh. An error is a
 * human verdict of reject or correct.
 *
 * Items sent to people that have no human verdict yet (pending, or decided by a hold timeout,
 * or withdrawn) are non-response: within each group of equal π, the share r that has a verdict
 * is taken as the chance of being observed, so every item of the group counts with probability
 * π·r (weighting-class adjustment, Särndal, Swensson & Wretman 1992, ch. 15). Dropping them
 * instead would shrink the estimated error total but not the population.
 */
export function routingClasses(groups: readonly RoutingCount[]): RoutingClasses {
  const classes = new Map<number, ProbabilityClass>();
  let pendingReviews = 0;
  let timedOut = 0;
  let unknownProbability = 0;
  for (const g of groups) {
    if (g.review_probability === null) {
      unknownProbability += g.count;
      continue;
    }
    const c = classes.get(g.review_probability) ?? { errors: 0, fine: 0, awaiting: 0, notRouted: 0 };
    classes.set(g.review_probability, c);
    if (!g.reviewed) c.notRouted += g.count;
    else if (g.outcome_status === 'pending' || g.outcome_status === 'timed_out' || g.outcome_status === 'withdrawn') {
      // No human verdict: like an undecided item, it says nothing about the model's error rate.
      c.awaiting += g.count;
      if (g.outcome_status === 'pending') pendingReviews += g.count;
      else if (g.outcome_status === 'timed_out') timedOut += g.count;
    } else if (g.outcome_status === 'rejected' || g.outcome_status === 'corrected') c.errors += g.count;
    else c.fine += g.count;
  }
  const routed: RoutedItem[] = [];
  for (const [pi, c] of classes) {
    const verdicts = c.errors + c.fine;
    const observed = verdicts + c.awaiting === 0 ? 1 : verdicts / (verdicts + c.awaiting);
    const p = pi * observed;
    // A class with verdicts has p > 0; one without contributes only unobserved items.
    if (c.errors > 0) routed.push({ reviewProbability: p, reviewed: true, error: true, count: c.errors });
    if (c.fine > 0) routed.push({ reviewProbability: p, reviewed: true, error: false, count: c.fine });
    routed.push({ reviewProbability: p, reviewed: false, count: c.awaiting + c.notRouted });
  }
  return { routed, pendingReviews, timedOut, unknownProbability };
}
