import { Route, Switch, useParams } from 'wouter';
import { QueuePicker } from './QueuePicker.js';
import { Workspace } from './Workspace.js';

/** The reviewer's area: pick a queue at /review, then work it at /review/:projectId/:queue. */
export default function WorkspaceArea() {
  return (
    <Switch>
      <Route path="/">
        <QueuePicker />
      </Route>
      <Route path="/:projectId/:queue">
        <WorkspaceRoute />
      </Route>
      <Route>
        <main className="page">
          <h1>Not found</h1>
          <p>
            There is no review page here. <a href="/review">Pick a queue</a>.
          </p>
        </main>
      </Route>
    </Switch>
  );
}

function WorkspaceRoute() {
  const { projectId, queue } = useParams<{ projectId: string; queue: string }>();
  // A new project or queue is a new work loop, with its own claim.
  return <Workspace key={`${projectId}/${queue}`} projectId={projectId} queue={queue} />;
}
