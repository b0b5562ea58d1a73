import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { RelTime } from '../shared/time.js';
import type { Project } from '../types.js';
import { NewProjectForm } from './NewProjectForm.js';

/** The console's start: every project the signed-in person may read. */
export function ProjectsPage() {
  const { can } = useSignedIn();
  const [creating, setCreating] = useState(false);
  const projects = useLoad((signal) => api.get<{ projects: Project[] }>('/v1/projects', { signal }), []);
  const list = [...(projects.data?.projects ?? [])].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <main className="page console">
      <div className="console-header row">
        <h1>Projects</h1>
        <span className="spacer" />
        {can('keys:manage') && (
          <Link href="/users" className="button">
            Users
          </Link>
        )}
        {can('projects:create') && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </div>
      {creating && <NewProjectForm onCancel={() => setCreating(false)} />}
      <ErrorNote error={projects.error} />
      {projects.loading && !projects.data ? (
        <Loading label="Loading projects" />
      ) : list.length === 0 && !projects.error ? (
        <Empty>No projects yet.{can('projects:create') ? ' Create one to start routing items to people.' : ''}</Empty>
      ) : (
        list.length > 0 && (
          <div className="table-scroll">
            <table className="dense" data-testid="projects-table">
              <caption className="visually-hidden">Projects</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">ID</th>
                  <th scope="col" className="num">
                    Policy
                  </th>
                  <th scope="col" className="num">
                    Rubric
                  </th>
                  <th scope="col">Updated</th>
                  <th scope="col">Created</th>
                  {can('stats:read') && <th scope="col">Dashboard</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link href={`/projects/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                      {p.description && <div className="muted console-clip">{p.description}</div>}
                    </td>
                    <td>
                      <code>{p.id}</code>
                    </td>
                    <td className="num">v{p.policy.version}</td>
                    <td className="num">v{p.rubric.version}</td>
                    <td>
                      <RelTime iso={p.updated_at} />
                    </td>
                    <td>
                      <RelTime iso={p.created_at} />
                    </td>
                    {can('stats:read') && (
                      <td>
                        <Link href={`~/dashboards/${encodeURIComponent(p.id)}`} aria-label={`Dashboard of ${p.name}`}>
                          Dashboard
                        </Link>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
    </main>
  );
}
