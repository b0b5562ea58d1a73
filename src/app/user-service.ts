import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { ROLES, type Principal, type Role } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import type { UsersTable } from '../store/schema.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';
import { requireProject } from './project-service.js';
import { createSession, type Session } from './session-service.js';
import { isUniqueViolation } from './unique-retry.js';

/**
 * People who sign in to the console with an email and a password. A user signs in to a
 * browser session (the same sessions single sign-on makes), acting as `user:<email>` with the
 * user's role and project scope, so every permission check applies unchanged. Managing users
 * is an admin's job (`keys:manage`, like minting keys: both hand out access).
 */
export const LOCAL_ISSUER = 'local';
/** Roles a person can hold; `ingest` is for the keys in front of production models. */
export const USER_ROLES = ROLES.filter((r): r is Exclude<Role, 'ingest'> => r !== 'ingest');

export type UserInfo = Omit<UsersTable, 'password_hash' | 'created_by'>;

export interface CreateUserInput {
  email: string;
  password: string;
  role: Role;
  name?: string | null;
  project_id?: string | null;
}

export interface UpdateUserInput {
  name?: string | null;
  role?: Role;
  project_id?: string | null;
  disabled?: boolean;
  password?: string;
}

export function actorOfUser(email: string): string {
  return `user:${email}`;
}

function publicInfo(row: UsersTable): UserInfo {
  const { password_hash: _h, created_by: _c, ...info } = row;
  return info;
}

const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

function invalid(path: string, message: string): TollgateError {
  return new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });
}

function readEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!EMAIL_SHAPE.test(email)) throw invalid('email', 'must be an email address such as ada@example.com');
  return email;
}

function checkPassword(password: string, path = 'password'): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw invalid(path, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw invalid(path, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

function checkRole(role: Role): void {
  if (role === 'ingest') throw invalid('role', 'ingest is for API keys; a person is admin, manager, expert, reviewer or viewer');
}

/** A project-scoped admin may only manage users of its own project, and never unscoped ones. */
async function checkScope(ctx: AppContext, who: Principal, projectId: string | null): Promise<void> {
  if (who.project_id !== null && projectId !== who.project_id)
    throw new TollgateError('TG_FORBIDDEN', 'a project-scoped admin may only manage users of its own project');
  if (projectId !== null) await requireProject(ctx.store, who, projectId);
}

export async function createUser(ctx: AppContext, who: Principal, input: CreateUserInput): Promise<UserInfo> {
  assertCan(who, 'keys:manage');
  const email = readEmail(input.email);
  checkRole(input.role);
  checkPassword(input.password);
  const projectId = input.project_id ?? null;
  await checkScope(ctx, who, projectId);
  const now = ctx.clock();
  const row: UsersTable = {
    id: ctx.newId(),
    email,
    name: input.name?.trim() || null,
    role: input.role,
    project_id: projectId,
    password_hash: await ctx.passwords.hash(input.password),
    created_at: now,
    created_by: who.actor,
    password_changed_at: now,
    disabled_at: null,
    last_sign_in_at: null,
  };
  try {
    await inTransaction(ctx.store, async (tx) => {
      const taken = await tx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (taken) throw userExists(email);
      await tx.db.insertInto('users').values(row).execute();
      await appendAudit(tx, [
        auditEvent(ctx, {
          project_id: projectId,
          actor: who.actor,
          action: 'user.created',
          subject_type: 'user',
          subject_id: row.id,
          after: { actor: actorOfUser(email), role: row.role, project_id: projectId },
        }),
      ]);
    });
  } catch (err) {
    // Two admins creating the same email at once: the unique index decides.
    if (isUniqueViolation(err)) throw userExists(email);
    throw err;
  }
  return publicInfo(row);
}

function userExists(email: string): TollgateError {
  return new TollgateError('TG_USER_EXISTS', `a user with email ${email} already exists`, {
    errors: [{ path: 'email', message: 'already in use' }],
  });
}

export async function listUsers(ctx: AppContext, who: Principal): Promise<UserInfo[]> {
  assertCan(who, 'keys:manage');
  let q = ctx.store.db.selectFrom('users').selectAll().orderBy('email');
  if (who.project_id !== null) q = q.where('project_id', '=', who.project_id);
  return (await q.execute()).map(publicInfo);
}

async function findVisible(ctx: AppContext, who: Principal, userId: string): Promise<UsersTable> {
  const row = await ctx.store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row || (who.project_id !== null && row.project_id !== who.project_id)) throw new TollgateError('TG_NOT_FOUND', `no user ${userId}`);
  return row;
}

/**
 * Changes a user. Any change to what the user may do (role, scope, disabling, a new password)
 * ends the user's open sessions: a demoted or disabled person must not keep a session that
 * still carries the old rights.
 */
export async function updateUser(ctx: AppContext, who: Principal, userId: string, input: UpdateUserInput): Promise<UserInfo> {
  assertCan(who, 'keys:manage');
  const current = await findVisible(ctx, who, userId);
  if (input.role !== undefined) checkRole(input.role);
  if (input.password !== undefined) checkPassword(input.password);
  const projectId = input.project_id === undefined ? current.project_id : input.project_id;
  if (input.project_id !== undefined) await checkScope(ctx, who, projectId);
  if (input.disabled === true && actorOfUser(current.email) === who.actor)
    throw new TollgateError('TG_CONFLICT', 'you cannot disable yourself: ask another admin');
  const now = ctx.clock();
  const next: UsersTable = {
    ...current,
    name: input.name === undefined ? current.name : input.name?.trim() || null,
    role: input.role ?? current.role,
    project_id: projectId,
    disabled_at: input.disabled === undefined ? current.disabled_at : input.disabled ? (current.disabled_at ?? now) : null,
    password_hash: input.password === undefined ? current.password_hash : await ctx.passwords.hash(input.password),
    password_changed_at: input.password === undefined ? current.password_changed_at : now,
  };
  const rightsChanged =
    next.role !== current.role ||
    next.project_id !== current.project_id ||
    (next.disabled_at !== null && current.disabled_at === null) ||
    input.password !== undefined;
  await inTransaction(ctx.store, async (tx) => {
    await tx.db
      .updateTable('users')
      .set({
        name: next.name,
        role: next.role,
        project_id: next.project_id,
        disabled_at: next.disabled_at,
        password_hash: next.password_hash,
        password_changed_at: next.password_changed_at,
      })
      .where('id', '=', userId)
      .execute();
    let ended = 0;
    if (rightsChanged) {
      const done = await tx.db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('issuer', '=', LOCAL_ISSUER)
        .where('subject', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      ended = Number(done.numUpdatedRows);
    }
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: next.project_id,
        actor: who.actor,
        action: 'user.updated',
        subject_type: 'user',
        subject_id: userId,
        // Never the password, nor its hash: only that it changed.
        before: { role: current.role, project_id: current.project_id, disabled: current.disabled_at !== null },
        after: {
          role: next.role,
          project_id: next.project_id,
          disabled: next.disabled_at !== null,
          password_changed: input.password !== undefined,
          sessions_ended: ended,
        },
      }),
    ]);
  });
  return publicInfo(next);
}

