import { lazy, Suspense, useEffect, useRef } from 'react';
import { Loading } from '../ui/feedback.js';
import type { Guidelines } from './claim-parts.js';

const Markdown = lazy(() => import('./Markdown.js'));

/**
 * The guidelines in force for this task, beside the work rather than over it, so a reviewer
 * can read a rule and keep scoring. Opening moves focus in (to scroll it with the keyboard).
 */
export function GuidelinePanel({ guidelines, onClose }: { guidelines: Guidelines | null; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    heading.current?.focus();
    return () => back?.focus();
  }, []);
  return (
    <aside className="ws-guidelines" data-testid="guideline-panel" aria-labelledby="guidelines-h">
      <div className="row ws-dialog-head">
        <h2 id="guidelines-h" ref={heading} tabIndex={-1}>
          Guidelines{guidelines ? ` v${guidelines.version}` : ''}
        </h2>
        <span className="spacer" />
        <button type="button" className="ws-small" onClick={onClose} aria-label="Close guidelines">
          Close <kbd aria-hidden="true">Esc</kbd>
        </button>
      </div>
      {guidelines === null ? (
        <p className="muted">This project has no published guidelines yet.</p>
      ) : (
        <div className="ws-guidelines-body" tabIndex={0} role="region" aria-label="Guideline text">
          {guidelines.change_note && (
            <p className="ws-change-note">
              <strong>Latest change:</strong> {guidelines.change_note}
            </p>
          )}
          <Suspense fallback={<Loading label="Loading guidelines" />}>
            <Markdown source={guidelines.markdown} />
          </Suspense>
        </div>
      )}
    </aside>
  );
}
