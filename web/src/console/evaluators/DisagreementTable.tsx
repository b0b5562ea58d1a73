import { formatDateTime, formatStat } from '../quality/format.js';
import { StatusBadge } from './StatusBadge.js';
import type { Disagreement } from './types.js';

/** The evaluator's verdict beside people's outcome, item by item. */
export function DisagreementTable({ name, list, limited }: { name: string; list: Disagreement[]; limited: boolean }) {
  return (
    <div className="table-scroll">
      <table className="dense" data-testid="disagreements-table">
        <caption>
          Items where <code>{name}</code> and people disagreed, newest decision first{limited && ` (the latest ${list.length})`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Evaluator</th>
            <th scope="col" className="num">
              Score
            </th>
            <th scope="col">Explanation</th>
            <th scope="col">People</th>
            <th scope="col">Decided</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.item_id}>
              {/* The console has no item page yet: the id is for the API and exports. */}
              <th scope="row">
                <code>{d.item_id}</code>
              </th>
              <td>
                <StatusBadge status={d.evaluator.status} />
                {d.evaluator.label !== null && <span className="muted"> {d.evaluator.label}</span>}
                <span className="muted"> (set v{d.evaluator.version})</span>
              </td>
              <td className="num">{formatStat(d.evaluator.score)}</td>
              <td>{d.evaluator.explanation ?? <span className="muted">—</span>}</td>
              <td>
                {d.human.outcome_status}
                {d.human.score !== null && <span className="muted"> (score {formatStat(d.human.score)})</span>}
              </td>
              <td>
                <time dateTime={d.decided_at}>{formatDateTime(d.decided_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