/**
 * Email and password sign-in. Every refusal is the same `TG_INVALID_CREDENTIALS`, and an
 * unknown or disabled account still spends a full hash, so neither the message nor the time
 * tells an attacker which emails have accounts. Failed attempts are limited per address by the
 * HTTP layer, like failed key authentications.
 */
export async function signInWithPassword(
  ctx: AppContext,
  rawEmail: string,
  password: string,
  ttlSeconds: number,
): Promise<{ token: string; session: Session; user: UserInfo }> {
  const email = rawEmail.trim().toLowerCase();
  const refused = () => new TollgateError('TG_INVALID_CREDENTIALS', 'wrong email or password');
  if (password.length > MAX_PASSWORD_LENGTH) throw refused();
  const row = await ctx.store.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  if (!row || row.disabled_at !== null) {
    await ctx.passwords.burn(password);
    throw refused();
  }
  if (!(await ctx.passwords.verify(password, row.password_hash))) throw refused();
  const now = ctx.clock();
  const upgraded = ctx.passwords.needsRehash(row.password_hash) ? await ctx.passwords.hash(password) : null;
  await ctx.store.db
    .updateTable('users')
    .set(upgraded === null ? { last_sign_in_at: now } : { last_sign_in_at: now, password_hash: upgraded })
    .where('id', '=', row.id)
    .execute();
  const { token, session } = await createSession(
    ctx,
    {
      actor: actorOfUser(row.email),
      issuer: LOCAL_ISSUER,
      subject: row.id,
      email: row.email,
      role: row.role as Role,
      project_id: row.project_id,
    },
    ttlSeconds,
  );
  return { token, session, user: publicInfo({ ...row, last_sign_in_at: now }) };
}
