import { Route, Switch } from 'wouter';
import { useSignedIn } from '../app/session.js';
import { DashboardPage } from './DashboardPage.js';
import { ProjectPicker } from './ProjectPicker.js';
import './dashboards.css';

/** The managers' dashboards, mounted at /dashboards: a project picker, then one project's charts. */
export default function DashboardsArea() {
  const { can } = useSignedIn();
  if (!can('stats:read')) {
    return (
      <main className="page">
        <h1>Dashboards</h1>
        <p>Your role cannot read project statistics. Ask an administrator if you need the dashboards.</p>
      </main>
    );
  }
  return (
    <Switch>
      <Route path="/">
        <ProjectPicker />
      </Route>
      <Route path="/:projectId">{(params) => <DashboardPage key={params.projectId} projectId={params.projectId} />}</Route>
      <Route>
        <main className="page">
          <h1>Not found</h1>
          <p>There is no dashboard here.</p>
        </main>
      </Route>
    </Switch>
  );
}
