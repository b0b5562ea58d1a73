import { useState } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { CalibrationReportView } from './CalibrationReportView.js';
import { formatCount, formatDateTime } from './format.js';
import type { CalibrationReport, SessionWithProgress } from './types.js';
import { Actor, ConfirmDialog, ProgressBar } from './ui.js';

/** One session: who has judged how much, closing it, and the report for the discussion. */
export function CalibrationSessionView({ sessionId, onBack }: { sessionId: string; onBack: () => void }) {
  const { can } = useSignedIn();
  const path = `/v1/calibrations/${encodeURIComponent(sessionId)}`;
  const session = useLoad((signal) => api.get<SessionWithProgress>(path, { signal }), [path]);
  const report = useLoad(
    (signal) => (can('reviewers:assess') ? api.get<CalibrationReport>(`${path}/report`, { signal }) : Promise.resolve(null)),
    [path],
  );
  const [closing, setClosing] = useState(false);
  const s = session.data;

  return (
    <div className="q-stack">
      <section className="q-section" aria-labelledby="q-session-title">
        <div className="row q-head">
          <button type="button" className="link" onClick={onBack}>
            ← All sessions
          </button>
        </div>
        <ErrorNote error={session.error} />
        {!s ? (
          session.loading && <Loading label="Loading session" />
        ) : (
          <>
            <div className="row q-head">
              <h2 id="q-session-title">{s.name}</h2>
              <span className={`badge ${s.status === 'open' ? 'ok' : ''}`}>{s.status}</span>
              <span className="spacer" />
              <button
                type="button"
                onClick={() => {
                  session.reload();
                  report.reload();
                }}
                disabled={session.loading || report.loading}
              >
                Refresh
              </button>
              {s.status === 'open' && can('projects:configure') && (
                <button type="button" className="danger" onClick={() => setClosing(true)}>
                  Close session
                </button>
              )}
            </div>
            <p className="muted q-small">
              Started {formatDateTime(s.created_at)} by <Actor id={s.created_by} /> · rubric version {s.rubric_version} ·{' '}
              {formatCount(s.item_ids.length)} items
              {s.closed_at && <> · closed {formatDateTime(s.closed_at)}</>}
            </p>
            <h3>Progress</h3>
            <div className="q-scroll">
              <table data-testid="calibration-progress-table">
                <caption className="q-sr-only">Progress per reviewer</caption>
                <thead>
                  <tr>
                    <th scope="col">Reviewer</th>
                    <th scope="col" className="num">
                      Judged
                    </th>
                    <th scope="col">Progress</th>
                  </tr>
                </thead>
                <tbody>
                  {s.progress.map((p) => (
                    <tr key={p.reviewer}>
                      <th scope="row">
                        <Actor id={p.reviewer} />
                      </th>
                      <td className="num">
                        {p.judged}/{s.item_ids.length}
                      </td>
                      <td>
                        <div className="q-progress-cell">
                          <ProgressBar done={p.judged} total={s.item_ids.length} label={`Progress of ${p.reviewer}`} />
                          {p.judged >= s.item_ids.length && <span className="badge ok">done</span>}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      {can('reviewers:assess') && (
        <section className="q-section" aria-labelledby="q-report-title">
          <h2 id="q-report-title">Report</h2>
          <ErrorNote error={report.error} />
          {!report.data ? report.loading && <Loading label="Loading report" /> : <CalibrationReportView report={report.data} />}
        </section>
      )}

      <ConfirmDialog
        open={closing}
        title="Close this session?"
        confirmLabel="Close session"
        testId="close-session-dialog"
        onClose={() => setClosing(false)}
        onConfirm={async () => {
          await api.post(`${path}/close`);
          setClosing(false);
          session.reload();
          report.reload();
        }}
      >
        <p>Reviewers can no longer answer its items. The report stays available.</p>
      </ConfirmDialog>
    </div>
  );
}
