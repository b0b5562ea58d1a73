import { Type } from 'typebox';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../app/passwords.js';
import { USER_ROLES } from '../../app/user-service.js';
import { Nullable, Timestamp } from './common.js';

const UserRole = Type.Unsafe<(typeof USER_ROLES)[number]>({
  type: 'string',
  enum: [...USER_ROLES],
  description: 'What the person may do (see the role table in the README); ingest is for API keys only',
});

const Password = (description: string) =>
  Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, description, writeOnly: true });

export const UserInfo = Type.Object(
  {
    id: Type.String(),
    email: Type.String({ description: 'Lower-cased; the user acts as `user:<email>` in judgments and audit events' }),
    name: Nullable(Type.String()),
    role: UserRole,
    project_id: Nullable(Type.String({ description: 'The one project the user may touch; null: all' })),
    created_at: Timestamp('When the user was created'),
    password_changed_at: Timestamp('When the password was last set'),
    disabled_at: Nullable(Timestamp('When the user was disabled; null while the user may sign in')),
    last_sign_in_at: Nullable(Timestamp('The last successful sign-in')),
  },
  { $id: 'User' },
);

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, format: 'email' }),
    password: Password(`At least ${MIN_PASSWORD_LENGTH} characters; stored only as a scrypt hash`),
    role: UserRole,
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    project_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    role: Type.Optional(UserRole),
    project_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    disabled: Type.Optional(Type.Boolean({ description: 'true: the user can no longer sign in (open sessions end); false: enable again' })),
    password: Type.Optional(Password('A new password; the user’s open sessions end')),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, writeOnly: true }),
  },
  { additionalProperties: false },
);

export const SignInMethods = Type.Object(
  {
    password: Type.Boolean({ description: 'Email and password sign-in (POST /auth/login) is available' }),
    oidc: Type.Boolean({ description: 'Single sign-on (GET /auth/oidc/login) is configured' }),
  },
  { $id: 'SignInMethods' },
);
