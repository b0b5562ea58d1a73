import { isRecord, jsonEqual } from '../json.js';
import type { ItemOutput, JsonObject, JsonValue, Verdict } from '../types.js';
import { aggregateScores, itemAgreement } from './aggregate.js';
import { assistantMessage, messageJson, plainCompletion, plainPrompt, promptMessages } from './chat.js';
import { judgmentRecord } from './judgment-rows.js';
import type { ExportEvalResult, ExportFormat, ExportItem, ExportJudgment, ExportOptions, PreferenceStyle } from './types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The verdict the item ended with: a person's, or for a hold that ran out, the fallback applied. */
export function finalVerdict(item: ExportItem): Verdict | null {
  switch (item.outcome.status) {
    case 'approved':
      return 'approve';
    case 'corrected':
      return 'correct';
    case 'rejected':
      return 'reject';
    case 'timed_out':
      return item.outcome.fallback;
    default:
      return null;
  }
}

/** Decided by people: routed to them (not passed by the policy) and resolved by their judgments. */
export function decidedByPeople(item: ExportItem): boolean {
  return item.action !== 'pass' && ['approved', 'corrected', 'rejected'].includes(item.outcome.status);
}

/** For the item formats: whether the item's judgments satisfy the judgment filters. */
function judgedAsAsked(judgments: readonly ExportJudgment[], o: ExportOptions): boolean {
  if (o.queue !== undefined && !judgments.some((j) => j.queue === o.queue)) return false;
  if (o.guideline_version !== undefined && (judgments.length === 0 || judgments.some((j) => j.guideline_version !== o.guideline_version)))
    return false;
  return true;
}

/** A comparison or ranking has no model version of its own: it matches when any candidate does. */
function ofModelVersion(item: ExportItem, version: string): boolean {
  if (item.kind === 'output') return item.model_version === version;
  return candidatesOf(item).some((c) => c.model_version === version);
}

interface CandidateView {
  id: string;
  output: ItemOutput;
  model_version: string | null;
}

function candidatesOf(item: ExportItem): CandidateView[] {
  const raw = isRecord(item.output) ? item.output['candidates'] : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c) =>
    isRecord(c) && typeof c['id'] === 'string' && c['output'] !== undefined
      ? [
          {
            id: c['id'],
            output: c['output'] as ItemOutput,
            model_version: typeof c['model_version'] === 'string' ? c['model_version'] : null,
          },
        ]
      : [],
  );
}

/**
 * One training example in OpenAI's chat fine-tuning format: the input's messages, then the
 * output people accepted as the assistant's reply (the correction where they corrected it).
 * Nothing else goes on the line, since OpenAI refuses unknown keys in a training file.
 */
export function sftRecord(item: ExportItem): JsonObject | null {
  if (item.outcome.output === null) return null;
  const prompt = promptMessages(item.input);
  const reply = assistantMessage(item.outcome.output);
  if (prompt === null || reply === null) return null;
  return { messages: [...prompt, reply].map(messageJson) };
}

interface Pair {
  chosen: ItemOutput;
  rejected: ItemOutput;
}

/**
 * The preference pairs an item yields:
 * - a correction: the corrected output over the original;
 * - a comparison: the winner of its outcome over the other candidate (a tie yields nothing);
 * - a ranking: every pair of candidates its outcome orders with strictly more Borda points
 *   (candidates with equal points are a tie and yield nothing).
 * The aggregated outcome, rather than each reviewer's answer, so reviewers who disagree do not
 * put contradictory pairs in one file; `min_agreement` keeps only the clear-cut ones.
 */
export function preferencePairs(item: ExportItem): Pair[] {
  const out = item.outcome.output;
  if (item.kind === 'output') {
    if (item.outcome.status !== 'corrected' || out === null || jsonEqual(out, item.output)) return [];
    return [{ chosen: out, rejected: item.output }];
  }
  if (item.outcome.status !== 'approved' || !isRecord(out)) return [];
  const byId = new Map(candidatesOf(item).map((c) => [c.id, c.output]));
  if (item.kind === 'compare') {
    const winner = out['winner'];
    const chosen = typeof winner === 'string' ? byId.get(winner) : undefined;
    const loser = [...byId.keys()].find((id) => id !== winner);
    const rejected = loser === undefined ? undefined : byId.get(loser);
    return chosen === undefined || rejected === undefined ? [] : [{ chosen, rejected }];
  }
  const order = Array.isArray(out['order']) ? out['order'].filter((id): id is string => typeof id === 'string') : [];
  const points = isRecord(out['points']) ? out['points'] : {};
  const pointsOf = (id: string) => (typeof points[id] === 'number' ? points[id] : 0);
  const pairs: Pair[] = [];
  for (const [i, better] of order.entries()) {
    for (const worse of order.slice(i + 1)) {
      const chosen = byId.get(better);
      const rejected = byId.get(worse);
      if (chosen !== undefined && rejected !== undefined && pointsOf(better) > pointsOf(worse)) pairs.push({ chosen, rejected });
    }
  }
  return pairs;
}

