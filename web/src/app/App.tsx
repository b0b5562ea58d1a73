import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { Loading } from '../ui/feedback.js';
import { Layout } from './Layout.js';
import { SessionProvider, useSession } from './session.js';
import { SignIn } from './SignIn.js';

// Each area is its own chunk: a reviewer's first load carries no charts or editors.
const WorkspaceArea = lazy(() => import('../workspace/index.js'));
const ConsoleArea = lazy(() => import('../console/index.js'));
const DashboardArea = lazy(() => import('../dashboards/index.js'));

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

function Gate() {
  const { status, session, can } = useSession();
  if (status === 'loading') return <Loading label="Starting" />;
  if (status === 'signed-out' || !session) return <SignIn />;
  const home = can('tasks:work') && !can('reviewers:assess') ? '/review' : can('projects:configure') ? '/console' : '/review';
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/">
            <Redirect to={home} replace />
          </Route>
          <Route path="/login">
            <Redirect to={home} replace />
          </Route>
          <Route path="/review" nest>
            <WorkspaceArea />
          </Route>
          <Route path="/console" nest>
            <ConsoleArea />
          </Route>
          <Route path="/dashboards" nest>
            <DashboardArea />
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </Suspense>
    </Layout>
  );
}

function NotFound() {
  return (
    <main className="page">
      <h1>Not found</h1>
      <p>
        There is no page here. <a href="/">Go to the start page</a>.
      </p>
    </main>
  );
}
