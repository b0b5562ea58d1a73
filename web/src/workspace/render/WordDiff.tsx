import { diffWords, type ChangeObject } from 'diff';
import { useMemo } from 'react';
import { isRecord } from '../../../../src/core/json.js';
import { isMessage } from './Chat.js';
import { textOf } from './text.js';

// A diff of two long, unrelated texts is slow and unreadable; past this budget it is not shown.
const DIFF_TIMEOUT_MS = 300;

/** The text to compare: a message's words, or JSON laid out line by line so changes stay local. */
function comparableText(value: unknown): string {
  if (isRecord(value) && !isMessage(value)) return JSON.stringify(value, null, 2);
  return textOf(value);
}

/** Word changes from `a` to `b`, or null when they differ too much to diff in time. */
export function useWordDiff(a: unknown, b: unknown, enabled: boolean): ChangeObject<string>[] | null | undefined {
  return useMemo(() => {
    if (!enabled) return undefined;
    return diffWords(comparableText(a), comparableText(b), { timeout: DIFF_TIMEOUT_MS }) ?? null;
  }, [a, b, enabled]);
}

/** One side of a word diff: A shows what only it has (struck), B what only it has (inserted). */
export function DiffSide({ changes, side }: { changes: readonly ChangeObject<string>[]; side: 'a' | 'b' }) {
  return (
    <div className="tg-plain diff">
      {changes.map((c, i) => {
        if (c.added) return side === 'b' ? <ins key={i}>{c.value}</ins> : null;
        if (c.removed) return side === 'a' ? <del key={i}>{c.value}</del> : null;
        return <span key={i}>{c.value}</span>;
      })}
    </div>
  );
}
