import { useId } from 'react';
import { api, query } from '../../api/client.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { formatCount } from '../quality/format.js';
import { AgreementFigures } from './AgreementFigures.js';
import { ConfusionMatrix } from './ConfusionMatrix.js';
import { KappaTrend } from './KappaTrend.js';
import { ScoresSummary } from './ScoresSummary.js';
import { evaluatorsPath, type AgreementAnswer } from './types.js';

interface Props {
  projectId: string;
  name: string;
  since: string;
  until: string;
  segment: string | null;
}

/** One evaluator's agreement with people: figures, confusion matrix, scores, kappa over time. */
export function AgreementCard({ projectId, name, since, until, segment }: Props) {
  const headingId = useId();
  const path = `${evaluatorsPath(projectId)}/${encodeURIComponent(name)}/agreement${query({ since, until, segment })}`;
  const loaded = useLoad((signal) => api.get<AgreementAnswer>(path, { signal }), [path]);
  const a = loaded.data;
  return (
    <article className="ev-card" aria-labelledby={headingId} aria-busy={loaded.loading} data-testid={`agreement-${name}`}>
      <h3 id={headingId}>
        <code>{name}</code>{' '}
        {a && (
          <span className="muted ev-kind">
            {a.kind === 'judge' ? 'judge' : `${a.kind} check`}
            {a.criterion !== null && <> · criterion {a.criterion}</>}
          </span>
        )}
      </h3>
      <ErrorNote error={loaded.error} />
      {!a ? loaded.loading && <Loading label={`Loading the agreement of ${name}`} /> : <AgreementBody answer={a} />}
    </article>
  );
}

function AgreementBody({ answer }: { answer: AgreementAnswer }) {
  const r = answer.report;
  if (r.n === 0 && r.unknown === 0) {
    return (
      <Empty>
        No human checks in this window yet: agreement appears once reviewers decide items this evaluator scored (approved, corrected or
        rejected by a person).
      </Empty>
    );
  }
  return (
    <>
      {answer.truncated && (
        <p className="console-stale" role="note">
          More human checks than the report reads: the latest 50,000 are used.
        </p>
      )}
      {r.n === 0 && (
        <p className="muted" role="note">
          The evaluator could not judge any of the {formatCount(r.unknown)} items people decided (status unknown), so there is nothing to
          compare.
        </p>
      )}
      <AgreementFigures name={answer.evaluator} report={r} segment={answer.segment} segments={answer.segments} />
      {r.n > 0 && (
        <div className="ev-card-grid">
          <ConfusionMatrix name={answer.evaluator} confusion={r.confusion} />
          {r.scores && <ScoresSummary scores={r.scores} criterion={answer.criterion} />}
        </div>
      )}
      {r.n > 0 && <KappaTrend name={answer.evaluator} buckets={answer.over_time} />}
    </>
  );
}
