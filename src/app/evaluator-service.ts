import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { compileEvaluatorSet, type CompiledEvaluatorSet } from '../core/evals/evaluator-run.js';
import { readEvaluatorSet, storedEvaluatorSet, type EvaluatorSetDocument } from '../core/evals/evaluator-set.js';
import { jsonEqual } from '../core/json.js';
import type { JsonValue, Principal, RubricDocument } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { bumpProjectVersion, getVersion, insertVersion, listVersions, type VersionedDoc } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';
import { currentVersions, forgetCurrentVersions } from './current-versions.js';

export interface EvaluatorSetView {
  /** 0 before the first set is saved (the set is then empty). */
  version: number;
  evaluators: EvaluatorSetDocument['evaluators'];
  created_at: number | null;
  created_by: string | null;
}

function view(v: VersionedDoc<EvaluatorSetDocument> | undefined): EvaluatorSetView {
  if (v === undefined) return { version: 0, evaluators: [], created_at: null, created_by: null };
  return { version: v.version, evaluators: v.document.evaluators, created_at: v.created_at, created_by: v.created_by };
}

/**
 * Saves a project's evaluator set as a new version; items record the version that scored them,
 * and old versions stay readable. Saving the set that is already current is a no-op that
 * returns it (`created: false`), so a retried save does not make a second version.
 */
export async function saveEvaluatorSet(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  raw: unknown,
): Promise<{ set: EvaluatorSetView; created: boolean }> {
  assertCan(who, 'projects:configure');
  const saved = await inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const rubric = await getVersion<RubricDocument>(tx, 'rubric_versions', projectId, project.rubric_version);
    const document = readEvaluatorSet(raw, rubric?.document ?? null, ctx.proxyCredentials.allowlist);
    const from = project.evaluator_version;
    const current = from === 0 ? undefined : await getVersion<EvaluatorSetDocument>(tx, 'evaluator_versions', projectId, from);
    if (current !== undefined && jsonEqual(current.document as unknown as JsonValue, document as unknown as JsonValue)) {
      return { set: view(current), created: false };
    }
    const now = ctx.clock();
    if (!(await bumpProjectVersion(tx, projectId, 'evaluator_version', from, now))) {
      throw new TollgateError('TG_CONFLICT', 'the evaluators changed while saving; retry');
    }
    const saved = { version: from + 1, document, created_at: now, created_by: who.actor };
    await insertVersion(tx, 'evaluator_versions', projectId, saved);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'evaluators.saved',
        subject_type: 'project',
        subject_id: projectId,
        before: { version: from, evaluators: current?.document.evaluators.map((e) => e.name) ?? [] },
        after: { version: saved.version, evaluators: document.evaluators.map((e) => `${e.name} (${e.mode} ${e.check?.type ?? 'judge'})`) },
        created_at: now,
      }),
    ]);
    return { set: view(saved), created: true };
  });
  forgetCurrentVersions(ctx, projectId);
  return saved;
}

export async function getEvaluatorSet(ctx: AppContext, who: Principal, projectId: string, version?: number): Promise<EvaluatorSetView> {
  assertCan(who, 'projects:read');
  const project = await requireProject(ctx.store, who, projectId);
  const v = version ?? project.evaluator_version;
  if (v === 0) return view(undefined);
  const found = await getVersion<EvaluatorSetDocument>(ctx.store, 'evaluator_versions', projectId, v);
  if (found === undefined) throw new TollgateError('TG_NOT_FOUND', `evaluator set version ${v} of project ${projectId} not found`);
  return view(found);
}

export async function listEvaluatorVersions(ctx: AppContext, who: Principal, projectId: string): Promise<EvaluatorSetView[]> {
  assertCan(who, 'projects:read');
  await requireProject(ctx.store, who, projectId);
  return (await listVersions<EvaluatorSetDocument>(ctx.store, 'evaluator_versions', projectId)).map(view);
}

const compiled = new WeakMap<AppContext, Map<string, CompiledEvaluatorSet>>();

/** A project's evaluator set version, compiled once per process (versions never change once saved). */
export async function compiledEvaluatorSet(
  ctx: AppContext,
  ex: Executor,
  projectId: string,
  version: number,
): Promise<CompiledEvaluatorSet> {
  let cache = compiled.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    compiled.set(ctx, cache);
  }
  const key = `${projectId}@${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let set: CompiledEvaluatorSet;
  if (version === 0) set = compileEvaluatorSet({ evaluators: [] }, 0);
  else {
    const doc = await getVersion<EvaluatorSetDocument>(ex, 'evaluator_versions', projectId, version);
    if (!doc) throw new Error(`evaluator set version ${version} of project ${projectId} is missing`);
    set = compileEvaluatorSet(storedEvaluatorSet(doc.document), version);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(key, set);
  return set;
}

/**
 * The project's current evaluator set for the work capture does before its transaction (sync
 * judges). The transaction reads the version again and runs that version's checks, so a judge
 * result from a superseded version is only ever used with the version it came from.
 */
export async function currentEvaluatorSet(ctx: AppContext, projectId: string): Promise<CompiledEvaluatorSet> {
  const versions = await currentVersions(ctx, projectId);
  return compiledEvaluatorSet(ctx, ctx.store, projectId, versions?.evaluator_version ?? 0);
}
