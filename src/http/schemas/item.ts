import { Type } from 'typebox';
import { MAX_BATCH_ITEMS } from '../../core/limits.js';
import { ACTIONS, OUTCOME_STATUSES } from '../../core/types.js';
import { Json, Nullable, StringEnum, Timestamp } from './common.js';

const ChatMessage = Type.Object(
  { role: Type.String({ minLength: 1, maxLength: 64 }), content: Type.Optional(Type.Unknown()) },
  { additionalProperties: true, description: 'A chat message ({role, content, ...}); extra fields are kept' },
);

export const ItemInputSchema = Type.Union([Type.String(), Type.Array(ChatMessage, { maxItems: 1000 })], {
  description: 'The model input: text, or chat messages',
});
export const ItemOutputSchema = Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })], {
  description: 'The model output: text, one chat message, or a tool call / structured JSON object',
});

export const CreateItemBody = Type.Object(
  {
    input: ItemInputSchema,
    output: ItemOutputSchema,
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model_version: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "The model's confidence in [0, 1]" })),
    metadata: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Any JSON object; policies address it as metadata.*' }),
    ),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
    external_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Your id for this output. Re-sending an item with the same external_id returns the stored item and creates nothing.',
      }),
    ),
    callback_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'For an item the policy holds: an http(s) URL that is sent a signed hold.resolved webhook when the hold is decided, instead of polling (see docs/webhooks.md). Ignored for items that are not held.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'ItemInput' },
);

export const CreateBatchBody = Type.Object(
  { items: Type.Array(Type.Ref('ItemInput'), { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);

const ConditionTrace = Type.Object({
  path: Type.String(),
  operator: Type.String(),
  expected: Type.Unknown(),
  actual: Type.Unknown(),
  result: Type.Boolean(),
});

export const MatchedRule = Type.Object({
  name: Type.String(),
  action: Type.String(),
  priority: Type.Integer(),
  queue: Type.String(),
  overlap: Type.Integer(),
  reason: Type.String({ description: 'Why the rule matched, e.g. "confidence 0.31 lt 0.5"' }),
  conditions: Type.Array(ConditionTrace),
  sampled: Type.Boolean(),
  over_budget: Type.Optional(
    Type.Boolean({ description: 'The rule matched but its max_per_hour / max_per_day budget was used up: it routed nothing' }),
  ),
  untrusted: Type.Optional(
    Type.Boolean({ description: 'A trust rule matched but its evaluator has not earned the trust to resolve items: it resolved nothing' }),
  ),
  audit_sampled: Type.Optional(
    Type.Boolean({ description: "A trust rule resolved the item but drew it for the people's audit sample: it went to review" }),
  ),
});

export const Decision = Type.Object(
  {
    action: StringEnum(ACTIONS),
    priority: Type.Integer(),
    matched_rules: Type.Array(MatchedRule),
    policy_version: Type.Integer(),
    required_reviews: Type.Integer({ description: 'Distinct reviewers whose judgments resolve the item' }),
    queue: Nullable(Type.String()),
    hold: Nullable(
      Type.Object(
        {
          timeout_seconds: Type.Integer({ description: 'How long the caller waits for a person' }),
          on_timeout: StringEnum(['approve', 'reject', 'escalate'] as const, { description: 'What happens then' }),
        },
        { description: 'For action hold: the terms of the lead hold rule; null otherwise' },
      ),
    ),
    review_probability: Nullable(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          'Probability that the policy sends an item with these facts to a person (1 for a deterministic rule, the sample rate for an audit sample); null for items stored before it was recorded',
      }),
    ),
  },
  { description: 'What the policy decided for this item, and which rules matched and why' },
);

export const Outcome = Type.Object({
  status: StringEnum(OUTCOME_STATUSES),
  output: Json('The final output to use: the original, the correction, or null when rejected or pending'),
  decided_at: Nullable(Timestamp('When the outcome was resolved')),
  decided_by: Nullable(
    Type.String({ description: 'Reviewer(s), "policy" for items that passed, "system:hold-timeout" when a hold timed out' }),
  ),
  reason: Nullable(Type.String()),
  fallback: Nullable(
    StringEnum(['approve', 'reject'] as const, {
      description: 'For timed_out: the on_timeout fallback that was applied (approve: use the original output; reject: do not)',
    }),
  ),
});

export const HoldState = Nullable(
  Type.Object(
    {
      deadline: Timestamp('When the timeout applies if nobody decides'),
      escalated_at: Nullable(Timestamp('When the timeout escalated the hold to the expert queue (on_timeout: escalate)')),
    },
    { description: 'For held items: the running clock; null for items that were not held' },
  ),
);

export const OutcomeQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60,
        default: 0,
        description: 'Seconds to wait for a decision before answering 202 (long-poll); 0 answers at once',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DecidedOutcome = Type.Object({ item_id: Type.String(), ...Outcome.properties });

export const PendingOutcome = Type.Object({
  item_id: Type.String(),
  status: Type.Literal('pending'),
  hold: HoldState,
});

const itemFields = {
  id: Type.String(),
  project_id: Type.String(),
  kind: StringEnum(['output', 'compare', 'rank'] as const, {
    description: 'output: a captured model output; compare / rank: candidates in output.candidates, judged by preference or ranking',
  }),
  external_id: Nullable(Type.String()),
  input: Json('As sent'),
  output: Json('As sent'),
  model: Nullable(Type.String()),
  model_version: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  novelty: Nullable(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        'How unlike recent traffic the input was at capture (0 seen before, 1 nothing like it); null until enough traffic was seen. See docs/novelty.md',
    }),
  ),
  metadata: Json('As sent'),
  tags: Type.Array(Type.String()),
  created_at: Timestamp('When the item was captured'),
  decision: Decision,
  outcome: Outcome,
  hold: HoldState,
  redactions: Nullable(
    Type.Record(Type.String(), Type.Integer(), {
      description: 'What the project\'s capture-time redaction replaced, per detector (e.g. {"email": 2}); null when nothing was',
    }),
  ),
  purged: Nullable(
    Type.Object(
      {
        at: Timestamp('When the content was purged'),
        reason: StringEnum(['retention', 'erasure'] as const),
        action: StringEnum(['delete', 'redact'] as const, { description: 'delete: payloads emptied; redact: PII in them redacted' }),
      },
      { description: 'Set once retention or a data-subject erasure purged the content; the decision and outcome stay' },
    ),
  ),
};

