import { useId, useState, type FormEvent } from 'react';
import { FieldError } from '../quality/ui.js';

type Kind = 'none' | 'model_version' | 'metadata';

function kindOf(segment: string | null): Kind {
  return segment === null ? 'none' : segment === 'model_version' ? 'model_version' : 'metadata';
}

/** Splits the agreement by model version or by a metadata field the person names. */
export function SegmentPicker({ value, onChange }: { value: string | null; onChange: (segment: string | null) => void }) {
  const id = useId();
  const [kind, setKind] = useState<Kind>(kindOf(value));
  const [field, setField] = useState(value?.startsWith('metadata.') ? value.slice('metadata.'.length) : '');
  const [error, setError] = useState<string | undefined>(undefined);

  function choose(next: Kind) {
    setKind(next);
    setError(undefined);
    if (next === 'none') onChange(null);
    else if (next === 'model_version') onChange('model_version');
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const name = field.trim().replace(/^metadata\./, '');
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) {
      setError('Name a metadata field, e.g. customer_tier or locale.country.');
      return;
    }
    setError(undefined);
    onChange(`metadata.${name}`);
  }

  return (
    <form className="row" onSubmit={apply} aria-label="Segments">
      <label className="inline-field">
        Split by
        <select value={kind} onChange={(e) => choose(e.target.value as Kind)} data-testid="segment-kind">
          <option value="none">nothing</option>
          <option value="model_version">model version</option>
          <option value="metadata">a metadata field…</option>
        </select>
      </label>
      {kind === 'metadata' && (
        <>
          <label className="inline-field">
            Field <code>metadata.</code>
            <input
              value={field}
              onChange={(e) => setField(e.target.value)}
              size={16}
              data-testid="segment-field"
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
            />
          </label>
          <button type="submit">Show segments</button>
          <FieldError id={`${id}-error`} message={error} />
        </>
      )}
    </form>
  );
}
