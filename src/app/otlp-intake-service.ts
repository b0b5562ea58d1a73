import { assertCan } from '../core/access/permissions.js';
import { isTollgateError } from '../core/errors.js';
import { MAX_BATCH_ITEMS } from '../core/limits.js';
import type { Principal } from '../core/types.js';
import type { AppContext } from './context.js';
import { captureItems, type ItemSubmission } from './ingest-service.js';
import { requireProjectExists } from './project-service.js';

/**
 * Refuses a caller who may not send items, and a `x-tollgate-project` header naming a project
 * the key cannot see (404, as everywhere): both are configuration errors an exporter must not
 * retry, and every span of the request would fail the same way.
 */
export async function checkTraceIntake(ctx: AppContext, who: Principal, headerProject: string | undefined): Promise<void> {
  assertCan(who, 'items:create');
  if (headerProject !== undefined) await requireProjectExists(ctx, who, headerProject);
}

export interface ProjectItems {
  projectId: string;
  items: ItemSubmission[];
}

export interface IntakeResult {
  created: number;
  /** Items whose external_id was stored already: an exporter's retry. */
  repeated: number;
  /** Per project the key cannot see (or that does not exist): how many spans named it. */
  unknownProjects: { projectId: string; spans: number }[];
}

/**
 * Captures each project's items through the ingest service (routed by the project's policy,
 * redacted per its settings, idempotent by external_id), one transaction per project and per
 * MAX_BATCH_ITEMS. A project the key cannot see rejects its own spans and no others; any
 * other failure (the store down) fails the export, which the exporter retries: spans already
 * captured come back as repeats, not duplicates.
 */
export async function captureTraceItems(ctx: AppContext, who: Principal, groups: readonly ProjectItems[]): Promise<IntakeResult> {
  const result: IntakeResult = { created: 0, repeated: 0, unknownProjects: [] };
  for (const { projectId, items } of groups) {
    try {
      for (let i = 0; i < items.length; i += MAX_BATCH_ITEMS) {
        for (const r of await captureItems(ctx, who, projectId, items.slice(i, i + MAX_BATCH_ITEMS))) {
          if (r.created) result.created++;
          else result.repeated++;
        }
      }
    } catch (err) {
      if (!isTollgateError(err) || err.code !== 'TG_PROJECT_NOT_FOUND') throw err;
      result.unknownProjects.push({ projectId, spans: items.length });
    }
  }
  return result;
}