export const Item = Type.Object(itemFields, { $id: 'Item' });

export const CaptureResult = Type.Object(
  { ...itemFields, created: Type.Boolean({ description: 'false when an item with this external_id already existed' }) },
  { $id: 'CaptureResult' },
);

/** A batch answer does not echo inputs and outputs back: at 1,000 items that doubled the response. */
export const BatchItemResult = Type.Object({
  id: Type.String(),
  external_id: Nullable(Type.String()),
  created: Type.Boolean({ description: 'false when an item with this external_id already existed' }),
  created_at: Timestamp('When the item was captured'),
  decision: Decision,
  outcome: Outcome,
});

export const BatchResult = Type.Object({ items: Type.Array(BatchItemResult) });

export const Judgment = Type.Object(
  {
    id: Type.String(),
    task_id: Type.String(),
    item_id: Type.String(),
    reviewer: Type.String(),
    verdict: Nullable(Type.String({ description: 'approve | reject | correct; null on comparisons and rankings' })),
    answer: Nullable(Json('Compare and rank tasks: the preference or ranking given')),
    scores: Json('Per-criterion scores'),
    correction: Json('The revised output, for verdict "correct"'),
    comment: Nullable(Type.String()),
    time_spent_ms: Nullable(Type.Integer()),
    rubric_version: Type.Integer(),
    guideline_version: Type.Integer({ description: 'The guideline version the reviewer judged under (0: the project had none)' }),
    created_at: Timestamp('When the judgment was submitted'),
  },
  { $id: 'Judgment' },
);

export const Task = Type.Object(
  {
    id: Type.String(),
    project_id: Type.String(),
    item_id: Type.String(),
    kind: Type.String(),
    queue: Type.String(),
    status: Type.String(),
    priority: Type.Integer(),
    rubric_version: Type.Integer(),
    lease_owner: Nullable(Type.String()),
    lease_expires_at: Nullable(Timestamp('When the lease runs out')),
    created_at: Timestamp('When the task was created'),
    guideline_version: Type.Integer({ description: 'The guideline version when the task was created (0: none)' }),
    due_at: Nullable(Timestamp("When the task is due under its queue's SLA; null when the queue has none")),
    sla_breached_at: Nullable(Timestamp('When the task breached its SLA (and on_breach was applied)')),
  },
  { $id: 'Task' },
);

export const ItemDetail = Type.Object({
  ...itemFields,
  tasks: Type.Array(Type.Ref('Task')),
  judgments: Type.Array(Type.Ref('Judgment')),
});

export const ListItemsQuery = Type.Object(
  {
    action: Type.Optional(StringEnum(ACTIONS)),
    outcome: Type.Optional(StringEnum(OUTCOME_STATUSES)),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after (inclusive)' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Created before (exclusive)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ItemList = Type.Object({
  items: Type.Array(Type.Ref('Item')),
  next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
});
