import { lazy, Suspense } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import type { Permission } from '../../../../src/core/access/permissions.js';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { PolicyPage } from '../policy/PolicyPage.js';
import { CalibrationsPage } from '../quality/CalibrationsPage.js';
import { GoldPage } from '../quality/GoldPage.js';
import { QueuesPage } from '../quality/QueuesPage.js';
import { ReviewersPage } from '../quality/ReviewersPage.js';
import { RubricPage } from '../rubric/RubricPage.js';
import type { Project } from '../types.js';
import { OverviewPage } from './OverviewPage.js';

// Markdown rendering (marked + DOMPurify) loads only when someone opens the guidelines.
const GuidelinesPage = lazy(() => import('../guidelines/GuidelinesPage.js').then((m) => ({ default: m.GuidelinesPage })));
// The evaluators page (and the uPlot trend it may draw) loads only when opened.
const EvaluatorsPage = lazy(() => import('../evaluators/EvaluatorsPage.js').then((m) => ({ default: m.EvaluatorsPage })));

interface Tab {
  path: string;
  label: string;
  needs: Permission;
}

const TABS: Tab[] = [
  { path: '/', label: 'Overview', needs: 'projects:read' },
  { path: '/policy', label: 'Policy', needs: 'projects:read' },
  { path: '/rubric', label: 'Rubric', needs: 'projects:read' },
  { path: '/guidelines', label: 'Guidelines', needs: 'projects:read' },
  { path: '/evaluators', label: 'Evaluators', needs: 'projects:read' },
  { path: '/queues', label: 'Queues', needs: 'projects:read' },
  { path: '/reviewers', label: 'Reviewers', needs: 'reviewers:assess' },
  { path: '/calibrations', label: 'Calibrations', needs: 'reviewers:assess' },
  { path: '/gold', label: 'Gold', needs: 'reviewers:assess' },
];

/** One project: its name and id, the tabs this role may open, and the open tab. */
export function ProjectFrame({ projectId }: { projectId: string }) {
  const { can } = useSignedIn();
  const [location] = useLocation();
  const project = useLoad((signal) => api.get<Project>(`/v1/projects/${encodeURIComponent(projectId)}`, { signal }), [projectId]);
  const tabs = TABS.filter((t) => can(t.needs));
  const active = tabs.find((t) => (t.path === '/' ? location === '/' || location === '' : location.startsWith(t.path)));
  const p = project.data;

  return (
    <main className="page console">
      <header className="console-project-header">
        <p className="console-crumbs">
          <Link href="~/console">Projects</Link> /
        </p>
        <div className="row">
          <h1>
            {p?.name ?? 'Project'}
            {active && active.path !== '/' && <span className="visually-hidden"> — {active.label}</span>}
          </h1>
          <code className="muted" aria-label="Project id">
            {projectId}
          </code>
          <span className="spacer" />
          {can('stats:read') && (
            <Link href={`~/dashboards/${encodeURIComponent(projectId)}`} className="button">
              Dashboard
            </Link>
          )}
        </div>
        <nav aria-label="Project sections">
          <div className="tabs">
            {tabs.map((t) => (
              <Link key={t.path} href={t.path} aria-current={t === active ? 'page' : undefined}>
                {t.label}
              </Link>
            ))}
          </div>
        </nav>
      </header>
      <ErrorNote error={project.error} />
      {!p ? (
        project.loading && <Loading label="Loading project" />
      ) : (
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/">
              <OverviewPage project={p} />
            </Route>
            <Route path="/policy">
              <PolicyPage project={p} onSaved={project.reload} />
            </Route>
            <Route path="/rubric">
              <RubricPage project={p} onSaved={project.reload} />
            </Route>
            <Route path="/guidelines">
              <GuidelinesPage projectId={p.id} />
            </Route>
            <Route path="/evaluators">
              <EvaluatorsPage projectId={p.id} />
            </Route>
            <Route path="/queues">
              <QueuesPage projectId={p.id} />
            </Route>
            {can('reviewers:assess') && (
              <Route path="/reviewers">
                <ReviewersPage projectId={p.id} />
              </Route>
            )}
            {can('reviewers:assess') && (
              <Route path="/calibrations">
                <CalibrationsPage projectId={p.id} />
              </Route>
            )}
            {can('reviewers:assess') && (
              <Route path="/gold">
                <GoldPage projectId={p.id} />
              </Route>
            )}
            <Route>
              <p>
                There is no such section, or your role may not open it. <Link href="/">Back to the overview</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
      )}
    </main>
  );
}
