import { assertCan, can, canSeeProject } from '../core/access/permissions.js';
import { forgetCurrentVersions } from './current-versions.js';
import { TollgateError } from '../core/errors.js';
import { namedGoldItems } from '../core/review/quality.js';
import { summarizeProblems } from '../core/policy/policy-validate.js';
import { notGold } from '../store/gold-repo.js';
import { validatePolicy } from '../core/policy/index.js';
import { validateRubric } from '../core/rubric/index.js';
import { ROLES, type PolicyDocument, type Principal, type RubricDocument } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import {
  bumpProjectVersion,
  getProjectRow,
  getVersion,
  insertProject,
  insertVersion,
  listProjectRows,
  listVersions,
  readProxyColumn,
  type ProjectRecord,
  type VersionedDoc,
} from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import { assertUsable, projectProtection } from './data-protection-settings.js';
import { hasDataProtection, parseDataProtection, type DataProtectionSettings } from '../core/data-protection/settings.js';
import type { AppContext } from './context.js';
import { parseProxySettings, storedProxySettings, type ProxySettings } from '../core/proxy/settings.js';

export interface ProjectView extends Omit<ProjectRecord, 'policy_version' | 'rubric_version' | 'data_protection' | 'proxy'> {
  policy: VersionedDoc<PolicyDocument>;
  rubric: VersionedDoc<RubricDocument>;
  data_protection: DataProtectionSettings;
  proxy: ProxySettings | null;
}

export interface CreateProjectInput {
  name: string;
  description?: string;
  policy?: unknown;
  rubric?: unknown;
  data_protection?: unknown;
  proxy?: unknown;
}

const EMPTY_POLICY: PolicyDocument = { rules: [] };
const EMPTY_RUBRIC: RubricDocument = { criteria: [] };

export async function createProject(ctx: AppContext, who: Principal, input: CreateProjectInput): Promise<ProjectView> {
  assertCan(who, 'projects:create');
  if (who.project_id !== null) throw new TollgateError('TG_FORBIDDEN', 'a project-scoped key may not create projects');
  // Validate before opening a transaction: a bad document changes nothing.
  const policy = input.policy === undefined ? EMPTY_POLICY : validatePolicy(input.policy);
  const rubric = input.rubric === undefined ? EMPTY_RUBRIC : validateRubric(input.rubric);
  const protection = parseDataProtection(input.data_protection ?? null);
  assertUsable(ctx, protection);
  const proxy = parseProxySettings(input.proxy ?? null, ctx.proxyCredentials.allowlist);
  const now = ctx.clock();
  const id = ctx.newId();
  const row = {
    id,
    name: input.name,
    description: input.description ?? null,
    policy_version: 1,
    rubric_version: 1,
    guideline_version: 0,
    evaluator_version: 0,
    monitor_version: 0,
    created_at: now,
    updated_at: now,
    data_protection: hasDataProtection(protection) ? ctx.store.json.write(protection) : null,
    proxy: proxy === null ? null : ctx.store.json.write(proxy),
  } satisfies ProjectRecord & { data_protection: string | null; proxy: string | null };
  await inTransaction(ctx.store, async (tx) => {
    // A new project has no gold items yet: its qualification and recalibration sets come later.
    await assertGoldSetsExist(tx, id, policy);
    await insertProject(tx, row);
    await insertVersion(tx, 'policy_versions', id, { version: 1, document: policy, created_at: now, created_by: who.actor });
    await insertVersion(tx, 'rubric_versions', id, { version: 1, document: rubric, created_at: now, created_by: who.actor });
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: id,
        actor: who.actor,
        action: 'project.created',
        subject_type: 'project',
        subject_id: id,
        after: {
          name: row.name,
          policy_version: 1,
          rubric_version: 1,
          ...(hasDataProtection(protection) ? { data_protection: protection } : {}),
          ...(proxy === null ? {} : { proxy }),
        },
      }),
    ]);
  });
  return loadProjectView(ctx, ctx.store, row);
}

/** The project as the caller may see it; a project outside a scoped key's reach is "not found". */
export async function requireProject(ex: Executor, who: Principal, projectId: string): Promise<ProjectRecord> {
  const row = canSeeProject(who, projectId) ? await getProjectRow(ex, projectId) : undefined;
  if (!row) throw new TollgateError('TG_PROJECT_NOT_FOUND', `project ${projectId} not found`);
  return row;
}

/**
 * `requireProject` for callers that need only to know the project exists (the claim path):
 * projects are never deleted, so after the first lookup the store is not asked again. The
 * caller's reach is checked on every call, since it belongs to the caller, not the project.
 */
export async function requireProjectExists(ctx: AppContext, who: Principal, projectId: string): Promise<void> {
  if (canSeeProject(who, projectId) && ctx.knownProjects.has(projectId)) return;
  await requireProject(ctx.store, who, projectId);
  ctx.knownProjects.add(projectId);
}

