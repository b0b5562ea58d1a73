import type { PolicyDocument, RubricDocument } from '../../core/types.js';

/**
 * The example documents of the README and the API reference, as clients send them (no
 * defaults filled in). Tests use the same ones, so the documented examples are the tested
 * ones. Shared: treat as read-only.
 */

/** Low confidence goes to review, large refunds wait for two reviewers, 2% of the rest is audited. */
export const EXAMPLE_POLICY: PolicyDocument = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    {
      name: 'large-refund',
      when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
      action: 'hold',
      priority: 90,
      overlap: 2,
    },
    { name: 'audit-sample', sample: 0.02, action: 'review', priority: 10 },
  ],
};

/** A required 1-5 accuracy score and an optional yes/no on policy compliance. */
export const EXAMPLE_RUBRIC: RubricDocument = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
    { key: 'policy_compliant', label: 'Policy compliant', scale: { type: 'boolean' } },
  ],
};
