import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { assertCan } from '../core/access/permissions.js';
import { openOriginal } from '../core/data-protection/original-cipher.js';
import { hasDataProtection, parseDataProtection, type DataProtectionSettings } from '../core/data-protection/settings.js';
import { TollgateError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import type { ItemInput, ItemOutput, JsonObject, Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import {
  findSubjectItemIds,
  getOriginal,
  insertErasure,
  listErasureRows,
  listExpiredItemIds,
  listProjectsWithDataProtection,
  type ErasureSelector,
} from '../store/content-repo.js';
import { inTransaction } from '../store/executor.js';
import { setDataProtectionColumn } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { purgeContent } from './content-purge.js';
import { assertUsable, projectProtection } from './data-protection-settings.js';
import { requireReadableItem } from './item-access.js';
import { requireProject } from './project-service.js';

/** Binds a sealed original to its item: moved onto another row, it no longer opens. */
export function originalAad(projectId: string, itemId: string): string {
  return `tollgate:original:${projectId}:${itemId}`;
}

export async function setDataProtection(ctx: AppContext, who: Principal, projectId: string, raw: unknown): Promise<DataProtectionSettings> {
  assertCan(who, 'projects:configure');
  const settings = parseDataProtection(raw);
  assertUsable(ctx, settings);
  return inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const before = projectProtection(ctx, project).settings;
    const now = ctx.clock();
    await setDataProtectionColumn(tx, projectId, hasDataProtection(settings) ? settings : null, now);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'project.data_protection_changed',
        subject_type: 'project',
        subject_id: projectId,
        before: { ...before },
        after: { ...settings },
        created_at: now,
      }),
    ]);
    return settings;
  });
}

export interface OriginalView {
  item_id: string;
  input: ItemInput;
  output: ItemOutput;
  metadata: JsonObject;
  redactions: Record<string, number> | null;
}

/**
 * The item as sent, before redaction, for the roles the project allows. Every read is audited:
 * whoever looks at the personal data a project hides from its reviewers leaves a trace.
 */
export async function readOriginal(ctx: AppContext, who: Principal, itemId: string): Promise<OriginalView> {
  return inTransaction(ctx.store, async (tx) => {
    const item = await requireReadableItem(tx, who, itemId);
    const project = await requireProject(tx, who, item.project_id);
    const redaction = projectProtection(ctx, project).settings.redaction;
    const roles = redaction?.original === 'encrypt' ? redaction.original_roles : (['admin'] as const);
    if (!(roles as readonly string[]).includes(who.role)) {
      throw new TollgateError('TG_FORBIDDEN', `role "${who.role}" may not read originals in this project (allowed: ${roles.join(', ')})`, {
        permission: 'items:read_original',
      });
    }
    const row = await getOriginal(tx, itemId);
    if (!row) {
      throw new TollgateError(
        'TG_NOT_FOUND',
        item.purged !== null
          ? `item ${itemId} was purged (${item.purged.reason}); its original is gone`
          : `no original is kept for item ${itemId}: nothing was redacted, or the project drops originals`,
      );
    }
    const key = ctx.originalKey;
    if (key === null)
      throw new TollgateError('TG_ENCRYPTION_UNAVAILABLE', 'this server has no TOLLGATE_PII_ENCRYPTION_KEY to open originals with');
    if (key.id !== row.key_id) {
      throw new TollgateError(
        'TG_ENCRYPTION_UNAVAILABLE',
        `the original was sealed with key ${row.key_id}; this server has key ${key.id}`,
        {
          sealed_with: row.key_id,
          server_key: key.id,
        },
      );
    }
    const original = JSON.parse(openOriginal(key, originalAad(item.project_id, itemId), row.ciphertext)) as {
      input: ItemInput;
      output: ItemOutput;
      metadata: JsonObject;
    };
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: item.project_id,
        actor: who.actor,
        action: 'item.original_read',
        subject_type: 'item',
        subject_id: itemId,
      }),
    ]);
    return { item_id: itemId, ...original, redactions: item.redactions };
  });
}

export const MAX_SELECTOR_FIELDS = 10;
const METADATA_KEY = /^[A-Za-z0-9_.:@-]{1,100}$/;

