import { useId, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { api, ApiError } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import { checkJson } from '../shared/json-locate.js';
import type { Project } from '../types.js';

type JsonField = 'policy' | 'rubric';

/** Creates a project; policy and rubric may start empty and be written in their editors later. */
export function NewProjectForm({ onCancel }: { onCancel: () => void }) {
  const [, navigate] = useLocation();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [json, setJson] = useState<Record<JsonField, string>>({ policy: '', rubric: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [fieldErrors, setFieldErrors] = useState<[string, string][]>([]);

  const syntax = (field: JsonField) => {
    const text = json[field].trim();
    if (text === '') return null;
    const c = checkJson(text);
    return c.ok ? null : `Line ${c.line}, column ${c.column}: ${c.message}`;
  };
  const policyProblem = syntax('policy');
  const rubricProblem = syntax('rubric');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (policyProblem || rubricProblem) return;
    setBusy(true);
    setError(undefined);
    setFieldErrors([]);
    const body: Record<string, unknown> = { name: name.trim() };
    if (description.trim() !== '') body['description'] = description.trim();
    for (const field of ['policy', 'rubric'] as const) {
      if (json[field].trim() !== '') body[field] = JSON.parse(json[field]) as unknown;
    }
    try {
      const created = await api.post<Project>('/v1/projects', body);
      navigate(`/projects/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (err instanceof ApiError) setFieldErrors([...err.fieldErrors()]);
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form className="card console-section" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New project</h2>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <input id={`${id}-description`} maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <JsonTextarea
          id={`${id}-policy`}
          label="Policy JSON (optional)"
          placeholder='{"rules": [{"name": "low-confidence", "when": {"confidence": {"lt": 0.5}}, "action": "review", "priority": 60}]}'
          value={json.policy}
          onChange={(v) => setJson((j) => ({ ...j, policy: v }))}
          problem={policyProblem}
        />
        <JsonTextarea
          id={`${id}-rubric`}
          label="Rubric JSON (optional)"
          placeholder='{"criteria": [{"key": "accuracy", "label": "Accuracy", "scale": {"type": "likert", "min": 1, "max": 5}}]}'
          value={json.rubric}
          onChange={(v) => setJson((j) => ({ ...j, rubric: v }))}
          problem={rubricProblem}
        />
      </div>
      {fieldErrors.length > 0 && (
        <ul className="console-problems-inline">
          {fieldErrors.map(([path, message]) => (
            <li key={path}>
              <code>{path}</code>: {message}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || name.trim() === '' || !!policyProblem || !!rubricProblem}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function JsonTextarea(props: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  onChange: (v: string) => void;
  problem: string | null;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        className="console-mono"
        rows={5}
        spellCheck={false}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.problem ? true : undefined}
        aria-describedby={props.problem ? `${props.id}-error` : undefined}
      />
      {props.problem && (
        <span id={`${props.id}-error`} className="field-error">
          {props.problem}
        </span>
      )}
    </div>
  );
}
