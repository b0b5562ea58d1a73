import { Type } from 'typebox';
import { VERDICTS } from '../../core/types.js';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from '../../core/review/lease.js';
import { StringEnum } from './common.js';
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

export const ClaimedTask = Type.Object({
  task: Type.Ref('Task'),
  item: Type.Ref('Item'),
  rubric: Type.Object({ version: Type.Integer(), document: RubricDocumentSchema }),
});

export const JudgmentBody = Type.Object(
  {
    verdict: StringEnum(VERDICTS),
    scores: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'criterion key → value, checked against the rubric version of the task' }),
    ),
    correction: Type.Optional(ItemOutputSchema),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    time_spent_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);
