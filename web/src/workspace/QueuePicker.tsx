import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useLocation } from 'wouter';
import { api, type Schemas } from '../api/client.js';
import { useSignedIn } from '../app/session.js';
import { Empty, ErrorNote, Loading } from '../ui/feedback.js';
import { useLoad } from '../ui/hooks.js';
import { formatAge } from './clock.js';
import './workspace.css';

interface QueueRow {
  queue: string;
  pending: number;
  claimed: number;
  oldest_pending_seconds: number | null;
  overdue: number;
  breached_24h: number;
}

interface Standing {
  status: 'qualifying' | 'active' | 'recalibrating' | 'suspended';
  reason: string;
  attempt: { purpose: string; judged: number; total: number } | null;
}

const LAST_KEY = 'tollgate.workspace.last';
const ANY = '*';
const EXPERT_QUEUE = 'expert';

function readLast(): { projectId: string; queue: string } | null {
  try {
    const raw = localStorage.getItem(LAST_KEY);
    const v: unknown = raw === null ? null : JSON.parse(raw);
    if (v && typeof v === 'object' && 'projectId' in v && 'queue' in v && typeof v.projectId === 'string' && typeof v.queue === 'string') {
      return { projectId: v.projectId, queue: v.queue };
    }
  } catch {
    // A corrupt memory only costs the preselection.
  }
  return null;
}

/** Where to review: a project and one of its queues (or any), remembered for next time. */
export function QueuePicker() {
  const me = useSignedIn();
  const [, navigate] = useLocation();
  const last = readLast();
  const projects = useLoad((signal) => api.get<{ projects: Schemas['Project'][] }>('/v1/projects', { signal }), []);
  const list = projects.data?.projects ?? [];
  const [projectId, setProjectId] = useState<string | null>(last?.projectId ?? me.project_id);
  const [queue, setQueue] = useState<string>(last?.queue ?? ANY);

  const chosen = list.find((p) => p.id === projectId) ?? list[0] ?? null;
  useEffect(() => {
    if (chosen && chosen.id !== projectId) setProjectId(chosen.id);
  }, [chosen, projectId]);

  const queues = useLoad(
    (signal) =>
      chosen
        ? api.get<{ queues: QueueRow[] }>(`/v1/projects/${encodeURIComponent(chosen.id)}/queues`, { signal })
        : Promise.resolve({ queues: [] as QueueRow[] }),
    [chosen?.id],
  );
  const standing = useLoad(
    (signal) =>
      chosen && me.can('tasks:work')
        ? api.get<Standing>(`/v1/projects/${encodeURIComponent(chosen.id)}/reviewers/me`, { signal }).catch(() => null)
        : Promise.resolve(null),
    [chosen?.id],
  );
  const rows = (queues.data?.queues ?? []).filter((q) => q.queue !== EXPERT_QUEUE || me.can('tasks:expert'));
  const queueOk = queue === ANY || rows.some((q) => q.queue === queue);

  const start = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    const q = queueOk ? queue : ANY;
    localStorage.setItem(LAST_KEY, JSON.stringify({ projectId: chosen.id, queue: q }));
    navigate(`/${encodeURIComponent(chosen.id)}/${encodeURIComponent(q)}`);
  };

  if (!me.can('tasks:work')) {
    return (
      <main className="page">
        <h1>Review</h1>
        <p>Your role ({me.role}) does not review tasks.</p>
      </main>
    );
  }

  const totalPending = rows.reduce((s, q) => s + q.pending, 0);
  return (
    <main className="page ws-picker">
      <h1>Start reviewing</h1>
      {projects.loading && !projects.data && <Loading label="Loading projects" />}
      <ErrorNote error={projects.error} />
      {projects.data && list.length === 0 && <Empty>There are no projects you can review in.</Empty>}
      {chosen && (
        <form onSubmit={start} className="ws-picker-form">
          {list.length > 1 && (
            <div className="field">
              <label htmlFor="ws-project">Project</label>
              <select id="ws-project" value={chosen.id} onChange={(e) => setProjectId(e.target.value)}>
                {list.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {list.length === 1 && (
            <p>
              Project <strong>{chosen.name}</strong>
            </p>
          )}
          {standing.data && standing.data.status !== 'active' && (
            <p className={`badge ${standing.data.status === 'suspended' ? 'bad' : 'warn'}`}>
              {standing.data.status === 'qualifying' && 'You are qualifying: your next tasks are the qualification set'}
              {standing.data.status === 'recalibrating' && 'You are recalibrating: your next tasks are the recalibration set'}
              {standing.data.status === 'suspended' && `Paused: ${standing.data.reason}`}
              {standing.data.attempt && ` (${standing.data.attempt.judged} of ${standing.data.attempt.total} done)`}
            </p>
          )}
          <ErrorNote error={queues.error} />
          <table className="ws-queues">
            <caption className="ws-sr">Queues</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col" className="num">
                  Waiting
                </th>
                <th scope="col" className="num">
                  In review
                </th>
                <th scope="col" className="num">
                  Oldest
                </th>
                <th scope="col" className="num">
                  Overdue
                </th>
              </tr>
            </thead>
            <tbody>
              <QueueOption value={ANY} label="Any queue" current={queue} onPick={setQueue}>
                <td className="num">{totalPending}</td>
                <td className="num" />
                <td className="num" />
                <td className="num" />
              </QueueOption>
              {rows.map((q) => (
                <QueueOption key={q.queue} value={q.queue} label={q.queue} current={queue} onPick={setQueue}>
                  <td className="num">{q.pending}</td>
                  <td className="num">{q.claimed}</td>
                  <td className="num">{q.oldest_pending_seconds === null ? '—' : formatAge(q.oldest_pending_seconds)}</td>
                  <td className="num">{q.overdue > 0 ? <span className="badge bad">{q.overdue}</span> : 0}</td>
                </QueueOption>
              ))}
            </tbody>
          </table>
          {queues.loading && !queues.data && <Loading label="Loading queues" />}
          <div className="row ws-picker-actions">
            <button type="submit" className="primary" data-testid="start-reviewing">
              Start reviewing
            </button>
            <button type="button" onClick={queues.reload}>
              Refresh
            </button>
          </div>
        </form>
      )}
    </main>
  );
}

function QueueOption({
  value,
  label,
  current,
  onPick,
  children,
}: {
  value: string;
  label: string;
  current: string;
  onPick: (v: string) => void;
  children: ReactNode;
}) {
  const id = `ws-queue-${value === ANY ? 'any' : value}`;
  return (
    <tr className={current === value ? 'ws-picked' : undefined} onClick={() => onPick(value)}>
      <th scope="row">
        <label htmlFor={id} className="ws-radio">
          <input id={id} type="radio" name="queue" value={value} checked={current === value} onChange={() => onPick(value)} />
          {label}
        </label>
      </th>
      {children}
    </tr>
  );
}
