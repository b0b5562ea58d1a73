import type { ItemOutput, OutcomeStatus, RoutingAction } from '../types.js';
import { correctedMessage } from './chat.js';
import type { JsonObject } from '../types.js';

/** Codes of the answers a person's decision (or a hold's timeout) gives instead of the model's. */
export const DECISION_CODES = ['tollgate_rejected', 'tollgate_hold_timeout', 'tollgate_withdrawn'] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

export type ProxyAnswer =
  /** The upstream's answer, unchanged. */
  | { kind: 'original' }
  /** A person's correction, as the message to send. */
  | { kind: 'corrected'; message: JsonObject }
  /** No answer: an OpenAI-style error with this status and code. */
  | { kind: 'refused'; status: number; code: DecisionCode; message: string };

export interface DecidedItem {
  id: string;
  decision: { action: RoutingAction };
  outcome: { status: OutcomeStatus; output: ItemOutput | null; reason: string | null; fallback: 'approve' | 'reject' | null };
}

/**
 * What the caller gets for an item, once its outcome is known (or the wait for it is over):
 * approved, or timed out with `approve` → the model's answer; corrected → the correction;
 * rejected, timed out with `reject`, or withdrawn → a 403 with a code saying which; still
 * pending after the hold's deadline → 504. An item only sent for review (not held) is answered
 * at once with the model's answer: review does not change what the caller gets.
 */
export function answerFor(item: DecidedItem): ProxyAnswer {
  const { status, output, reason, fallback } = item.outcome;
  const why = reason === null ? '' : ` (${reason})`;
  switch (status) {
    case 'approved':
      return { kind: 'original' };
    case 'corrected':
      return { kind: 'corrected', message: correctedMessage(output ?? '') };
    case 'rejected':
      return { kind: 'refused', status: 403, code: 'tollgate_rejected', message: `a person rejected this answer; item ${item.id}${why}` };
    case 'timed_out':
      return fallback === 'approve'
        ? { kind: 'original' }
        : {
            kind: 'refused',
            status: 403,
            code: 'tollgate_hold_timeout',
            message: `nobody decided in time and the hold's timeout rejects; item ${item.id}${why}`,
          };
    case 'withdrawn':
      return {
        kind: 'refused',
        status: 403,
        code: 'tollgate_withdrawn',
        message: `the answer was withdrawn before a decision (its content was erased); item ${item.id}`,
      };
    case 'pending':
      return item.decision.action === 'hold'
        ? {
            kind: 'refused',
            status: 504,
            code: 'tollgate_hold_timeout',
            message: `no decision by the hold's deadline; item ${item.id} is still pending: its outcome can be read at GET /v1/items/${item.id}/outcome`,
          }
        : { kind: 'original' };
  }
}
