import { formatCount, formatShare, formatStat } from './format.js';
import type { AgreementReport, Measured } from './types.js';

/**
 * Krippendorff's own reading of alpha: from 0.800 data can be relied on, from 0.667 only for
 * tentative conclusions, below that not at all.
 */
export function alphaTone(alpha: number): 'ok' | 'warn' | 'bad' {
  return alpha >= 0.8 ? 'ok' : alpha >= 0.667 ? 'warn' : 'bad';
}

export function AlphaValue({ m }: { m: Measured }) {
  if (!m.defined || m.value === undefined) return <span className="muted">— {m.reason ? `(${m.reason})` : ''}</span>;
  return <span className={`badge ${alphaTone(m.value)}`}>{formatStat(m.value)}</span>;
}

function PercentValue({ m }: { m: Measured }) {
  if (!m.defined || m.value === undefined) return <span className="muted">—</span>;
  return <>{formatShare(m.value, 1)}</>;
}

/** Agreement between reviewers per field of the rubric, over the whole project. */
export function AgreementTable({ report }: { report: AgreementReport }) {
  return (
    <>
      <p className="muted q-small">
        {formatCount(report.judgments)} judgments; {formatCount(report.multiply_judged_items)} items judged by two or more reviewers. Alpha
        ≥ 0.80 is reliable, 0.67–0.80 tentative, below that unreliable.
      </p>
      {report.fields.length === 0 ? (
        <p className="muted">No fields to measure yet.</p>
      ) : (
        <div className="q-scroll">
          <table data-testid="agreement-table">
            <caption className="q-sr-only">Agreement between reviewers per field</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Level</th>
                <th scope="col" className="num">
                  Items compared
                </th>
                <th scope="col">Krippendorff’s alpha</th>
                <th scope="col" className="num">
                  Percent agreement
                </th>
              </tr>
            </thead>
            <tbody>
              {report.fields.map((f) => (
                <tr key={f.field}>
                  <th scope="row">
                    <code>{f.field}</code>
                  </th>
                  <td>{f.level}</td>
                  <td className="num">{formatCount(f.units)}</td>
                  <td>
                    <AlphaValue m={f.krippendorff_alpha} />
                  </td>
                  <td className="num">
                    <PercentValue m={f.percent_agreement} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
