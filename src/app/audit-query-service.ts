import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { Principal } from '../core/types.js';
import { listAudit, type AuditQuery, type AuditRecord } from '../store/audit-repo.js';
import { verifyAudit, type ChainVerification } from './audit-chain-service.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject_id?: string;
  since?: string;
  until?: string;
  after?: number;
  limit?: number;
}

function toQuery(projectId: string, f: AuditFilter, limit: number): AuditQuery {
  const since = f.since === undefined ? undefined : Date.parse(f.since);
  const until = f.until === undefined ? undefined : Date.parse(f.until);
  if (since !== undefined && until !== undefined && since >= until)
    throw new TollgateError('TG_VALIDATION_FAILED', '"since" must be before "until"', { since: f.since, until: f.until });
  return {
    project_id: projectId,
    limit,
    ...(f.actor === undefined ? {} : { actor: f.actor }),
    ...(f.action === undefined ? {} : { action: f.action }),
    ...(f.subject_id === undefined ? {} : { subject_id: f.subject_id }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(f.after === undefined ? {} : { after_seq: f.after }),
  };
}

/** One page of a project's audit events, oldest first, with the cursor of the next page. */
export async function queryAudit(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  f: AuditFilter,
): Promise<{ events: AuditRecord[]; next_after: number | null }> {
  assertCan(who, 'audit:read');
  await requireProject(ctx.store, who, projectId);
  const limit = f.limit ?? 100;
  const events = await listAudit(ctx.store, toQuery(projectId, f, limit + 1));
  const page = events.slice(0, limit);
  return { events: page, next_after: events.length > limit ? (page.at(-1)?.seq ?? null) : null };
}

const EXPORT_PAGE = 1000;

/**
 * Every matching event, oldest first, page by page: the export streams however long the trail
 * is. Access is checked before the first page, so a refused export sends nothing.
 */
export async function openAuditExport(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  f: AuditFilter,
): Promise<AsyncGenerator<AuditRecord>> {
  assertCan(who, 'audit:read');
  await requireProject(ctx.store, who, projectId);
  const base = toQuery(projectId, f, EXPORT_PAGE);
  async function* pages(): AsyncGenerator<AuditRecord> {
    let after = base.after_seq;
    for (;;) {
      const page = await listAudit(ctx.store, { ...base, ...(after === undefined ? {} : { after_seq: after }) });
      yield* page;
      if (page.length < EXPORT_PAGE) return;
      after = page.at(-1)!.seq;
    }
  }
  return pages();
}

/** The project's chain, recomputed link by link (the signatures are for `tollgate audit verify --public-key`). */
export async function verifyProjectAudit(
  ctx: AppContext,
  who: Principal,
  projectId: string,
): Promise<ChainVerification & { elapsed_ms: number }> {
  assertCan(who, 'audit:read');
  await requireProject(ctx.store, who, projectId);
  const report = await verifyAudit(ctx.store, { chain: projectId, now: ctx.clock() });
  return { ...report.chains[0]!, elapsed_ms: report.elapsed_ms };
}
