import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { createUser, listUsers, updateUser, type USER_ROLES, type UserInfo as User } from '../../app/user-service.js';
import { principalOf } from '../auth.js';
import { iso, isoOrNull } from '../present.js';
import { errorResponses } from '../schemas/common.js';
import { CreateUserBody, UpdateUserBody, UserInfo } from '../schemas/user.js';
import type { TypedApp } from '../typed-app.js';

const present = (u: User) => ({
  ...u,
  role: u.role as (typeof USER_ROLES)[number],
  created_at: iso(u.created_at),
  password_changed_at: iso(u.password_changed_at),
  disabled_at: isoOrNull(u.disabled_at),
  last_sign_in_at: isoOrNull(u.last_sign_in_at),
});

/** People who sign in to the console with a password (admins manage them, like keys). */
export function registerUserRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a console user who signs in with an email and a password (admin)',
        body: CreateUserBody,
        response: { 201: UserInfo, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(present(await createUser(ctx, principalOf(req), req.body))),
  );
  app.get(
    '/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List console users (admin); password hashes are never returned',
        response: { 200: Type.Object({ users: Type.Array(UserInfo) }), ...errorResponses },
      },
    },
    async (req) => ({ users: (await listUsers(ctx, principalOf(req))).map(present) }),
  );
  app.patch(
    '/v1/users/:user_id',
    {
      schema: {
        tags: ['users'],
        summary: "Change a user's name, role or project, disable or enable them, or set a new password (admin; audited)",
        description: 'A change of role, project, password, or disabling ends the user’s open sessions.',
        params: Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: UpdateUserBody,
        response: { 200: UserInfo, ...errorResponses },
      },
    },
    async (req) => present(await updateUser(ctx, principalOf(req), req.params.user_id, req.body)),
  );
}
