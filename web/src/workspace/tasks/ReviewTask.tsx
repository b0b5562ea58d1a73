import { useCallback, useEffect, useRef, useState } from 'react';
import { escalationOf } from '../claim-parts.js';
import { editableText, outputShape } from '../correction.js';
import { ItemContext } from '../ItemContext.js';
import { EscalationNote } from '../EscalationNote.js';
import { useShortcuts, type ShortcutMap } from '../keyboard.js';
import { ContentView, textOf } from '../render/Content.js';
import type { Claim, TaskKind, TaskViewProps } from '../task-view.js';
import { CorrectionEditor } from './CorrectionEditor.js';
import { CriterionField } from './CriterionField.js';
import type { Selection } from './SpanPicker.js';
import {
  addSpan,
  criteriaOf,
  emptyReviewDraft,
  errorAt,
  reviewJudgment,
  scoreForKey,
  type ReviewDraft,
  type ScoreDraft,
  type Span,
  type Verdict,
} from './review-draft.js';

export type { ReviewDraft } from './review-draft.js';

const VERDICTS: { value: Verdict; label: string; key: string; tone: string }[] = [
  { value: 'approve', label: 'Approve', key: 'a', tone: 'ok' },
  { value: 'reject', label: 'Reject', key: 'r', tone: 'bad' },
  { value: 'correct', label: 'Correct', key: 'e', tone: 'warn' },
];

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Marked spans on one side; undefined when no criterion marks it, so the content shows rich rather than as plain text. */
function highlightsFor(claim: Claim, draft: ReviewDraft, target: 'input' | 'output'): Span[] | undefined {
  let out: Span[] | undefined;
  for (const c of criteriaOf(claim)) {
    if (c.scale.type !== 'spans' || c.scale.target !== target) continue;
    out ??= [];
    const v = draft.scores[c.key];
    if (Array.isArray(v)) out.push(...(v as Span[]));
  }
  return out;
}

