import { useId, useMemo, useState } from 'react';
import { api, query } from '../../api/client.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad, useLocalDraft } from '../../ui/hooks.js';
import { formatDateTime, previewText } from './format.js';
import type { CalibrationSession, Item, ReviewerStanding } from './types.js';
import { Actor, FieldError, fieldError, useAction } from './ui.js';

const MAX_ITEMS = 200;
const MAX_REVIEWERS = 50;
const PAGE = 50;

interface Draft {
  name: string;
  /** Ids typed or pasted, any separator. */
  itemText: string;
  picked: string[];
  reviewerText: string;
  reviewers: string[];
}
const EMPTY: Draft = { name: '', itemText: '', picked: [], reviewerText: '', reviewers: [] };

const splitIds = (text: string) => text.split(/[\s,;]+/).filter((s) => s !== '');
const unique = (xs: string[]) => [...new Set(xs)];

/** Start a session: name it, choose items (pasted ids or recent items) and reviewers. */
export function StartCalibrationForm({
  projectId,
  onCancel,
  onStarted,
}: {
  projectId: string;
  onCancel: () => void;
  onStarted: (sessionId: string) => void;
}) {
  const base = `/v1/projects/${encodeURIComponent(projectId)}`;
  // A half-chosen session survives a reload or a detour to another tab.
  const [draft, setDraft, clearDraft] = useLocalDraft<Draft>(`tollgate:calibration-draft:${projectId}`, EMPTY);
  const itemIds = useMemo(() => unique([...draft.picked, ...splitIds(draft.itemText)]), [draft.picked, draft.itemText]);
  const reviewerIds = useMemo(() => unique([...draft.reviewers, ...splitIds(draft.reviewerText)]), [draft.reviewers, draft.reviewerText]);
  const ids = {
    name: useId(),
    nameErr: useId(),
    items: useId(),
    itemsErr: useId(),
    itemsHint: useId(),
    reviewers: useId(),
    reviewersErr: useId(),
  };

  const start = useAction(async () => {
    const session = await api.post<CalibrationSession>(`${base}/calibrations`, {
      name: draft.name.trim(),
      item_ids: itemIds,
      reviewers: reviewerIds,
    });
    clearDraft();
    onStarted(session.id);
  });
  const nameError = fieldError(start.error, 'name');
  const itemsError = fieldError(start.error, 'item_ids');
  const reviewersError = fieldError(start.error, 'reviewers');

  const toggle = (key: 'picked' | 'reviewers', id: string, on: boolean) =>
    setDraft((d) => ({ ...d, [key]: on ? unique([...d[key], id]) : d[key].filter((x) => x !== id) }));

  return (
    <section className="q-section card" aria-labelledby="q-start-title">
      <h2 id="q-start-title">Start a calibration session</h2>
      <form
        data-testid="calibration-start-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start.run();
        }}
      >
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            // The form opens on a click of "Start a session": typing the name is the next step.
            autoFocus
            value={draft.name}
            maxLength={200}
            required
            placeholder="e.g. Refund limits, November"
            onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? ids.nameErr : undefined}
          />
          <FieldError id={ids.nameErr} message={nameError} />
        </div>

        <fieldset className="q-fieldset">
          <legend>
            Items{' '}
            <span className="muted q-small">
              ({itemIds.length} chosen, at most {MAX_ITEMS})
            </span>
          </legend>
          <div className="field">
            <label htmlFor={ids.items}>Item ids</label>
            <textarea
              id={ids.items}
              className="q-textarea-short"
              value={draft.itemText}
              onChange={(e) => setDraft((d) => ({ ...d, itemText: e.target.value }))}
              aria-invalid={itemsError ? true : undefined}
              aria-describedby={itemsError ? `${ids.itemsHint} ${ids.itemsErr}` : ids.itemsHint}
            />
            <span id={ids.itemsHint} className="muted q-small">
              Paste ids separated by spaces, commas or new lines, or tick recent items below.
            </span>
            <FieldError id={ids.itemsErr} message={itemsError} />
          </div>
          <RecentItems base={base} picked={draft.picked} onToggle={(id, on) => toggle('picked', id, on)} />
        </fieldset>

        <fieldset className="q-fieldset">
          <legend>
            Reviewers{' '}
            <span className="muted q-small">
              ({reviewerIds.length} chosen, at most {MAX_REVIEWERS})
            </span>
          </legend>
          <KnownReviewers base={base} picked={draft.reviewers} onToggle={(id, on) => toggle('reviewers', id, on)} />
          <div className="field">
            <label htmlFor={ids.reviewers}>Other reviewers (identities such as key:…, one per line)</label>
            <textarea
              id={ids.reviewers}
              className="q-textarea-short"
              value={draft.reviewerText}
              onChange={(e) => setDraft((d) => ({ ...d, reviewerText: e.target.value }))}
              aria-invalid={reviewersError ? true : undefined}
              aria-describedby={reviewersError ? ids.reviewersErr : undefined}
            />
            <FieldError id={ids.reviewersErr} message={reviewersError} />
          </div>
        </fieldset>

        <ErrorNote error={start.error} />
        <div className="row">
          <button
            type="submit"
            className="primary"
            disabled={start.busy || draft.name.trim() === '' || itemIds.length === 0 || reviewerIds.length === 0}
          >
            {start.busy ? 'Starting…' : 'Start session'}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="link"
            onClick={() => {
              clearDraft();
              setDraft(EMPTY);
            }}
          >
            Clear choices
          </button>
        </div>
      </form>
    </section>
  );
}

