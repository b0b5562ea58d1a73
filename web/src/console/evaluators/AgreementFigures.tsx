import { formatCount } from '../quality/format.js';
import { formatShareEstimate, formatStatEstimate } from './format.js';
import { KappaValue } from './KappaValue.js';
import type { AgreementAnswer, AgreementReport } from './types.js';

interface Row {
  key: string;
  label: string;
  report: AgreementReport;
}

/** The headline figures, for all checks and, when a segment is chosen, per segment value. */
export function AgreementFigures({
  name,
  report,
  segment,
  segments,
}: {
  name: string;
  report: AgreementReport;
  segment: string | null;
  segments: AgreementAnswer['segments'];
}) {
  const rows: Row[] = [
    { key: '*', label: 'All checks', report },
    ...(segments ?? []).map((s) => ({ key: `=${s.segment ?? ''}`, label: s.segment ?? '(not set)', report: s.report })),
  ];
  const withScores = rows.some((r) => r.report.scores !== null);
  return (
    <div className="table-scroll">
      <table className="dense" data-testid={`agreement-figures-${name}`}>
        <caption>
          Agreement of <code>{name}</code> with people{segment !== null && <> by {segment}</>}
        </caption>
        <thead>
          <tr>
            <th scope="col">{segment === null ? 'Items' : segment}</th>
            <th scope="col" className="num">
              Checks
            </th>
            <th scope="col" className="num">
              Unknown
            </th>
            <th scope="col">Kappa</th>
            <th scope="col">Agreement</th>
            <th scope="col">Precision</th>
            <th scope="col">Recall</th>
            {withScores && <th scope="col">Scores α</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key === '*' ? row.label : <code>{row.label}</code>}</th>
              <td className="num">{formatCount(row.report.n)}</td>
              <td className="num">{formatCount(row.report.unknown)}</td>
              <td data-testid={row.key === '*' ? `kappa-${name}` : undefined}>
                <KappaValue e={row.report.kappa} />
              </td>
              <td>{formatShareEstimate(row.report.agreement)}</td>
              <td>{formatShareEstimate(row.report.precision)}</td>
              <td>{formatShareEstimate(row.report.recall)}</td>
              {withScores && <td>{formatStatEstimate(row.report.scores?.alpha)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted console-hint">
        Checks: items both the evaluator and people judged. Unknown: items people decided that the evaluator could not judge, left out of
        every figure. Precision: of the outputs it failed, the share people corrected or rejected. Recall: of those people corrected or
        rejected, the share it failed.
      </p>
    </div>
  );
}
