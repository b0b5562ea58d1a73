import { formatCount, formatShare, formatStat } from '../quality/format.js';
import { RelTime } from '../shared/time.js';
import type { TrustState } from './types.js';

function requirementOf(t: TrustState): string {
  const r = t.requirement as Record<string, unknown>;
  const num = (k: string) => (typeof r[k] === 'number' ? r[k] : null);
  const sample = num('audit_sample');
  return [
    `kappa ≥ ${formatStat(num('min_kappa'))}`,
    `≥ ${formatCount(num('min_checks'))} checks`,
    `over ${formatCount(num('window_days'))} days`,
    `audit ${sample === null ? '—' : formatShare(sample, 1)}`,
  ].join(', ');
}

/** One row per trust rule: trusted or not, the figures it was judged on, and the bar it must meet. */
export function TrustTable({ rules }: { rules: TrustState[] }) {
  return (
    <div className="table-scroll">
      <table className="dense" data-testid="trust-table">
        <caption>Trust rules of the current policy</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Evaluator</th>
            <th scope="col">Trusted</th>
            <th scope="col" className="num">
              Kappa
            </th>
            <th scope="col" className="num">
              Checks
            </th>
            <th scope="col">Requirement</th>
            <th scope="col">Reason</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((t) => (
            <tr key={t.rule} data-testid={`trust-${t.rule}`}>
              <th scope="row">
                <code>{t.rule}</code>
              </th>
              <td>
                <code>{t.evaluator}</code>
              </td>
              <td>
                {t.trusted ? <span className="badge ok">trusted</span> : <span className="badge bad">not trusted</span>}
                {!t.current && t.evaluated_at !== null && <span className="badge warn console-badge-gap">requirement changed</span>}
              </td>
              <td className="num">{formatStat(t.kappa)}</td>
              <td className="num">{formatCount(t.checks)}</td>
              <td>{requirementOf(t)}</td>
              <td>{t.reason}</td>
              <td>
                <RelTime iso={t.changed_at} empty="never" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
