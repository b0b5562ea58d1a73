import { useId, useState } from 'react';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import type { ReviewerStanding, StandingStatus } from './types.js';
import { Actor, FieldError, fieldError, Modal, useAction } from './ui.js';

const CHOICES: { status: StandingStatus; label: string; hint: string }[] = [
  { status: 'active', label: 'Active (reinstate)', hint: 'Served live work again at once.' },
  { status: 'suspended', label: 'Suspended', hint: 'Served no work until a manager reinstates them.' },
  { status: 'recalibrating', label: 'Recalibrating', hint: 'Sent through the policy’s recalibration set before live work.' },
  { status: 'qualifying', label: 'Qualifying', hint: 'Sent through the qualification set again.' },
];

/** A manager overrides a reviewer's standing; the reason goes into the audit trail. */
export function StandingDialog({
  projectId,
  standing,
  onClose,
  onSaved,
}: {
  projectId: string;
  standing: ReviewerStanding | null;
  onClose: () => void;
  onSaved: (updated: ReviewerStanding) => void;
}) {
  return (
    <Modal open={standing !== null} title="Override standing" onClose={onClose} testId="standing-dialog">
      {standing && <StandingForm projectId={projectId} standing={standing} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function StandingForm({
  projectId,
  standing,
  onClose,
  onSaved,
}: {
  projectId: string;
  standing: ReviewerStanding;
  onClose: () => void;
  onSaved: (updated: ReviewerStanding) => void;
}) {
  const [status, setStatus] = useState<StandingStatus>(standing.status === 'active' ? 'suspended' : 'active');
  const [reason, setReason] = useState('');
  const ids = { status: useId(), statusErr: useId(), reason: useId(), reasonErr: useId(), hint: useId() };
  const save = useAction(async () => {
    const updated = await api.put<ReviewerStanding>(
      `/v1/projects/${encodeURIComponent(projectId)}/reviewers/${encodeURIComponent(standing.reviewer)}/standing`,
      { status, reason: reason.trim() },
    );
    onSaved(updated);
  });
  const statusError = fieldError(save.error, 'status');
  const reasonError = fieldError(save.error, 'reason');
  const hint = CHOICES.find((c) => c.status === status)?.hint;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <p>
        Reviewer <Actor id={standing.reviewer} />, now <strong>{standing.status}</strong>.
      </p>
      <div className="field">
        <label htmlFor={ids.status}>New standing</label>
        <select
          id={ids.status}
          value={status}
          onChange={(e) => setStatus(e.target.value as StandingStatus)}
          aria-describedby={statusError ? `${ids.hint} ${ids.statusErr}` : ids.hint}
          aria-invalid={statusError ? true : undefined}
        >
          {CHOICES.map((c) => (
            <option key={c.status} value={c.status}>
              {c.label}
            </option>
          ))}
        </select>
        <span id={ids.hint} className="muted q-small">
          {hint}
        </span>
        <FieldError id={ids.statusErr} message={statusError} />
      </div>
      <div className="field">
        <label htmlFor={ids.reason}>Reason (recorded in the audit trail)</label>
        <textarea
          id={ids.reason}
          className="q-textarea-short"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
          required
          aria-describedby={reasonError ? ids.reasonErr : undefined}
          aria-invalid={reasonError ? true : undefined}
        />
        <FieldError id={ids.reasonErr} message={reasonError} />
      </div>
      <ErrorNote error={save.error} />
      <div className="row q-dialog-actions">
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.busy || reason.trim() === ''}>
          {save.busy ? 'Saving…' : 'Save standing'}
        </button>
      </div>
    </form>
  );
}
