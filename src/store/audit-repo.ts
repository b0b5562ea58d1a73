import type { Executor } from './executor.js';
import { chunkRows } from './executor.js';

export interface AuditEventInput {
  id: string;
  project_id: string | null;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before?: unknown;
  after?: unknown;
  created_at: number;
}

export async function appendAudit(ex: Executor, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    id: e.id,
    project_id: e.project_id,
    actor: e.actor,
    action: e.action,
    subject_type: e.subject_type,
    subject_id: e.subject_id,
    before: e.before === undefined ? null : ex.json.write(e.before),
    after: e.after === undefined ? null : ex.json.write(e.after),
    created_at: e.created_at,
  }));
  for (const chunk of chunkRows(rows, 9, ex.dialect)) await ex.db.insertInto('audit_events').values(chunk).execute();
}

export interface AuditQuery {
  project_id?: string;
  subject_id?: string;
  limit: number;
}

export async function listAudit(ex: Executor, q: AuditQuery) {
  let query = ex.db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').limit(q.limit);
  if (q.project_id !== undefined) query = query.where('project_id', '=', q.project_id);
  if (q.subject_id !== undefined) query = query.where('subject_id', '=', q.subject_id);
  const rows = await query.execute();
  return rows.map((r) => ({
    ...r,
    before: r.before === null ? null : ex.json.read(r.before),
    after: r.after === null ? null : ex.json.read(r.after),
  }));
}
