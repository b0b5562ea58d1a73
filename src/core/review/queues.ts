/**
 * Where escalated work goes: a hold whose timeout escalates it, and (later) tasks a reviewer
 * escalates. Only roles that may work expert tasks are served from it.
 */
export const EXPERT_QUEUE = 'expert';
/** The task kind of work escalated to the experts; its judgment decides the item alone. */
export const ESCALATION_KIND = 'escalation';
/** The task kind an expert gets when reviewers disagree beyond the consensus rule; decides alone too. */
export const ADJUDICATION_KIND = 'adjudication';
/** Task kinds whose single judgment decides the item. */
export const DECIDING_KINDS: ReadonlySet<string> = new Set([ESCALATION_KIND, ADJUDICATION_KIND]);

export const ESCALATION_REASONS = ['unsure', 'policy_question', 'harmful_content', 'other'] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/**
 * Why a task went to the experts, shown to the expert who claims it: a reviewer's reason,
 * comment and partial judgment, or the hold timeout that escalated it.
 */
export interface Escalation {
  reason: EscalationReason | 'hold_timeout' | 'sla_breach';
  comment: string | null;
  /** What the reviewer had so far: a tentative verdict, scores, a draft correction. */
  partial: { verdict?: string; scores?: Record<string, unknown>; correction?: unknown } | null;
  by: string;
  at: number;
  /** The task the reviewer escalated, or null for a hold timeout. */
  from_task_id: string | null;
}
