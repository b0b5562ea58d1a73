import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../api/client.js';
import { ErrorNote } from '../ui/feedback.js';
import { useLocalDraft } from '../ui/hooks.js';
import { assignmentOf, guidelinesOf } from './claim-parts.js';
import { useAutoRenew } from './clock.js';
import { EscalateDialog } from './EscalateDialog.js';
import { GuidelinePanel } from './GuidelinePanel.js';
import { ItemContext } from './ItemContext.js';
import { useShortcuts } from './keyboard.js';
import { ShortcutSheet } from './ShortcutSheet.js';
import { isReviewLike, taskKindFor } from './task-kinds.js';
import type { Claim } from './task-view.js';
import { reviewPartial, type ReviewDraft } from './tasks/review-draft.js';
import { HoldCountdown, LeaseTimer } from './Timers.js';
import { meansLeaseLost, type Lease } from './use-claim-loop.js';

export interface TaskPaneProps {
  claim: Claim;
  lease: Lease;
  renew: () => Promise<boolean>;
  markLost: (taskId: string) => void;
  /** The task is submitted or escalated: take the next one. */
  onDone: (message: string) => void;
  onSkip: () => Promise<void>;
  onNext: () => void;
}

const EMPTY_ERRORS: ReadonlyMap<string, string> = new Map();

function isTextField(el: Element | null): el is HTMLElement {
  return (
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    (el instanceof HTMLInputElement && !['checkbox', 'radio', 'button'].includes(el.type))
  );
}

/**
 * One claimed task: its view, the draft (kept in localStorage under the task id until the
 * judgment is stored), the lease, and the actions every kind of task shares.
 */
