import type { ReactNode } from 'react';
import { ErrorNote } from '../../ui/feedback.js';
import { CodeEditor } from './CodeEditor.js';
import { ProblemList, SyntaxStatus } from './ProblemList.js';
import type { JsonDocument } from './useJsonDocument.js';

interface Props {
  doc: JsonDocument;
  idBase: string;
  label: string;
  nextVersion: number;
  canEdit: boolean;
  testIds?: { editor?: string; save?: string; errors?: string };
  /** Buttons that act on the candidate before it is saved (the policy's backtest). */
  extraActions?: ReactNode;
  hint?: ReactNode;
}

/** The editing half shared by the policy and rubric pages: editor, checks, problems, save. */
export function DocumentEditor({ doc, idBase, label, nextVersion, canEdit, testIds, extraActions, hint }: Props) {
  const syntaxId = `${idBase}-syntax`;
  const helpId = `${idBase}-help`;
  const c = doc.check;
  return (
    <div className="console-editor-block">
      <div className="row console-editor-label">
        <label htmlFor={`${idBase}-editor`}>{label}</label>
        {doc.dirty && <span className="badge warn">unsaved changes</span>}
      </div>
      <CodeEditor
        id={`${idBase}-editor`}
        value={doc.text}
        onChange={doc.setText}
        markers={doc.markers}
        readOnly={!canEdit || doc.saving}
        testId={testIds?.editor}
        describedBy={canEdit ? `${syntaxId} ${helpId}` : undefined}
        textareaRef={doc.textareaRef}
      />
      {canEdit ? (
        <>
          <p id={helpId} className="muted console-hint">
            <kbd>Tab</kbd> indents, <kbd>Shift</kbd>+<kbd>Tab</kbd> outdents; press <kbd>Esc</kbd> then <kbd>Tab</kbd> to leave the editor.{' '}
            {hint}
          </p>
          <SyntaxStatus
            id={syntaxId}
            ok={c.ok}
            message={c.ok ? undefined : c.message}
            line={c.ok ? undefined : c.line}
            column={c.ok ? undefined : c.column}
            textarea={doc.textareaRef}
          />
          <ProblemList problems={doc.problems} summary={doc.problemSummary} textarea={doc.textareaRef} testId={testIds?.errors} />
          <ErrorNote error={doc.failure} />
          {doc.lastSaved && (
            <div className="console-saved" role="status">
              Saved as version {doc.lastSaved.version}.
              {doc.lastSaved.warnings.length > 0 && (
                <ul>
                  {doc.lastSaved.warnings.map((w) => (
                    <li key={w.code}>
                      <span className="badge warn">{w.code}</span> {w.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <div className="row console-actions">
            {extraActions}
            <button
              type="button"
              className="primary"
              data-testid={testIds?.save}
              disabled={!c.ok || doc.saving || !doc.dirty}
              onClick={() => void doc.save()}
            >
              {doc.saving ? 'Saving…' : `Save as version ${nextVersion}`}
            </button>
            {doc.dirty && (
              <button type="button" onClick={doc.discard}>
                Discard changes
              </button>
            )}
          </div>
        </>
      ) : (
        <p className="muted console-hint">Read only: your role may not change this project.</p>
      )}
    </div>
  );
}