/** Checks an erasure selector: one external id, or up to ten top-level metadata fields with scalar values. */
export function readErasureSelector(raw: { external_id?: unknown; metadata?: unknown }): ErasureSelector {
  const invalid = (path: string, message: string) =>
    new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });
  if ((raw.external_id === undefined) === (raw.metadata === undefined)) {
    throw invalid('', 'give exactly one of "external_id" or "metadata"');
  }
  if (raw.external_id !== undefined) {
    if (typeof raw.external_id !== 'string' || raw.external_id === '') throw invalid('external_id', 'must be a non-empty string');
    return { external_id: raw.external_id };
  }
  if (!isRecord(raw.metadata)) throw invalid('metadata', 'must be an object of field: value');
  const entries = Object.entries(raw.metadata);
  if (entries.length === 0 || entries.length > MAX_SELECTOR_FIELDS)
    throw invalid('metadata', `must name 1 to ${MAX_SELECTOR_FIELDS} fields`);
  const metadata: Record<string, string | number | boolean> = {};
  for (const [key, value] of entries) {
    if (!METADATA_KEY.test(key)) throw invalid(`metadata.${key}`, 'field names are 1-100 letters, digits and _ . : @ -');
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw invalid(`metadata.${key}`, 'must be a string, number or boolean: erasure matches exact values');
    }
    if (value === '') throw invalid(`metadata.${key}`, 'must not be empty: an empty value would match too widely');
    metadata[key] = value;
  }
  return { metadata };
}

/** SHA-256 of the canonical selector: the erasure record proves what it covered without keeping it. */
export function selectorDigest(projectId: string, selector: ErasureSelector): string {
  return createHash('sha256')
    .update(canonicalize({ project_id: projectId, ...selector }) ?? '')
    .digest('hex');
}

export interface ErasureResult {
  id: string | null;
  dry_run: boolean;
  items: number;
  item_ids: string[];
  selector_digest: string;
}

/**
 * Erases a data subject's content from a project: every item that matches, everywhere its
 * content lives (see purgeContent), in one transaction. The item rows stay, emptied, so
 * decisions and aggregate figures still add up; the external id and metadata go too, since
 * they are what identified the subject. The erasure is audited by digest and item ids only.
 */
export async function eraseSubject(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  raw: { external_id?: unknown; metadata?: unknown; dry_run?: boolean },
): Promise<ErasureResult> {
  assertCan(who, 'data:erase');
  const selector = readErasureSelector(raw);
  const digest = selectorDigest(projectId, selector);
  const kind = 'external_id' in selector ? 'external_id' : 'metadata';
  return inTransaction(ctx.store, async (tx) => {
    await requireProject(tx, who, projectId);
    const ids = await findSubjectItemIds(tx, projectId, selector);
    if (raw.dry_run === true) return { id: null, dry_run: true, items: ids.length, item_ids: ids, selector_digest: digest };
    const now = ctx.clock();
    const id = ctx.newId();
    await purgeContent(tx, ids, { mode: 'erase', now, actor: who.actor });
    await insertErasure(tx, {
      id,
      project_id: projectId,
      selector_kind: kind,
      selector_digest: digest,
      items_erased: ids.length,
      requested_by: who.actor,
      created_at: now,
    });
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'subject.erased',
        subject_type: 'erasure',
        subject_id: id,
        after: { selector_kind: kind, selector_digest: digest, items: ids.length, item_ids: ids },
        created_at: now,
      }),
    ]);
    return { id, dry_run: false, items: ids.length, item_ids: ids, selector_digest: digest };
  });
}

/** How many items one retention transaction empties: short transactions, many of them. */
export const RETENTION_BATCH = 200;

/**
 * One retention pass over every project that declares it: items past their days are emptied
 * (`delete`) or scanned and redacted (`redact`), a batch per transaction, until none is left or
 * `maxBatches` is spent. Each batch is one `retention.applied` audit event listing its items.
 */
export async function applyRetention(ctx: AppContext, opts: { maxBatches?: number } = {}): Promise<{ items: number }> {
  let total = 0;
  let budget = opts.maxBatches ?? 50;
  for (const project of await listProjectsWithDataProtection(ctx.store)) {
    const protection = ctx.redactors.forProject(project.id, project.data_protection);
    const retention = protection.settings.retention;
    if (retention === null) continue;
    while (budget-- > 0) {
      const now = ctx.clock();
      const cutoff = now - retention.days * 86_400_000;
      const done = await inTransaction(ctx.store, async (tx) => {
        const ids = await listExpiredItemIds(tx, project.id, cutoff, RETENTION_BATCH);
        if (ids.length === 0) return 0;
        await purgeContent(tx, ids, { mode: retention.action, now, actor: 'system:retention', scanner: protection.scanner });
        await appendAudit(tx, [
          auditEvent(ctx, {
            project_id: project.id,
            actor: 'system:retention',
            action: 'retention.applied',
            subject_type: 'project',
            subject_id: project.id,
            after: {
              action: retention.action,
              days: retention.days,
              cutoff: new Date(cutoff).toISOString(),
              items: ids.length,
              item_ids: ids,
            },
            created_at: now,
          }),
        ]);
        return ids.length;
      });
      total += done;
      if (done < RETENTION_BATCH) break;
    }
  }
  return { items: total };
}

/** Erasures carried out in a project, newest first: who asked, when, how many items; never whom. */
export async function listErasures(ctx: AppContext, who: Principal, projectId: string) {
  assertCan(who, 'audit:read');
  await requireProject(ctx.store, who, projectId);
  return listErasureRows(ctx.store, projectId, 1000);
}
