import { pretty } from '../shared/useJsonDocument.js';

const EXAMPLE = {
  evaluators: [
    { name: 'pii', description: 'Personal data in the answer', check: { type: 'pii', detectors: ['email', 'phone'], target: 'output' } },
    { name: 'too_long', check: { type: 'length', max: 300, unit: 'words', target: 'output' } },
    { name: 'refusal', check: { type: 'refusal' } },
  ],
};
const EXAMPLE_TEXT = pretty(EXAMPLE);

/** What evaluators are, for a project that has none yet, with a set to start from. */
export function EvaluatorIntro({ canEdit, onUse }: { canEdit: boolean; onUse: (text: string) => void }) {
  return (
    <div className="ev-intro" data-testid="evaluators-intro">
      <p>
        No evaluators yet. Evaluators score every captured output before (or, for judge models, soon after) the policy routes it: built-in
        checks such as <code>pii</code>, <code>regex</code>, <code>blocklist</code>, <code>json_schema</code>, <code>length</code>,{' '}
        <code>refusal</code> and <code>reference</code>, or a judge model that rates a rubric criterion. Policy rules then act on their
        results, e.g. <code>{'{"evals.pii.found": {"eq": true}}'}</code> sends outputs with personal data to review. Here is a set to start
        from:
      </p>
      <pre>{EXAMPLE_TEXT}</pre>
      <p className="muted console-hint">
        A judge names a rubric criterion and an OpenAI-compatible endpoint:{' '}
        <code>{'{"name": "judge_accuracy", "judge": {"endpoint": "…/v1", "model": "…", "criterion": "accuracy"}}'}</code>. See
        docs/evaluators.md.
      </p>
      {canEdit && (
        <button type="button" onClick={() => onUse(EXAMPLE_TEXT)}>
          Put this example in the editor
        </button>
      )}
    </div>
  );
}
