import { TollgateError } from '../errors.js';
import { EVALUATOR_NAME } from '../evals/evaluator-set.js';
import { VERDICTS, type Verdict } from '../types.js';
import {
  EXPORT_FILE_TYPES,
  PREFERENCE_STYLES,
  type ExportFileType,
  type ExportFormat,
  type ExportOptions,
  type ItemSelection,
  type OutcomeCase,
  type PreferenceStyle,
} from './types.js';

/** The filters and options as a client sends them (query string names). */
export interface ExportQuery {
  since?: string;
  until?: string;
  model_version?: string;
  verdict?: string;
  guideline_version?: number;
  queue?: string;
  min_agreement?: number;
  include_unreviewed?: boolean;
  style?: string;
  as?: string;
  evaluator?: string;
  disagreements_only?: boolean;
}

type Problem = { path: string; message: string };

/**
 * Checks the export's options against each other and the format, every problem at once
 * (`400 TG_VALIDATION_FAILED`). An option a format cannot honour is refused rather than
 * ignored: a file that silently ignored `verdict` would be mistaken for a filtered one.
 */
export function parseExportOptions(format: ExportFormat, q: ExportQuery): ExportOptions {
  const problems: Problem[] = [];
  const at = (name: string, message: string) => problems.push({ path: `querystring.${name}`, message });
  const time = (name: 'since' | 'until'): number | undefined => {
    const raw = q[name];
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    if (!Number.isFinite(ms)) at(name, `must be an ISO 8601 date-time, got "${raw}"`);
    return Number.isFinite(ms) ? ms : undefined;
  };
  const since = time('since');
  const until = time('until');
  if (since !== undefined && until !== undefined && since >= until) at('until', 'must be after "since"');

  let verdict: Verdict | undefined;
  if (q.verdict !== undefined) {
    if (!(VERDICTS as readonly string[]).includes(q.verdict)) at('verdict', `must be one of ${VERDICTS.join(', ')}`);
    else if (format === 'preference')
      at('verdict', 'does not apply to preference pairs, which come from comparisons, rankings and corrections');
    else if (format === 'sft' && q.verdict === 'reject') at('verdict', 'rejected outputs are never SFT examples: use approve or correct');
    else verdict = q.verdict as Verdict;
  }
  if (q.guideline_version !== undefined && !(Number.isInteger(q.guideline_version) && q.guideline_version >= 0))
    at('guideline_version', 'must be an integer of at least 0');
  if (q.min_agreement !== undefined && !(q.min_agreement >= 0 && q.min_agreement <= 1)) at('min_agreement', 'must be between 0 and 1');
  if (q.include_unreviewed !== undefined && format !== 'sft' && format !== 'eval')
    at('include_unreviewed', 'applies to the sft and eval formats only');

  let style: PreferenceStyle = 'conversational';
  if (q.style !== undefined) {
    if (!(PREFERENCE_STYLES as readonly string[]).includes(q.style)) at('style', `must be one of ${PREFERENCE_STYLES.join(', ')}`);
    else if (format !== 'preference') at('style', 'applies to the preference format only');
    else style = q.style as PreferenceStyle;
  }
  const evaluator = evaluatorOption(format, q, at);
  let file: ExportFileType = 'jsonl';
  if (q.as !== undefined) {
    if (!(EXPORT_FILE_TYPES as readonly string[]).includes(q.as)) at('as', `must be one of ${EXPORT_FILE_TYPES.join(', ')}`);
    else if (q.as === 'csv' && format !== 'judgments')
      at('as', 'CSV is offered for the judgments export only; the other formats nest messages and are JSON Lines');
    else file = q.as as ExportFileType;
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new TollgateError(
      'TG_VALIDATION_FAILED',
      `${first.path} ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`,
      { errors: problems },
    );
  }
  return {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(q.model_version === undefined ? {} : { model_version: q.model_version }),
    ...(verdict === undefined ? {} : { verdict }),
    ...(q.guideline_version === undefined ? {} : { guideline_version: q.guideline_version }),
    ...(q.queue === undefined ? {} : { queue: q.queue }),
    ...(q.min_agreement === undefined ? {} : { min_agreement: q.min_agreement }),
    include_unreviewed: q.include_unreviewed ?? false,
    style,
    file,
    ...(evaluator === undefined ? {} : { evaluator }),
  };
}

