import { formatCount, formatPercent } from '../shared/time.js';
import type { BacktestRecall, BacktestReport, BacktestTotals } from '../types.js';

/** What the candidate policy would have done, beside what the current one did, over the same items. */
export function BacktestResult({ report, days }: { report: BacktestReport; days: number }) {
  const { candidate, current } = report.overall;
  if (report.items === 0) {
    return (
      <p className="muted">
        No items were captured in the last {days} days, so there is nothing to replay. The candidate is valid and can be saved.
      </p>
    );
  }
  const delta = candidate.routed - current.routed;
  return (
    <div className="backtest">
      <p className="backtest-summary">
        Over <strong>{formatCount(report.items)}</strong> items from the last {days} days, the candidate sends{' '}
        <strong>{formatCount(candidate.routed)}</strong> ({formatPercent(candidate.share)}) to people; the current policy sent{' '}
        <strong>{formatCount(current.routed)}</strong> ({formatPercent(current.share)}). <Delta value={delta} unit="items" />
      </p>

      <div className="grid-2 backtest-grid">
        <table className="dense">
          <caption>Routed volume</caption>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col" className="num">
                Current
              </th>
              <th scope="col" className="num">
                Candidate
              </th>
              <th scope="col" className="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {TOTAL_ROWS.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td className="num">{row.format(row.get(current))}</td>
                <td className="num">{row.format(row.get(candidate))}</td>
                <td className="num">{row.delta ? <Delta value={(row.get(candidate) ?? 0) - (row.get(current) ?? 0)} /> : ''}</td>
              </tr>
            ))}
            {candidate.expected_routed !== undefined && candidate.expected_routed !== candidate.routed && (
              <tr>
                <th scope="row">Expected routed (over sampling draws)</th>
                <td className="num">—</td>
                <td className="num">{candidate.expected_routed.toFixed(1)}</td>
                <td />
              </tr>
            )}
          </tbody>
        </table>

        <table className="dense">
          <caption>Known failures caught (people rejected or corrected the output)</caption>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col" className="num">
                Current
              </th>
              <th scope="col" className="num">
                Candidate
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Known failures</th>
              <td className="num" colSpan={2}>
                {formatCount(report.known_failures.total)}
              </td>
            </tr>
            <tr>
              <th scope="row">Caught</th>
              <td className="num">{formatCount(report.known_failures.current_caught)}</td>
              <td className="num">{formatCount(report.known_failures.candidate_caught)}</td>
            </tr>
            <tr>
              <th scope="row">Recall (95% interval)</th>
              <td className="num">
                <Recall value={report.known_failures.current_recall} />
              </td>
              <td className="num">
                <Recall value={report.known_failures.candidate_recall} />
              </td>
            </tr>
            <tr>
              <th scope="row">Caught by this policy only</th>
              <td className="num">{formatCount(report.known_failures.current_only)}</td>
              <td className="num">{formatCount(report.known_failures.candidate_only)}</td>
            </tr>
            <tr>
              <th scope="row">Judged items still routed</th>
              <td className="num">{formatCount(report.judged.total)}</td>
              <td className="num">{formatCount(report.judged.candidate_routed)}</td>
            </tr>
          </tbody>
        </table>
      </div>

      {report.known_failures.missed_by_candidate.length > 0 && (
        <details className="backtest-missed">
          <summary>
            <span className="badge bad">{report.known_failures.total - report.known_failures.candidate_caught}</span> known failures the
            candidate would pass
          </summary>
          <ul className="console-idlist">
            {report.known_failures.missed_by_candidate.map((id) => (
              <li key={id}>
                <code>{id}</code>
              </li>
            ))}
          </ul>
        </details>
      )}

      <h3>Per rule</h3>
      <div className="table-scroll">
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Action</th>
              <th scope="col" className="num">
                Priority
              </th>
              <th scope="col" className="num">
                Matched
              </th>
              <th scope="col" className="num">
                Decisive
              </th>
              <th scope="col" className="num">
                Only rule routing it
              </th>
            </tr>
          </thead>
          <tbody>
            {report.per_rule.map((r) => (
              <tr key={r.name}>
                <td>
                  <code>{r.name}</code>
                </td>
                <td>
                  <span className={`badge action-${r.action}`}>{r.action}</span>
                </td>
                <td className="num">{r.priority}</td>
                <td className="num">
                  {formatCount(r.matched)} <span className="muted">({formatPercent(r.matched / report.items)})</span>
                </td>
                <td className="num">{formatCount(r.decisive)}</td>
                <td className="num">{formatCount(r.only_rule)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <PerDay report={report} />

      {report.changes.length > 0 && (
        <>
          <h3>Decisions that change</h3>
          <table className="dense backtest-changes">
            <thead>
              <tr>
                <th scope="col">Current action</th>
                <th scope="col">Candidate action</th>
                <th scope="col" className="num">
                  Items
                </th>
              </tr>
            </thead>
            <tbody>
              {report.changes.map((c) => (
                <tr key={`${c.from}-${c.to}`} className={c.from === c.to ? 'muted' : undefined}>
                  <td>{c.from}</td>
                  <td>{c.from === c.to ? `${c.to} (unchanged)` : c.to}</td>
                  <td className="num">{formatCount(c.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {report.caveats.length > 0 && (
        <details className="backtest-caveats">
          <summary>How to read these figures</summary>
          <ul>
            {report.caveats.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

const TOTAL_ROWS: {
  label: string;
  get: (t: BacktestTotals) => number | null;
  format: (n: number | null) => string;
  delta: boolean;
}[] = [
  { label: 'Routed to people', get: (t) => t.routed, format: formatCount, delta: true },
  { label: 'of which held', get: (t) => t.held, format: formatCount, delta: true },
  { label: 'Review tasks', get: (t) => t.review_tasks, format: formatCount, delta: true },
  { label: 'Share routed', get: (t) => t.share, format: (n) => formatPercent(n), delta: false },
  { label: 'No rule matched', get: (t) => t.unmatched, format: formatCount, delta: true },
];

function Delta({ value, unit }: { value: number; unit?: string }) {
  if (value === 0) return <span className="muted">no change</span>;
  const sign = value > 0 ? '+' : '−';
  return (
    <span className={value > 0 ? 'delta up' : 'delta down'}>
      {sign}
      {formatCount(Math.abs(value))}
      {unit ? ` ${unit}` : ''}
    </span>
  );
}

function Recall({ value }: { value: BacktestRecall | null }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <>
      {formatPercent(value.rate)}{' '}
      <span className="muted">
        ({formatPercent(value.interval.low, 0)}–{formatPercent(value.interval.high, 0)})
      </span>
    </>
  );
}

/** Review load per day: the numbers in cells, the bars only as a picture of them. */
function PerDay({ report }: { report: BacktestReport }) {
  const days = report.per_day;
  if (days.length === 0) return null;
  const max = Math.max(1, ...days.map((d) => Math.max(d.candidate_tasks, d.current_tasks)));
  const avg = (pick: (d: BacktestReport['per_day'][number]) => number) => days.reduce((s, d) => s + pick(d), 0) / days.length;
  return (
    <>
      <h3>Review load per day</h3>
      <p className="muted">
        On average {avg((d) => d.current_tasks).toFixed(1)} tasks a day now, {avg((d) => d.candidate_tasks).toFixed(1)} with the candidate.
      </p>
      <div className="table-scroll backtest-days">
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col" className="num">
                Current tasks
              </th>
              <th scope="col" className="num">
                Candidate tasks
              </th>
              <th scope="col">
                <span className="legend current">current</span> <span className="legend candidate">candidate</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>
                  <time dateTime={d.day}>{d.day}</time>
                </td>
                <td className="num">{formatCount(d.items)}</td>
                <td className="num">{formatCount(d.current_tasks)}</td>
                <td className="num">{formatCount(d.candidate_tasks)}</td>
                <td className="bars" aria-hidden="true">
                  <span className="bar current" style={{ width: `${(d.current_tasks / max) * 100}%` }} />
                  <span className="bar candidate" style={{ width: `${(d.candidate_tasks / max) * 100}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
