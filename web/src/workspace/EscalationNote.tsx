import { reasonLabel, type Escalation } from './claim-parts.js';

/** What an expert is told about an escalated task: who sent it up, why, and what they had so far. */
export function EscalationNote({ escalation, onUsePartial }: { escalation: Escalation; onUsePartial?: () => void }) {
  const p = escalation.partial;
  const scores = p?.scores ? Object.entries(p.scores) : [];
  return (
    <section className="card ws-escalation" aria-labelledby="esc-h">
      <h2 id="esc-h">Escalated: {reasonLabel(escalation.reason)}</h2>
      <p className="muted">
        by {escalation.by} · <time dateTime={escalation.at}>{new Date(escalation.at).toLocaleString()}</time>
      </p>
      {escalation.comment && <blockquote className="ws-quote">{escalation.comment}</blockquote>}
      {p && (p.verdict !== undefined || scores.length > 0 || p.correction !== undefined) && (
        <div className="ws-partial">
          <h3>What they had so far</h3>
          <dl className="ws-facts">
            {p.verdict !== undefined && (
              <div>
                <dt>Verdict</dt>
                <dd>{p.verdict}</dd>
              </div>
            )}
            {scores.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{JSON.stringify(v)}</dd>
              </div>
            ))}
            {p.correction !== undefined && (
              <div>
                <dt>Correction</dt>
                <dd>
                  <pre>{typeof p.correction === 'string' ? p.correction : JSON.stringify(p.correction, null, 2)}</pre>
                </dd>
              </div>
            )}
          </dl>
          {onUsePartial && (
            <button type="button" onClick={onUsePartial}>
              Start from their answer
            </button>
          )}
        </div>
      )}
    </section>
  );
}
