import { Type } from 'typebox';
import { Nullable, RoleSchema, Timestamp } from './common.js';

export const CreateKeyBody = Type.Object(
  {
    role: RoleSchema,
    project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Restrict the key to one project' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Who or what uses the key' })),
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
});

export const CreatedKey = Type.Object({
  ...ApiKeyInfo.properties,
  key: Type.String({ description: 'The secret. Shown once: only its hash is stored.' }),
});