export async function getProject(ctx: AppContext, who: Principal, projectId: string): Promise<ProjectView> {
  assertCan(who, 'projects:read');
  return loadProjectView(ctx, ctx.store, await requireProject(ctx.store, who, projectId));
}

export async function listProjects(ctx: AppContext, who: Principal): Promise<ProjectView[]> {
  assertCan(who, 'projects:read');
  const rows = await listProjectRows(ctx.store, who.project_id);
  return Promise.all(rows.map((r) => loadProjectView(ctx, ctx.store, r)));
}

async function loadProjectView(ctx: AppContext, ex: Executor, row: ProjectRecord): Promise<ProjectView> {
  const [policy, rubric] = await Promise.all([
    getVersion<PolicyDocument>(ex, 'policy_versions', row.id, row.policy_version),
    getVersion<RubricDocument>(ex, 'rubric_versions', row.id, row.rubric_version),
  ]);
  if (!policy || !rubric) throw new TollgateError('TG_INTERNAL', `project ${row.id} lacks its current policy or rubric version`);
  const { policy_version: _p, rubric_version: _r, data_protection: _d, proxy: _x, ...rest } = row;
  return {
    ...rest,
    policy,
    rubric,
    // Through the cache the capture path uses: listing projects does not re-check every document.
    data_protection: projectProtection(ctx, row).settings,
    proxy: storedProxySettings(readProxyColumn(ex, row)),
  };
}

type DocKind = 'policy' | 'rubric';

/** Saves a new version; old versions stay, and items keep the version they were routed under. */
export async function saveDocument(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  kind: DocKind,
  doc: unknown,
): Promise<VersionedDoc<unknown> & { warnings: SaveWarning[] }> {
  assertCan(who, 'projects:configure');
  const document = kind === 'policy' ? validatePolicy(doc) : validateRubric(doc);
  const table = kind === 'policy' ? 'policy_versions' : 'rubric_versions';
  const column = kind === 'policy' ? 'policy_version' : 'rubric_version';
  const result = await inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const now = ctx.clock();
    const from = project[column];
    if (!(await bumpProjectVersion(tx, projectId, column, from, now))) {
      throw new TollgateError('TG_CONFLICT', `the ${kind} changed while saving; retry`);
    }
    if (kind === 'policy') await assertGoldSetsExist(tx, projectId, document as PolicyDocument);
    const saved = { version: from + 1, document, created_at: now, created_by: who.actor };
    await insertVersion(tx, table, projectId, saved);
    if (kind === 'policy') ctx.standings.forgetProject(projectId);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: `${kind}.changed`,
        subject_type: 'project',
        subject_id: projectId,
        before: { version: from },
        after: { version: saved.version },
      }),
    ]);
    const warnings =
      kind === 'policy' && holdsItems(document as PolicyDocument) && !(await anyoneCanReview(tx, projectId)) ? [NO_REVIEWER] : [];
    return { ...saved, warnings };
  });
  forgetCurrentVersions(ctx, projectId);
  return result;
}

/** Qualification and recalibration sets may only name the project's gold items. */
async function assertGoldSetsExist(ex: Executor, projectId: string, policy: PolicyDocument): Promise<void> {
  if (!policy.quality) return;
  const named = namedGoldItems(policy.quality);
  const missing = new Set(await notGold(ex, projectId, [...new Set(named.map((n) => n.id))]));
  const errors = named
    .filter((n) => missing.has(n.id))
    .map((n) => ({ path: n.path, message: `"${n.id}" is not a gold item of this project` }));
  if (errors.length > 0) throw new TollgateError('TG_INVALID_POLICY', summarizeProblems(errors), { errors });
}

export interface SaveWarning {
  code: string;
  message: string;
}

const NO_REVIEWER: SaveWarning = {
  code: 'TG_NO_REVIEWER',
  message:
    'the policy holds items, but no active key of this project (or unscoped) may review: held callers will wait until their timeouts. Create one with `tollgate keys create --role reviewer`.',
};

function holdsItems(policy: PolicyDocument): boolean {
  return policy.default_action === 'hold' || policy.rules.some((r) => r.action === 'hold');
}

/**
 * Whether some active key that sees the project may work its tasks. Admin keys do not count:
 * every deployment has one (the bootstrap key), and it is an operator's, not a reviewer's.
 */
async function anyoneCanReview(ex: Executor, projectId: string): Promise<boolean> {
  const roles = ROLES.filter((r) => r !== 'admin' && can(r, 'tasks:work'));
  const row = await ex.db
    .selectFrom('api_keys')
    .select('id')
    .where('revoked_at', 'is', null)
    .where('role', 'in', roles)
    .where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '=', projectId)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listDocumentVersions(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  kind: DocKind,
): Promise<VersionedDoc<unknown>[]> {
  assertCan(who, 'projects:read');
  await requireProject(ctx.store, who, projectId);
  return listVersions(ctx.store, kind === 'policy' ? 'policy_versions' : 'rubric_versions', projectId);
}
