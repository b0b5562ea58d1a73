import { insertRows } from './bulk-insert.js';
import type { Executor } from './executor.js';

export interface AuditEventInput {
  project_id: string | null;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before?: unknown;
  after?: unknown;
  created_at: number;
}

const AUDIT_COLUMNS = ['project_id', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'created_at'] as const;

export async function appendAudit(ex: Executor, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => [
    e.project_id,
    e.actor,
    e.action,
    e.subject_type,
    e.subject_id,
    e.before === undefined ? null : ex.json.write(e.before),
    e.after === undefined ? null : ex.json.write(e.after),
    e.created_at,
  ]);
  await insertRows(ex, 'audit_events', AUDIT_COLUMNS, rows);
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
