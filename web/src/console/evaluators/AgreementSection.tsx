import { useId, useMemo, useState } from 'react';
import { Empty } from '../../ui/feedback.js';
import { AgreementCard } from './AgreementCard.js';
import { SegmentPicker } from './SegmentPicker.js';

const WINDOWS = [7, 30, 90] as const;
type WindowDays = (typeof WINDOWS)[number];
const DAY_MS = 86_400_000;

/** How far each evaluator of the current set agrees with people's outcomes, overall, per segment and over time. */
export function AgreementSection({ projectId, names }: { projectId: string; names: string[] }) {
  const id = useId();
  const [days, setDays] = useState<WindowDays>(30);
  const [segment, setSegment] = useState<string | null>(null);
  // One window for every card, fixed when chosen, so the cards compare the same checks.
  const window = useMemo(() => {
    const until = Date.now();
    return { since: new Date(until - days * DAY_MS).toISOString(), until: new Date(until).toISOString() };
  }, [days]);

  return (
    <section className="card console-section" aria-labelledby={`${id}-title`} data-testid="agreement-section">
      <h2 id={`${id}-title`}>Agreement with reviewers</h2>
      <p className="muted console-hint">
        Each evaluator’s verdict against what people decided on the same items: approved counts as pass, corrected or rejected as fail.
        Cohen’s kappa discounts the agreement expected by chance (above 0.6 is substantial, the trust rules’ default bar); precision and
        recall are about catching what people corrected or rejected. Ranges in brackets are 95% intervals.
      </p>
      <div className="row ev-controls">
        <label className="inline-field">
          Decided in the last
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as WindowDays)}>
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </label>
        <SegmentPicker value={segment} onChange={setSegment} />
      </div>
      {names.length === 0 ? (
        <Empty>The current set has no evaluators. Save one above; its agreement appears here once reviewers decide items it scored.</Empty>
      ) : (
        <div className="ev-cards">
          {names.map((name) => (
            <AgreementCard key={name} projectId={projectId} name={name} since={window.since} until={window.until} segment={segment} />
          ))}
        </div>
      )}
    </section>
  );
}
