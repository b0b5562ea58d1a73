import { diffWordsWithSpace } from 'diff';
import { useDeferredValue, useMemo, type Ref } from 'react';

interface Props {
  original: string;
  text: string;
  onChange: (text: string) => void;
  error: string | undefined;
  editorRef: Ref<HTMLTextAreaElement>;
  json: boolean;
}

/** The revised output, with a live word-level diff against the original as the reviewer types. */
export function CorrectionEditor({ original, text, onChange, error, editorRef, json }: Props) {
  // The diff trails the keystrokes on long outputs instead of slowing the typing down.
  const shown = useDeferredValue(text);
  const parts = useMemo(() => diffWordsWithSpace(original, shown), [original, shown]);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <section className="ws-correction card" aria-labelledby="correction-h">
      <div className="row">
        <h2 id="correction-h">Correction</h2>
        <span className="muted">{json ? 'Edit the JSON of the output' : 'Edit the output as it should have been'}</span>
        <span className="spacer" />
        <button type="button" className="link" onClick={() => onChange(original)} disabled={!changed}>
          Reset to original
        </button>
      </div>
      <textarea
        ref={editorRef}
        data-testid="correction-editor"
        className="ws-correction-text"
        value={text}
        onChange={(e) => onChange(e.target.value)}
        aria-label="Corrected output"
        aria-invalid={error !== undefined}
        aria-describedby={error ? 'correction-err' : undefined}
        spellCheck={!json}
        rows={Math.min(24, Math.max(6, text.split('\n').length + 1))}
      />
      {error && (
        <div id="correction-err" className="field-error">
          {error}
        </div>
      )}
      <h3 className="ws-diff-title">Changes</h3>
      <div className="diff ws-diff" data-testid="correction-diff" aria-label="Changes against the original output" role="region">
        {changed ? (
          parts.map((p, i) =>
            p.added ? <ins key={i}>{p.value}</ins> : p.removed ? <del key={i}>{p.value}</del> : <span key={i}>{p.value}</span>,
          )
        ) : (
          <span className="muted">No changes yet.</span>
        )}
      </div>
    </section>
  );
}
