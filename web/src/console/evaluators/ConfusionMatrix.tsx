import { formatCount } from '../quality/format.js';
import type { AgreementReport } from './types.js';

/** The 2×2 table: the evaluator's verdicts in rows, people's outcomes in columns. */
export function ConfusionMatrix({ name, confusion }: { name: string; confusion: AgreementReport['confusion'] }) {
  const c = confusion;
  return (
    <table className="dense ev-confusion" data-testid={`confusion-${name}`}>
      <caption>Evaluator verdicts against people’s outcomes</caption>
      <thead>
        <tr>
          <td />
          <th scope="col" className="num">
            People approved
          </th>
          <th scope="col" className="num">
            People corrected or rejected
          </th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Evaluator pass</th>
          <td className="num ev-agree">{formatCount(c.pass_pass)}</td>
          <td className="num ev-disagree">{formatCount(c.pass_fail)}</td>
        </tr>
        <tr>
          <th scope="row">Evaluator fail</th>
          <td className="num ev-disagree">{formatCount(c.fail_pass)}</td>
          <td className="num ev-agree">{formatCount(c.fail_fail)}</td>
        </tr>
      </tbody>
    </table>
  );
}
