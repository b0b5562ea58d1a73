import { useCallback, useId, useRef, useState, type UIEvent } from 'react';
import { useShortcuts } from '../keyboard.js';
import { candidateName, candidatesOf, type CandidateEntry } from '../render/candidates.js';
import { ContentView } from '../render/Content.js';
import { FieldError, OtherProblems } from '../render/FieldProblems.js';
import { ScrollRegion } from '../render/ScrollRegion.js';
import { DiffSide, useWordDiff } from '../render/WordDiff.js';
import type { Claim, TaskKind, TaskViewProps } from '../task-view.js';

export const STRENGTHS = ['slight', 'clear', 'decisive'] as const;
export type Strength = (typeof STRENGTHS)[number];
const TIE = 'tie';
const MAX_RATIONALE = 10_000;

export interface CompareDraft {
  /** A candidate id, `tie`, or null while undecided. */
  winner: string | null;
  strength: Strength | null;
  /** Rubric criterion key → candidate id or `tie`; only the criteria the reviewer chose. */
  criteria: Record<string, string>;
  rationale: string;
}

function emptyDraft(): CompareDraft {
  return { winner: null, strength: null, criteria: {}, rationale: '' };
}

function toJudgment(draft: CompareDraft, claim: Claim): ReturnType<TaskKind<CompareDraft>['toJudgment']> {
  const choices = [...candidatesOf(claim).map((c) => c.id), TIE];
  const problems = new Map<string, string>();
  const { winner, strength } = draft;
  if (winner === null || !choices.includes(winner)) problems.set('preference.winner', 'Choose the better candidate, or a tie.');
  else if (winner !== TIE && strength === null) problems.set('preference.strength', 'Say how much better it is.');
  const rationale = draft.rationale.trim();
  if (rationale.length > MAX_RATIONALE) problems.set('preference.rationale', `At most ${MAX_RATIONALE.toLocaleString()} characters.`);
  if (problems.size > 0 || winner === null) return { problems };
  const keys = new Set(claim.rubric.document.criteria.map((c) => c.key));
  // A stale draft may name criteria of an older rubric version; the server would refuse them.
  const criteria = Object.fromEntries(Object.entries(draft.criteria).filter(([k, v]) => keys.has(k) && choices.includes(v)));
  return {
    body: {
      preference: {
        winner,
        // The server refuses a strength on a tie.
        ...(winner === TIE ? {} : { strength }),
        ...(Object.keys(criteria).length > 0 ? { criteria } : {}),
        ...(rationale === '' ? {} : { rationale }),
      },
    },
  };
}

/** Keeps the two columns at the same relative position, so the same part of each answer is in view. */
function useScrollSync(enabled: boolean) {
  const moved = useRef<Element | null>(null);
  return useCallback(
    (e: UIEvent<HTMLDivElement>) => {
      if (!enabled) return;
      const source = e.target;
      if (!(source instanceof HTMLElement) || !source.hasAttribute('data-scroll-region')) return;
      // The scroll this handler caused on the other column must not echo back.
      if (moved.current === source) {
        moved.current = null;
        return;
      }
      const column = source.closest('[data-column]');
      const other = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-column] [data-scroll-region]')].find(
        (el) => el.closest('[data-column]') !== column,
      );
      if (!other) return;
      const range = source.scrollHeight - source.clientHeight;
      const ratio = range > 0 ? source.scrollTop / range : 0;
      const target = Math.round(ratio * (other.scrollHeight - other.clientHeight));
      if (Math.abs(other.scrollTop - target) < 1) return;
      moved.current = other;
      other.scrollTop = target;
    },
    [enabled],
  );
}

function ChoiceButton({
  pressed,
  onClick,
  testId,
  shortcut,
  disabled,
  children,
}: {
  pressed: boolean;
  onClick: () => void;
  testId: string;
  shortcut: string;
  disabled?: boolean;
  children: string;
}) {
  return (
    <button type="button" aria-pressed={pressed} data-testid={testId} aria-keyshortcuts={shortcut} disabled={disabled} onClick={onClick}>
      {children} <kbd aria-hidden="true">{shortcut}</kbd>
    </button>
  );
}

