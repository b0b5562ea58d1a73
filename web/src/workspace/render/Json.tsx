import { useMemo } from 'react';
import { ScrollRegion } from './ScrollRegion.js';

const COLLAPSE_AFTER_LINES = 24;

function pretty(value: unknown): string {
  if (value === undefined) return '';
  try {
    // Only a function or a symbol stringifies to undefined; neither comes from parsed JSON.
    return JSON.stringify(value, null, 2) ?? typeof value;
  } catch {
    return '(not JSON)';
  }
}

/** Pretty-printed JSON; a long document folds behind a summary so it does not bury what follows. */
export function JsonBlock({ value, summary = 'JSON', open = true }: { value: unknown; summary?: string; open?: boolean }) {
  const text = useMemo(() => pretty(value), [value]);
  const lines = text.split('\n').length;
  const pre = <pre className="tg-json">{text}</pre>;
  if (lines <= COLLAPSE_AFTER_LINES) return pre;
  return (
    <details className="tg-fold" open={open}>
      <summary>
        {summary} <span className="muted">({lines} lines)</span>
      </summary>
      {pre}
    </details>
  );
}

/** JSON for a side panel (metadata, decision details), in its own scrollable region. */
export function JsonView({ value, label = 'JSON' }: { value: unknown; label?: string }) {
  const empty = value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
  if (empty) return <span className="tg-empty">(none)</span>;
  return (
    <ScrollRegion label={label} className="tg-json-panel">
      <JsonBlock value={value} summary={label} />
    </ScrollRegion>
  );
}
