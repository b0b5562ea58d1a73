import { useId, useState } from 'react';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { useAction } from '../quality/ui.js';
import { TrustTable } from './TrustTable.js';
import { evaluatorsPath, type TrustChange, type TrustState } from './types.js';

const TRUST_EXAMPLE =
  '{"name": "judge-approves", "when": {"evals.judge.status": {"eq": "pass"}}, "action": "pass", "trust": {"evaluator": "judge", "min_kappa": 0.6, "min_checks": 50}}';

/** The policy's trust rules: whether each evaluator has earned the right to resolve outputs alone, and why. */
export function TrustSection({ projectId }: { projectId: string }) {
  const id = useId();
  const { can } = useSignedIn();
  const base = `${evaluatorsPath(projectId)}/trust`;
  const trust = useLoad((signal) => api.get<{ rules: TrustState[] }>(base, { signal }), [base]);
  const [changes, setChanges] = useState<TrustChange[] | null>(null);
  const reassess = useAction(async () => {
    const out = await api.post<{ changes: TrustChange[] }>(`${base}/reassess`);
    setChanges(out.changes);
    trust.reload();
  });
  const rules = trust.data?.rules ?? [];

  return (
    <section className="card console-section" aria-labelledby={`${id}-title`} data-testid="trust-section">
      <div className="row">
        <h2 id={`${id}-title`}>Trust rules</h2>
        <span className="spacer" />
        {can('projects:configure') && rules.length > 0 && (
          <button type="button" data-testid="trust-reassess" disabled={reassess.busy} onClick={() => void reassess.run()}>
            {reassess.busy ? 'Reassessing…' : 'Reassess now'}
          </button>
        )}
      </div>
      <p className="muted console-hint">
        A pass rule with <code>trust</code> resolves outputs without a person only while its evaluator’s kappa with people over the window
        meets the bar on enough human checks; a share of what it resolves still goes to review as an audit. The scheduler reassesses every
        minute.
      </p>
      <ErrorNote error={trust.error ?? reassess.error} />
      {changes !== null && (
        <p className="console-saved" role="status">
          {changes.length === 0
            ? 'Reassessed: nothing switched.'
            : `Reassessed: ${changes.map((c) => `${c.rule} is now ${c.trusted ? 'trusted' : 'not trusted'} (${c.reason})`).join('; ')}.`}
        </p>
      )}
      {!trust.data ? (
        trust.loading && <Loading label="Loading trust rules" />
      ) : rules.length === 0 ? (
        <Empty>
          The current policy has no trust rules. To let an evaluator resolve outputs it passes once it agrees with reviewers, add a rule
          like <code>{TRUST_EXAMPLE}</code> to the policy.
        </Empty>
      ) : (
        <TrustTable rules={rules} />
      )}
    </section>
  );
}
