import type { ReactNode } from 'react';
import { ApiError } from '../api/client.js';

/** An error as a person reads it: the server's message, and its code for a bug report. */
export function ErrorNote({ error, children }: { error: unknown; children?: ReactNode }) {
  if (error === undefined || error === null) return null;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'something went wrong';
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error-note" role="alert">
      {children}
      <span>{message}</span>
      {code !== null && <code className="muted"> {code}</code>}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      {label}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
