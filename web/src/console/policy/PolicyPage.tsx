import { useState } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { DocumentEditor } from '../shared/DocumentEditor.js';
import { pretty, useJsonDocument } from '../shared/useJsonDocument.js';
import { VersionHistory } from '../shared/VersionHistory.js';
import { RelTime } from '../shared/time.js';
import type { BacktestReport, DocVersion, PolicyDoc, Project } from '../types.js';
import { BacktestResult } from './BacktestResult.js';

const WINDOWS = [7, 30, 90] as const;

/**
 * The routing policy: edit, replay the candidate over stored items to see what it would have
 * done, then save it as the next version.
 */
export function PolicyPage({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const { can } = useSignedIn();
  const canEdit = can('projects:configure');
  const base = `/v1/projects/${encodeURIComponent(project.id)}`;
  const versions = useLoad(
    (signal) => api.get<{ versions: DocVersion<PolicyDoc>[] }>(`${base}/policy/versions`, { signal }),
    [base, project.policy.version],
  );
  const doc = useJsonDocument({
    draftKey: `tollgate:console:policy:${project.id}:v${project.policy.version}`,
    base: project.policy.document,
    savePath: `${base}/policy`,
    onSaved,
  });
  const [days, setDays] = useState<(typeof WINDOWS)[number]>(30);
  const [backtest, setBacktest] = useState<{ text: string; days: number; report: BacktestReport } | null>(null);
  const [running, setRunning] = useState(false);

  async function runBacktest() {
    if (!doc.check.ok) return;
    const text = doc.text;
    setRunning(true);
    doc.clearReport();
    try {
      const until = new Date();
      const since = new Date(until.getTime() - days * 86_400_000);
      const report = await api.post<BacktestReport>(`${base}/policy/backtest`, {
        policy: doc.check.value,
        since: since.toISOString(),
        until: until.toISOString(),
        time_zone_offset_minutes: -until.getTimezoneOffset(),
      });
      setBacktest({ text, days, report });
    } catch (err) {
      setBacktest(null);
      doc.report(err);
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="console-stack">
      <section className="card console-section" aria-labelledby="policy-title">
        <div className="row">
          <h2 id="policy-title">Routing policy</h2>
          <span className="badge">v{project.policy.version}</span>
          <span className="muted">
            saved <RelTime iso={project.policy.created_at} /> by <code>{project.policy.created_by}</code>
          </span>
        </div>
        <DocumentEditor
          doc={doc}
          idBase="policy"
          label="Policy document (JSON)"
          nextVersion={project.policy.version + 1}
          canEdit={canEdit}
          testIds={{ editor: 'policy-editor', save: 'policy-save', errors: 'policy-errors' }}
          hint={
            <>
              Rules route items to <code>pass</code>, <code>review</code> or <code>hold</code>; preview the candidate before saving it.
            </>
          }
          extraActions={
            <>
              <label className="inline-field">
                Replay the last
                <select value={days} onChange={(e) => setDays(Number(e.target.value) as (typeof WINDOWS)[number])}>
                  {WINDOWS.map((d) => (
                    <option key={d} value={d}>
                      {d} days
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" data-testid="policy-backtest" disabled={!doc.check.ok || running} onClick={() => void runBacktest()}>
                {running ? 'Replaying…' : 'Preview backtest'}
              </button>
            </>
          }
        />
      </section>
      {canEdit && (
        <section className="card console-section" aria-labelledby="backtest-title" aria-busy={running}>
          <h2 id="backtest-title">Backtest preview</h2>
          <div data-testid="backtest-result" aria-live="polite">
            {running && !backtest ? (
              <Loading label="Replaying the candidate over stored items" />
            ) : backtest ? (
              <>
                {backtest.text !== doc.text && (
                  <p className="console-stale" role="note">
                    The document changed since this preview: run it again before saving.
                  </p>
                )}
                <BacktestResult report={backtest.report} days={backtest.days} />
              </>
            ) : (
              <p className="muted">
                Not run yet. “Preview backtest” replays the candidate over the stored items of the chosen window and compares it with what
                the current policy did: volume routed, review load per day, and recall of known failures.
              </p>
            )}
          </div>
        </section>
      )}
      <ErrorNote error={versions.error} />
      {versions.data && (
        <VersionHistory title="Policy versions" versions={versions.data.versions} toText={pretty} diffTestId="policy-diff" />
      )}
    </div>
  );
}