/** A pair as TRL's DPO trainer reads it, in the chosen style; null when the style cannot carry it. */
export function preferenceRecord(input: ExportItem['input'], pair: Pair, style: PreferenceStyle): JsonObject | null {
  if (style === 'standard') {
    const prompt = plainPrompt(input);
    const chosen = plainCompletion(pair.chosen);
    const rejected = plainCompletion(pair.rejected);
    return prompt === null || chosen === null || rejected === null ? null : { prompt, chosen, rejected };
  }
  const prompt = promptMessages(input);
  const chosen = assistantMessage(pair.chosen);
  const rejected = assistantMessage(pair.rejected);
  if (prompt === null || chosen === null || rejected === null) return null;
  return { prompt: prompt.map(messageJson), chosen: [messageJson(chosen)], rejected: [messageJson(rejected)] };
}

/**
 * An evaluation case: the input, the output the model gave, the reference output people settled
 * on (null when they rejected it), the verdict, and the rubric's labels and scores aggregated
 * over the item's reviews, with the Tollgate facts a harness may slice by.
 */
export function evalRecord(item: ExportItem, judgments: readonly ExportJudgment[], agreement: number | null): JsonObject {
  const reviews = judgments.filter((j) => j.verdict !== null);
  const { labels, scores } = aggregateScores(reviews);
  const verdict = finalVerdict(item);
  return {
    id: item.id,
    external_id: item.external_id,
    input: item.input as JsonValue,
    output: item.output,
    reference_output: verdict === 'reject' ? null : item.outcome.output,
    verdict,
    labels,
    scores,
    reviewed_by_people: decidedByPeople(item),
    reviews: reviews.length,
    agreement,
    model: item.model,
    model_version: item.model_version,
    policy_version: item.policy_version,
    guideline_versions: [...new Set(reviews.map((j) => j.guideline_version))].sort((a, b) => a - b),
    metadata: item.metadata,
    tags: item.tags,
    created_at: iso(item.created_at),
    decided_at: iso(item.outcome.decided_at),
  };
}

/**
 * Whether an evaluator and the people who decided the item disagree: people's approval is a pass,
 * their correction or rejection a fail (as in the evaluator agreement report). An unknown result,
 * or an item no person decided, disagrees with nothing.
 */
export function evaluatorDisagrees(item: ExportItem, result: ExportEvalResult | null): boolean {
  if (result === null || result.status === 'unknown' || !decidedByPeople(item)) return false;
  const people = item.outcome.status === 'approved' ? 'pass' : 'fail';
  return result.status !== people;
}

const evalResultJson = (r: ExportEvalResult | null): JsonObject | null =>
  r === null ? null : { name: r.name, status: r.status, score: r.score, label: r.label, explanation: r.explanation, version: r.version };

/**
 * Every record the item yields in the format, with every filter applied (the store's selection
 * is only a coarser first cut). `judgments` are all of the item's judgments, oldest first:
 * agreement is measured over all of them whatever the filters keep. `evaluation` is the stored
 * result of the evaluator named in the options (null when it has none for the item).
 */
export function exportRecords(
  format: ExportFormat,
  item: ExportItem,
  judgments: readonly ExportJudgment[],
  o: ExportOptions,
  evaluation: ExportEvalResult | null = null,
): JsonObject[] {
  if (o.since !== undefined && item.created_at < o.since) return [];
  if (o.until !== undefined && item.created_at >= o.until) return [];
  if (o.model_version !== undefined && !ofModelVersion(item, o.model_version)) return [];
  const agreement = itemAgreement(item.kind, judgments);
  if (o.min_agreement !== undefined && (agreement === null || agreement < o.min_agreement)) return [];

  if (format === 'judgments') {
    return judgments
      .filter(
        (j) =>
          (o.verdict === undefined || j.verdict === o.verdict) &&
          (o.queue === undefined || j.queue === o.queue) &&
          (o.guideline_version === undefined || j.guideline_version === o.guideline_version),
      )
      .map((j) => judgmentRecord(item, j));
  }

  if (item.purged || !judgedAsAsked(judgments, o)) return [];
  if (format === 'preference') {
    if (item.kind === 'output' && !decidedByPeople(item)) return [];
    return preferencePairs(item)
      .map((p) => preferenceRecord(item.input, p, o.style))
      .filter((r): r is JsonObject => r !== null);
  }

  const verdict = finalVerdict(item);
  if (item.kind !== 'output' || verdict === null || (o.verdict !== undefined && verdict !== o.verdict)) return [];
  if (!decidedByPeople(item) && !o.include_unreviewed) return [];
  if (format === 'eval') {
    if (o.evaluator === undefined) return [evalRecord(item, judgments, agreement)];
    if (o.evaluator.disagreements_only && !evaluatorDisagrees(item, evaluation)) return [];
    return [{ ...evalRecord(item, judgments, agreement), evaluator: evalResultJson(evaluation) }];
  }
  if (verdict === 'reject') return [];
  const record = sftRecord(item);
  return record === null ? [] : [record];
}
