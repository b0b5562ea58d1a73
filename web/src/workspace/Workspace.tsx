import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { useSignedIn } from '../app/session.js';
import { api } from '../api/client.js';
import { ErrorNote, Loading } from '../ui/feedback.js';
import { useLoad } from '../ui/hooks.js';
import { TaskPane } from './TaskPane.js';
import { useClaimLoop } from './use-claim-loop.js';
import './workspace.css';

/** The reviewer's workspace on one queue (`*`: any queue): the current task, or why there is none. */
export function Workspace({ projectId, queue }: { projectId: string; queue: string }) {
  const me = useSignedIn();
  const loop = useClaimLoop(projectId, queue, me.actor);
  const [, navigate] = useLocation();
  const [notice, setNotice] = useState('');
  const { state, claimNext, finished, skip, giveBack, renew, markLost } = loop;
  // The project's name for the header; the id stands in until it arrives (or if it cannot).
  const projectName = useLoad(
    (signal) => api.get<{ name: string }>(`/v1/projects/${encodeURIComponent(projectId)}`, { signal }),
    [projectId],
  );

  useEffect(() => {
    if (notice === '') return;
    const id = window.setTimeout(() => setNotice(''), 4000);
    return () => window.clearTimeout(id);
  }, [notice]);

  const onDone = useCallback(
    (message: string) => {
      setNotice(message);
      finished();
    },
    [finished],
  );

  const leave = async () => {
    try {
      await giveBack();
    } finally {
      navigate('/');
    }
  };

  return (
    <main className="page ws-page">
      <div className="row ws-top">
        <h1>Review · {queue === '*' ? 'any queue' : queue}</h1>
        <span className="muted" title={projectId}>
          {projectName.data?.name ?? projectId}
        </span>
        <span className="spacer" />
        <span className="ws-notice" role="status" aria-live="polite">
          {notice}
        </span>
        <button type="button" className="link" onClick={() => void leave()}>
          Change queue
        </button>
      </div>
      {state.phase === 'claiming' && <Loading label="Claiming the next task" />}
      {state.phase === 'error' && (
        <div className="card">
          <ErrorNote error={state.error}>Could not claim a task: </ErrorNote>
          <div className="row">
            <button type="button" onClick={() => void claimNext()}>
              Try again
            </button>
            <Link href="/">Pick another queue</Link>
          </div>
        </div>
      )}
      {state.phase === 'empty' && <QueueEmpty checkedAt={state.checkedAt} onCheck={() => void claimNext()} />}
      {state.phase === 'task' && (
        <TaskPane
          key={state.claim.task.id}
          claim={state.claim}
          lease={state.lease}
          renew={renew}
          markLost={markLost}
          onDone={onDone}
          onSkip={skip}
          onNext={finished}
        />
      )}
    </main>
  );
}

function QueueEmpty({ checkedAt, onCheck }: { checkedAt: number; onCheck: () => void }) {
  return (
    <div className="card ws-empty" data-testid="queue-empty">
      <h2>Queue is empty</h2>
      <p className="muted">
        Nothing is waiting for you. Checked at {new Date(checkedAt).toLocaleTimeString()}; checking again every 10 seconds.
      </p>
      <div className="row">
        <button type="button" className="primary" onClick={onCheck}>
          Check again
        </button>
        <Link href="/">Pick another queue</Link>
      </div>
    </div>
  );
}
