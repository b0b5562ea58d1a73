import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { ErrorNote } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { DocumentEditor } from '../shared/DocumentEditor.js';
import { RelTime } from '../shared/time.js';
import { pretty, useJsonDocument } from '../shared/useJsonDocument.js';
import { VersionHistory } from '../shared/VersionHistory.js';
import type { DocVersion, Project, RubricDoc } from '../types.js';
import { RubricPreview } from './RubricPreview.js';

/** The rubric reviewers score against: JSON on the left, what reviewers will see on the right. */
export function RubricPage({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const { can } = useSignedIn();
  const canEdit = can('projects:configure');
  const base = `/v1/projects/${encodeURIComponent(project.id)}`;
  const versions = useLoad(
    (signal) => api.get<{ versions: DocVersion<RubricDoc>[] }>(`${base}/rubric/versions`, { signal }),
    [base, project.rubric.version],
  );
  const doc = useJsonDocument({
    draftKey: `tollgate:console:rubric:${project.id}:v${project.rubric.version}`,
    base: project.rubric.document,
    savePath: `${base}/rubric`,
    onSaved,
  });

  return (
    <div className="console-stack">
      <section className="card console-section" aria-labelledby="rubric-title">
        <div className="row">
          <h2 id="rubric-title">Rubric</h2>
          <span className="badge">v{project.rubric.version}</span>
          <span className="muted">
            saved <RelTime iso={project.rubric.created_at} /> by <code>{project.rubric.created_by}</code>
          </span>
        </div>
        <div className="rubric-layout">
          <DocumentEditor
            doc={doc}
            idBase="rubric"
            label="Rubric document (JSON)"
            nextVersion={project.rubric.version + 1}
            canEdit={canEdit}
            testIds={{ editor: 'rubric-editor', save: 'rubric-save', errors: 'rubric-errors' }}
            hint={
              <>
                Scales: <code>likert</code>, <code>boolean</code>, <code>categorical</code>, <code>numeric</code>, <code>labels</code>,{' '}
                <code>spans</code>.
              </>
            }
          />
          <RubricPreview value={doc.check.ok ? doc.check.value : undefined} />
        </div>
      </section>
      <ErrorNote error={versions.error} />
      {versions.data && (
        <VersionHistory title="Rubric versions" versions={versions.data.versions} toText={pretty} diffTestId="rubric-diff" />
      )}
    </div>
  );
}
