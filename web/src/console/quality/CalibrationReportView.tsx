import { AlphaValue } from './AgreementTable.js';
import { formatCount, formatShare } from './format.js';
import type { CalibrationReport, Verdict } from './types.js';
import { Actor } from './ui.js';

const VERDICTS: Verdict[] = ['approve', 'reject', 'correct'];

function agreementTone(a: number | null): string {
  if (a === null) return '';
  return a >= 1 ? 'ok' : a >= 0.5 ? 'warn' : 'bad';
}

/** The discussion agenda: items where reviewers split first, then each criterion, then each reviewer. */
export function CalibrationReportView({ report }: { report: CalibrationReport }) {
  return (
    <>
      <h3>Items, most disagreement first</h3>
      {report.items.length === 0 ? (
        <p className="muted">No items.</p>
      ) : (
        <div className="q-scroll">
          <table data-testid="calibration-report-items">
            <caption className="q-sr-only">Items by disagreement</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="num">
                  Answers
                </th>
                <th scope="col">Votes</th>
                <th scope="col">Majority</th>
                <th scope="col">Agreement</th>
                <th scope="col">Gold</th>
                <th scope="col">Comments</th>
              </tr>
            </thead>
            <tbody>
              {report.items.map((i) => (
                <tr key={i.item_id}>
                  <th scope="row">
                    <code className="q-actor">{i.item_id}</code>
                  </th>
                  <td className="num">{formatCount(i.judgments)}</td>
                  <td>
                    {VERDICTS.filter((v) => (i.votes[v] ?? 0) > 0)
                      .map((v) => `${v} ${i.votes[v] ?? 0}`)
                      .join(' · ') || <span className="muted">no answers</span>}
                  </td>
                  <td>{i.majority ?? <span className="muted">split</span>}</td>
                  <td>
                    {i.agreement === null ? (
                      <span className="muted">—</span>
                    ) : (
                      <span className={`badge ${agreementTone(i.agreement)}`}>{formatShare(i.agreement)}</span>
                    )}
                  </td>
                  <td>
                    {i.gold === null ? (
                      <span className="muted">—</span>
                    ) : (
                      <span
                        className={`badge ${i.majority === null ? '' : i.majority === i.gold ? 'ok' : 'bad'}`}
                        title={i.majority !== null && i.majority !== i.gold ? 'The majority departs from gold' : undefined}
                      >
                        {i.gold}
                        {i.majority !== null && i.majority !== i.gold ? ' (majority differs)' : ''}
                      </span>
                    )}
                  </td>
                  <td>
                    {i.comments.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <ul className="q-comments">
                        {i.comments.map((c, n) => (
                          <li key={n}>
                            <Actor id={c.reviewer} />: {c.comment}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Agreement per criterion</h3>
      <div className="q-scroll">
        <table data-testid="calibration-report-criteria">
          <caption className="q-sr-only">Krippendorff’s alpha per criterion over the session</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Level</th>
              <th scope="col">Krippendorff’s alpha</th>
              <th scope="col" className="num">
                Items compared
              </th>
            </tr>
          </thead>
          <tbody>
            {report.criteria.map((c) => (
              <tr key={c.field}>
                <th scope="row">
                  <code>{c.field}</code>
                </th>
                <td>{c.level}</td>
                <td>
                  <AlphaValue m={c.krippendorff_alpha} />
                </td>
                <td className="num">{c.krippendorff_alpha.units === undefined ? '—' : formatCount(c.krippendorff_alpha.units)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3>Reviewers</h3>
      <div className="q-scroll">
        <table data-testid="calibration-report-reviewers">
          <caption className="q-sr-only">Each reviewer’s distance from consensus and from gold</caption>
          <thead>
            <tr>
              <th scope="col">Reviewer</th>
              <th scope="col" className="num">
                Answered
              </th>
              <th scope="col">Departs from the others’ majority</th>
              <th scope="col">Departs from gold</th>
            </tr>
          </thead>
          <tbody>
            {report.reviewers.map((r) => (
              <tr key={r.reviewer}>
                <th scope="row">
                  <Actor id={r.reviewer} />
                </th>
                <td className="num">{formatCount(r.judged)}</td>
                <td>
                  {r.distance_from_consensus === null ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      <strong>{formatShare(r.distance_from_consensus)}</strong>{' '}
                      <span className="muted q-small">of {r.compared_with_consensus} items with a majority</span>
                    </>
                  )}
                </td>
                <td>
                  {r.distance_from_gold === null ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      <strong>{formatShare(r.distance_from_gold)}</strong>{' '}
                      <span className="muted q-small">of {r.gold_items} gold items</span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
