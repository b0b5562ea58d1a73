import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { validateGuideline, type GuidelineDocument } from '../core/guidelines/guideline-validate.js';
import type { Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { getSession } from '../store/calibration-repo.js';
import { inTransaction } from '../store/executor.js';
import { listJudgmentsBeforeGuideline, type JudgmentRecord } from '../store/judgment-repo.js';
import { bumpProjectVersion, getProjectRow, getVersion, insertVersion, listVersions, type VersionedDoc } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';
import { recalibrateActiveReviewers } from './quality-service.js';

/**
 * Publishes a new guideline version; old versions stay. The change note says what changed and
 * why; `requires_recalibration` flags a change reviewers must recalibrate on, and sends every
 * active reviewer through the policy's recalibration set when it has one.
 */
export async function publishGuidelines(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  doc: unknown,
): Promise<VersionedDoc<GuidelineDocument>> {
  assertCan(who, 'projects:configure');
  const document = validateGuideline(doc);
  const published = await inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    if (document.calibration_session_id !== undefined) {
      const session = await getSession(tx, document.calibration_session_id);
      if (!session || session.project_id !== projectId) {
        throw new TollgateError(
          'TG_INVALID_GUIDELINE',
          `calibration_session_id: no calibration session ${document.calibration_session_id} in this project`,
          {
            errors: [{ path: 'calibration_session_id', message: 'no such session in this project' }],
          },
        );
      }
    }
    const now = ctx.clock();
    const from = project.guideline_version;
    if (!(await bumpProjectVersion(tx, projectId, 'guideline_version', from, now))) {
      throw new TollgateError('TG_CONFLICT', 'the guidelines changed while publishing; retry');
    }
    const saved = { version: from + 1, document, created_at: now, created_by: who.actor };
    await insertVersion(tx, 'guideline_versions', projectId, saved);
    const recalibration = document.requires_recalibration
      ? await recalibrateActiveReviewers(ctx, tx, projectId, saved.version, now)
      : { events: [], reviewers: 0 };
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'guidelines.published',
        subject_type: 'project',
        subject_id: projectId,
        before: { version: from },
        after: {
          version: saved.version,
          change_note: document.change_note,
          requires_recalibration: document.requires_recalibration,
          ...(document.requires_recalibration ? { reviewers_sent_to_recalibrate: recalibration.reviewers } : {}),
        },
        created_at: now,
      }),
      ...recalibration.events,
    ]);
    return saved;
  });
  currentVersions.get(ctx)?.delete(projectId);
  return published;
}

/** The current guidelines, or null before the first version is published. */
export async function getGuidelines(ctx: AppContext, who: Principal, projectId: string): Promise<VersionedDoc<GuidelineDocument> | null> {
  assertCan(who, 'projects:read');
  const project = await requireProject(ctx.store, who, projectId);
  return project.guideline_version === 0 ? null : ((await guidelineVersion(ctx, projectId, project.guideline_version)) ?? null);
}

export async function listGuidelineVersions(
  ctx: AppContext,
  who: Principal,
  projectId: string,
): Promise<VersionedDoc<GuidelineDocument>[]> {
  assertCan(who, 'projects:read');
  await requireProject(ctx.store, who, projectId);
  return listVersions<GuidelineDocument>(ctx.store, 'guideline_versions', projectId);
}

const versions = new WeakMap<AppContext, Map<string, VersionedDoc<GuidelineDocument>>>();

/** One version, read once per process: a published version never changes. */
async function guidelineVersion(ctx: AppContext, projectId: string, version: number): Promise<VersionedDoc<GuidelineDocument> | undefined> {
  let cache = versions.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    versions.set(ctx, cache);
  }
  const key = `${projectId}@${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const loaded = await getVersion<GuidelineDocument>(ctx.store, 'guideline_versions', projectId, version);
  if (loaded) {
    if (cache.size > 10_000) cache.clear();
    cache.set(key, loaded);
  }
  return loaded;
}

/** How long a server may serve the guideline version it last read before asking the store again. */
export const CURRENT_VERSION_TTL_MS = 1000;
const currentVersions = new WeakMap<AppContext, Map<string, { version: number; at: number }>>();

/**
 * The guidelines a reviewer is shown with a claimed task: the project's current version. The
 * claim is one statement on the hot path, so the current version number is remembered for a
 * second (a version published here is served at once; one published on another server within
 * a second). Judgments record the version the reviewer was actually shown.
 */
export async function currentGuidelines(ctx: AppContext, projectId: string): Promise<VersionedDoc<GuidelineDocument> | null> {
  let cache = currentVersions.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    currentVersions.set(ctx, cache);
  }
  const now = Date.now();
  let entry = cache.get(projectId);
  if (entry === undefined || now - entry.at > CURRENT_VERSION_TTL_MS) {
    const project = await getProjectRow(ctx.store, projectId);
    entry = { version: project?.guideline_version ?? 0, at: now };
    if (cache.size > 10_000) cache.clear();
    cache.set(projectId, entry);
  }
  if (entry.version === 0) return null;
  return (await guidelineVersion(ctx, projectId, entry.version)) ?? null;
}

export interface OutdatedJudgments {
  current_version: number;
  judgments: JudgmentRecord[];
  next_cursor: string | null;
}

/** Judgments made under a guideline version older than the current one, newest first. */
export async function listOutdatedJudgments(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  q: { limit?: number; cursor?: string },
): Promise<OutdatedJudgments> {
  assertCan(who, 'items:read');
  const project = await requireProject(ctx.store, who, projectId);
  const limit = q.limit ?? 100;
  let after: { created_at: number; id: string } | undefined;
  if (q.cursor !== undefined) {
    const [at, id] = q.cursor.split('.');
    const createdAt = Number(at);
    if (!Number.isSafeInteger(createdAt) || id === undefined || id === '')
      throw new TollgateError('TG_INVALID_CURSOR', 'cursor is not one this API returned');
    after = { created_at: createdAt, id };
  }
  const page = await listJudgmentsBeforeGuideline(ctx.store, projectId, project.guideline_version, limit + 1, after);
  const more = page.length > limit;
  const judgments = more ? page.slice(0, limit) : page;
  const last = judgments.at(-1);
  return { current_version: project.guideline_version, judgments, next_cursor: more && last ? `${last.created_at}.${last.id}` : null };
}
