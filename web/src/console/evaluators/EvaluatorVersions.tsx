import { api } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { pretty } from '../shared/useJsonDocument.js';
import { VersionHistory } from '../shared/VersionHistory.js';
import type { DocVersion } from '../types.js';
import { evaluatorsPath, type EvaluatorSet, type EvaluatorSetDoc } from './types.js';

/** Every saved evaluator set, diffable like policy versions. */
export function EvaluatorVersions({ projectId, version }: { projectId: string; version: number }) {
  const base = evaluatorsPath(projectId);
  const versions = useLoad((signal) => api.get<{ versions: EvaluatorSet[] }>(`${base}/versions`, { signal }), [base, version]);
  return (
    <>
      <ErrorNote error={versions.error} />
      {versions.data && (
        <VersionHistory
          title="Evaluator set versions"
          versions={versions.data.versions.map(asDocVersion)}
          toText={pretty}
          diffTestId="evaluators-diff"
        />
      )}
    </>
  );
}

// Saved versions always have their time and author; only version 0 (never listed) has neither.
function asDocVersion(v: EvaluatorSet): DocVersion<EvaluatorSetDoc> {
  return {
    version: v.version,
    document: { evaluators: v.evaluators },
    created_at: v.created_at ?? '',
    created_by: v.created_by ?? '',
  };
}
