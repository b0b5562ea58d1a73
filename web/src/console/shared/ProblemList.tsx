import type { RefObject } from 'react';
import { focusLine } from './CodeEditor.js';
import type { Problem } from './useJsonDocument.js';

/** The server's validation problems, each with its path and, where found, a jump to its line. */
export function ProblemList({
  problems,
  summary,
  textarea,
  testId,
}: {
  problems: Problem[];
  summary: string | null;
  textarea: RefObject<HTMLTextAreaElement | null>;
  testId?: string;
}) {
  if (problems.length === 0) return null;
  return (
    <div className="console-problems" role="alert">
      <h3>{problems.length === 1 ? '1 problem' : `${problems.length} problems`} — nothing was saved</h3>
      {summary && <p className="muted">{summary}</p>}
      <ul data-testid={testId}>
        {problems.map((p, i) => (
          <li key={`${p.path}-${i}`}>
            {p.line !== null && (
              <button type="button" className="link" onClick={() => focusLine(textarea.current, p.line ?? 1)}>
                Line {p.line}
              </button>
            )}{' '}
            <code>{p.path}</code>: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The client-side syntax check, announced politely as the person types. */
export function SyntaxStatus({
  ok,
  message,
  line,
  column,
  id,
  textarea,
}: {
  ok: boolean;
  message?: string;
  line?: number;
  column?: number;
  id: string;
  textarea: RefObject<HTMLTextAreaElement | null>;
}) {
  return (
    <p id={id} className={ok ? 'console-syntax ok' : 'console-syntax bad'} aria-live="polite">
      {ok ? (
        'Valid JSON.'
      ) : (
        <>
          <button type="button" className="link" onClick={() => focusLine(textarea.current, line ?? 1)}>
            Line {line}, column {column}
          </button>
          : {message}
        </>
      )}
    </p>
  );
}
