import { useId, useLayoutEffect, useRef, useState, type DragEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useShortcuts } from '../keyboard.js';
import { candidateName, candidatesOf, type CandidateEntry } from '../render/candidates.js';
import { ContentView } from '../render/Content.js';
import { FieldError, OtherProblems } from '../render/FieldProblems.js';
import type { Claim, TaskKind, TaskViewProps } from '../task-view.js';

const MAX_RATIONALE = 10_000;

export interface RankDraft {
  /** Candidate ids, best first. */
  order: string[];
  rationale: string;
}

/**
 * The draft's order as a full ranking of this claim's candidates: unknown or repeated ids (a
 * draft kept from elsewhere) dropped, missing ones appended. What the view shows is what is sent.
 */
function fullOrder(order: readonly string[], ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of order)
    if (ids.includes(id) && !seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  for (const id of ids) if (!seen.has(id)) out.push(id);
  return out;
}

function moved(order: readonly string[], id: string, to: number): string[] {
  const next = order.filter((x) => x !== id);
  next.splice(Math.max(0, Math.min(to, next.length)), 0, id);
  return next;
}

function emptyDraft(claim: Claim): RankDraft {
  return { order: candidatesOf(claim).map((c) => c.id), rationale: '' };
}

function toJudgment(draft: RankDraft, claim: Claim): ReturnType<TaskKind<RankDraft>['toJudgment']> {
  const ids = candidatesOf(claim).map((c) => c.id);
  const problems = new Map<string, string>();
  if (ids.length < 2) problems.set('ranking.order', 'This ranking has no candidates to order.');
  const rationale = draft.rationale.trim();
  if (rationale.length > MAX_RATIONALE) problems.set('ranking.rationale', `At most ${MAX_RATIONALE.toLocaleString()} characters.`);
  if (problems.size > 0) return { problems };
  return { body: { ranking: { order: fullOrder(draft.order, ids), ...(rationale === '' ? {} : { rationale }) } } };
}

type FocusTarget = { id: string; part: 'entry' | 'up' | 'down' };

