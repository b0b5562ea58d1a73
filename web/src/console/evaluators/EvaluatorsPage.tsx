import { useMemo } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { AgreementSection } from './AgreementSection.js';
import { DisagreementsSection } from './DisagreementsSection.js';
import { EvaluatorSetSection } from './EvaluatorSetSection.js';
import { EvaluatorVersions } from './EvaluatorVersions.js';
import { TrustSection } from './TrustSection.js';
import { evaluatorsPath, type EvaluatorSet } from './types.js';
import './evaluators.css';

/** The evaluators of one project: the set and a dry run, how far each agrees with people, trust rules, disagreements. */
export function EvaluatorsPage({ projectId }: { projectId: string }) {
  const { can } = useSignedIn();
  const base = evaluatorsPath(projectId);
  const set = useLoad((signal) => api.get<EvaluatorSet>(base, { signal }), [base]);
  const s = set.data;
  const names = useMemo(() => (s ? evaluatorNames(s) : []), [s]);

  return (
    <div className="console-stack">
      <ErrorNote error={set.error} />
      {!s ? (
        set.loading && <Loading label="Loading evaluators" />
      ) : (
        <>
          <EvaluatorSetSection projectId={projectId} set={s} onSaved={set.reload} />
          {can('stats:read') && <AgreementSection projectId={projectId} names={names} />}
          <TrustSection projectId={projectId} />
          {can('stats:read') && <DisagreementsSection key={names.join(',')} projectId={projectId} names={names} />}
          <EvaluatorVersions projectId={projectId} version={s.version} />
        </>
      )}
    </div>
  );
}

function evaluatorNames(set: EvaluatorSet): string[] {
  return set.evaluators.flatMap((e) => {
    const name = (e as Record<string, unknown>)['name'];
    return typeof name === 'string' ? [name] : [];
  });
}
