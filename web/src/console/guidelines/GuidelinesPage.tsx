import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad, useLocalDraft } from '../../ui/hooks.js';
import { RelTime } from '../shared/time.js';
import { VersionHistory } from '../shared/VersionHistory.js';
import type { DocVersion, GuidelineDoc } from '../types.js';
import { Markdown } from './Markdown.js';

type Version = DocVersion<GuidelineDoc>;

/** Reviewer guidelines: the version in force, publishing the next one with a reason, and the history. */
export function GuidelinesPage({ projectId }: { projectId: string }) {
  const { can } = useSignedIn();
  const base = `/v1/projects/${encodeURIComponent(projectId)}/guidelines`;
  const current = useLoad((signal) => api.get<{ current: Version | null }>(base, { signal }), [base]);
  const versions = useLoad((signal) => api.get<{ versions: Version[] }>(`${base}/versions`, { signal }), [base]);
  const [editing, setEditing] = useState(false);
  const g = current.data?.current ?? null;

  function published() {
    setEditing(false);
    current.reload();
    versions.reload();
  }

  return (
    <div className="console-stack">
      <section className="card console-section" aria-labelledby="guidelines-title">
        <div className="row">
          <h2 id="guidelines-title">Guidelines</h2>
          {g && <span className="badge">v{g.version}</span>}
          {g && (
            <span className="muted">
              published <RelTime iso={g.created_at} /> by <code>{g.created_by}</code>
            </span>
          )}
          <span className="spacer" />
          {can('projects:configure') && !editing && current.data && (
            <button type="button" className="primary" onClick={() => setEditing(true)}>
              {g ? 'Publish a new version' : 'Write the first version'}
            </button>
          )}
        </div>
        <ErrorNote error={current.error} />
        {current.loading && !current.data ? (
          <Loading label="Loading guidelines" />
        ) : editing ? (
          <PublishForm
            key={g?.version ?? 0}
            base={base}
            projectId={projectId}
            current={g}
            onPublished={published}
            onCancel={() => setEditing(false)}
          />
        ) : g ? (
          <>
            {g.document.requires_recalibration && (
              <p>
                <span className="badge warn">requires recalibration</span>
              </p>
            )}
            <Markdown source={g.document.markdown} className="guidelines-body" />
          </>
        ) : (
          current.data && <Empty>No guidelines published yet.</Empty>
        )}
      </section>
      <ErrorNote error={versions.error} />
      {versions.data && (
        <VersionHistory
          title="Guideline versions"
          versions={versions.data.versions}
          toText={(d) => d.markdown}
          diffModes={['lines', 'words']}
          diffTestId="guideline-diff"
          extraColumns={[
            {
              header: 'Why',
              cell: (v) => (
                <>
                  {v.document.change_note}
                  {v.document.requires_recalibration && <span className="badge warn console-badge-gap">recalibrate</span>}
                </>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}

function PublishForm(props: { base: string; projectId: string; current: Version | null; onPublished: () => void; onCancel: () => void }) {
  const id = useId();
  const draftKey = `tollgate:console:guidelines:${props.projectId}:v${props.current?.version ?? 0}`;
  const [draft, setDraft, clearDraft] = useLocalDraft(draftKey, {
    markdown: props.current?.document.markdown ?? '',
    change_note: '',
    requires_recalibration: false,
  });
  const [view, setView] = useState<'write' | 'preview'>('write');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const unchanged = draft.markdown === (props.current?.document.markdown ?? '');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.put(props.base, {
        markdown: draft.markdown,
        change_note: draft.change_note.trim(),
        requires_recalibration: draft.requires_recalibration,
      });
      clearDraft();
      props.onPublished();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Publish guidelines" className="guidelines-form">
      <div className="tabs" role="group" aria-label="Editor view">
        <button
          type="button"
          className={view === 'write' ? 'console-tab active' : 'console-tab'}
          aria-pressed={view === 'write'}
          onClick={() => setView('write')}
        >
          Write
        </button>
        <button
          type="button"
          className={view === 'preview' ? 'console-tab active' : 'console-tab'}
          aria-pressed={view === 'preview'}
          onClick={() => setView('preview')}
        >
          Preview
        </button>
      </div>
      {view === 'write' ? (
        <div className="field">
          <label htmlFor={`${id}-markdown`}>Guidelines (Markdown)</label>
          <textarea
            id={`${id}-markdown`}
            rows={20}
            required
            value={draft.markdown}
            onChange={(e) => setDraft((d) => ({ ...d, markdown: e.target.value }))}
            data-testid="guidelines-editor"
          />
        </div>
      ) : (
        <div className="guidelines-preview" aria-label="Preview of the new version">
          {draft.markdown.trim() === '' ? <p className="muted">Nothing to preview.</p> : <Markdown source={draft.markdown} />}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-note`}>Change note: what changed and why</label>
        <input
          id={`${id}-note`}
          required
          maxLength={2000}
          value={draft.change_note}
          onChange={(e) => setDraft((d) => ({ ...d, change_note: e.target.value }))}
          data-testid="guidelines-note"
        />
      </div>
      <label className="console-check">
        <input
          type="checkbox"
          checked={draft.requires_recalibration}
          onChange={(e) => setDraft((d) => ({ ...d, requires_recalibration: e.target.checked }))}
        />
        Reviewers must recalibrate on this change
      </label>
      <ErrorNote error={error} />
      <div className="row console-actions">
        <button
          type="submit"
          className="primary"
          data-testid="guidelines-publish"
          disabled={busy || draft.markdown.trim() === '' || draft.change_note.trim() === ''}
        >
          {busy ? 'Publishing…' : `Publish version ${(props.current?.version ?? 0) + 1}`}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        {unchanged && <span className="muted">The text is the same as the current version.</span>}
      </div>
    </form>
  );
}
