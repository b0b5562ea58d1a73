import { Fragment, useState } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { displayText, formatCount, formatDateTime } from './format.js';
import { ExistingGoldForm, NewGoldForm } from './GoldForms.js';
import type { GoldAnswer, Item } from './types.js';
import { Actor, ConfirmDialog } from './ui.js';
import './quality.css';

type Mode = 'new' | 'existing';

/** Gold items and their expected answers: the yardstick reviewers are measured against. */
export function GoldPage({ projectId }: { projectId: string }) {
  const { can } = useSignedIn();
  const gold = useLoad(
    (signal) => api.get<{ gold: GoldAnswer[] }>(`/v1/projects/${encodeURIComponent(projectId)}/gold`, { signal }),
    [projectId],
  );
  const [mode, setMode] = useState<Mode>('new');
  const [notice, setNotice] = useState('');
  const [removing, setRemoving] = useState<string | null>(null);
  const [shown, setShown] = useState<Set<string>>(new Set());
  const list = gold.data?.gold ?? [];
  const configure = can('projects:configure');

  const saved = (message: string) => {
    setNotice(message);
    gold.reload();
  };

  return (
    <div className="q-stack">
      <section className="q-section" aria-labelledby="q-gold-title">
        <div className="row q-head">
          <h2 id="q-gold-title">Gold items</h2>
          <span className="muted q-small">{gold.data ? `${formatCount(list.length)} items` : ''}</span>
        </div>
        <p className="muted q-small">
          Reviewers meet gold items among their work without knowing it; their answers measure their accuracy and standing.
        </p>
        <ErrorNote error={gold.error} />
        {!gold.data && gold.loading ? (
          <Loading label="Loading gold items" />
        ) : gold.data && list.length === 0 ? (
          <Empty>No gold items yet. Write one below, or make an existing item gold.</Empty>
        ) : (
          gold.data && (
            <div className="q-scroll">
              <table data-testid="gold-table">
                <caption className="q-sr-only">Gold items and their expected answers</caption>
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col">Expected answer</th>
                    <th scope="col">Note</th>
                    <th scope="col">Set</th>
                    <th scope="col">
                      <span className="q-sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((g) => {
                    const open = shown.has(g.item_id);
                    return (
                      <Fragment key={g.item_id}>
                        <tr>
                          <th scope="row">
                            <code className="q-actor">{g.item_id}</code>
                          </th>
                          <td>
                            <ExpectedAnswer g={g} />
                          </td>
                          <td className="q-note">{g.note ?? <span className="muted">—</span>}</td>
                          <td>
                            <time dateTime={g.created_at}>{formatDateTime(g.created_at)}</time>
                            <div className="muted q-small">
                              by <Actor id={g.created_by} />
                            </div>
                          </td>
                          <td>
                            <div className="row q-actions">
                              <button
                                type="button"
                                aria-expanded={open}
                                aria-label={`${open ? 'Hide' : 'Show'} item ${g.item_id}`}
                                onClick={() =>
                                  setShown((s) => {
                                    const next = new Set(s);
                                    if (open) next.delete(g.item_id);
                                    else next.add(g.item_id);
                                    return next;
                                  })
                                }
                              >
                                {open ? 'Hide item' : 'Show item'}
                              </button>
                              {configure && (
                                <button
                                  type="button"
                                  aria-label={`Remove gold answer of item ${g.item_id}`}
                                  onClick={() => setRemoving(g.item_id)}
                                >
                                  Remove
                                </button>
                              )}
                            </div>
                          </td>
                        </tr>
                        {open && (
                          <tr className="q-detail-row">
                            <td colSpan={5}>
                              <ItemPreview itemId={g.item_id} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        )}
      </section>

      {configure && (
        <section className="q-section card" aria-labelledby="q-gold-add-title">
          <h2 id="q-gold-add-title">Add gold</h2>
          <fieldset className="q-fieldset q-segmented">
            <legend className="q-sr-only">How to add gold</legend>
            <label>
              <input type="radio" name="q-gold-mode" checked={mode === 'new'} onChange={() => setMode('new')} /> Write a new item
            </label>
            <label>
              <input type="radio" name="q-gold-mode" checked={mode === 'existing'} onChange={() => setMode('existing')} /> Make an existing
              item gold
            </label>
          </fieldset>
          <p className="q-notice" role="status">
            {notice}
          </p>
          {mode === 'new' ? <NewGoldForm projectId={projectId} onSaved={saved} /> : <ExistingGoldForm onSaved={saved} />}
        </section>
      )}

      <ConfirmDialog
        open={removing !== null}
        title="Remove this gold answer?"
        confirmLabel="Remove gold"
        testId="remove-gold-dialog"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (removing === null) return;
          await api.delete(`/v1/items/${encodeURIComponent(removing)}/gold`);
          setRemoving(null);
          saved(`Item ${removing} is no longer gold.`);
        }}
      >
        <p>
          Item <code className="q-actor">{removing}</code> stops being served as gold. The item itself stays.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function ExpectedAnswer({ g }: { g: GoldAnswer }) {
  const scores = g.scores && typeof g.scores === 'object' ? Object.entries(g.scores as Record<string, unknown>) : [];
  const answer = g.answer && typeof g.answer === 'object' ? (g.answer as { winner?: unknown; order?: unknown }) : null;
  return (
    <div className="q-expected">
      {g.verdict && (
        <span className={`badge ${g.verdict === 'approve' ? 'ok' : g.verdict === 'reject' ? 'bad' : 'warn'}`}>{g.verdict}</span>
      )}
      {scores.length > 0 && (
        <dl className="q-scores">
          {scores.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {answer && typeof answer.winner === 'string' && <span>preferred: {answer.winner}</span>}
      {answer && Array.isArray(answer.order) && <span>order: {answer.order.map(String).join(' > ')}</span>}
      {!g.verdict && scores.length === 0 && !answer && <span className="muted">—</span>}
    </div>
  );
}

/** The gold item's content, loaded when someone asks to see it. */
function ItemPreview({ itemId }: { itemId: string }) {
  const item = useLoad((signal) => api.get<Item>(`/v1/items/${encodeURIComponent(itemId)}`, { signal }), [itemId]);
  if (item.error) return <ErrorNote error={item.error} />;
  if (!item.data) return <Loading label="Loading item" />;
  return (
    <div className="grid-2 q-preview-pair">
      <div>
        <h3>Input</h3>
        <pre>{displayText(item.data.input)}</pre>
      </div>
      <div>
        <h3>Output</h3>
        <pre>{displayText(item.data.output)}</pre>
      </div>
    </div>
  );
}
