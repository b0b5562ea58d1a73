import { useId, useState } from 'react';
import { api, query } from '../../api/client.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { DisagreementTable } from './DisagreementTable.js';
import { evaluatorsPath, type Disagreement } from './types.js';

const LIMIT = 50;

/** Items where an evaluator and people disagreed, newest first: the examples that improve a judge or a check. */
export function DisagreementsSection({ projectId, names }: { projectId: string; names: string[] }) {
  const id = useId();
  const [name, setName] = useState(names[0] ?? '');
  return (
    <section className="card console-section" aria-labelledby={`${id}-title`} data-testid="disagreements-section">
      <div className="row">
        <h2 id={`${id}-title`}>Disagreements</h2>
        <span className="spacer" />
        {names.length > 0 && (
          <label className="inline-field">
            Evaluator
            <select value={name} onChange={(e) => setName(e.target.value)} data-testid="disagreements-evaluator">
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {names.length === 0 ? (
        <Empty>No evaluators yet: disagreements with reviewers are listed here once there are.</Empty>
      ) : (
        <DisagreementList projectId={projectId} name={name} />
      )}
    </section>
  );
}

function DisagreementList({ projectId, name }: { projectId: string; name: string }) {
  const path = `${evaluatorsPath(projectId)}/${encodeURIComponent(name)}/disagreements${query({ limit: LIMIT })}`;
  const loaded = useLoad((signal) => api.get<{ disagreements: Disagreement[] }>(path, { signal }), [path]);
  const list = loaded.data?.disagreements;
  return (
    <>
      <ErrorNote error={loaded.error} />
      {!list ? (
        loaded.loading && <Loading label="Loading disagreements" />
      ) : list.length === 0 ? (
        <Empty>
          No disagreements in the last 30 days: either <code>{name}</code> matched every outcome people decided, or people have not yet
          decided items it scored.
        </Empty>
      ) : (
        <DisagreementTable name={name} list={list} limited={list.length >= LIMIT} />
      )}
    </>
  );
}
