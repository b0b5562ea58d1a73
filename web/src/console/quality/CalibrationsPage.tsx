import { useState } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import { api, query } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { CalibrationSessionView } from './CalibrationSessionView.js';
import { formatCount, formatDateTime } from './format.js';
import { StartCalibrationForm } from './StartCalibrationForm.js';
import type { SessionSummary } from './types.js';
import { ProgressBar } from './ui.js';
import './quality.css';

/**
 * Calibration sessions: the list, starting one, and one session's progress and report. The open
 * session lives in the query string (`?session=<id>`), so it can be linked and survives a reload.
 */
export function CalibrationsPage({ projectId }: { projectId: string }) {
  const [params, setParams] = useSearchParams();
  const sessionId = params.get('session');
  if (sessionId) return <CalibrationSessionView key={sessionId} sessionId={sessionId} onBack={() => setParams(new URLSearchParams())} />;
  return <SessionList projectId={projectId} onOpen={(id) => setParams({ session: id })} />;
}

function SessionList({ projectId, onOpen }: { projectId: string; onOpen: (id: string) => void }) {
  const { can } = useSignedIn();
  const [location] = useLocation();
  const [status, setStatus] = useState<'' | 'open' | 'closed'>('');
  const [starting, setStarting] = useState(false);
  const sessions = useLoad(
    (signal) =>
      api.get<{ sessions: SessionSummary[] }>(`/v1/projects/${encodeURIComponent(projectId)}/calibrations${query({ status })}`, {
        signal,
      }),
    [projectId, status],
  );
  const list = sessions.data?.sessions ?? [];

  return (
    <div className="q-stack">
      <section className="q-section" aria-labelledby="q-calibrations-title">
        <div className="row q-head">
          <h2 id="q-calibrations-title">Calibration sessions</h2>
          <span className="spacer" />
          <label htmlFor="q-calibration-status" className="q-inline-label">
            Show
          </label>
          <select id="q-calibration-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">All sessions</option>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
          </select>
          {can('projects:configure') && !starting && (
            <button type="button" className="primary" onClick={() => setStarting(true)}>
              Start a session
            </button>
          )}
        </div>
        <p className="muted q-small">
          Every selected reviewer judges the same items on their own; the report then shows where they split, as the agenda for a
          calibration discussion.
        </p>
        <ErrorNote error={sessions.error} />
        {!sessions.data && sessions.loading ? (
          <Loading label="Loading sessions" />
        ) : sessions.data && list.length === 0 ? (
          <Empty>{status === '' ? 'No calibration sessions yet.' : `No ${status} sessions.`}</Empty>
        ) : (
          sessions.data && (
            <div className="q-scroll">
              <table data-testid="calibrations-table">
                <caption className="q-sr-only">Calibration sessions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Session</th>
                    <th scope="col">Status</th>
                    <th scope="col">Started</th>
                    <th scope="col" className="num">
                      Items
                    </th>
                    <th scope="col" className="num">
                      Reviewers
                    </th>
                    <th scope="col">Progress</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => (
                    <tr key={s.id}>
                      <th scope="row">
                        <Link href={`${location}?session=${encodeURIComponent(s.id)}`}>{s.name}</Link>
                      </th>
                      <td>
                        <span className={`badge ${s.status === 'open' ? 'ok' : ''}`}>{s.status}</span>
                        {s.closed_at && <div className="muted q-small">closed {formatDateTime(s.closed_at)}</div>}
                      </td>
                      <td>
                        <time dateTime={s.created_at}>{formatDateTime(s.created_at)}</time>
                      </td>
                      <td className="num">{formatCount(s.item_count)}</td>
                      <td className="num">{formatCount(s.reviewer_count)}</td>
                      <td>
                        <div className="q-progress-cell">
                          <ProgressBar done={s.progress.judged} total={s.progress.expected} label={`Progress of ${s.name}`} />
                          <span className="q-small">
                            {formatCount(s.progress.judged)}/{formatCount(s.progress.expected)} answers · {s.progress.reviewers_done}/
                            {s.reviewer_count} reviewers done
                          </span>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        )}
      </section>
      {starting && (
        <StartCalibrationForm
          projectId={projectId}
          onCancel={() => setStarting(false)}
          onStarted={(id) => {
            setStarting(false);
            onOpen(id);
          }}
        />
      )}
    </div>
  );
}
