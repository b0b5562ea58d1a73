import type { ReactNode } from 'react';
import { isMessage, MessageExtras, RoleLabel, roleClass } from './Chat.js';
import { messageOffsets, textOf } from './text.js';

export interface Highlight {
  start: number;
  end: number;
  label: string;
}

const PALETTE_SIZE = 6;

/** The same label always gets the same colour, wherever it appears. */
export function labelColor(label: string): string {
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) | 0;
  return `tg-hl-${Math.abs(h) % PALETTE_SIZE}`;
}

/**
 * `text` (which starts at `base` in the whole text) with the spans that fall in it marked. Every
 * run of text carries `data-start`, its offset in the whole text, so a selection can be turned
 * back into offsets (see `selectionOffsets`); labels carry `data-at` and count as no text.
 */
function HighlightedText({ text, base, spans }: { text: string; base: number; spans: readonly Highlight[] }) {
  const end = base + text.length;
  const inside = spans.map((s) => ({ ...s, start: Math.max(s.start, base), end: Math.min(s.end, end) })).filter((s) => s.start < s.end);
  const cuts = new Set<number>([base, end]);
  for (const s of inside) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: ReactNode[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i]!;
    const to = points[i + 1]!;
    const piece = text.slice(from - base, to - base);
    const covering = inside.filter((s) => s.start <= from && s.end >= to);
    if (covering.length === 0) {
      out.push(
        <span key={`t${from}`} data-start={from}>
          {piece}
        </span>,
      );
    } else {
      const labels = covering.map((s) => s.label).join(', ');
      out.push(
        <mark
          key={`m${from}`}
          data-start={from}
          title={labels}
          className={`tg-mark ${labelColor(covering[0]!.label)}${covering.length > 1 ? ' tg-overlap' : ''}`}
        >
          {piece}
        </mark>,
      );
    }
    for (const s of inside.filter((x) => x.end === to))
      out.push(
        <span key={`l${to}-${s.start}-${s.label}`} className={`tg-span-label ${labelColor(s.label)}`} data-at={to}>
          {s.label}
        </span>,
      );
  }
  return <div className="tg-plain tg-highlighted">{out}</div>;
}

/**
 * Highlight mode: the plain text the span offsets count in (never Markdown, whose rendering
 * would move characters), kept per chat message when the offsets allow it.
 */
export function HighlightedContent({ value, spans }: { value: unknown; spans: readonly Highlight[] }) {
  const valid = spans.filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.start < s.end);
  if (Array.isArray(value)) {
    const starts = messageOffsets(value);
    if (starts !== null) {
      return (
        <ol className="tg-chat">
          {value.map((m, i) => {
            if (!isMessage(m)) return null;
            const start = starts[i] ?? -1;
            // A message without text sits where the next text begins.
            const at = start >= 0 ? start : (starts.slice(i).find((s) => s >= 0) ?? textOf(value).length);
            return (
              <li key={i} className={`tg-msg ${roleClass(String(m['role']))}`}>
                <RoleLabel message={m} at={at} />
                {start >= 0 && <HighlightedText text={textOf([m])} base={start} spans={valid} />}
                <MessageExtras message={m} />
              </li>
            );
          })}
        </ol>
      );
    }
  }
  if (isMessage(value)) {
    return (
      <div className={`tg-msg ${roleClass(String(value['role']))}`}>
        <RoleLabel message={value} at={0} />
        <HighlightedText text={textOf(value)} base={0} spans={valid} />
        <MessageExtras message={value} />
      </div>
    );
  }
  return <HighlightedText text={textOf(value)} base={0} spans={valid} />;
}
