import { Type } from 'typebox';
import { Nullable, StringEnum } from './common.js';

const Since = Type.Optional(Type.String({ format: 'date-time', description: 'At or after this time (inclusive)' }));
const Until = Type.Optional(Type.String({ format: 'date-time', description: 'Before this time (exclusive)' }));

/** Statistics carry many method-specific figures; the documented ones are listed, the rest pass through. */
const Open = (properties: Parameters<typeof Type.Object>[0], description: string) =>
  Type.Object(properties, { additionalProperties: true, description });

const Measured = (what: string) =>
  Open(
    {
      defined: Type.Boolean({ description: 'false when the statistic has no value for these judgments (see reason)' }),
      value: Type.Optional(Type.Number()),
      reason: Type.Optional(Type.String({ description: 'Why the statistic is undefined, e.g. no item has two judgments' })),
      code: Type.Optional(Type.String({ description: 'TG_STATS_UNDEFINED or TG_STATS_INVALID_INPUT' })),
    },
    what,
  );

const FieldAgreement = Type.Object({
  field: Type.String({ description: '`verdict` or `scores.<criterion key>`' }),
  level: StringEnum(['nominal', 'ordinal', 'interval', 'ratio'] as const, {
    description: 'Level of measurement: likert → ordinal, numeric → interval, boolean and categorical → nominal',
  }),
  units: Type.Integer({ description: 'Items with at least two judgments giving this field a value' }),
  krippendorff_alpha: Measured(
    "Krippendorff's alpha: value, units, raters, pairable_values, observed_disagreement, expected_disagreement, coincidences (nominal, ordinal), and ci_low, ci_high, ci_level, bootstrap_samples, seed with bootstrap",
  ),
  percent_agreement: Measured('Mean share of agreeing reviewer pairs per item: value, units, raters'),
});

export const AgreementQuery = Type.Object(
  {
    since: Since,
    until: Until,
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only judgments on tasks of this queue' })),
    bootstrap: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5000, description: "Resamples for a percentile bootstrap interval of Krippendorff's alpha" }),
    ),
    seed: Type.Optional(
      Type.String({ maxLength: 100, description: 'Bootstrap seed (default "1"); the same seed gives the same interval' }),
    ),
  },
  { additionalProperties: false },
);

export const AgreementReport = Type.Object({
  project_id: Type.String(),
  judgments: Type.Integer({ description: 'Judgments in the window' }),
  multiply_judged_items: Type.Integer({ description: 'Items with two or more judgments: the units agreement is measured on' }),
  fields: Type.Array(FieldAgreement),
  by_queue: Type.Array(Type.Object({ queue: Type.String(), judgments: Type.Integer(), fields: Type.Array(FieldAgreement) })),
});

const FieldParam = Type.Optional(
  Type.String({ minLength: 1, maxLength: 120, description: '`verdict` (default) or `scores.<criterion key>` of the current rubric' }),
);

export const ReviewerQuery = Type.Object({ since: Since, until: Until, field: FieldParam }, { additionalProperties: false });

const Interval = Type.Object({ low: Type.Number(), high: Type.Number(), level: Type.Number() });

export const ReviewerReport = Type.Object({
  project_id: Type.String(),
  field: Type.String(),
  reviewers: Type.Array(
    Type.Object({
      reviewer: Type.String(),
      judgments: Type.Integer(),
      agreement_with_peers: Nullable(
        Type.Object(
          {
            agreed: Type.Integer({ description: 'Judgments equal to the majority of the other reviewers of the item' }),
            compared: Type.Integer({ description: 'Judgments that had such a majority to compare with' }),
            rate: Nullable(Type.Number()),
            interval: Nullable(Interval),
            skipped_ties: Type.Integer({ description: 'Skipped: the other reviewers tied' }),
            skipped_alone: Type.Integer({ description: 'Skipped: nobody else judged the item' }),
          },
          { description: 'Agreement with the consensus of the others, with a Wilson score interval' },
        ),
      ),
      gold: Nullable(
        Type.Object(
          {
            correct: Type.Integer(),
            total: Type.Integer({ description: 'Judgments on items with a gold answer' }),
            accuracy: Nullable(Type.Number()),
            interval: Nullable(Interval),
            trend: Type.Array(
              Type.Object({ week_start: Type.String(), correct: Type.Integer(), total: Type.Integer(), accuracy: Type.Number() }),
              { description: 'Per week (Monday, UTC), oldest first' },
            ),
          },
          { description: 'Verdict accuracy on gold items, with a Wilson score interval and a weekly trend; null without gold judgments' },
        ),
      ),
    }),
  ),
});