/**
 * `evaluator` and `disagreements_only`, eval only. Disagreements are with people's outcomes, so
 * they cannot be asked for together with items no person decided: such a file would mix cases
 * measured against people with cases measured against a policy or a clock.
 */
function evaluatorOption(format: ExportFormat, q: ExportQuery, at: (name: string, message: string) => void): ExportOptions['evaluator'] {
  const onlyEval = 'applies to the eval format only';
  if (q.disagreements_only !== undefined) {
    if (format !== 'eval') at('disagreements_only', onlyEval);
    else if (q.disagreements_only && q.evaluator === undefined)
      at('disagreements_only', "needs evaluator=<name>: the disagreements are that evaluator's with people");
    else if (q.disagreements_only && q.include_unreviewed === true)
      at(
        'disagreements_only',
        "compares the evaluator with people's outcomes, which unreviewed items do not have: drop include_unreviewed",
      );
  }
  if (q.evaluator === undefined) return undefined;
  if (format !== 'eval') {
    at('evaluator', onlyEval);
    return undefined;
  }
  if (!EVALUATOR_NAME.test(q.evaluator)) {
    at('evaluator', 'must be an evaluator name: a lower case letter, then lower case letters, digits and _');
    return undefined;
  }
  return { name: q.evaluator, disagreements_only: q.disagreements_only ?? false };
}

const VERDICT_STATUS = { approve: 'approved', correct: 'corrected', reject: 'rejected' } as const;

/**
 * The items a format can make records from, as the store filters them:
 * - sft: review items approved or corrected by people (with `include_unreviewed`, also those the
 *   policy passed and holds a timeout approved);
 * - eval: the same, plus rejected ones (with `include_unreviewed`, any timeout; with
 *   `disagreements_only`, only those the evaluator judged the other way);
 * - preference: corrected review items, and decided comparisons and rankings;
 * - judgments: any item with a judgment.
 * Gold probes and authored gold are never production and are left out by the store itself.
 */
export function itemSelection(format: ExportFormat, o: ExportOptions): ItemSelection {
  const base: ItemSelection = {
    outcomes: null,
    reviewed_only: false,
    exclude_purged: format !== 'judgments',
    ...(o.since === undefined ? {} : { since: o.since }),
    ...(o.until === undefined ? {} : { until: o.until }),
    ...(o.model_version === undefined ? {} : { model_version: o.model_version }),
    ...(o.queue === undefined ? {} : { queue: o.queue }),
  };
  if (format === 'judgments') {
    return {
      ...base,
      judged: {
        ...(o.verdict === undefined ? {} : { verdict: o.verdict }),
        ...(o.guideline_version === undefined ? {} : { guideline_version: o.guideline_version }),
      },
    };
  }
  const underGuideline = o.guideline_version === undefined ? {} : { all_judged_under: o.guideline_version };
  if (format === 'preference') {
    return {
      ...base,
      ...underGuideline,
      reviewed_only: true,
      outcomes: [
        { kinds: ['output'], status: 'corrected' },
        { kinds: ['compare', 'rank'], status: 'approved' },
      ],
    };
  }
  const verdicts: Verdict[] = o.verdict !== undefined ? [o.verdict] : format === 'sft' ? ['approve', 'correct'] : [...VERDICTS];
  const outcomes: OutcomeCase[] = verdicts.map((v) => ({ kinds: ['output'], status: VERDICT_STATUS[v] }));
  if (o.include_unreviewed) {
    for (const v of verdicts) if (v !== 'correct') outcomes.push({ kinds: ['output'], status: 'timed_out', fallback: v });
  }
  const disagreeing = o.evaluator?.disagreements_only ? { evaluator_disagrees: o.evaluator.name } : {};
  return { ...base, ...underGuideline, ...disagreeing, reviewed_only: !o.include_unreviewed, outcomes };
}
