import { createHash, randomBytes } from 'node:crypto';
import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { Principal, Role } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import type { ApiKeysTable } from '../store/schema.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

const KEY_PREFIX = 'tg_';

/**
 * Keys are 192 random bits, so a single fast SHA-256 is enough to store them safely: a slow
 * password hash guards low-entropy secrets, and would only slow every request here.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export type KeyInfo = Omit<ApiKeysTable, 'key_hash' | 'created_by'>;

export interface CreatedKey extends KeyInfo {
  key: string;
}

export interface CreateKeyInput {
  role: Role;
  project_id?: string;
  name?: string;
  /** ISO 8601: when the key stops working; must be in the future. */
  expires_at?: string;
}

function newKeyRow(
  ctx: AppContext,
  who: Principal,
  input: { role: Role; project_id: string | null; name: string | null; expires_at: number | null },
) {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  const row: ApiKeysTable = {
    id: ctx.newId(),
    key_hash: hashKey(key),
    prefix: key.slice(0, 10),
    name: input.name,
    role: input.role,
    project_id: input.project_id,
    created_at: ctx.clock(),
    created_by: who.actor,
    revoked_at: null,
    expires_at: input.expires_at,
    last_used_at: null,
    rotated_to: null,
  };
  return { key, row };
}

function publicInfo(row: ApiKeysTable): KeyInfo {
  const { key_hash: _h, created_by: _c, ...info } = row;
  return info;
}

function readExpiry(raw: string | undefined, now: number): number | null {
  if (raw === undefined) return null;
  const at = Date.parse(raw);
  if (Number.isNaN(at) || at <= now)
    throw new TollgateError('TG_VALIDATION_FAILED', `expires_at: must be a date-time in the future, got "${raw}"`, {
      errors: [{ path: 'expires_at', message: 'must be in the future' }],
    });
  return at;
}

export async function createKey(ctx: AppContext, who: Principal, input: CreateKeyInput): Promise<CreatedKey> {
  assertCan(who, 'keys:manage');
  // A project-scoped admin minting an unscoped key would escape its scope.
  if (who.project_id !== null && input.project_id === undefined)
    throw new TollgateError('TG_FORBIDDEN', 'a project-scoped key may only create keys for its project: set project_id');
  if (input.project_id !== undefined) await requireProject(ctx.store, who, input.project_id);
  const { key, row } = newKeyRow(ctx, who, {
    role: input.role,
    project_id: input.project_id ?? null,
    name: input.name ?? null,
    expires_at: readExpiry(input.expires_at, ctx.clock()),
  });
  await inTransaction(ctx.store, async (tx) => {
    await tx.db.insertInto('api_keys').values(row).execute();
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: row.project_id,
        actor: who.actor,
        action: 'key.created',
        subject_type: 'key',
        subject_id: row.id,
        after: { role: row.role, project_id: row.project_id, name: row.name, prefix: row.prefix, expires_at: row.expires_at },
      }),
    ]);
  });
  return { ...publicInfo(row), key };
}

/** The longest a rotated key may keep working beside its replacement. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;

/**
 * Replaces a key with a fresh one of the same role, project and name (shown once). The old key
 * keeps working for `grace_seconds` (default 0: it stops at once), so a deployment can switch
 * without downtime, then expires; it records which key replaced it. Audited as `key.rotated`.
 */
export async function rotateKey(
  ctx: AppContext,
  who: Principal,
  keyId: string,
  input: { grace_seconds?: number },
  auth: KeyAuthenticator,
): Promise<{ old: KeyInfo; created: CreatedKey }> {
  assertCan(who, 'keys:manage');
  return inTransaction(ctx.store, async (tx) => {
    const old = await tx.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
    if (!old || (who.project_id !== null && old.project_id !== who.project_id))
      throw new TollgateError('TG_NOT_FOUND', `key ${keyId} not found`);
    const now = ctx.clock();
    if (old.revoked_at !== null || (old.expires_at !== null && old.expires_at <= now) || old.rotated_to !== null)
      throw new TollgateError(
        'TG_CONFLICT',
        `key ${keyId} is ${old.revoked_at !== null ? 'revoked' : old.rotated_to !== null ? 'already rotated' : 'expired'}; create a new key instead`,
      );
    const graceEnd = now + (input.grace_seconds ?? 0) * 1000;
    const { key, row } = newKeyRow(ctx, who, {
      role: old.role as Role,
      project_id: old.project_id,
      name: old.name,
      // The replacement keeps the old one's lifetime policy: as long as it had left.
      expires_at: old.expires_at === null ? null : now + (old.expires_at - old.created_at),
    });
    await tx.db.insertInto('api_keys').values(row).execute();
    const oldExpiry = old.expires_at === null ? graceEnd : Math.min(old.expires_at, graceEnd);
    await tx.db.updateTable('api_keys').set({ expires_at: oldExpiry, rotated_to: row.id }).where('id', '=', keyId).execute();
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: old.project_id,
        actor: who.actor,
        action: 'key.rotated',
        subject_type: 'key',
        subject_id: keyId,
        before: { expires_at: old.expires_at },
        after: { expires_at: oldExpiry, rotated_to: row.id, prefix: row.prefix },
      }),
    ]);
    auth.forget(old.key_hash);
    return { old: publicInfo({ ...old, expires_at: oldExpiry, rotated_to: row.id }), created: { ...publicInfo(row), key } };
  });
}

