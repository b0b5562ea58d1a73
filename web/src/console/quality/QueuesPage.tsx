import { useState } from 'react';
import { api } from '../../api/client.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { formatCount, formatDuration } from './format.js';
import type { QueueStatus } from './types.js';
import { useAutoRefresh } from './ui.js';
import './quality.css';

const REFRESH_MS = 15_000;

/** The backlog per queue, refreshed every 15 s: are people keeping up with what the policy routes? */
export function QueuesPage({ projectId }: { projectId: string }) {
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const queues = useLoad(
    async (signal) => {
      const res = await api.get<{ queues: QueueStatus[] }>(`/v1/projects/${encodeURIComponent(projectId)}/queues`, { signal });
      setUpdatedAt(new Date());
      return res.queues;
    },
    [projectId],
  );
  useAutoRefresh(queues.reload, REFRESH_MS);
  const list = queues.data ?? [];
  const breaching = list.filter((q) => q.overdue > 0 || q.breached_24h > 0).length;

  return (
    <section className="q-section" aria-labelledby="q-queues-title">
      <div className="row q-head">
        <h2 id="q-queues-title">Queues</h2>
        <span className="spacer" />
        <span className="muted q-small" aria-live="polite">
          {updatedAt ? `Updated ${updatedAt.toLocaleTimeString()}` : ''} · refreshes every 15 s
        </span>
        <button type="button" onClick={queues.reload} disabled={queues.loading}>
          Refresh
        </button>
      </div>
      <ErrorNote error={queues.error} />
      {!queues.data && queues.loading ? (
        <Loading label="Loading queues" />
      ) : queues.data && list.length === 0 ? (
        <Empty>No queues yet: tasks appear here once the policy routes items to people.</Empty>
      ) : (
        queues.data && (
          <>
            {breaching > 0 && (
              <p className="q-alert" role="status">
                <span className="badge bad">SLA</span> {breaching === 1 ? 'One queue is' : `${breaching} queues are`} missing
                {breaching === 1 ? ' its' : ' their'} service level.
              </p>
            )}
            <div className="q-scroll">
              <table data-testid="queues-table">
                <caption className="q-sr-only">Backlog and service level per queue</caption>
                <thead>
                  <tr>
                    <th scope="col">Queue</th>
                    <th scope="col" className="num">
                      Waiting
                    </th>
                    <th scope="col" className="num">
                      Claimed
                    </th>
                    <th scope="col" className="num">
                      Oldest waiting
                    </th>
                    <th scope="col" className="num">
                      Overdue
                    </th>
                    <th scope="col" className="num">
                      SLA breaches (24 h)
                    </th>
                    <th scope="col">SLA terms</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((q) => (
                    <QueueRow key={q.queue} q={q} />
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )
      )}
    </section>
  );
}

function QueueRow({ q }: { q: QueueStatus }) {
  // The loosest term bounds every task's due time: a task waiting longer is late whatever its priority.
  const loosest = q.sla && q.sla.sla.length > 0 ? Math.max(...q.sla.sla.map((t) => t.seconds)) : null;
  const oldestLate = loosest !== null && q.oldest_pending_seconds !== null && q.oldest_pending_seconds > loosest;
  return (
    <tr className={q.overdue > 0 || q.breached_24h > 0 ? 'q-row-bad' : undefined}>
      <th scope="row">
        <code>{q.queue}</code>
      </th>
      <td className="num">{formatCount(q.pending)}</td>
      <td className="num">{formatCount(q.claimed)}</td>
      <td className="num">
        {oldestLate ? (
          <span className="badge bad">{formatDuration(q.oldest_pending_seconds)}</span>
        ) : (
          formatDuration(q.oldest_pending_seconds)
        )}
      </td>
      <td className="num">{q.overdue > 0 ? <span className="badge bad">{formatCount(q.overdue)}</span> : '0'}</td>
      <td className="num">{q.breached_24h > 0 ? <span className="badge bad">{formatCount(q.breached_24h)}</span> : '0'}</td>
      <td>
        <SlaTerms sla={q.sla} />
      </td>
    </tr>
  );
}

function SlaTerms({ sla }: { sla: QueueStatus['sla'] }) {
  if (!sla || sla.sla.length === 0) return <span className="muted">No SLA</span>;
  const terms = [...sla.sla].sort((a, b) => b.min_priority - a.min_priority);
  return (
    <span className="q-sla">
      {terms.map((t) => (
        <span key={t.min_priority} className="q-sla-term">
          priority ≥ {t.min_priority}: {formatDuration(t.seconds)}
        </span>
      ))}
      <span className="muted">on breach: {sla.on_breach}</span>
    </span>
  );
}
