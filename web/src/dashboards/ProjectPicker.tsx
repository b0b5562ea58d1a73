import { Link, Redirect } from 'wouter';
import { api, type Schemas } from '../api/client.js';
import { useSignedIn } from '../app/session.js';
import { Empty, ErrorNote, Loading } from '../ui/feedback.js';
import { useLoad } from '../ui/hooks.js';

/** Which project's dashboard to open; a key bound to one project goes straight to it. */
export function ProjectPicker() {
  const { project_id } = useSignedIn();
  const projects = useLoad((signal) => api.get<{ projects: Schemas['Project'][] }>('/v1/projects', { signal }), []);
  if (project_id !== null) return <Redirect to={`/${encodeURIComponent(project_id)}`} replace />;

  return (
    <main className="page" data-testid="dashboard-projects">
      <h1>Dashboards</h1>
      <p className="muted">
        Pick a project to see its traffic, decisions, review throughput, backlog, agreement and model quality over time.
      </p>
      <ErrorNote error={projects.error} />
      {projects.loading && !projects.data && <Loading label="Loading projects" />}
      {projects.data && projects.data.projects.length === 0 && <Empty>There are no projects yet.</Empty>}
      {projects.data && projects.data.projects.length > 0 && (
        <ul className="cards dash-projects">
          {projects.data.projects.map((p) => (
            <li key={p.id} className="card">
              <h2>
                <Link href={`/${encodeURIComponent(p.id)}`}>{p.name}</Link>
              </h2>
              <p className="muted">{p.description ?? p.id}</p>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
