import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

/**
 * A modal `<dialog>`: the browser traps focus, makes the page behind inert and closes it on
 * Escape; focus goes back where it was. Its content is only rendered while open.
 */
export function Modal({
  open,
  onClose,
  title,
  testId,
  className,
  onKeyDown,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  testId: string;
  className?: string;
  onKeyDown?: (e: KeyboardEvent<HTMLDialogElement>) => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      d.showModal();
    } else if (!open && d.open) {
      d.close();
      returnTo.current?.focus();
    }
  }, [open]);
  const titleId = `${testId}-title`;
  return (
    <dialog
      ref={ref}
      className={`ws-dialog ${className ?? ''}`}
      data-testid={testId}
      aria-labelledby={titleId}
      onClose={onClose}
      onKeyDown={onKeyDown}
    >
      {open && (
        <>
          <div className="row ws-dialog-head">
            <h2 id={titleId}>{title}</h2>
            <span className="spacer" />
            <button type="button" className="ws-small" onClick={onClose} aria-label={`Close ${title.toLowerCase()}`}>
              Close <kbd aria-hidden="true">Esc</kbd>
            </button>
          </div>
          {children}
        </>
      )}
    </dialog>
  );
}
