import { Route, Switch } from 'wouter';
import { ProjectFrame } from './projects/ProjectFrame.js';
import { ProjectsPage } from './projects/ProjectsPage.js';
import { UsersPage } from './users/UsersPage.js';
import './console.css';

/** The managers' console, mounted at /console: projects, their configuration and quality, and users. */
export default function ConsoleArea() {
  return (
    <Switch>
      <Route path="/">
        <ProjectsPage />
      </Route>
      <Route path="/users">
        <UsersPage />
      </Route>
      <Route path="/projects/:projectId" nest>
        {(params) => <ProjectFrame key={params.projectId} projectId={params.projectId} />}
      </Route>
      <Route>
        <main className="page">
          <h1>Not found</h1>
          <p>
            There is no console page here. <a href="/console">Back to projects</a>.
          </p>
        </main>
      </Route>
    </Switch>
  );
}
