import type { Schemas } from '../api/client.js';

type Item = Schemas['Item'];

/** Why this item is in front of the reviewer, and what produced it. */
export function ItemContext({ item }: { item: Item }) {
  const rules = item.decision.matched_rules.filter((r) => r.over_budget !== true);
  const redactions = item.redactions ? Object.entries(item.redactions).filter(([, n]) => n > 0) : [];
  const hasMetadata =
    item.metadata !== null &&
    item.metadata !== undefined &&
    !(typeof item.metadata === 'object' && Object.keys(item.metadata).length === 0);
  return (
    <section className="card ws-context" aria-labelledby="ctx-h">
      <h2 id="ctx-h">Item context</h2>
      <dl className="ws-facts">
        <dt>Model</dt>
        <dd>{item.model ?? <span className="muted">unknown</span>}</dd>
        <dt>Version</dt>
        <dd>{item.model_version ?? <span className="muted">—</span>}</dd>
        <dt>Confidence</dt>
        <dd>{item.confidence === null ? <span className="muted">—</span> : item.confidence.toFixed(2)}</dd>
        <dt>Captured</dt>
        <dd>
          <time dateTime={item.created_at}>{new Date(item.created_at).toLocaleString()}</time>
        </dd>
        {item.external_id !== null && (
          <>
            <dt>External id</dt>
            <dd>
              <code>{item.external_id}</code>
            </dd>
          </>
        )}
        {item.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              {item.tags.map((t) => (
                <span key={t} className="badge">
                  {t}
                </span>
              ))}
            </dd>
          </>
        )}
        {redactions.length > 0 && (
          <>
            <dt>Redacted</dt>
            <dd>{redactions.map(([k, n]) => `${n} ${k}`).join(', ')}</dd>
          </>
        )}
      </dl>
      {rules.length > 0 && (
        <>
          <h3>Why it was routed</h3>
          <ul className="ws-rules">
            {rules.map((r) => (
              <li key={r.name}>
                <strong>{r.name}</strong> <span className="muted">({r.action})</span> — {r.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {hasMetadata && (
        <details className="ws-metadata">
          <summary>Metadata</summary>
          <pre>{JSON.stringify(item.metadata, null, 2)}</pre>
        </details>
      )}
      {item.purged !== null && (
        <p className="badge warn">
          Content {item.purged.action === 'delete' ? 'deleted' : 'redacted'} ({item.purged.reason})
        </p>
      )}
    </section>
  );
}
