import { formatCount, formatStat } from '../quality/format.js';
import { StatusBadge } from './StatusBadge.js';
import type { Decision, EvalResult, TestAnswer } from './types.js';

/** One dry run: every evaluator's result, then the policy's decision with the rules that matched. */
export function TryResult({ answer }: { answer: TestAnswer }) {
  return (
    <div className="ev-try-result">
      <ResultsTable results={answer.results} />
      <DecisionView decision={answer.decision} />
    </div>
  );
}

function ResultsTable({ results }: { results: EvalResult[] }) {
  if (results.length === 0) return <p className="muted">The set has no evaluators: nothing ran.</p>;
  return (
    <div className="table-scroll">
      <table className="dense" data-testid="try-results">
        <caption>Evaluator results</caption>
        <thead>
          <tr>
            <th scope="col">Evaluator</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Score
            </th>
            <th scope="col">Label</th>
            <th scope="col">Explanation</th>
            <th scope="col" className="num">
              Latency
            </th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.evaluator} data-testid={`try-result-${r.evaluator}`}>
              <th scope="row">
                <code>{r.evaluator}</code> <span className="muted">({r.mode})</span>
              </th>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="num">{formatStat(r.score)}</td>
              <td>{r.label ?? <span className="muted">—</span>}</td>
              <td>{r.explanation ?? <span className="muted">—</span>}</td>
              <td className="num">{formatCount(r.latency_ms)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DecisionView({ decision }: { decision: Decision }) {
  return (
    <div className="ev-decision" data-testid="try-decision">
      <h3>Decision</h3>
      <p>
        <span className={`badge action-${decision.action}`} data-testid="try-action">
          {decision.action}
        </span>{' '}
        {decision.queue !== null && (
          <>
            to queue <code>{decision.queue}</code>{' '}
          </>
        )}
        <span className="muted">by policy version {decision.policy_version}</span>
      </p>
      {decision.matched_rules.length === 0 ? (
        <p className="muted">No rule matched: the policy’s default applied.</p>
      ) : (
        <ul className="ev-rules">
          {decision.matched_rules.map((r) => (
            <li key={r.name}>
              <code>{r.name}</code> → {r.action}
              {r.untrusted && <span className="badge warn console-badge-gap">untrusted: resolved nothing</span>}
              {r.audit_sampled && <span className="badge console-badge-gap">audit sample</span>}
              {r.over_budget && <span className="badge warn console-badge-gap">over budget</span>}
              <div className="muted">{r.reason}</div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