/** A review of one model output: a verdict, the rubric's scores, a correction and a comment. */
function ReviewView({ claim, draft, setDraft, fieldErrors }: TaskViewProps<ReviewDraft>) {
  const criteria = criteriaOf(claim);
  const [current, setCurrent] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const [focusEditor, setFocusEditor] = useState(0);
  const selections = useRef(new Map<string, { current: Selection | null }>());
  const selectionOf = (key: string) => {
    let s = selections.current.get(key);
    if (!s) selections.current.set(key, (s = { current: null }));
    return s;
  };
  const escalation = escalationOf(claim);
  const original = editableText(claim.item.output);

  useEffect(() => {
    const el = editorRef.current;
    if (focusEditor === 0 || !el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [focusEditor]);

  const setScore = useCallback(
    (key: string, v: ScoreDraft | undefined) =>
      setDraft((d) => {
        const scores = { ...d.scores };
        if (v === undefined) delete scores[key];
        else scores[key] = v;
        return { ...d, scores };
      }),
    [setDraft],
  );

  const setVerdict = (verdict: Verdict) => {
    setDraft((d) => ({ ...d, verdict }));
    if (verdict === 'correct') setFocusEditor((n) => n + 1);
  };

  const move = (delta: number) => {
    if (criteria.length === 0) return;
    const next = Math.max(0, Math.min(criteria.length - 1, current + delta));
    setCurrent(next);
    const el = listRef.current?.querySelectorAll<HTMLElement>('.ws-criterion')[next];
    if (!el) return;
    // Focus follows the current criterion only when it was already in the list, so a
    // reviewer reading the output is not yanked into the form.
    if (listRef.current?.contains(document.activeElement)) el.focus();
    el.scrollIntoView({ block: 'nearest' });
  };

  const scoreKey = (digit: number) => {
    const c = criteria[current];
    if (!c) return;
    if (c.scale.type === 'spans') {
      const label = c.scale.labels[digit - 1];
      if (label === undefined) return;
      const existing = draft.scores[c.key];
      const spans = Array.isArray(existing) ? (existing as Span[]) : [];
      const next = addSpan(spans, selectionOf(c.key).current, label);
      if (next !== spans) setScore(c.key, next);
      return;
    }
    const v = scoreForKey(c, digit, draft.scores[c.key]);
    if (v !== undefined) setScore(c.key, v);
  };

  const map: ShortcutMap = {
    a: () => setVerdict('approve'),
    r: () => setVerdict('reject'),
    e: () => setVerdict('correct'),
    c: () => commentRef.current?.focus(),
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
  };
  for (const d of DIGITS) map[d] = () => scoreKey(Number(d));
  useShortcuts(map);

  const adoptPartial = escalation?.partial
    ? () => {
        const p = escalation.partial;
        if (!p) return;
        setDraft((d) => ({
          ...d,
          verdict: p.verdict === 'approve' || p.verdict === 'reject' || p.verdict === 'correct' ? p.verdict : d.verdict,
          scores: { ...d.scores, ...((p.scores ?? {}) as Record<string, ScoreDraft>) },
          correction: p.correction !== undefined ? editableText(p.correction) : d.correction,
        }));
      }
    : undefined;

  const verdictError = errorAt(fieldErrors, 'verdict');
  const hasInput = claim.item.input !== null && claim.item.input !== undefined && claim.item.input !== '';

  return (
    <div className="ws-columns">
      <div className="ws-left">
        {hasInput && (
          <section className="card ws-content" aria-labelledby="input-h">
            <h2 id="input-h">Input</h2>
            <ContentView value={claim.item.input} label="Input" highlight={highlightsFor(claim, draft, 'input')} />
          </section>
        )}
        <section className="card ws-content" aria-labelledby="output-h">
          <h2 id="output-h">Output</h2>
          <ContentView value={claim.item.output} label="Output" highlight={highlightsFor(claim, draft, 'output')} />
        </section>
        {draft.verdict === 'correct' && (
          <CorrectionEditor
            original={original}
            text={draft.correction ?? original}
            onChange={(text) => setDraft((d) => ({ ...d, correction: text }))}
            error={errorAt(fieldErrors, 'correction')}
            editorRef={editorRef}
            json={outputShape(claim.item.output) === 'json'}
          />
        )}
        <ItemContext item={claim.item} />
      </div>
      <div className="ws-right">
        {escalation && <EscalationNote escalation={escalation} {...(adoptPartial ? { onUsePartial: adoptPartial } : {})} />}
        <section className="card ws-form" aria-labelledby="judgment-h">
          <h2 id="judgment-h">Your judgment</h2>
          <div className="ws-verdicts" role="group" aria-label="Verdict" aria-describedby={verdictError ? 'verdict-err' : undefined}>
            {VERDICTS.map((v) => (
              <button
                key={v.value}
                type="button"
                className={`ws-verdict ws-verdict-${v.tone}`}
                aria-pressed={draft.verdict === v.value}
                aria-keyshortcuts={v.key}
                data-testid={`verdict-${v.value}`}
                onClick={() => setVerdict(v.value)}
              >
                {v.label} <kbd aria-hidden="true">{v.key}</kbd>
              </button>
            ))}
          </div>
          {verdictError && (
            <div id="verdict-err" className="field-error">
              {verdictError}
            </div>
          )}
          {criteria.length > 0 && (
            <div className="ws-criteria" ref={listRef}>
              {criteria.map((c, i) => (
                <CriterionField
                  key={c.key}
                  criterion={c}
                  value={draft.scores[c.key]}
                  onChange={(v) => setScore(c.key, v)}
                  active={i === current}
                  onActivate={() => setCurrent(i)}
                  error={errorAt(fieldErrors, `scores.${c.key}`)}
                  spanText={c.scale.type === 'spans' ? textOf(c.scale.target === 'input' ? claim.item.input : claim.item.output) : ''}
                  spanSelection={selectionOf(c.key)}
                />
              ))}
            </div>
          )}
          <div className="field ws-comment">
            <label htmlFor="ws-comment">
              Comment <span className="muted">(optional)</span>
            </label>
            <textarea
              id="ws-comment"
              ref={commentRef}
              value={draft.comment}
              onChange={(e) => setDraft((d) => ({ ...d, comment: e.target.value }))}
              rows={2}
              aria-invalid={errorAt(fieldErrors, 'comment') !== undefined}
            />
            {errorAt(fieldErrors, 'comment') && <div className="field-error">{errorAt(fieldErrors, 'comment')}</div>}
          </div>
        </section>
      </div>
    </div>
  );
}

export const reviewTask: TaskKind<ReviewDraft> = {
  emptyDraft: () => emptyReviewDraft(),
  toJudgment: reviewJudgment,
  View: ReviewView,
  shortcuts: [
    { keys: 'a', description: 'Approve' },
    { keys: 'r', description: 'Reject' },
    { keys: 'e', description: 'Correct: open and focus the correction editor' },
    { keys: 'j / ↓', description: 'Next criterion' },
    { keys: 'k / ↑', description: 'Previous criterion' },
    {
      keys: '1–9',
      description: 'Score the current criterion (the number on a scale, or the n-th option; for spans, label the selected text)',
    },
    { keys: 'c', description: 'Write a comment' },
  ],
};
