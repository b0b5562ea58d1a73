import { useMemo } from 'react';
import { useSignedIn } from '../../app/session.js';
import { DocumentEditor } from '../shared/DocumentEditor.js';
import { RelTime } from '../shared/time.js';
import { useJsonDocument } from '../shared/useJsonDocument.js';
import { EvaluatorIntro } from './EvaluatorIntro.js';
import { TryOnItemPanel } from './TryOnItemPanel.js';
import { evaluatorsPath, type EvaluatorSet } from './types.js';

/** The current evaluator set as a JSON document: edit, try the unsaved set on an item, save the next version. */
export function EvaluatorSetSection({ projectId, set, onSaved }: { projectId: string; set: EvaluatorSet; onSaved: () => void }) {
  const { can } = useSignedIn();
  const canEdit = can('projects:configure');
  const document = useMemo(() => ({ evaluators: set.evaluators }), [set]);
  const doc = useJsonDocument({
    draftKey: `tollgate:console:evaluators:${projectId}:v${set.version}`,
    base: document,
    savePath: evaluatorsPath(projectId),
    onSaved,
  });

  return (
    <>
      <section className="card console-section" aria-labelledby="evaluators-title">
        <div className="row">
          <h2 id="evaluators-title">Evaluator set</h2>
          <span className="badge" data-testid="evaluators-version">
            v{set.version}
          </span>
          {set.created_at && (
            <span className="muted">
              saved <RelTime iso={set.created_at} /> by <code>{set.created_by}</code>
            </span>
          )}
        </div>
        {set.version === 0 && <EvaluatorIntro canEdit={canEdit} onUse={doc.setText} />}
        <DocumentEditor
          doc={doc}
          idBase="evaluators"
          label="Evaluator set (JSON)"
          nextVersion={set.version + 1}
          canEdit={canEdit}
          testIds={{ editor: 'evaluators-editor', save: 'evaluators-save', errors: 'evaluators-errors' }}
          hint={
            <>
              Saved sets fill in every default. Policy rules read results as <code>evals.&lt;name&gt;.status</code>, <code>.score</code>,{' '}
              <code>.label</code> or <code>.found</code>.
            </>
          }
        />
      </section>
      {canEdit && <TryOnItemPanel projectId={projectId} doc={doc} />}
    </>
  );
}
