import type { Schemas } from '../api/client.js';
import type { Claim } from './task-view.js';

/**
 * The claim's loosely typed parts (`escalation`, `guidelines`, `judgments`, `assignment`) read
 * into the shapes docs/openapi.json gives them, so views never poke at `unknown`.
 */

export interface Guidelines {
  version: number;
  markdown: string;
  change_note: string;
  created_at: string;
  created_by: string;
}

export type EscalationReason = 'unsure' | 'policy_question' | 'harmful_content' | 'other';

export interface Escalation {
  reason: EscalationReason | 'hold_timeout' | 'sla_breach';
  comment: string | null;
  partial: { verdict?: string; scores?: Record<string, unknown>; correction?: unknown } | null;
  by: string;
  at: string;
  from_task_id: string | null;
}

export interface Assignment {
  purpose: 'qualification' | 'recalibration';
  position: number;
  total: number;
}

export type Judgment = Schemas['Judgment'];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function guidelinesOf(claim: Claim): Guidelines | null {
  const g = claim.guidelines;
  if (!isRecord(g) || typeof g['version'] !== 'number' || !isRecord(g['document'])) return null;
  const doc = g['document'];
  return {
    version: g['version'],
    markdown: typeof doc['markdown'] === 'string' ? doc['markdown'] : '',
    change_note: typeof doc['change_note'] === 'string' ? doc['change_note'] : '',
    created_at: typeof g['created_at'] === 'string' ? g['created_at'] : '',
    created_by: typeof g['created_by'] === 'string' ? g['created_by'] : '',
  };
}

export function escalationOf(claim: Claim): Escalation | null {
  const e = claim.escalation;
  if (!isRecord(e) || typeof e['reason'] !== 'string') return null;
  return e as unknown as Escalation;
}

export function judgmentsOf(claim: Claim): Judgment[] {
  return Array.isArray(claim.judgments) ? claim.judgments.filter(isRecord).map((j) => j as unknown as Judgment) : [];
}

export function assignmentOf(claim: Claim): Assignment | null {
  const a = claim.assignment;
  if (!isRecord(a) || typeof a['position'] !== 'number' || typeof a['total'] !== 'number') return null;
  return a as unknown as Assignment;
}

export const ESCALATION_REASONS: { value: EscalationReason; label: string }[] = [
  { value: 'unsure', label: 'Unsure' },
  { value: 'policy_question', label: 'Policy question' },
  { value: 'harmful_content', label: 'Harmful content' },
  { value: 'other', label: 'Other' },
];

export function reasonLabel(reason: string): string {
  const known = ESCALATION_REASONS.find((r) => r.value === reason)?.label;
  if (known) return known;
  if (reason === 'hold_timeout') return 'Hold timed out';
  if (reason === 'sla_breach') return 'SLA breached';
  return reason;
}
