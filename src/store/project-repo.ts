import type { Insertable, Selectable } from 'kysely';
import type { GuidelineDocument } from '../core/guidelines/guideline-validate.js';
import type { EvaluatorSetDocument } from '../core/evals/evaluator-set.js';
import type { MonitorSetDocument } from '../core/monitoring/monitor-spec.js';
import type { PolicyDocument, RubricDocument } from '../core/types.js';
import type { Executor } from './executor.js';
import type { ProjectsTable } from './schema.js';

export interface VersionedDoc<T> {
  version: number;
  document: T;
  created_at: number;
  created_by: string;
}

export type ProjectRecord = Selectable<ProjectsTable>;

export function getProjectRow(ex: Executor, id: string): Promise<ProjectRecord | undefined> {
  return ex.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listProjectRows(ex: Executor, onlyId: string | null): Promise<ProjectRecord[]> {
  let q = ex.db.selectFrom('projects').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (onlyId !== null) q = q.where('id', '=', onlyId);
  return q.execute();
}

export async function insertProject(ex: Executor, row: Insertable<ProjectsTable>): Promise<void> {
  await ex.db.insertInto('projects').values(row).execute();
}

export async function setDataProtectionColumn(ex: Executor, projectId: string, document: unknown, now: number): Promise<void> {
  await ex.db
    .updateTable('projects')
    .set({ data_protection: document === null ? null : ex.json.write(document), updated_at: now })
    .where('id', '=', projectId)
    .execute();
}

/** The stored proxy settings, decoded (still unchecked: the service reads them). */
export function readProxyColumn(ex: Executor, row: ProjectRecord): unknown {
  const stored = row.proxy;
  if (stored === null || stored === undefined) return null;
  return typeof stored === 'string' ? (JSON.parse(stored) as unknown) : ex.json.read<unknown>(stored);
}

export async function setProxyColumn(ex: Executor, projectId: string, settings: unknown, now: number): Promise<void> {
  await ex.db
    .updateTable('projects')
    .set({ proxy: settings === null ? null : ex.json.write(settings), updated_at: now })
    .where('id', '=', projectId)
    .execute();
}

type VersionTable = 'policy_versions' | 'rubric_versions' | 'guideline_versions' | 'evaluator_versions' | 'monitor_versions';

export async function insertVersion(ex: Executor, table: VersionTable, projectId: string, v: VersionedDoc<unknown>): Promise<void> {
  await ex.db
    .insertInto(table)
    .values({
      project_id: projectId,
      version: v.version,
      document: ex.json.write(v.document),
      created_at: v.created_at,
      created_by: v.created_by,
    })
    .execute();
}

export async function getVersion<T extends PolicyDocument | RubricDocument | GuidelineDocument | EvaluatorSetDocument | MonitorSetDocument>(
  ex: Executor,
  table: VersionTable,
  projectId: string,
  version: number,
): Promise<VersionedDoc<T> | undefined> {
  const row = await ex.db
    .selectFrom(table)
    .selectAll()
    .where('project_id', '=', projectId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return undefined;
  return { version: row.version, document: ex.json.read<T>(row.document), created_at: row.created_at, created_by: row.created_by };
}

export async function listVersions<T>(ex: Executor, table: VersionTable, projectId: string): Promise<VersionedDoc<T>[]> {
  const rows = await ex.db.selectFrom(table).selectAll().where('project_id', '=', projectId).orderBy('version', 'desc').execute();
  return rows.map((row) => ({
    version: row.version,
    document: ex.json.read<T>(row.document),
    created_at: row.created_at,
    created_by: row.created_by,
  }));
}

/**
 * Bumps the current version with a compare-and-set on the old one, so two managers saving at
 * once cannot both become version N+1 (the loser retries or gets a conflict).
 */
export async function bumpProjectVersion(
  ex: Executor,
  projectId: string,
  column: 'policy_version' | 'rubric_version' | 'guideline_version' | 'evaluator_version' | 'monitor_version',
  from: number,
  now: number,
): Promise<boolean> {
  const res = await ex.db
    .updateTable('projects')
    .set({ [column]: from + 1, updated_at: now })
    .where('id', '=', projectId)
    .where(column, '=', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
