import { FactsView, compilePath } from '../policy/item-path.js';
import { eitherDrawn, sampleDraw } from '../policy/sampling.js';
import { textOf } from '../json.js';
import type { Decision, ItemFacts } from '../types.js';

/** A temporary raise of the review sampling for (a segment of) a project, started by an alert. */
export interface ActiveBoost {
  id: string;
  monitor: string;
  /** Only items whose `field` has this value (compared as text); null: every item. */
  segment: { field: string; value: string } | null;
  sample_rate: number;
}

/**
 * Sends a share of the items a policy passed to review while a boost is in force: each boost
 * draws independently (hashing its id with the item's), so the item's inclusion probability
 * stays known and the error-rate estimates stay unbiased. Items already going to people are
 * left as decided.
 */
export function applyBoosts(decision: Decision, facts: ItemFacts, boosts: readonly ActiveBoost[], seed: string): Decision {
  if (boosts.length === 0) return decision;
  const view = new FactsView(facts);
  let probability = decision.review_probability ?? (decision.action === 'pass' ? 0 : 1);
  let drawn: { boost: ActiveBoost; draw: number } | null = null;
  for (const boost of boosts) {
    if (boost.segment !== null && textOf(view.resolve(compilePath(boost.segment.field))) !== boost.segment.value) continue;
    probability = eitherDrawn(probability, boost.sample_rate);
    const draw = sampleDraw(facts.id, `boost:${boost.id}`, seed);
    if (drawn === null && draw < boost.sample_rate) drawn = { boost, draw };
  }
  if (decision.action !== 'pass') return { ...decision, review_probability: probability };
  if (drawn === null) return { ...decision, review_probability: probability };
  const { boost, draw } = drawn;
  const segment = boost.segment === null ? '' : ` for ${boost.segment.field} = ${boost.segment.value}`;
  return {
    ...decision,
    action: 'review',
    priority: 50,
    required_reviews: 1,
    queue: 'default',
    review_probability: probability,
    matched_rules: [
      ...decision.matched_rules,
      {
        name: `boost:${boost.monitor}`,
        action: 'review',
        priority: 50,
        queue: 'default',
        overlap: 1,
        reason: `sampled at rate ${boost.sample_rate} (draw ${draw.toFixed(4)}) by the boost an alert of monitor ${boost.monitor} started${segment}`,
        conditions: [],
        sampled: true,
      },
    ],
  };
}
