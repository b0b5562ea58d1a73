import type { ReactNode } from 'react';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

/**
 * The criteria as a reviewer will meet them, drawn from the draft as it is typed. It reads the
 * draft leniently: the server's validation is the authority, this is only a picture.
 */
export function RubricPreview({ value }: { value: unknown }) {
  const criteria = isObject(value) && Array.isArray(value['criteria']) ? value['criteria'] : null;
  return (
    <section className="rubric-preview" aria-labelledby="rubric-preview-title" data-testid="rubric-preview">
      <h3 id="rubric-preview-title">Preview</h3>
      {criteria === null ? (
        <p className="muted">{value === undefined ? 'Fix the JSON to see the preview.' : 'The document needs a "criteria" array.'}</p>
      ) : criteria.length === 0 ? (
        <p className="muted">No criteria: reviewers give a verdict only.</p>
      ) : (
        <ol className="rubric-criteria">
          {criteria.map((c, i) => {
            if (!isObject(c)) {
              return (
                <li key={i} className="field-error">
                  Criterion {i + 1} is not an object.
                </li>
              );
            }
            const key = str(c['key']) ?? `(criterion ${i + 1})`;
            return (
              <li key={`${key}-${i}`}>
                <div className="row rubric-criterion-head">
                  <strong>{str(c['label']) ?? key}</strong>
                  <code className="muted">{key}</code>
                  {c['required'] === true && <span className="badge warn">required</span>}
                </div>
                {str(c['description']) && <p className="muted rubric-description">{str(c['description'])}</p>}
                <Scale scale={c['scale']} />
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function Scale({ scale }: { scale: unknown }) {
  if (!isObject(scale)) return <p className="field-error">No scale.</p>;
  const type = str(scale['type']);
  const options = Array.isArray(scale['options']) ? scale['options'] : [];
  switch (type) {
    case 'likert': {
      const min = Number(scale['min']);
      const max = Number(scale['max']);
      const labels = isObject(scale['labels']) ? scale['labels'] : {};
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min || max - min > 100) {
        return <ScaleLine type="likert">invalid range</ScaleLine>;
      }
      return (
        <ScaleLine type={`likert ${min}–${max}`}>
          {Array.from({ length: max - min + 1 }, (_, i) => {
            const point = min + i;
            const label = str(labels[String(point)]);
            return (
              <span key={point} className="chip">
                {point}
                {label ? ` ${label}` : ''}
              </span>
            );
          })}
        </ScaleLine>
      );
    }
    case 'boolean':
      return (
        <ScaleLine type="boolean">
          <span className="chip">yes</span>
          <span className="chip">no</span>
        </ScaleLine>
      );
    case 'categorical':
      return <ScaleLine type="categorical">{options.map((o, i) => chip(o, i))}</ScaleLine>;
    case 'numeric':
      return (
        <ScaleLine type="numeric">
          {str(scale['min']) ?? '?'} to {str(scale['max']) ?? '?'}
          {str(scale['step']) ? `, step ${str(scale['step'])}` : ''}
        </ScaleLine>
      );
    case 'labels':
      return (
        <ScaleLine type={scale['multiple'] === true ? 'labels (several)' : 'labels (one)'}>{options.map((o, i) => chip(o, i))}</ScaleLine>
      );
    case 'spans':
      return (
        <ScaleLine type={`spans of the ${str(scale['target']) ?? '?'}`}>
          {(Array.isArray(scale['labels']) ? scale['labels'] : []).map((o, i) => chip(o, i))}
        </ScaleLine>
      );
    default:
      return <p className="field-error">Unknown scale type {type ? `“${type}”` : ''}.</p>;
  }
}

function chip(option: unknown, i: number): ReactNode {
  if (isObject(option)) {
    const v = str(option['value']) ?? '?';
    const d = str(option['description']);
    return (
      <span key={i} className="chip" title={d ?? undefined}>
        {v}
        {d && <span className="visually-hidden">: {d}</span>}
      </span>
    );
  }
  return (
    <span key={i} className="chip">
      {str(option) ?? '?'}
    </span>
  );
}

function ScaleLine({ type, children }: { type: string; children: ReactNode }) {
  return (
    <div className="rubric-scale">
      <span className="muted">{type}</span> <span className="chips">{children}</span>
    </div>
  );
}
