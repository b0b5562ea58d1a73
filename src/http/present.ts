import type { JudgmentRecord } from '../store/judgment-repo.js';
import type { ItemRecord } from '../store/item-repo.js';
import type { TaskRecord } from '../store/task-repo.js';
import type { Escalation } from '../core/review/queues.js';

/** Maps records to the public JSON: ISO times, no internal columns. */
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function presentItem(i: ItemRecord) {
  return {
    id: i.id,
    project_id: i.project_id,
    kind: i.kind,
    external_id: i.external_id,
    input: i.input,
    output: i.output,
    model: i.model,
    model_version: i.model_version,
    confidence: i.confidence,
    novelty: i.novelty ?? null,
    metadata: i.metadata,
    tags: i.tags,
    created_at: iso(i.created_at),
    decision: i.decision,
    outcome: presentOutcome(i.outcome),
    hold: presentHold(i),
    redactions: i.redactions,
    purged: i.purged === null ? null : presentPurge(i.purged),
  };
}

function presentPurge(p: NonNullable<ItemRecord['purged']>) {
  const [reason, action] =
    p.reason === 'erasure' ? (['erasure', 'delete'] as const) : (p.reason.split(':') as ['retention', 'delete' | 'redact']);
  return { at: iso(p.at), reason, action };
}

export function presentHold(i: ItemRecord) {
  return i.hold_deadline === null ? null : { deadline: iso(i.hold_deadline), escalated_at: isoOrNull(i.hold_escalated_at) };
}

export function presentOutcome(o: ItemRecord['outcome']) {
  return {
    status: o.status,
    output: o.output,
    decided_at: isoOrNull(o.decided_at),
    decided_by: o.decided_by,
    reason: o.reason,
    fallback: o.fallback,
  };
}

export function presentTask(t: TaskRecord) {
  return {
    id: t.id,
    project_id: t.project_id,
    item_id: t.item_id,
    kind: t.kind,
    queue: t.queue,
    status: t.status,
    priority: t.priority,
    rubric_version: t.rubric_version,
    lease_owner: t.lease_owner,
    lease_expires_at: isoOrNull(t.lease_expires_at),
    created_at: iso(t.created_at),
    guideline_version: t.guideline_version,
    due_at: isoOrNull(t.due_at),
    sla_breached_at: isoOrNull(t.sla_breached_at),
  };
}

export function presentEscalation(e: Escalation) {
  return { ...e, at: iso(e.at) };
}

export function presentJudgment(j: JudgmentRecord) {
  return { ...j, project_id: undefined, created_at: iso(j.created_at) };
}

export function presentVersioned<T>(v: { version: number; document: T; created_at: number; created_by: string }) {
  return { version: v.version, document: v.document, created_at: iso(v.created_at), created_by: v.created_by };
}
