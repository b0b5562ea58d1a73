import type { AuditFacts } from '../core/audit/chain.js';
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
  actor?: string;
  action?: string;
  /** Times in epoch ms: `since` inclusive, `until` exclusive. */
  since?: number;
  until?: number;
  /** Keyset position: events after this one. */
  after_seq?: number;
  limit: number;
}

export interface AuditRecord extends AuditFacts {
  /** Where the event sits in its hash chain; null until the sealer reaches it. */
  seal: { chain: string; pos: number; prev_hash: string; hash: string } | null;
}

/** Audit events oldest first, filtered, each with its seal. */
export async function listAudit(ex: Executor, q: AuditQuery): Promise<AuditRecord[]> {
  let query = ex.db
    .selectFrom('audit_events as e')
    .leftJoin('audit_seals as s', 's.seq', 'e.seq')
    .selectAll('e')
    .select(['s.chain', 's.pos', 's.prev_hash', 's.hash'])
    .orderBy('e.seq', 'asc')
    .limit(q.limit);
  if (q.project_id !== undefined) query = query.where('e.project_id', '=', q.project_id);
  if (q.subject_id !== undefined) query = query.where('e.subject_id', '=', q.subject_id);
  if (q.actor !== undefined) query = query.where('e.actor', '=', q.actor);
  if (q.action !== undefined) query = query.where('e.action', '=', q.action);
  if (q.since !== undefined) query = query.where('e.created_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('e.created_at', '<', q.until);
  if (q.after_seq !== undefined) query = query.where('e.seq', '>', q.after_seq);
  const rows = await query.execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    project_id: r.project_id,
    actor: r.actor,
    action: r.action,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    before: r.before === null ? null : ex.json.read(r.before),
    after: r.after === null ? null : ex.json.read(r.after),
    created_at: Number(r.created_at),
    seal:
      r.chain === null || r.pos === null ? null : { chain: r.chain, pos: Number(r.pos), prev_hash: r.prev_hash ?? '', hash: r.hash ?? '' },
  }));
}
