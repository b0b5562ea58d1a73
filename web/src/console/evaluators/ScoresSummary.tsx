import { formatCount, formatStat } from '../quality/format.js';
import { formatStatEstimate } from './format.js';
import type { AgreementReport } from './types.js';

type Scores = NonNullable<AgreementReport['scores']>;

/** Agreement on the scores a judge and people give on the same rubric criterion. */
export function ScoresSummary({ scores, criterion }: { scores: Scores; criterion: string | null }) {
  return (
    <dl className="ev-scores" aria-label={`Agreement on ${criterion ?? 'the'} scores`}>
      <dt>Items with both scores{criterion !== null && <> ({criterion})</>}</dt>
      <dd>{formatCount(scores.n)}</dd>
      <dt>Krippendorff’s α</dt>
      <dd>{formatStatEstimate(scores.alpha)}</dd>
      <dt>Weighted kappa</dt>
      <dd>{formatStatEstimate(scores.weighted_kappa)}</dd>
      <dt>Mean difference (evaluator − people)</dt>
      <dd>
        {formatStat(scores.mean_difference)}
        <span className="muted">
          {scores.mean_difference > 0 ? ' scores more generously' : scores.mean_difference < 0 ? ' scores more strictly' : ''}
        </span>
      </dd>
    </dl>
  );
}
