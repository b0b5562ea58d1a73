import { correctionValue, editableText } from '../correction.js';
import type { Claim, Criterion, JudgmentBody } from '../task-view.js';

export type Verdict = 'approve' | 'reject' | 'correct';

export interface Span {
  start: number;
  end: number;
  label: string;
}

/** A criterion's value while editing; numbers typed in a field stay text until submit so "1." is not lost. */
export type ScoreDraft = number | boolean | string | string[] | Span[];

export interface ReviewDraft {
  verdict: Verdict | null;
  scores: Record<string, ScoreDraft>;
  /** The edited output text; null until the reviewer edits it (the editor then shows the original). */
  correction: string | null;
  comment: string;
}

export function emptyReviewDraft(): ReviewDraft {
  return { verdict: null, scores: {}, correction: null, comment: '' };
}

export function criteriaOf(claim: Claim): Criterion[] {
  const list = claim.rubric.document.criteria;
  return Array.isArray(list) ? list : [];
}

export function criterionName(c: Criterion): string {
  return c.label ?? c.key;
}

export function labelOptions(c: Criterion): { value: string; description?: string }[] {
  if (c.scale.type !== 'labels') return [];
  return c.scale.options.map((o) => (typeof o === 'string' ? { value: o } : o));
}

/** The options a number key picks from, in the order the buttons show them. */
export function choicesOf(c: Criterion): { value: ScoreDraft; name: string }[] {
  const s = c.scale;
  switch (s.type) {
    case 'likert': {
      const out: { value: ScoreDraft; name: string }[] = [];
      for (let n = s.min; n <= s.max; n++) out.push({ value: n, name: String(n) });
      return out;
    }
    case 'boolean':
      return [
        { value: true, name: 'Yes' },
        { value: false, name: 'No' },
      ];
    case 'categorical':
      return s.options.map((o) => ({ value: o, name: o }));
    case 'labels':
      return labelOptions(c).map((o) => ({ value: o.value, name: o.value }));
    default:
      return [];
  }
}

/**
 * What a number key does to a criterion: a likert scale takes the number itself (so `4` is a 4
 * whatever the scale's minimum); other choice scales take the n-th option; a multi-label
 * criterion toggles it. Undefined when the key means nothing there.
 */
export function scoreForKey(c: Criterion, digit: number, current: ScoreDraft | undefined): ScoreDraft | undefined {
  const s = c.scale;
  if (s.type === 'likert') return digit >= s.min && digit <= s.max ? digit : undefined;
  if (s.type === 'numeric' || s.type === 'spans') return undefined;
  const choice = choicesOf(c)[digit - 1];
  if (!choice) return undefined;
  if (s.type === 'labels' && s.multiple === true)
    return toggled(Array.isArray(current) ? (current as string[]) : [], choice.value as string);
  return choice.value;
}

export function toggled(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

function isBlank(v: ScoreDraft | undefined): boolean {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function scoreValue(c: Criterion, v: ScoreDraft): { value: unknown } | { problem: string } {
  if (c.scale.type !== 'numeric') return { value: v };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) return { problem: 'must be a number' };
  if (n < c.scale.min || n > c.scale.max) return { problem: `must be from ${c.scale.min} to ${c.scale.max}` };
  return { value: n };
}

export function reviewJudgment(draft: ReviewDraft, claim: Claim): { body: JudgmentBody } | { problems: Map<string, string> } {
  const problems = new Map<string, string>();
  if (draft.verdict === null) problems.set('verdict', 'Choose approve, reject or correct');
  const scores: Record<string, unknown> = {};
  for (const c of criteriaOf(claim)) {
    const v = draft.scores[c.key];
    if (v === undefined || isBlank(v)) {
      if (c.required === true) problems.set(`scores.${c.key}`, 'is required');
      continue;
    }
    const r = scoreValue(c, v);
    if ('problem' in r) problems.set(`scores.${c.key}`, r.problem);
    else scores[c.key] = r.value;
  }
  const body: JudgmentBody = { verdict: draft.verdict, scores };
  if (draft.verdict === 'correct') {
    const original = editableText(claim.item.output);
    const text = draft.correction ?? original;
    if (text === original) problems.set('correction', 'is the same as the output: edit it, or approve instead');
    else {
      const r = correctionValue(claim.item.output, text);
      if ('problem' in r) problems.set('correction', r.problem);
      else body['correction'] = r.value;
    }
  }
  const comment = draft.comment.trim();
  if (comment !== '') body['comment'] = comment;
  return problems.size > 0 ? { problems } : { body };
}

/** Spans stay sorted and distinct; an empty selection adds nothing. */
export function addSpan(spans: Span[], sel: { start: number; end: number } | null, label: string): Span[] {
  if (!sel || sel.end <= sel.start) return spans;
  if (spans.some((s) => s.start === sel.start && s.end === sel.end && s.label === label)) return spans;
  return [...spans, { start: sel.start, end: sel.end, label }].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The first error at a path or below it (`scores.evidence` also shows `scores.evidence.0`). */
export function errorAt(errors: ReadonlyMap<string, string>, path: string): string | undefined {
  for (const [p, m] of errors) if (p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`)) return m;
  return undefined;
}

/** What the reviewer has so far, sent with an escalation: only the parts that are filled in and well-formed. */
export function reviewPartial(draft: ReviewDraft, claim: Claim): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (draft.verdict !== null) out['verdict'] = draft.verdict;
  const scores: Record<string, unknown> = {};
  for (const c of criteriaOf(claim)) {
    const v = draft.scores[c.key];
    if (v === undefined || isBlank(v)) continue;
    const r = scoreValue(c, v);
    if ('value' in r) scores[c.key] = r.value;
  }
  if (Object.keys(scores).length > 0) out['scores'] = scores;
  if (draft.verdict === 'correct' && draft.correction !== null) {
    const r = correctionValue(claim.item.output, draft.correction);
    if ('value' in r) out['correction'] = r.value;
  }
  return out;
}
