import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { FieldError } from '../quality/ui.js';
import type { JsonDocument } from '../shared/useJsonDocument.js';
import { readTryItem, type TryFields } from './try-item.js';
import { TryResult } from './TryResult.js';
import { evaluatorsPath, type TestAnswer } from './types.js';

const EMPTY: TryFields = { input: '', output: '', outputIsJson: false, metadata: '' };

/** Runs the set in the editor, saved or not, on one made-up item, and shows what the current policy would decide. */
export function TryOnItemPanel({ projectId, doc }: { projectId: string; doc: JsonDocument }) {
  const id = useId();
  const [fields, setFields] = useState<TryFields>(EMPTY);
  const [touched, setTouched] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [run, setRun] = useState<{ text: string; answer: TestAnswer } | null>(null);
  const read = readTryItem(fields);
  const problem = touched && !read.ok ? read : null;
  const set = (patch: Partial<TryFields>) => setFields((f) => ({ ...f, ...patch }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!read.ok || !doc.check.ok) return;
    const text = doc.text;
    setRunning(true);
    setError(undefined);
    doc.clearReport();
    try {
      const answer = await api.post<TestAnswer>(`${evaluatorsPath(projectId)}/test`, { item: read.item, evaluators: doc.check.value });
      setRun({ text, answer });
    } catch (err) {
      setRun(null);
      // The set's own problems belong under the editor, at their lines.
      if (err instanceof ApiError && err.code === 'TG_INVALID_EVALUATORS') {
        doc.report(err);
        setError(new Error('The evaluator set in the editor has problems, listed under it: fix them and try again.'));
      } else setError(err);
    } finally {
      setRunning(false);
    }
  }

  return (
    <section className="card console-section" aria-labelledby={`${id}-title`} aria-busy={running}>
      <h2 id={`${id}-title`}>Try on an item</h2>
      <p className="muted console-hint">
        Runs the set in the editor (saved or not) on this item and shows what the current policy would decide. Nothing is stored; judge
        models are called for real.
      </p>
      <form onSubmit={(e) => void submit(e)} data-testid="try-form">
        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${id}-input`}>Input</label>
            <textarea id={`${id}-input`} required value={fields.input} onChange={(e) => set({ input: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-output`}>Output</label>
            <textarea
              id={`${id}-output`}
              required
              value={fields.output}
              onChange={(e) => set({ output: e.target.value })}
              aria-invalid={problem?.field === 'output' || undefined}
              aria-describedby={problem?.field === 'output' ? `${id}-output-error` : undefined}
            />
            <FieldError id={`${id}-output-error`} message={problem?.field === 'output' ? problem.message : undefined} />
            <label className="console-check">
              <input type="checkbox" checked={fields.outputIsJson} onChange={(e) => set({ outputIsJson: e.target.checked })} />
              Output is JSON (sent as an object)
            </label>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-metadata`}>Metadata (optional JSON object)</label>
          <textarea
            id={`${id}-metadata`}
            className="ev-short"
            value={fields.metadata}
            placeholder='{"reference": "the expected answer"}'
            onChange={(e) => set({ metadata: e.target.value })}
            aria-invalid={problem?.field === 'metadata' || undefined}
            aria-describedby={problem?.field === 'metadata' ? `${id}-metadata-error` : undefined}
          />
          <FieldError id={`${id}-metadata-error`} message={problem?.field === 'metadata' ? problem.message : undefined} />
        </div>
        <div className="row">
          <button type="submit" className="primary" data-testid="try-run" disabled={running || !doc.check.ok}>
            {running ? 'Running…' : 'Run the evaluators'}
          </button>
          {!doc.check.ok && <span className="muted">Fix the JSON in the editor first.</span>}
        </div>
      </form>
      <ErrorNote error={error} />
      <div data-testid="try-result" aria-live="polite">
        {running && !run && <Loading label="Running the evaluators" />}
        {run && (
          <>
            {run.text !== doc.text && (
              <p className="console-stale" role="note">
                The set changed since this run: run it again to see the edited set.
              </p>
            )}
            <TryResult answer={run.answer} />
          </>
        )}
      </div>
    </section>
  );
}
