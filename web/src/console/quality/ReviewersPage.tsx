import { useId, useMemo, useState } from 'react';
import { api, query } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { AgreementTable } from './AgreementTable.js';
import { formatCount, formatInterval, formatShare } from './format.js';
import { StandingDialog } from './StandingDialog.js';
import type { AgreementReport, ReviewerStanding, ReviewerStats, ReviewerStatsReport, StandingStatus } from './types.js';
import { Actor, IntervalBar } from './ui.js';
import './quality.css';

const STANDING_TONE: Record<StandingStatus, string> = {
  active: 'ok',
  qualifying: 'warn',
  recalibrating: 'warn',
  suspended: 'bad',
};
// Who needs a manager's attention first.
const STANDING_ORDER: Record<StandingStatus, number> = { suspended: 0, recalibrating: 1, qualifying: 2, active: 3 };

interface Row {
  reviewer: string;
  standing: ReviewerStanding | undefined;
  stats: ReviewerStats | undefined;
}

/** Each reviewer's standing, accuracy on gold and agreement with peers; agreement per field below. */
export function ReviewersPage({ projectId }: { projectId: string }) {
  const { can } = useSignedIn();
  const assess = can('reviewers:assess');
  const base = `/v1/projects/${encodeURIComponent(projectId)}`;
  const [field, setField] = useState('verdict');
  const fieldId = useId();

  const standing = useLoad(
    (signal) =>
      assess ? api.get<{ reviewers: ReviewerStanding[] }>(`${base}/reviewers/standing`, { signal }) : Promise.resolve({ reviewers: [] }),
    [base, assess],
  );
  const stats = useLoad(
    (signal) =>
      assess
        ? api.get<ReviewerStatsReport>(`${base}/stats/reviewers${query({ field })}`, { signal })
        : Promise.resolve<ReviewerStatsReport>({ project_id: projectId, field, reviewers: [] }),
    [base, assess, field],
  );
  const agreement = useLoad(
    (signal) => (can('stats:read') ? api.get<AgreementReport>(`${base}/stats/agreement`, { signal }) : Promise.resolve(null)),
    [base],
  );
  const [editing, setEditing] = useState<ReviewerStanding | null>(null);

  const rows = useMemo(() => {
    const out = new Map<string, Row>();
    for (const s of standing.data?.reviewers ?? []) out.set(s.reviewer, { reviewer: s.reviewer, standing: s, stats: undefined });
    for (const s of stats.data?.reviewers ?? []) {
      const row = out.get(s.reviewer);
      if (row) row.stats = s;
      else out.set(s.reviewer, { reviewer: s.reviewer, standing: undefined, stats: s });
    }
    return [...out.values()].sort(
      (a, b) =>
        (a.standing ? STANDING_ORDER[a.standing.status] : 9) - (b.standing ? STANDING_ORDER[b.standing.status] : 9) ||
        a.reviewer.localeCompare(b.reviewer),
    );
  }, [standing.data, stats.data]);

  const fields = agreement.data?.fields.map((f) => f.field) ?? ['verdict'];

  return (
    <div className="q-stack">
      {assess && (
        <section className="q-section" aria-labelledby="q-reviewers-title">
          <div className="row q-head">
            <h2 id="q-reviewers-title">Reviewers</h2>
            <span className="spacer" />
            <label htmlFor={fieldId} className="q-inline-label">
              Agreement on
            </label>
            <select id={fieldId} value={field} onChange={(e) => setField(e.target.value)}>
              {(fields.includes(field) ? fields : [field, ...fields]).map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
          <ErrorNote error={standing.error} />
          <ErrorNote error={stats.error} />
          {(!standing.data || !stats.data) && (standing.loading || stats.loading) ? (
            <Loading label="Loading reviewers" />
          ) : rows.length === 0 ? (
            <Empty>No reviewers yet: they appear here once they have a standing or have judged an item.</Empty>
          ) : (
            <div className="q-scroll">
              <table data-testid="reviewers-table">
                <caption className="q-sr-only">Reviewers: standing, gold accuracy and agreement with peers</caption>
                <thead>
                  <tr>
                    <th scope="col">Reviewer</th>
                    <th scope="col">Standing</th>
                    <th scope="col">Gold accuracy (rolling)</th>
                    <th scope="col">Agreement with peers ({stats.data?.field ?? field})</th>
                    <th scope="col" className="num">
                      Judgments
                    </th>
                    <th scope="col">
                      <span className="q-sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <ReviewerRow key={r.reviewer} row={r} onOverride={setEditing} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}

      {can('stats:read') && (
        <section className="q-section" aria-labelledby="q-agreement-title">
          <h2 id="q-agreement-title">Agreement per field</h2>
          <ErrorNote error={agreement.error} />
          {!agreement.data && agreement.loading ? (
            <Loading label="Loading agreement" />
          ) : (
            agreement.data && <AgreementTable report={agreement.data} />
          )}
        </section>
      )}

      <StandingDialog
        projectId={projectId}
        standing={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          standing.reload();
        }}
      />
    </div>
  );
}

function ReviewerRow({ row, onOverride }: { row: Row; onOverride: (s: ReviewerStanding) => void }) {
  const { standing: s, stats } = row;
  const peers = stats?.agreement_with_peers ?? null;
  return (
    <tr>
      <th scope="row">
        <Actor id={row.reviewer} />
      </th>
      <td>
        {s ? (
          <>
            <span className={`badge ${STANDING_TONE[s.status]}`}>{s.status}</span>
            <div className="q-why">{s.reason}</div>
            {s.attempt && (
              <div className="muted q-small">
                {s.attempt.purpose}: {s.attempt.judged} of {s.attempt.total} judged, pass at {formatShare(s.attempt.pass_accuracy)}
              </div>
            )}
          </>
        ) : (
          <span className="muted">Not held to a standing</span>
        )}
      </td>
      <td>
        {s?.rolling && s.rolling.total > 0 ? (
          <>
            <strong>{formatShare(s.rolling.accuracy)}</strong>{' '}
            <span className="muted q-small">
              {s.rolling.correct}/{s.rolling.total} of the last {s.rolling.window}
            </span>
          </>
        ) : (
          <span className="muted">No gold met yet</span>
        )}
        {stats?.gold && stats.gold.total > 0 && (
          <div className="muted q-small">
            all time {formatShare(stats.gold.accuracy)} ({stats.gold.correct}/{stats.gold.total})
          </div>
        )}
        {s?.gold_unseen === 0 && (
          <div>
            <span className="badge warn">no unseen gold left</span>
          </div>
        )}
      </td>
      <td>
        {peers && peers.rate !== null ? (
          <div className="q-agree">
            <span>
              <strong>{formatShare(peers.rate)}</strong>{' '}
              <span className="muted q-small">
                {formatInterval(peers.interval)} · {peers.agreed}/{peers.compared}
              </span>
            </span>
            <IntervalBar rate={peers.rate} interval={peers.interval} label="Agreement with peers" />
          </div>
        ) : (
          <span className="muted">No overlap with peers yet</span>
        )}
      </td>
      <td className="num">{formatCount(stats?.judgments ?? 0)}</td>
      <td>
        {s && (
          <button type="button" onClick={() => onOverride(s)} aria-label={`Override standing of ${row.reviewer}`}>
            Override…
          </button>
        )}
      </td>
    </tr>
  );
}
