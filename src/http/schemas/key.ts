import { Type } from 'typebox';
import { Nullable, RoleSchema, Timestamp } from './common.js';

export const CreateKeyBody = Type.Object(
  {
    role: RoleSchema,
    project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Restrict the key to one project' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Who or what uses the key' })),
    expires_at: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the key stops working (in the future); default: never' }),
    ),
  },
  { additionalProperties: false },
);

export const RotateKeyBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 86_400,
        description: 'How long the old key keeps working beside the new one (default 0: it stops at once)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ApiKeyInfo = Type.Object({
  id: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to recognise it' }),
  name: Nullable(Type.String()),
  role: Type.String(),
  project_id: Nullable(Type.String()),
  created_at: Timestamp('Creation time'),
  revoked_at: Nullable(Timestamp('Revocation time')),
  expires_at: Nullable(Timestamp('When the key stops (or stopped) working')),
  last_used_at: Nullable(Timestamp('Last request with this key, to the minute')),
  rotated_to: Nullable(Type.String({ description: 'The key that replaced this one' })),
});

export const CreatedKey = Type.Object({
  ...ApiKeyInfo.properties,
  key: Type.String({ description: 'The secret. Shown once: only its hash is stored.' }),
});