function RankView({ claim, draft, setDraft, fieldErrors }: TaskViewProps<RankDraft>) {
  const candidates = candidatesOf(claim);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const ids = candidates.map((c) => c.id);
  const order = fullOrder(draft.order, ids);
  const n = order.length;
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [announcement, setAnnouncement] = useState('');
  const entries = useRef(new Map<string, HTMLLIElement>());
  const refocus = useRef<FocusTarget | null>(null);
  const uid = useId();
  const helpId = `${uid}-help`;

  // Reordering moves DOM nodes, and a moved node loses focus: put it back where the person was.
  useLayoutEffect(() => {
    const want = refocus.current;
    if (!want) return;
    refocus.current = null;
    const li = entries.current.get(want.id);
    if (!li) return;
    const button = want.part === 'entry' ? null : li.querySelector<HTMLButtonElement>(`[data-move="${want.part}"]`);
    (button && !button.disabled ? button : li).focus();
  });

  const move = (id: string, to: number, focus?: FocusTarget['part']) => {
    const from = order.indexOf(id);
    if (from < 0 || to < 0 || to >= n || to === from) return;
    setDraft((old) => ({ ...old, order: moved(fullOrder(old.order, ids), id, to) }));
    setAnnouncement(`${candidateName(id)} moved to position ${to + 1} of ${n}.`);
    if (focus) refocus.current = { id, part: focus };
  };

  const focusedEntry = (): string | null => {
    const el = document.activeElement?.closest<HTMLElement>('[data-rank-id]');
    const id = el?.dataset['rankId'];
    return id !== undefined && entries.current.get(id) === el ? id : null;
  };

  useShortcuts({
    'alt+ArrowUp': () => {
      const id = focusedEntry();
      if (id !== null) move(id, order.indexOf(id) - 1, 'entry');
    },
    'alt+ArrowDown': () => {
      const id = focusedEntry();
      if (id !== null) move(id, order.indexOf(id) + 1, 'entry');
    },
  });

  const onEntryKey = (e: ReactKeyboardEvent<HTMLLIElement>, id: string) => {
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
    const at = order.indexOf(id);
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      const next = order[at + (e.key === 'ArrowUp' ? -1 : 1)];
      if (next !== undefined) entries.current.get(next)?.focus();
      e.preventDefault();
    } else if (/^[1-9]$/.test(e.key) && Number(e.key) <= n) {
      move(id, Number(e.key) - 1, 'entry');
      e.preventDefault();
    }
  };

  const endDrag = () => {
    setDragging(null);
    setOver(null);
  };
  const onDrop = (e: DragEvent<HTMLLIElement>, target: string) => {
    e.preventDefault();
    const source = dragging ?? e.dataTransfer.getData('text/plain');
    endDrag();
    // Dropped on an entry, the dragged one takes that entry's place (the rest shift over).
    if (source && source !== target && ids.includes(source)) move(source, order.indexOf(target));
  };

  const toggle = (id: string) =>
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allCollapsed = collapsed.size === n && n > 0;
  const orderError = fieldErrors.get('ranking.order') ?? fieldErrors.get('ranking');
  const rationaleError = fieldErrors.get('ranking.rationale');

  if (n < 2) {
    return (
      <div data-testid="rank-view" className="error-note" role="alert">
        This ranking does not carry candidates to order.
      </div>
    );
  }

  return (
    <div data-testid="rank-view" className="tg-rank">
      <div className="tg-compare-input">
        <h2>Input</h2>
        <ContentView value={claim.item.input} label="Input" />
      </div>

      <div className="row">
        <h2 id={`${uid}-list`}>Best first</h2>
        <span className="spacer" />
        <button type="button" onClick={() => setCollapsed(allCollapsed ? new Set() : new Set(ids))}>
          {allCollapsed ? 'Expand all' : 'Collapse all'}
        </button>
      </div>
      <p id={helpId} className="muted">
        Drag an answer to its place, or focus it and press <kbd>Alt</kbd>+<kbd>↑</kbd> / <kbd>Alt</kbd>+<kbd>↓</kbd> (or a number for its
        place); <kbd>↑</kbd> <kbd>↓</kbd> move between answers.
      </p>
      <FieldError id={`${uid}-order-error`} message={orderError} />
      <div className="tg-sr-only" role="status" aria-live="polite" data-testid="rank-announcement">
        {announcement}
      </div>

      <ol className="tg-rank-list" aria-labelledby={`${uid}-list`}>
        {order.map((id, i) => {
          const candidate = byId.get(id) as CandidateEntry;
          const name = candidateName(id);
          const headingId = `${uid}-h-${id}`;
          const contentId = `${uid}-c-${id}`;
          const open = !collapsed.has(id);
          return (
            <li
              key={id}
              ref={(el) => {
                if (el) entries.current.set(id, el);
                else entries.current.delete(id);
              }}
              className="tg-rank-entry"
              data-testid={`rank-item-${id}`}
              data-rank-id={id}
              data-dragging={dragging === id}
              data-drop-target={over === id && dragging !== id}
              tabIndex={0}
              aria-labelledby={headingId}
              aria-describedby={helpId}
              draggable
              onKeyDown={(e) => onEntryKey(e, id)}
              onDragStart={(e) => {
                e.dataTransfer.setData('text/plain', id);
                e.dataTransfer.effectAllowed = 'move';
                setDragging(id);
              }}
              onDragOver={(e) => {
                if (dragging === null) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (over !== id) setOver(id);
              }}
              onDragLeave={(e) => {
                if (over === id && !e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(null);
              }}
              onDrop={(e) => onDrop(e, id)}
              onDragEnd={endDrag}
            >
              <div className="tg-rank-head">
                <h3 id={headingId}>
                  <span className="tg-rank-pos">
                    <span className="tg-sr-only">Position </span>
                    {i + 1}
                  </span>
                  {name}
                </h3>
                <span className="spacer" />
                <button
                  type="button"
                  data-move="up"
                  aria-label={`Move ${name} up`}
                  disabled={i === 0}
                  onClick={() => move(id, i - 1, 'up')}
                >
                  ↑ Up
                </button>
                <button
                  type="button"
                  data-move="down"
                  aria-label={`Move ${name} down`}
                  disabled={i === n - 1}
                  onClick={() => move(id, i + 1, 'down')}
                >
                  ↓ Down
                </button>
                <button
                  type="button"
                  aria-expanded={open}
                  aria-controls={contentId}
                  aria-label={`${open ? 'Hide' : 'Show'} ${name}`}
                  onClick={() => toggle(id)}
                >
                  {open ? 'Hide' : 'Show'}
                </button>
              </div>
              <div id={contentId} hidden={!open}>
                {open && <ContentView value={candidate.output} label={name} />}
              </div>
            </li>
          );
        })}
      </ol>

      <div className="field tg-controls">
        <label htmlFor={`${uid}-rationale`}>
          Rationale <span className="muted">(optional)</span>
        </label>
        <textarea
          id={`${uid}-rationale`}
          value={draft.rationale}
          maxLength={MAX_RATIONALE}
          onChange={(e) => {
            const rationale = e.target.value;
            setDraft((old) => ({ ...old, rationale }));
          }}
          aria-describedby={rationaleError ? `${uid}-rationale-error` : undefined}
          aria-invalid={rationaleError ? true : undefined}
        />
        <FieldError id={`${uid}-rationale-error`} message={rationaleError} />
      </div>
      <OtherProblems errors={fieldErrors} shown={(p) => ['ranking', 'ranking.order', 'ranking.rationale'].includes(p)} />
    </div>
  );
}

export const rankTask: TaskKind<RankDraft> = {
  emptyDraft,
  toJudgment,
  View: RankView,
  shortcuts: [
    { keys: 'alt+ArrowUp / alt+ArrowDown', description: 'Move the focused answer up / down' },
    { keys: '1–9', description: 'On a focused answer: move it to that place' },
    { keys: 'ArrowUp / ArrowDown', description: 'On a focused answer: focus the previous / next one' },
  ],
};
