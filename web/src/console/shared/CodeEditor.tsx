import { useLayoutEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

const INDENT = '  ';

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** Problems by 1-based line, shown in the gutter (the accessible list lives beside the editor). */
  markers?: ReadonlyMap<number, string>;
  readOnly?: boolean;
  rows?: number;
  testId?: string;
  describedBy?: string;
  textareaRef?: RefObject<HTMLTextAreaElement | null>;
}

/**
 * A monospace textarea with line numbers: enough for JSON documents of a few hundred lines
 * without shipping an editor library. Tab indents (Shift+Tab outdents); after Escape the next
 * Tab leaves the editor, so keyboard users are never trapped.
 */
export function CodeEditor({ id, value, onChange, markers, readOnly = false, rows = 24, testId, describedBy, textareaRef }: Props) {
  const ownRef = useRef<HTMLTextAreaElement | null>(null);
  const ref = textareaRef ?? ownRef;
  const gutter = useRef<HTMLDivElement | null>(null);
  const pendingSelection = useRef<[number, number] | null>(null);
  const tabLeaves = useRef(false);
  const lineCount = value.split('\n').length;

  useLayoutEffect(() => {
    const sel = pendingSelection.current;
    if (sel && ref.current) {
      ref.current.setSelectionRange(sel[0], sel[1]);
      pendingSelection.current = null;
    }
  }, [value, ref]);

  function replace(start: number, end: number, text: string, caret: [number, number]) {
    pendingSelection.current = caret;
    onChange(value.slice(0, start) + text + value.slice(end));
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (readOnly) return;
    if (e.key === 'Escape') {
      tabLeaves.current = true;
      return;
    }
    const ta = e.currentTarget;
    const { selectionStart: s, selectionEnd: t } = ta;
    if (e.key === 'Tab' && !tabLeaves.current && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      const lineStart = value.lastIndexOf('\n', s - 1) + 1;
      const multiLine = value.slice(s, t).includes('\n');
      if (!e.shiftKey && !multiLine) {
        replace(s, t, INDENT, [s + INDENT.length, s + INDENT.length]);
        return;
      }
      const block = value.slice(lineStart, t);
      const lines = block.split('\n');
      const changed = e.shiftKey ? lines.map((l) => l.replace(/^ {1,2}/, '')) : lines.map((l) => INDENT + l);
      const next = changed.join('\n');
      const firstDelta = (changed[0]?.length ?? 0) - (lines[0]?.length ?? 0);
      replace(lineStart, t, next, [Math.max(lineStart, s + firstDelta), t + (next.length - block.length)]);
      return;
    }
    tabLeaves.current = false;
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && !e.nativeEvent.isComposing) {
      // Keep the current line's indentation, and indent one more step after an opening bracket.
      const lineStart = value.lastIndexOf('\n', s - 1) + 1;
      const indent = /^ */.exec(value.slice(lineStart, s))?.[0] ?? '';
      const before = value.slice(lineStart, s).trimEnd();
      const opens = before.endsWith('{') || before.endsWith('[');
      const after = value[t];
      e.preventDefault();
      if (opens && (after === '}' || after === ']')) {
        const text = `\n${indent}${INDENT}\n${indent}`;
        const caret = s + 1 + indent.length + INDENT.length;
        replace(s, t, text, [caret, caret]);
      } else {
        const text = `\n${indent}${opens ? INDENT : ''}`;
        replace(s, t, text, [s + text.length, s + text.length]);
      }
    }
  }

  return (
    <div className="code-editor">
      <div className="code-gutter" aria-hidden="true" ref={gutter}>
        {Array.from({ length: lineCount }, (_, i) => {
          const problem = markers?.get(i + 1);
          return (
            <div key={i} className={problem ? 'code-line-no has-problem' : 'code-line-no'} title={problem}>
              {i + 1}
            </div>
          );
        })}
      </div>
      <textarea
        id={id}
        ref={ref}
        className="code-input"
        value={value}
        rows={rows}
        wrap="off"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        readOnly={readOnly}
        aria-describedby={describedBy}
        aria-invalid={markers && markers.size > 0 ? true : undefined}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}

/** Puts the caret on a 1-based line and scrolls it into view: the target of "go to problem". */
export function focusLine(ta: HTMLTextAreaElement | null, line: number): void {
  if (!ta) return;
  const lines = ta.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += (lines[i]?.length ?? 0) + 1;
  const end = start + (lines[line - 1]?.length ?? 0);
  ta.focus();
  ta.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 3) * lineHeight);
}
