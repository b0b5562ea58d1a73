import { diffWordsWithSpace } from 'diff';
import { judgmentsOf, type Judgment } from '../claim-parts.js';
import { editableText } from '../correction.js';
import type { Claim, TaskKind, TaskViewProps } from '../task-view.js';
import { criteriaOf, criterionName } from './review-draft.js';
import { reviewTask } from './ReviewTask.js';

/**
 * An adjudication: reviewers disagreed beyond the consensus rule, and an expert decides. Every
 * prior judgment is shown side by side above the ordinary form of the item's kind, whose
 * judgment then decides the item alone.
 */
export function adjudicationOf<D>(inner: TaskKind<D>): TaskKind<D> {
  function AdjudicationView(props: TaskViewProps<D>) {
    const Inner = inner.View;
    return (
      <>
        <PriorJudgments claim={props.claim} />
        <Inner {...props} />
      </>
    );
  }
  return { ...inner, View: AdjudicationView };
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  return JSON.stringify(v);
}

function scoreOf(j: Judgment, key: string): unknown {
  const s = j.scores;
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>)[key] : undefined;
}

function verdictTone(v: string | null): string {
  return v === 'approve' ? 'ok' : v === 'reject' ? 'bad' : v === 'correct' ? 'warn' : '';
}

export function PriorJudgments({ claim }: { claim: Claim }) {
  const judgments = judgmentsOf(claim);
  if (judgments.length === 0) return <p className="muted">No prior judgments came with this adjudication.</p>;
  const criteria = criteriaOf(claim);
  const original = editableText(claim.item.output);
  const answers = judgments.some((j) => j.answer !== null && j.answer !== undefined);
  const disagrees = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1;
  return (
    <section className="card ws-prior" aria-labelledby="prior-h">
      <h2 id="prior-h">Prior judgments ({judgments.length})</h2>
      <div className="ws-prior-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Field</th>
              {judgments.map((j, i) => (
                <th key={j.id} scope="col">
                  Reviewer {i + 1} <span className="muted ws-mono">{j.reviewer}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr className={disagrees(judgments.map((j) => j.verdict)) ? 'ws-disagree' : undefined}>
              <th scope="row">Verdict</th>
              {judgments.map((j) => (
                <td key={j.id}>{j.verdict ? <span className={`badge ${verdictTone(j.verdict)}`}>{j.verdict}</span> : '—'}</td>
              ))}
            </tr>
            {answers && (
              <tr>
                <th scope="row">Answer</th>
                {judgments.map((j) => (
                  <td key={j.id}>
                    <code>{show(j.answer)}</code>
                  </td>
                ))}
              </tr>
            )}
            {criteria.map((c) => {
              const values = judgments.map((j) => scoreOf(j, c.key));
              return (
                <tr key={c.key} className={disagrees(values) ? 'ws-disagree' : undefined}>
                  <th scope="row">{criterionName(c)}</th>
                  {judgments.map((j, i) => (
                    <td key={j.id} className={typeof values[i] === 'number' ? 'num' : undefined}>
                      {show(values[i])}
                    </td>
                  ))}
                </tr>
              );
            })}
            {judgments.some((j) => j.correction !== null && j.correction !== undefined) && (
              <tr>
                <th scope="row">Correction</th>
                {judgments.map((j) => (
                  <td key={j.id}>
                    {j.correction === null || j.correction === undefined ? (
                      '—'
                    ) : (
                      <div className="diff ws-diff ws-diff-small">
                        {diffWordsWithSpace(original, editableText(j.correction)).map((p, k) =>
                          p.added ? (
                            <ins key={k}>{p.value}</ins>
                          ) : p.removed ? (
                            <del key={k}>{p.value}</del>
                          ) : (
                            <span key={k}>{p.value}</span>
                          ),
                        )}
                      </div>
                    )}
                  </td>
                ))}
              </tr>
            )}
            <tr>
              <th scope="row">Comment</th>
              {judgments.map((j) => (
                <td key={j.id}>{j.comment ?? '—'}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">Time spent</th>
              {judgments.map((j) => (
                <td key={j.id} className="num">
                  {j.time_spent_ms === null ? '—' : `${Math.round(j.time_spent_ms / 1000)} s`}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Adjudication of a reviewed output: the prior judgments, then the review form. */
export const adjudicationTask = adjudicationOf(reviewTask);
