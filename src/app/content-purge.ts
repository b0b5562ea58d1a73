import { clearEvalExplanations } from '../store/eval-repo.js';
import { emptiedInput, emptiedOutput, scrubAnswer, scrubTraces } from '../core/data-protection/purge.js';
import { BUILTIN_PII_DETECTORS, compilePiiScanner, type PiiScanner } from '../core/pii/index.js';
import type { Escalation } from '../core/review/queues.js';
import type { ItemOutput, JsonValue, MatchedRule } from '../core/types.js';
import {
  deleteOriginals,
  listCalibrationComments,
  listEscalationContent,
  listGoldNotes,
  listItemsByIds,
  listJudgmentContent,
  rewriteEscalation,
  rewriteItemContent,
  rewriteJudgmentContent,
  setCalibrationComment,
  setGoldNote,
} from '../store/content-repo.js';
import type { Executor } from '../store/executor.js';
import { setItemOutcome, type ItemRecord, type PurgeReason } from '../store/item-repo.js';
import { announceItemChange } from '../store/notify-repo.js';
import { cancelOpenTasks } from '../store/task-repo.js';

export type PurgeMode = 'delete' | 'redact' | 'erase';

export interface PurgeOptions {
  mode: PurgeMode;
  now: number;
  actor: string;
  /** For `redact`: the project's scanner; without one, every built-in detector. */
  scanner?: PiiScanner | null;
}

const PAYLOAD_ROOTS: ReadonlySet<string> = new Set(['input', 'output']);
const SUBJECT_ROOTS: ReadonlySet<string> = new Set(['input', 'output', 'metadata', 'external_id']);

let everyDetector: PiiScanner | undefined;
function defaultScanner(): PiiScanner {
  everyDetector ??= compilePiiScanner({ detectors: [...BUILTIN_PII_DETECTORS] });
  return everyDetector;
}

/** What a piece of free text or JSON becomes under each mode. */
interface Rewriter {
  text(value: string | null): string | null;
  json(value: JsonValue | null): JsonValue | null;
}

function rewriterFor(opts: PurgeOptions): Rewriter {
  if (opts.mode !== 'redact') return { text: () => null, json: () => null };
  const scanner = opts.scanner ?? defaultScanner();
  return {
    text: (v) => (v === null ? null : scanner.redactText(v).text),
    json: (v) => (v === null ? null : scanner.redactJson(v).value),
  };
}

/**
 * Empties (or redacts) the content of these items everywhere it lives: the item's payloads and
 * outcome, the values its routing trace quoted, reviewers' corrections, comments, rationales and
 * escalation notes, calibration comments, gold notes, and its sealed original. Runs inside the
 * caller's transaction, so the purge and its audit event commit together.
 */
export async function purgeContent(tx: Executor, ids: readonly string[], opts: PurgeOptions): Promise<void> {
  if (ids.length === 0) return;
  const rewrite = rewriterFor(opts);
  const reason: PurgeReason = opts.mode === 'erase' ? 'erasure' : opts.mode === 'redact' ? 'retention:redact' : 'retention:delete';
  const items = await listItemsByIds(tx, ids);
  for (const item of items) {
    if (opts.mode === 'erase' && item.outcome.status === 'pending') await settleErased(tx, item, opts);
    await rewriteItemContent(tx, item, {
      ...itemContent(item, opts, rewrite),
      purged: { at: opts.now, reason },
    });
  }

  for (const j of await listJudgmentContent(tx, ids)) {
    const answer = opts.mode === 'redact' ? redactRationale(j.answer, rewrite) : scrubAnswer(j.answer);
    await rewriteJudgmentContent(tx, { id: j.id, correction: rewrite.json(j.correction), comment: rewrite.text(j.comment), answer });
  }
  for (const e of await listEscalationContent(tx, ids)) await rewriteEscalation(tx, e.task_id, escalationContent(e.escalation, rewrite));
  for (const c of await listCalibrationComments(tx, ids)) await setCalibrationComment(tx, c, rewrite.text(c.comment));
  for (const g of await listGoldNotes(tx, ids)) await setGoldNote(tx, g.item_id, rewrite.text(g.note));
  // A judge's explanation may quote the output it graded; the verdict and score stay for the figures.
  await clearEvalExplanations(tx, ids);
  await deleteOriginals(tx, ids);
}

function itemContent(item: ItemRecord, opts: PurgeOptions, rewrite: Rewriter) {
  if (opts.mode === 'redact') {
    const scanner = opts.scanner ?? defaultScanner();
    const redact = <T>(v: T): T => scanner.redactJson(v as JsonValue).value as T;
    return {
      input: redact(item.input),
      output: redact(item.output),
      outcome_output: item.outcome.output === null ? null : redact(item.outcome.output),
      metadata: item.metadata,
      external_id: item.external_id,
      matched_rules: item.decision.matched_rules.map((r) => redactTrace(r, rewrite)),
    };
  }
  const erase = opts.mode === 'erase';
  return {
    input: emptiedInput(),
    output: emptiedOutput(item.kind, item.output),
    outcome_output: item.outcome.output === null ? null : emptiedOutput(item.kind, item.outcome.output),
    metadata: erase ? {} : item.metadata,
    external_id: erase ? null : item.external_id,
    matched_rules: scrubTraces(item.decision.matched_rules, erase ? SUBJECT_ROOTS : PAYLOAD_ROOTS),
  };
}

function redactTrace(rule: MatchedRule, rewrite: Rewriter): MatchedRule {
  return {
    ...rule,
    reason: rewrite.text(rule.reason) ?? '',
    conditions: rule.conditions.map((c) => (c.actual === undefined ? c : { ...c, actual: rewrite.json(c.actual) })),
  };
}

function redactRationale(answer: JsonValue | null, rewrite: Rewriter): JsonValue | null {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || typeof answer['rationale'] !== 'string') return answer;
  return { ...answer, rationale: rewrite.text(answer['rationale']) };
}

function escalationContent(e: Escalation, rewrite: Rewriter): Escalation {
  const partial = e.partial === null ? null : { ...e.partial };
  if (partial !== null && 'correction' in partial) {
    const corrected = rewrite.json(partial.correction as JsonValue);
    if (corrected === null) delete partial.correction;
    else partial.correction = corrected;
  }
  return { ...e, comment: rewrite.text(e.comment), partial };
}

/**
 * An item erased before anyone decided it cannot be reviewed any more: its open tasks are
 * withdrawn and so is it (outcome `withdrawn`, no output), so a caller waiting on a hold gets an
 * answer rather than a wait, and no figure counts it as a human verdict.
 */
async function settleErased(tx: Executor, item: ItemRecord, opts: PurgeOptions): Promise<void> {
  await cancelOpenTasks(tx, item.id, opts.now);
  const outcome = {
    status: 'withdrawn' as const,
    output: null as ItemOutput | null,
    decided_at: opts.now,
    decided_by: opts.actor,
    reason: "content erased at the data subject's request before a decision",
    fallback: null,
  };
  await setItemOutcome(tx, item.id, outcome);
  item.outcome = outcome;
  await announceItemChange(tx, item.id);
}
