import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { ErrorNote } from '../ui/feedback.js';
import { ESCALATION_REASONS, type EscalationReason } from './claim-parts.js';
import { Modal } from './Modal.js';

/**
 * Hands the task to the experts with a reason, a comment and what the reviewer has so far
 * (`partial`), which the expert sees above their own form.
 */
export function EscalateDialog({
  open,
  onClose,
  taskId,
  partial,
  onEscalated,
}: {
  open: boolean;
  onClose: () => void;
  taskId: string;
  partial: Record<string, unknown> | undefined;
  onEscalated: () => void;
}) {
  const [reason, setReason] = useState<EscalationReason>('unsure');
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const send = async (e?: FormEvent) => {
    e?.preventDefault();
    if (sending) return;
    setSending(true);
    setError(undefined);
    try {
      await api.post(`/v1/tasks/${encodeURIComponent(taskId)}/escalate`, {
        reason,
        ...(comment.trim() !== '' ? { comment: comment.trim() } : {}),
        ...(partial && Object.keys(partial).length > 0 ? { partial } : {}),
      });
      setComment('');
      onEscalated();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 422 && err.fieldErrors().has('partial')
          ? new Error('Your partial answer was refused; clear it and try again.')
          : err,
      );
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open={open}
      onClose={onClose}
      title="Escalate to an expert"
      testId="escalate-dialog"
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void send();
        }
      }}
    >
      <form onSubmit={(e) => void send(e)} className="ws-escalate">
        <fieldset className="ws-reasons">
          <legend>Reason</legend>
          {ESCALATION_REASONS.map((r) => (
            <label key={r.value} className="ws-radio">
              <input type="radio" name="reason" value={r.value} checked={reason === r.value} onChange={() => setReason(r.value)} />
              {r.label}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="escalate-comment">Comment for the expert</label>
          <textarea id="escalate-comment" value={comment} onChange={(e) => setComment(e.target.value)} rows={4} maxLength={10000} />
        </div>
        {partial && Object.keys(partial).length > 0 && <p className="muted">Your verdict, scores and correction so far go with it.</p>}
        <ErrorNote error={error} />
        <div className="row">
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={sending}>
            {sending ? 'Escalating…' : 'Escalate'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
