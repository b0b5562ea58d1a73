import { Type } from 'typebox';
import { VERDICTS } from '../../core/types.js';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from '../../core/review/lease.js';
import { ESCALATION_REASONS } from '../../core/review/queues.js';
import { Nullable, StringEnum, Timestamp } from './common.js';
import { ItemOutputSchema } from './item.js';
import { RubricDocumentSchema } from './project.js';

export const ClaimBody = Type.Object(
  {
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only claim from this queue' })),
    lease_seconds: Type.Optional(Type.Integer({ minimum: MIN_LEASE_SECONDS, maximum: MAX_LEASE_SECONDS })),
  },
  { additionalProperties: false },
);

export const RenewBody = Type.Object(
  { lease_seconds: Type.Optional(Type.Integer({ minimum: MIN_LEASE_SECONDS, maximum: MAX_LEASE_SECONDS })) },
  { additionalProperties: false },
);

export const GuidelineDocumentSchema = Type.Object(
  {
    markdown: Type.String({ description: 'The guidelines, in Markdown' }),
    change_note: Type.String({ description: 'What changed and why' }),
    requires_recalibration: Type.Optional(Type.Boolean({ description: 'Reviewers must recalibrate on this change (default false)' })),
    calibration_session_id: Type.Optional(
      Type.String({ maxLength: 100, description: 'The calibration session that motivated this version' }),
    ),
  },
  { additionalProperties: true },
);

export const GuidelineVersion = Type.Object(
  {
    version: Type.Integer(),
    document: GuidelineDocumentSchema,
    created_at: Timestamp('When this version was published'),
    created_by: Type.String(),
  },
  { description: "A published version of the project's reviewer guidelines" },
);

export const EscalationSchema = Type.Object(
  {
    reason: StringEnum([...ESCALATION_REASONS, 'hold_timeout', 'sla_breach'] as const, {
      description: "A reviewer's reason, or hold_timeout / sla_breach when the scheduler escalated",
    }),
    comment: Nullable(Type.String()),
    partial: Nullable(
      Type.Object({}, { additionalProperties: true, description: "The reviewer's tentative verdict, scores or correction, if any" }),
    ),
    by: Type.String({ description: 'Who escalated: a reviewer, or system:hold-timeout' }),
    at: Timestamp('When it was escalated'),
    from_task_id: Nullable(Type.String({ description: 'The escalated task (null for a hold timeout)' })),
  },
  { description: 'Why this task went to the experts' },
);

export const ClaimedTask = Type.Object({
  task: Type.Ref('Task'),
  item: Type.Ref('Item'),
  rubric: Type.Object({ version: Type.Integer(), document: RubricDocumentSchema }),
  escalation: Nullable(EscalationSchema),
  guidelines: Nullable(GuidelineVersion),
  judgments: Nullable(
    Type.Array(Type.Ref('Judgment'), { description: 'For an adjudication task: every judgment on the item, side by side' }),
  ),
  assignment: Nullable(
    Type.Object(
      {
        purpose: StringEnum(['qualification', 'recalibration'] as const),
        position: Type.Integer({ description: 'This task is the n-th of the set' }),
        total: Type.Integer(),
      },
      { description: 'While you work through a qualification or recalibration set; null for ordinary work' },
    ),
  ),
});

export const EscalateBody = Type.Object(
  {
    reason: StringEnum(ESCALATION_REASONS, { description: 'unsure | policy_question | harmful_content | other' }),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    partial: Type.Optional(
      Type.Object(
        {
          verdict: Type.Optional(StringEnum(VERDICTS)),
          scores: Type.Optional(Type.Object({}, { additionalProperties: true })),
          correction: Type.Optional(ItemOutputSchema),
        },
        { additionalProperties: false, description: 'What you have so far, shown to the expert' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const EscalationResult = Type.Object({ task: Type.Ref('Task'), expert_task: Type.Ref('Task'), escalation: EscalationSchema });

export const JudgmentBody = Type.Object(
  {
    verdict: Type.Optional(StringEnum(VERDICTS, { description: 'Review tasks: approve, reject or correct' })),
    preference: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'Compare tasks: {winner: "a" | "b" | "tie", strength: slight|clear|decisive (unless tie), criteria?: {criterion: "a"|"b"|"tie"}, rationale?}',
        },
      ),
    ),
    ranking: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Rank tasks: {order: every candidate id, best first, rationale?}' }),
    ),
    scores: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'criterion key → value, checked against the rubric version of the task' }),
    ),
    correction: Type.Optional(ItemOutputSchema),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    time_spent_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    guideline_version: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'The guideline version you judged under (as served with the claim); default: the current one',
      }),
    ),
  },
  { additionalProperties: false },
);
