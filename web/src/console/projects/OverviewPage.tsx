import { Link } from 'wouter';
import { api } from '../../api/client.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { formatCount, formatDuration, RelTime } from '../shared/time.js';
import type { DocVersion, GuidelineDoc, Project, QueueStatus } from '../types.js';

/** A project at a glance: are the queues keeping up, and which rules are in force. */
export function OverviewPage({ project }: { project: Project }) {
  const base = `/v1/projects/${encodeURIComponent(project.id)}`;
  const queues = useLoad((signal) => api.get<{ queues: QueueStatus[] }>(`${base}/queues`, { signal }), [base]);
  const guidelines = useLoad((signal) => api.get<{ current: DocVersion<GuidelineDoc> | null }>(`${base}/guidelines`, { signal }), [base]);
  const list = queues.data?.queues ?? [];
  const totals = list.reduce(
    (t, q) => ({
      pending: t.pending + q.pending,
      claimed: t.claimed + q.claimed,
      overdue: t.overdue + q.overdue,
      breached: t.breached + q.breached_24h,
    }),
    { pending: 0, claimed: 0, overdue: 0, breached: 0 },
  );
  const g = guidelines.data?.current;

  return (
    <div className="console-stack">
      <section aria-labelledby="overview-counts">
        <h2 id="overview-counts" className="visually-hidden">
          At a glance
        </h2>
        <div className="console-stats">
          <Stat label="Pending tasks" value={formatCount(totals.pending)} />
          <Stat label="Claimed tasks" value={formatCount(totals.claimed)} />
          <Stat label="Overdue" value={formatCount(totals.overdue)} tone={totals.overdue > 0 ? 'bad' : undefined} />
          <Stat label="SLA breaches (24 h)" value={formatCount(totals.breached)} tone={totals.breached > 0 ? 'warn' : undefined} />
          <Stat label="Policy rules" value={formatCount(project.policy.document.rules.length)} />
          <Stat label="Rubric criteria" value={formatCount(project.rubric.document.criteria.length)} />
        </div>
      </section>

      <section className="card console-section" aria-labelledby="overview-queues">
        <h2 id="overview-queues">Queues</h2>
        <ErrorNote error={queues.error} />
        {queues.loading && !queues.data ? (
          <Loading label="Loading queues" />
        ) : list.length === 0 ? (
          <Empty>No queues yet: tasks appear here once the policy routes items to people.</Empty>
        ) : (
          <div className="table-scroll">
            <table className="dense" data-testid="overview-queues">
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col" className="num">
                    Pending
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
                  <th scope="col">SLA</th>
                </tr>
              </thead>
              <tbody>
                {list.map((q) => (
                  <tr key={q.queue}>
                    <td>
                      <code>{q.queue}</code>
                    </td>
                    <td className="num">{formatCount(q.pending)}</td>
                    <td className="num">{formatCount(q.claimed)}</td>
                    <td className="num">{formatDuration(q.oldest_pending_seconds)}</td>
                    <td className="num">{q.overdue > 0 ? <span className="badge bad">{formatCount(q.overdue)}</span> : '0'}</td>
                    <td className="num">{q.breached_24h > 0 ? <span className="badge warn">{formatCount(q.breached_24h)}</span> : '0'}</td>
                    <td>
                      {q.sla ? (
                        <span className="muted">
                          {q.sla.sla.map((b) => `≥P${b.min_priority}: ${formatDuration(b.seconds)}`).join(' · ')}
                          {q.sla.on_breach !== 'none' && ` · on breach: ${q.sla.on_breach.replace('_', ' ')}`}
                        </span>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="cards" aria-label="Versions in force">
        <VersionCard
          title="Policy"
          href="/policy"
          version={project.policy.version}
          at={project.policy.created_at}
          by={project.policy.created_by}
          detail={`${project.policy.document.rules.length} ${project.policy.document.rules.length === 1 ? 'rule' : 'rules'} · default ${String(project.policy.document.default_action ?? 'pass')}`}
        />
        <VersionCard
          title="Rubric"
          href="/rubric"
          version={project.rubric.version}
          at={project.rubric.created_at}
          by={project.rubric.created_by}
          detail={`${project.rubric.document.criteria.length} ${project.rubric.document.criteria.length === 1 ? 'criterion' : 'criteria'}`}
        />
        {guidelines.error ? (
          <ErrorNote error={guidelines.error} />
        ) : (
          <VersionCard
            title="Guidelines"
            href="/guidelines"
            version={g?.version ?? null}
            at={g?.created_at ?? null}
            by={g?.created_by ?? null}
            detail={g ? g.document.change_note : guidelines.loading ? 'Loading…' : 'None published yet'}
          />
        )}
      </section>
    </div>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'bad' | 'warn' | undefined }) {
  return (
    <div className={`console-stat${tone ? ` ${tone}` : ''}`}>
      <div className="console-stat-value">{value}</div>
      <div className="console-stat-label">{label}</div>
    </div>
  );
}

function VersionCard(props: { title: string; href: string; version: number | null; at: string | null; by: string | null; detail: string }) {
  return (
    <div className="card">
      <h3>
        <Link href={props.href}>{props.title}</Link> {props.version !== null && <span className="badge">v{props.version}</span>}
      </h3>
      <p className="console-clip">{props.detail}</p>
      {props.at && (
        <p className="muted">
          Saved <RelTime iso={props.at} /> by <code>{props.by}</code>
        </p>
      )}
    </div>
  );
}