export const LabelQuery = Type.Object(
  {
    since: Since,
    until: Until,
    field: FieldParam,
    method: Type.Optional(StringEnum(['majority', 'weighted', 'dawid-skene'] as const, { default: 'majority' })),
    ties: Type.Optional(
      StringEnum(['none', 'lowest', 'all'] as const, {
        description: 'Majority and weighted vote: on a tie give no label, the first in category order, or all tied labels',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LabelReport = Open(
  {
    project_id: Type.String(),
    method: Type.String(),
    field: Type.String(),
    items: Type.Array(
      Open(
        {
          item: Type.String({ description: 'Item id' }),
          label: Type.Unknown({ description: 'The aggregated label (null on an unresolved tie)' }),
        },
        'Per item: label, and votes and share (majority), scores (weighted) or posterior (Dawid–Skene)',
      ),
    ),
  },
  'Aggregated labels; weighted adds reviewer weights, Dawid–Skene adds class_priors and a confusion matrix per reviewer',
);

export const ErrorRateQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured at or after this time (inclusive)' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Items captured before this time (exclusive)' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model_version: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    level: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Confidence level of the intervals (default 0.95)' }),
    ),
  },
  { additionalProperties: false },
);

const Estimate = (description: string) => Open({ rate: Type.Number(), standard_error: Type.Number(), interval: Interval }, description);

export const ErrorRateReport = Type.Object({
  project_id: Type.String(),
  pending_reviews: Type.Integer({
    description:
      'Items sent to people with no verdict yet: counted as not yet observed (the review probability of their class is scaled by the share observed)',
  }),
  timed_out: Type.Integer({ description: 'Held items decided by their timeout, with no human verdict: treated like pending reviews' }),
  unknown_probability: Type.Integer({ description: 'Items stored before review probabilities were recorded: left out' }),
  estimate: Open(
    {
      defined: Type.Boolean(),
      population: Type.Optional(Type.Integer()),
      covered: Type.Optional(Type.Integer({ description: 'Items with a non-zero chance of review: what the estimates describe' })),
      uncovered: Type.Optional(Type.Integer({ description: 'Items no rule could send to a person (probability 0)' })),
      reviewed: Type.Optional(Type.Integer()),
      reviewed_errors: Type.Optional(Type.Integer()),
      naive: Type.Optional(Estimate('Error rate among reviewed items only: biased when the policy sends risky items')),
      horvitz_thompson: Type.Optional(Estimate('Σ errors / π over the covered count: unbiased')),
      hajek: Type.Optional(Estimate('Σ errors / π over Σ 1 / π: the ratio form, always in [0, 1]')),
      coverage: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String()),
      code: Type.Optional(Type.String()),
    },
    'The estimates, or defined: false with the reason (for example nothing reviewed yet)',
  ),
});

export const TimeseriesQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Start of the range, widened to the start of its bucket (default: 30 days before until)',
      }),
    ),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'End of the range (exclusive), widened to the end of its bucket (default: now)' }),
    ),
    bucket: Type.Optional(
      StringEnum(['hour', 'day'] as const, { default: 'day', description: 'UTC hours or days; at most 1,000 buckets' }),
    ),
    model_version: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Only items of this model version, and the work on them' }),
    ),
  },
  { additionalProperties: false },
);

const Rate = (description: string) => Nullable(Type.Number({ description }));

export const TimeseriesBucket = Type.Object(
  {
    start: Type.String({ format: 'date-time', description: 'Start of the bucket (UTC); it covers [start, start + bucket)' }),
    captured: Type.Integer({ description: 'Production items captured in the bucket (gold probes excluded)' }),
    routed: Type.Integer({ description: 'Of those, how many the policy sent to people (review or hold)' }),
    by_rule: Type.Record(Type.String(), Type.Integer(), {
      description: 'Of those captured, how many each rule matched (an item matched by two rules counts for both)',
    }),
    decisions: Type.Object(
      { approved: Type.Integer(), corrected: Type.Integer(), rejected: Type.Integer(), timed_out: Type.Integer() },
      { description: 'Routed items decided in the bucket (by decision time), by outcome' },
    ),
    judgments: Type.Integer({ description: 'Judgments submitted in the bucket' }),
    time_per_task_ms: Type.Object(
      { median: Rate('Median time_spent_ms'), p90: Rate('90th percentile (type 7)') },
      { description: "Of the bucket's judgments that report time_spent_ms; null without any" },
    ),
    backlog: Type.Object(
      {
        open: Type.Integer({ description: 'Tasks pending or claimed at the end of the bucket (now, for the bucket in progress)' }),
        oldest_seconds: Rate('Age of the oldest of them then'),
      },
      { description: 'The review backlog at the end of the bucket' },
    ),
    agreement: Type.Record(Type.String(), Nullable(Type.Number()), {
      description: "Krippendorff's alpha per field over the items with two or more judgments submitted in the bucket; null when undefined",
    }),
    quality: Type.Object(
      {
        decided: Type.Integer({ description: 'Items people decided in the bucket (approved, corrected, rejected)' }),
        approval_rate: Rate('Share of decided items approved'),
        correction_rate: Rate('Share of decided items corrected'),
        rejection_rate: Rate('Share of decided items rejected'),
        error_rate: Nullable(
          Type.Object(
            { estimate: Type.Number(), low: Type.Number(), high: Type.Number() },
            {
              description:
                'Hájek (inverse-probability weighted) error rate of the items captured in the bucket, with its 95% interval; null when it cannot be estimated',
            },
          ),
        ),
        naive_error_rate: Rate('Rejected or corrected among the routed items captured in the bucket that have a verdict'),
      },
      { description: 'Model quality' },
    ),
  },
  { $id: 'TimeseriesBucket', description: 'One bucket; every bucket of the range is present, with zeros where nothing happened' },
);

export const TimeseriesReport = Type.Object(
  {
    project_id: Type.String(),
    since: Type.String({ format: 'date-time', description: 'Start of the first bucket' }),
    until: Type.String({ format: 'date-time', description: 'End of the last bucket' }),
    bucket: StringEnum(['hour', 'day'] as const),
    model_version: Nullable(Type.String()),
    model_versions: Type.Array(Type.String(), { description: "Every model version of the project's production items, newest first" }),
    rules: Type.Array(Type.String(), { description: "Every rule in any bucket's by_rule, most matches first" }),
    agreement_fields: Type.Array(Type.String(), { description: "Every field in the buckets' agreement: `verdict`, `scores.<criterion>`" }),
    buckets: Type.Array(Type.Ref('TimeseriesBucket')),
  },
  { $id: 'TimeseriesReport' },
);
