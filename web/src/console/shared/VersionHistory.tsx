import { useId, useState, type ReactNode } from 'react';
import type { DocVersion } from '../types.js';
import { DiffView } from './DiffView.js';
import { RelTime } from './time.js';

interface Props<D> {
  title: string;
  versions: DocVersion<D>[];
  /** The text the diff compares (pretty JSON, or the Markdown). */
  toText: (doc: D) => string;
  /** Extra columns, e.g. the guideline's change note. */
  extraColumns?: { header: string; cell: (v: DocVersion<D>) => ReactNode }[];
  diffModes?: ('lines' | 'words')[];
  diffTestId?: string;
}

/** Every saved version, who saved it and when, and the difference between any two. */
export function VersionHistory<D>({ title, versions, toText, extraColumns = [], diffModes = ['lines'], diffTestId }: Props<D>) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version ?? 0;
  const [to, setTo] = useState<number | null>(null);
  const [from, setFrom] = useState<number | null>(null);
  const [mode, setMode] = useState<'lines' | 'words'>(diffModes[0] ?? 'lines');
  const headingId = useId();
  const toV = to ?? latest;
  const fromV = from ?? sorted.find((v) => v.version < toV)?.version ?? toV;
  const a = sorted.find((v) => v.version === fromV);
  const b = sorted.find((v) => v.version === toV);

  return (
    <section className="card console-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {sorted.length === 0 ? (
        <p className="muted">No versions yet.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="dense">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col">Saved</th>
                  <th scope="col">By</th>
                  {extraColumns.map((c) => (
                    <th scope="col" key={c.header}>
                      {c.header}
                    </th>
                  ))}
                  <th scope="col">Compare</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((v, i) => {
                  const previous = sorted[i + 1];
                  return (
                    <tr key={v.version} aria-current={v.version === latest ? 'true' : undefined}>
                      <td className="num">
                        {v.version}
                        {v.version === latest && <span className="badge ok console-badge-gap">current</span>}
                      </td>
                      <td>
                        <RelTime iso={v.created_at} />
                      </td>
                      <td>
                        <code>{v.created_by}</code>
                      </td>
                      {extraColumns.map((c) => (
                        <td key={c.header}>{c.cell(v)}</td>
                      ))}
                      <td>
                        {previous ? (
                          <button
                            type="button"
                            className="link"
                            onClick={() => {
                              setFrom(previous.version);
                              setTo(v.version);
                            }}
                          >
                            Diff v{previous.version} → v{v.version}
                          </button>
                        ) : (
                          <span className="muted">first version</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="row console-diff-controls">
            <label className="inline-field">
              From version
              <select value={fromV} onChange={(e) => setFrom(Number(e.target.value))}>
                {sorted.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field">
              To version
              <select value={toV} onChange={(e) => setTo(Number(e.target.value))}>
                {sorted.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
            {diffModes.length > 1 && (
              <fieldset className="console-segmented">
                <legend className="visually-hidden">Compare by</legend>
                {diffModes.map((m) => (
                  <label key={m}>
                    <input type="radio" name={`${headingId}-mode`} value={m} checked={mode === m} onChange={() => setMode(m)} />
                    {m === 'lines' ? 'Lines' : 'Words'}
                  </label>
                ))}
              </fieldset>
            )}
          </div>
          {a && b && a.version === b.version && <p className="muted">Pick two different versions to compare.</p>}
          {a && b && a.version !== b.version && (
            <DiffView
              before={toText(a.document)}
              after={toText(b.document)}
              mode={mode}
              label={`Changes from version ${a.version} to version ${b.version}`}
              testId={diffTestId}
            />
          )}
        </>
      )}
    </section>
  );
}