export async function listKeys(ctx: AppContext, who: Principal): Promise<KeyInfo[]> {
  assertCan(who, 'keys:manage');
  return ctx.store.db
    .selectFrom('api_keys')
    .select(['id', 'prefix', 'name', 'role', 'project_id', 'created_at', 'revoked_at', 'expires_at', 'last_used_at', 'rotated_to'])
    .$if(who.project_id !== null, (q) => q.where('project_id', '=', who.project_id as string))
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeKey(ctx: AppContext, who: Principal, keyId: string, auth: KeyAuthenticator): Promise<KeyInfo> {
  assertCan(who, 'keys:manage');
  const info = await inTransaction(ctx.store, async (tx) => {
    const row = await tx.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
    // To a project-scoped key, keys outside its project do not exist.
    if (!row || (who.project_id !== null && row.project_id !== who.project_id))
      throw new TollgateError('TG_NOT_FOUND', `key ${keyId} not found`);
    const now = ctx.clock();
    if (row.revoked_at === null) {
      await tx.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).execute();
      await appendAudit(tx, [
        auditEvent(ctx, { project_id: row.project_id, actor: who.actor, action: 'key.revoked', subject_type: 'key', subject_id: keyId }),
      ]);
      row.revoked_at = now;
    }
    auth.forget(row.key_hash);
    const { key_hash: _h, created_by: _c, ...rest } = row;
    return rest;
  });
  return info;
}

/**
 * Makes `TOLLGATE_ADMIN_KEY` a working admin key: the non-interactive bootstrap for a fresh
 * install or a deployment script. Idempotent across restarts and across servers.
 */
export async function ensureAdminKey(ctx: AppContext, key: string): Promise<void> {
  if (key.length < 16) throw new Error('TOLLGATE_ADMIN_KEY must be at least 16 characters');
  const hash = hashKey(key);
  const existing = await ctx.store.db.selectFrom('api_keys').select(['id', 'revoked_at']).where('key_hash', '=', hash).executeTakeFirst();
  if (existing) return;
  const id = ctx.newId();
  try {
    await inTransaction(ctx.store, async (tx) => {
      await tx.db
        .insertInto('api_keys')
        .values({
          id,
          key_hash: hash,
          prefix: key.slice(0, 6),
          name: 'TOLLGATE_ADMIN_KEY',
          role: 'admin',
          project_id: null,
          created_at: ctx.clock(),
          created_by: 'system',
          revoked_at: null,
          expires_at: null,
          last_used_at: null,
          rotated_to: null,
        })
        .execute();
      await appendAudit(tx, [
        auditEvent(ctx, {
          project_id: null,
          actor: 'system',
          action: 'key.created',
          subject_type: 'key',
          subject_id: id,
          after: { role: 'admin', name: 'TOLLGATE_ADMIN_KEY' },
        }),
      ]);
    });
  } catch (err) {
    // Another server starting at the same moment inserted it first: that is the goal.
    const again = await ctx.store.db.selectFrom('api_keys').select('id').where('key_hash', '=', hash).executeTakeFirst();
    if (!again) throw err;
  }
}

interface CacheEntry {
  principal: Principal | null;
  expires_at: number | null;
  until: number;
}

/** How often a server records that a key was used: a write per request would tax every call. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves bearer keys to principals with a short cache, so a busy ingest path does not pay a
 * store round trip per request. A revocation reaches every server within `ttlMs`; an expiry is
 * checked on every request. Each key's last use is recorded at most once a minute per server,
 * off the request's path.
 */
export class KeyAuthenticator {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #recorded = new Map<string, number>();

  constructor(
    private readonly ctx: AppContext,
    private readonly ttlMs = 5_000,
  ) {}

  async authenticate(key: string | undefined): Promise<Principal> {
    if (!key) throw new TollgateError('TG_UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"');
    const hash = hashKey(key);
    const now = Date.now();
    let entry = this.#cache.get(hash);
    if (!entry || entry.until < now) {
      const row = await this.ctx.store.db
        .selectFrom('api_keys')
        .select(['id', 'role', 'project_id', 'revoked_at', 'expires_at'])
        .where('key_hash', '=', hash)
        .executeTakeFirst();
      const principal =
        row && row.revoked_at === null
          ? { key_id: row.id, role: row.role as Role, project_id: row.project_id, actor: `key:${row.id}` }
          : null;
      entry = { principal, expires_at: row?.expires_at ?? null, until: now + this.ttlMs };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, entry);
    }
    if (!entry.principal) throw new TollgateError('TG_UNAUTHENTICATED', 'invalid or revoked API key');
    const clock = this.ctx.clock();
    if (entry.expires_at !== null && entry.expires_at <= clock)
      throw new TollgateError('TG_UNAUTHENTICATED', `API key expired at ${new Date(entry.expires_at).toISOString()}`);
    this.#noteUse(entry.principal.key_id, clock);
    return entry.principal;
  }

  #noteUse(keyId: string, now: number): void {
    const last = this.#recorded.get(keyId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (this.#recorded.size > 10_000) this.#recorded.clear();
    this.#recorded.set(keyId, now);
    this.ctx.store.db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('id', '=', keyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
      .execute()
      .catch((err: unknown) => this.ctx.logger.warn({ err, key_id: keyId }, "could not record the key's last use"));
  }

  forget(hash: string): void {
    this.#cache.delete(hash);
  }
}

/**
 * First start with no key at all and no TOLLGATE_ADMIN_KEY: mint one admin key so a new user
 * is not locked out of a fresh install. Returns the key to show once, or null when keys exist.
 */
export async function bootstrapFirstAdminKey(ctx: AppContext): Promise<CreatedKey | null> {
  const any = await ctx.store.db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  return createKey(ctx, { key_id: 'system', role: 'admin', project_id: null, actor: 'system' }, { role: 'admin', name: 'first-run admin' });
}
