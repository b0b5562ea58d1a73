import { useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import type { Criterion } from '../task-view.js';
import { addSpan, criterionName, type Span } from './review-draft.js';

export interface Selection {
  start: number;
  end: number;
}

interface Props {
  criterion: Criterion & { scale: { type: 'spans' } };
  text: string;
  spans: Span[];
  onChange: (spans: Span[]) => void;
  /** The last selection made in the text, so a number key pressed elsewhere can still label it. */
  selection: { current: Selection | null };
  error: string | undefined;
}

/**
 * Spans are selected in a read-only textarea: it gives keyboard selection (shift+arrows) and
 * exact UTF-16 offsets — the unit the server counts in — for free. The highlights are drawn on
 * a backdrop with the same metrics behind the transparent textarea.
 */
export function SpanPicker({ criterion, text, spans, onChange, selection, error }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const name = criterionName(criterion);
  const labels = criterion.scale.labels;

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [text]);

  const remember = () => {
    const el = area.current;
    if (el && el.selectionEnd > el.selectionStart) selection.current = { start: el.selectionStart, end: el.selectionEnd };
  };

  const add = (label: string) => {
    remember();
    const next = addSpan(spans, selection.current, label);
    if (next !== spans) onChange(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !/^[1-9]$/.test(e.key)) return;
    const label = labels[Number(e.key) - 1];
    if (label === undefined) return;
    e.preventDefault();
    add(label);
  };

  const hintId = `span-hint-${criterion.key}`;
  return (
    <div className="ws-spans">
      <div className="ws-span-scroll">
        <div className="ws-span-surface">
          <div className="ws-span-backdrop" aria-hidden="true">
            {segments(text, spans).map((seg, i) =>
              seg.label === null ? (
                <span key={i}>{seg.text}</span>
              ) : (
                <mark key={i} className={`ws-mark ws-mark-${labels.indexOf(seg.label) % 6}`}>
                  {seg.text}
                </mark>
              ),
            )}
            {'\n'}
          </div>
          <textarea
            ref={area}
            className="ws-span-text"
            readOnly
            value={text}
            aria-label={`${name}: text to mark`}
            aria-describedby={hintId}
            aria-invalid={error !== undefined}
            onSelect={remember}
            onKeyDown={onKeyDown}
            spellCheck={false}
          />
        </div>
      </div>
      <p id={hintId} className="ws-hint muted">
        Select text, then press a label&apos;s number or choose it.
      </p>
      <div className="row ws-span-labels">
        {labels.map((label, i) => (
          <button
            key={label}
            type="button"
            className={`ws-chip ws-mark-${i % 6}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => add(label)}
            title={`Mark the selected text as ${label}`}
          >
            {i < 9 && <kbd>{i + 1}</kbd>} {label}
          </button>
        ))}
      </div>
      {spans.length > 0 && (
        <ul className="ws-span-list" aria-label={`${name} spans`}>
          {spans.map((s, i) => (
            <li key={`${s.start}-${s.end}-${s.label}`}>
              <span className={`ws-chip ws-mark-${labels.indexOf(s.label) % 6}`}>{s.label}</span> <q>{clip(text.slice(s.start, s.end))}</q>{' '}
              <span className="muted">
                {s.start}–{s.end}
              </span>
              <button
                type="button"
                className="link"
                onClick={() => onChange(spans.filter((_, j) => j !== i))}
                aria-label={`Remove ${s.label} span ${s.start}–${s.end}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** The text cut at every span boundary; overlapping spans show the first one's colour. */
export function segments(text: string, spans: Span[]): { text: string; label: string | null }[] {
  const cuts = new Set<number>([0, text.length]);
  for (const s of spans) {
    cuts.add(Math.max(0, Math.min(text.length, s.start)));
    cuts.add(Math.max(0, Math.min(text.length, s.end)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: { text: string; label: string | null }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] ?? 0;
    const b = points[i + 1] ?? 0;
    if (b <= a) continue;
    const cover = spans.find((s) => s.start <= a && s.end >= b);
    out.push({ text: text.slice(a, b), label: cover?.label ?? null });
  }
  return out;
}