function CandidateColumn({
  candidate,
  position,
  chosen,
  diff,
}: {
  candidate: CandidateEntry;
  position: 'a' | 'b';
  chosen: boolean;
  diff: ReturnType<typeof useWordDiff>;
}) {
  const name = candidateName(candidate.id);
  // A plain block, not a landmark: the scroll region inside already is one, with this name.
  return (
    <div className="tg-candidate" data-testid={`candidate-${position}`} data-column={position} data-chosen={chosen}>
      <h2>
        {name}
        {chosen && <span className="badge ok">preferred</span>}
      </h2>
      {diff ? (
        <ScrollRegion label={`${name}, word diff`}>
          <DiffSide changes={diff} side={position} />
        </ScrollRegion>
      ) : (
        <ContentView value={candidate.output} label={name} />
      )}
    </div>
  );
}

function CriteriaTable({ claim, draft, setDraft, ids, fieldErrors }: TaskViewProps<CompareDraft> & { ids: readonly [string, string] }) {
  const captionId = useId();
  const criteria = claim.rubric.document.criteria;
  if (criteria.length === 0) return null;
  const setCriterion = (key: string, choice: string) =>
    setDraft((old) => {
      const next = { ...old.criteria };
      // Pressing the chosen answer again takes it back: every criterion is optional.
      if (next[key] === choice) delete next[key];
      else next[key] = choice;
      return { ...old, criteria: next };
    });
  const options: { choice: string; text: string; testSuffix: string }[] = [
    { choice: ids[0], text: ids[0].toUpperCase(), testSuffix: 'a' },
    { choice: TIE, text: 'Tie', testSuffix: 'tie' },
    { choice: ids[1], text: ids[1].toUpperCase(), testSuffix: 'b' },
  ];
  return (
    <table className="tg-criteria">
      <caption id={captionId} className="tg-choice-label">
        Better on each criterion <span className="muted">(optional)</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Criterion</th>
          <th scope="col">Better</th>
        </tr>
      </thead>
      <tbody>
        {criteria.map((c) => {
          const label = c.label ?? c.key;
          const errorId = `${captionId}-${c.key}`;
          const error = fieldErrors.get(`preference.criteria.${c.key}`);
          return (
            <tr key={c.key}>
              <th scope="row" title={c.description}>
                {label}
              </th>
              <td>
                <div
                  className="tg-choice"
                  role="group"
                  aria-label={`${label}: which is better`}
                  aria-describedby={error ? errorId : undefined}
                >
                  {options.map((o) => (
                    <button
                      key={o.choice}
                      type="button"
                      aria-pressed={draft.criteria[c.key] === o.choice}
                      aria-label={o.choice === TIE ? `${label}: tie` : `${label}: ${o.text} better`}
                      data-testid={`criterion-${c.key}-${o.testSuffix}`}
                      onClick={() => setCriterion(c.key, o.choice)}
                    >
                      {o.text}
                    </button>
                  ))}
                </div>
                <FieldError id={errorId} message={error} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CompareView(props: TaskViewProps<CompareDraft>) {
  const { claim, draft, setDraft, fieldErrors } = props;
  const candidates = candidatesOf(claim);
  const a = candidates[0];
  const b = candidates[1];
  const [showDiff, setShowDiff] = useState(false);
  const [syncScroll, setSyncScroll] = useState(true);
  const onScrollCapture = useScrollSync(syncScroll);
  const diff = useWordDiff(a?.output, b?.output, showDiff);
  const ids = useId();
  const winnerLabel = `${ids}-winner`;
  const strengthLabel = `${ids}-strength`;

  const choose = (winner: string) => setDraft((old) => ({ ...old, winner, strength: winner === TIE ? null : old.strength }));
  const setStrength = (strength: Strength) => setDraft((old) => (old.winner === TIE ? old : { ...old, strength }));

  useShortcuts(
    {
      '1': () => a && choose(a.id),
      '2': () => choose(TIE),
      '3': () => b && choose(b.id),
      q: () => setStrength('slight'),
      w: () => setStrength('clear'),
      e: () => setStrength('decisive'),
      d: () => setShowDiff((v) => !v),
    },
    a !== undefined && b !== undefined,
  );

  if (!a || !b) {
    return (
      <div data-testid="compare-view" className="error-note" role="alert">
        This comparison does not carry two candidates.
      </div>
    );
  }

  const winnerError = fieldErrors.get('preference.winner');
  const strengthError = fieldErrors.get('preference.strength');
  const rationaleError = fieldErrors.get('preference.rationale');
  const topError = fieldErrors.get('preference');
  const tie = draft.winner === TIE;

  return (
    <div data-testid="compare-view" className="tg-compare">
      <div className="tg-compare-input">
        <h2>Input</h2>
        <ContentView value={claim.item.input} label="Input" />
      </div>

      <div className="row tg-compare-tools">
        <label>
          <input type="checkbox" checked={showDiff} onChange={(e) => setShowDiff(e.target.checked)} data-testid="compare-diff" /> Show word
          differences <kbd aria-hidden="true">d</kbd>
        </label>
        <label>
          <input type="checkbox" checked={syncScroll} onChange={(e) => setSyncScroll(e.target.checked)} /> Scroll both together
        </label>
      </div>
      {showDiff && diff === null && (
        <p className="tg-diff-note muted" role="status">
          The two answers differ too much for a word diff; showing them as sent.
        </p>
      )}

      <div className="tg-pair" onScrollCapture={onScrollCapture}>
        <CandidateColumn candidate={a} position="a" chosen={draft.winner === a.id} diff={diff ?? undefined} />
        <CandidateColumn candidate={b} position="b" chosen={draft.winner === b.id} diff={diff ?? undefined} />
      </div>

      <div className="tg-controls">
        <FieldError id={`${ids}-top`} message={topError} />
        <div>
          <div
            className="tg-choice"
            role="group"
            aria-labelledby={winnerLabel}
            aria-describedby={winnerError ? `${winnerLabel}-error` : undefined}
          >
            <span id={winnerLabel} className="tg-choice-label">
              Which is better?
            </span>
            <ChoiceButton pressed={draft.winner === a.id} onClick={() => choose(a.id)} testId="prefer-a" shortcut="1">
              {`${a.id.toUpperCase()} is better`}
            </ChoiceButton>
            <ChoiceButton pressed={tie} onClick={() => choose(TIE)} testId="prefer-tie" shortcut="2">
              Tie
            </ChoiceButton>
            <ChoiceButton pressed={draft.winner === b.id} onClick={() => choose(b.id)} testId="prefer-b" shortcut="3">
              {`${b.id.toUpperCase()} is better`}
            </ChoiceButton>
          </div>
          <FieldError id={`${winnerLabel}-error`} message={winnerError} />
        </div>
        <div>
          <div
            className="tg-choice"
            role="group"
            aria-labelledby={strengthLabel}
            aria-describedby={strengthError ? `${strengthLabel}-error` : undefined}
          >
            <span id={strengthLabel} className="tg-choice-label">
              By how much?
            </span>
            {STRENGTHS.map((s, i) => (
              <ChoiceButton
                key={s}
                pressed={!tie && draft.strength === s}
                onClick={() => setStrength(s)}
                testId={`strength-${s}`}
                shortcut={'qwe'[i] ?? ''}
                disabled={tie}
              >
                {s[0]!.toUpperCase() + s.slice(1)}
              </ChoiceButton>
            ))}
            {tie && <span className="muted">A tie has no strength.</span>}
          </div>
          <FieldError id={`${strengthLabel}-error`} message={strengthError} />
        </div>
        <CriteriaTable {...props} ids={[a.id, b.id]} />
        <div className="field">
          <label htmlFor={`${ids}-rationale`}>
            Rationale <span className="muted">(optional)</span>
          </label>
          <textarea
            id={`${ids}-rationale`}
            value={draft.rationale}
            maxLength={MAX_RATIONALE}
            onChange={(e) => {
              const rationale = e.target.value;
              setDraft((old) => ({ ...old, rationale }));
            }}
            aria-describedby={rationaleError ? `${ids}-rationale-error` : undefined}
            aria-invalid={rationaleError ? true : undefined}
          />
          <FieldError id={`${ids}-rationale-error`} message={rationaleError} />
        </div>
        <OtherProblems
          errors={fieldErrors}
          shown={(p) =>
            ['preference', 'preference.winner', 'preference.strength', 'preference.rationale'].includes(p) ||
            (p.startsWith('preference.criteria.') && claim.rubric.document.criteria.some((c) => p === `preference.criteria.${c.key}`))
          }
        />
      </div>
    </div>
  );
}

export const compareTask: TaskKind<CompareDraft> = {
  emptyDraft,
  toJudgment,
  View: CompareView,
  shortcuts: [
    { keys: '1', description: 'Candidate A is better' },
    { keys: '2', description: 'Tie' },
    { keys: '3', description: 'Candidate B is better' },
    { keys: 'q / w / e', description: 'Better by: slight / clear / decisive' },
    { keys: 'd', description: 'Show or hide word differences between A and B' },
  ],
};