export function TaskPane({ claim, lease, renew, markLost, onDone, onSkip, onNext }: TaskPaneProps) {
  const taskId = claim.task.id;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- a renewed lease is the same task
  const kind = useMemo(() => taskKindFor(claim), [taskId]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the empty draft of this task, once
  const initial = useMemo(() => kind.emptyDraft(claim), [kind]);
  const [draft, setDraft, clearDraft] = useLocalDraft<unknown>(`tollgate.draft.${taskId}`, initial);
  const shownAt = useRef(Date.now());
  const pane = useRef<HTMLDivElement>(null);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<ReadonlyMap<string, string>>(EMPTY_ERRORS);
  const [banner, setBanner] = useState<unknown>(undefined);
  const [submitting, setSubmitting] = useState(false);
  const [sheet, setSheet] = useState(false);
  const [guide, setGuide] = useState(false);
  const [escalating, setEscalating] = useState(false);
  const [skipping, setSkipping] = useState(false);
  const guidelines = guidelinesOf(claim);
  const assignment = assignmentOf(claim);
  const expertTask = claim.task.kind === 'escalation' || claim.task.kind === 'adjudication';

  useEffect(() => {
    window.scrollTo({ top: 0 });
    pane.current?.focus({ preventScroll: true });
  }, []);

  useAutoRenew(claim.task.lease_expires_at, lease === 'held', renew);

  // Problems found before sending are re-checked as the reviewer fixes them.
  const checked = useMemo(() => kind.toJudgment(draft, claim), [kind, draft, claim]);
  const fieldErrors = useMemo(() => {
    if (!attempted || !('problems' in checked)) return serverErrors;
    return new Map([...serverErrors, ...checked.problems]);
  }, [attempted, checked, serverErrors]);

  const submit = useCallback(async () => {
    if (submitting) return;
    setAttempted(true);
    setBanner(undefined);
    if ('problems' in checked) {
      setServerErrors(EMPTY_ERRORS);
      return;
    }
    setSubmitting(true);
    try {
      await api.post(`/v1/tasks/${encodeURIComponent(taskId)}/judgments`, {
        ...checked.body,
        time_spent_ms: Math.min(86_400_000, Math.max(0, Math.round(Date.now() - shownAt.current))),
        ...(guidelines ? { guideline_version: guidelines.version } : {}),
      });
      clearDraft();
      onDone('Judgment submitted.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.fieldErrors().size > 0) {
        setServerErrors(err.fieldErrors());
      } else {
        setServerErrors(EMPTY_ERRORS);
        setBanner(err);
        if (meansLeaseLost(err)) markLost(taskId);
      }
    } finally {
      setSubmitting(false);
    }
  }, [submitting, checked, taskId, guidelines, clearDraft, onDone, markLost]);

  const skip = useCallback(async () => {
    if (skipping) return;
    setSkipping(true);
    try {
      await onSkip();
    } catch (err) {
      setBanner(err);
      setSkipping(false);
    }
  }, [skipping, onSkip]);

  useShortcuts({
    '?': () => setSheet((o) => !o),
    g: () => setGuide((o) => !o),
    s: () => void skip(),
    x: () => {
      if (!expertTask) setEscalating(true);
    },
    'mod+Enter': () => void submit(),
    Escape: () => {
      // Escape leaves a text field first, so the single-key shortcuts work again.
      if (isTextField(document.activeElement)) pane.current?.focus({ preventScroll: true });
      else if (guide) setGuide(false);
    },
  });

  const View = kind.View;
  const problemList = [...fieldErrors];
  return (
    <div className={`ws-task${guide ? ' ws-with-guide' : ''}`}>
      <div className="ws-task-main" data-testid="task-view" data-task-id={taskId} ref={pane} tabIndex={-1} aria-label="Current task">
        <div className="row ws-meta">
          <span className="badge">{claim.task.kind}</span>
          {claim.item.kind !== 'output' && <span className="badge">{claim.item.kind}</span>}
          <span className="muted">queue {claim.task.queue}</span>
          <span className="muted">priority {claim.task.priority}</span>
          {claim.task.due_at && (
            <span className={claim.task.sla_breached_at ? 'badge bad' : 'muted'}>
              due <time dateTime={claim.task.due_at}>{new Date(claim.task.due_at).toLocaleTimeString()}</time>
            </span>
          )}
          {assignment && (
            <span className="badge warn">
              {assignment.purpose === 'qualification' ? 'Qualification' : 'Recalibration'} {assignment.position} of {assignment.total}
            </span>
          )}
          <span className="spacer" />
          <span className="muted ws-mono" title="Task id">
            {taskId}
          </span>
        </div>
        {lease === 'lost' && (
          <div className="ws-lost" role="alert">
            <strong>Your lease on this task ran out</strong> — it may go to another reviewer. Your draft is kept on this device.{' '}
            <button type="button" onClick={onNext}>
              Take the next task
            </button>
          </div>
        )}
        <View claim={claim} draft={draft} setDraft={setDraft} fieldErrors={fieldErrors} />
        {!isReviewLike(claim) && <ItemContext item={claim.item} />}
      </div>

      {guide && <GuidelinePanel guidelines={guidelines} onClose={() => setGuide(false)} />}

      <div className="ws-submitbar" role="region" aria-label="Submit">
        {problemList.length > 0 && (
          <div className="ws-problems" role="alert">
            <strong>{problemList.length === 1 ? 'One thing to fix' : `${problemList.length} things to fix`}:</strong>{' '}
            {problemList.map(([path, message]) => `${path} ${message}`).join(' · ')}
          </div>
        )}
        <ErrorNote error={banner} />
        <div className="row ws-bar">
          <HoldCountdown item={claim.item} />
          <LeaseTimer expiresAt={claim.task.lease_expires_at} lease={lease} onExtend={renew} onExpired={() => markLost(taskId)} />
          <span className="spacer" />
          <button type="button" onClick={() => setGuide((o) => !o)} aria-expanded={guide} aria-keyshortcuts="g">
            Guidelines <kbd aria-hidden="true">g</kbd>
          </button>
          <button type="button" onClick={() => setSheet(true)} aria-keyshortcuts="?">
            Shortcuts <kbd aria-hidden="true">?</kbd>
          </button>
          <button type="button" onClick={() => void skip()} disabled={skipping} aria-keyshortcuts="s">
            Skip <kbd aria-hidden="true">s</kbd>
          </button>
          {!expertTask && (
            <button type="button" onClick={() => setEscalating(true)} aria-keyshortcuts="x">
              Escalate <kbd aria-hidden="true">x</kbd>
            </button>
          )}
          <button
            type="button"
            className="primary"
            data-testid="submit-judgment"
            onClick={() => void submit()}
            disabled={submitting}
            aria-keyshortcuts="Control+Enter Meta+Enter"
          >
            {submitting ? 'Submitting…' : 'Submit'} <kbd aria-hidden="true">⌘/Ctrl ↵</kbd>
          </button>
        </div>
      </div>

      <ShortcutSheet open={sheet} onClose={() => setSheet(false)} taskShortcuts={kind.shortcuts} />
      <EscalateDialog
        open={escalating}
        onClose={() => setEscalating(false)}
        taskId={taskId}
        partial={isReviewLike(claim) ? reviewPartial(draft as ReviewDraft, claim) : undefined}
        onEscalated={() => {
          setEscalating(false);
          clearDraft();
          onDone('Escalated to an expert.');
        }}
      />
    </div>
  );
}
