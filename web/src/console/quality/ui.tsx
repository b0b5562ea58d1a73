import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import { formatInterval, formatShare } from './format.js';
import type { Interval } from './types.js';

/** A reviewer identity (`key:…`, `oidc:…`) as a table shows it: monospace, allowed to wrap. */
export function Actor({ id }: { id: string }) {
  return <code className="q-actor">{id}</code>;
}

/**
 * A rate and its interval on a 0–100% track, for scanning a column of reviewers; the numbers
 * are in the label (and in the text beside it), the bar only helps the eye.
 */
export function IntervalBar({ rate, interval, label }: { rate: number | null; interval: Interval | null; label: string }) {
  if (rate === null) return null;
  const clamp = (x: number) => Math.min(100, Math.max(0, x * 100));
  const description = `${label}: ${formatShare(rate)}${interval ? `, interval ${formatInterval(interval)}` : ''}`;
  return (
    <span className="q-ibar" role="img" aria-label={description}>
      {interval && (
        <span
          className="q-ibar-range"
          style={{ left: `${clamp(interval.low)}%`, width: `${Math.max(1, clamp(interval.high) - clamp(interval.low))}%` }}
        />
      )}
      <span className="q-ibar-point" style={{ left: `${clamp(rate)}%` }} />
    </span>
  );
}

/** How far along something is; screen readers announce the share, the text beside it gives the counts. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  return <progress className="q-progress" max={Math.max(total, 1)} value={Math.min(done, total)} aria-label={label} />;
}

/**
 * A modal `<dialog>`: focus moves in and is trapped, Escape closes it. Its content mounts only
 * while open, so each opening starts from a clean form.
 */
export function Modal({
  open,
  title,
  onClose,
  children,
  testId,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} data-testid={testId} className="q-dialog">
      {open && (
        <>
          <h3 id={titleId}>{title}</h3>
          {children}
        </>
      )}
    </dialog>
  );
}

/** "Are you sure?" for destructive actions, with the server's refusal shown in place. */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
  testId,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const action = useAction(onConfirm);
  return (
    <Modal open={open} title={title} onClose={onClose} testId={testId}>
      {children}
      <ErrorNote error={action.error} />
      <div className="row q-dialog-actions">
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={() => void action.run()}>
          {action.busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

export interface Action<A extends unknown[]> {
  busy: boolean;
  error: unknown;
  run: (...args: A) => Promise<boolean>;
  reset: () => void;
}

/** A server call started by a person: busy while it runs, its error kept for the form to show. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<void>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await fnRef.current(...args);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => setError(undefined), []);
  return { busy, error, run, reset };
}

/** The server's message for a field (or anything under it, like `scores.accuracy` under `scores`). */
export function fieldError(error: unknown, ...paths: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const [path, message] of error.fieldErrors()) {
    if (paths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) return `${path}: ${message}`;
  }
  return undefined;
}

/** A message under a field, tied to it with aria-describedby by the caller. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error">
      {message}
    </span>
  );
}

/** Reloads every `ms` while the tab is visible, and at once when it becomes visible again. */
export function useAutoRefresh(reload: () => void, ms: number): void {
  useEffect(() => {
    const tick = () => {
      if (!document.hidden) reload();
    };
    const id = window.setInterval(tick, ms);
    const onVisible = () => {
      if (!document.hidden) reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload, ms]);
}