/** The project's newest captured outputs, to tick into the session (comparisons cannot be calibrated). */
function RecentItems({ base, picked, onToggle }: { base: string; picked: string[]; onToggle: (id: string, on: boolean) => void }) {
  const [pages, setPages] = useState<string[]>(['']);
  const cursor = pages[pages.length - 1] ?? '';
  const page = useLoad(
    (signal) => api.get<{ items: Item[]; next_cursor: string | null }>(`${base}/items${query({ limit: PAGE, cursor })}`, { signal }),
    [base, cursor],
  );
  const chosen = new Set(picked);
  const items = (page.data?.items ?? []).filter((i) => i.kind === 'output');

  return (
    <div className="q-picker">
      <h3>Recent items</h3>
      <ErrorNote error={page.error} />
      {!page.data && page.loading ? (
        <Loading label="Loading items" />
      ) : items.length === 0 ? (
        <p className="muted">No captured outputs on this page.</p>
      ) : (
        <div className="q-scroll q-picker-scroll">
          <table data-testid="calibration-item-picker">
            <caption className="q-sr-only">Recent items to choose from</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="q-sr-only">Choose</span>
                </th>
                <th scope="col">Input</th>
                <th scope="col">Output</th>
                <th scope="col">Outcome</th>
                <th scope="col">Captured</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <td>
                    <input
                      type="checkbox"
                      checked={chosen.has(i.id)}
                      onChange={(e) => onToggle(i.id, e.target.checked)}
                      aria-label={`Choose item ${i.id}`}
                    />
                  </td>
                  <td className="q-preview">{previewText(i.input)}</td>
                  <td className="q-preview">{previewText(i.output)}</td>
                  <td>{i.outcome.status}</td>
                  <td>
                    <time dateTime={i.created_at}>{formatDateTime(i.created_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        {pages.length > 1 && (
          <button type="button" onClick={() => setPages((p) => p.slice(0, -1))}>
            Newer items
          </button>
        )}
        {page.data?.next_cursor && (
          <button type="button" onClick={() => setPages((p) => [...p, page.data?.next_cursor ?? ''])}>
            Older items
          </button>
        )}
      </div>
    </div>
  );
}

/** Reviewers the project knows (a standing or judgments), to tick into the session. */
function KnownReviewers({ base, picked, onToggle }: { base: string; picked: string[]; onToggle: (id: string, on: boolean) => void }) {
  const known = useLoad((signal) => api.get<{ reviewers: ReviewerStanding[] }>(`${base}/reviewers/standing`, { signal }), [base]);
  const chosen = new Set(picked);
  if (known.error) return <ErrorNote error={known.error} />;
  if (!known.data) return <Loading label="Loading reviewers" />;
  if (known.data.reviewers.length === 0)
    return <p className="muted">No reviewers with a standing or judgments yet: enter their identities below.</p>;
  return (
    <div className="q-checks" role="group" aria-label="Known reviewers">
      {known.data.reviewers.map((r) => (
        <label key={r.reviewer} className="q-check">
          <input type="checkbox" checked={chosen.has(r.reviewer)} onChange={(e) => onToggle(r.reviewer, e.target.checked)} />
          <Actor id={r.reviewer} /> <span className="muted q-small">{r.status}</span>
        </label>
      ))}
    </div>
  );
}
