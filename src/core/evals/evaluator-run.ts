import { FactsView, compilePath, type CompiledPath } from '../policy/item-path.js';
import type { EvalFact, EvalFacts, ItemFacts, JsonObject } from '../types.js';
import { compileCheck } from './compile.js';
import type { EvaluatorMode, EvaluatorSetDocument, EvaluatorSpec } from './evaluator-set.js';
import type { CheckStatus, CompiledCheck } from './types.js';

/** One evaluator's result on one item, as stored (`eval_results`) and served. */
export interface EvalOutcome {
  evaluator: string;
  /** The evaluator set version that produced it. */
  evaluator_version: number;
  mode: EvaluatorMode;
  status: CheckStatus;
  score: number | null;
  label: string | null;
  found: boolean | null;
  /** A check's reason, or the judge's explanation. */
  explanation: string | null;
  details: JsonObject;
  latency_ms: number;
  cost: number | null;
}

export interface CompiledEvaluator {
  readonly spec: EvaluatorSpec;
  /** Compiled once per set version; null for judges. */
  readonly check: CompiledCheck | null;
  readonly reference: CompiledPath;
}

export interface CompiledEvaluatorSet {
  readonly version: number;
  readonly all: readonly CompiledEvaluator[];
  /** Checks run before routing; sync judges are awaited within their latency budget. */
  readonly syncChecks: readonly CompiledEvaluator[];
  readonly syncJudges: readonly CompiledEvaluator[];
  /** Evaluators queued after capture (`eval_jobs`). */
  readonly deferred: readonly CompiledEvaluator[];
}

export function compileEvaluatorSet(doc: EvaluatorSetDocument, version: number): CompiledEvaluatorSet {
  const all = doc.evaluators.map((spec): CompiledEvaluator => ({
    spec,
    check: spec.check === null ? null : compileCheck(spec.check),
    reference: compilePath(spec.reference_path),
  }));
  return {
    version,
    all,
    syncChecks: all.filter((e) => e.spec.mode === 'sync' && e.check !== null),
    syncJudges: all.filter((e) => e.spec.mode === 'sync' && e.spec.judge !== null),
    deferred: all.filter((e) => e.spec.mode === 'async'),
  };
}

/** The reference output an evaluator compares with, or undefined when the item has none. */
export function referenceOf(evaluator: CompiledEvaluator, view: FactsView): unknown {
  return view.resolve(evaluator.reference);
}

/**
 * Runs a built-in check evaluator. Pure and bounded by the item's size; `latencyMs` is the
 * caller's measurement (the core has no clock).
 */
export function runCheckEvaluator(
  evaluator: CompiledEvaluator,
  version: number,
  facts: ItemFacts | FactsView,
  latencyMs: () => number,
): EvalOutcome {
  const check = evaluator.check;
  if (check === null) throw new Error(`evaluator ${evaluator.spec.name} is not a check`);
  const view = facts instanceof FactsView ? facts : new FactsView(facts);
  const result = check.run({ input: view.facts.input, output: view.facts.output }, referenceOf(evaluator, view));
  return {
    evaluator: evaluator.spec.name,
    evaluator_version: version,
    mode: evaluator.spec.mode,
    status: result.status,
    score: result.score,
    label: result.label,
    found: result.found ?? null,
    explanation: result.reason,
    details: result.details,
    latency_ms: Math.max(0, Math.round(latencyMs())),
    cost: null,
  };
}

/** What a policy sees of a result: `evals.<name>.status`, `.score`, `.label`, `.found`, `.latency_ms`. */
export function evalFactOf(o: EvalOutcome): EvalFact {
  return { status: o.status, score: o.score, label: o.label, found: o.found, latency_ms: o.latency_ms };
}

export function evalFactsOf(outcomes: readonly EvalOutcome[]): EvalFacts {
  const facts: EvalFacts = {};
  for (const o of outcomes) facts[o.evaluator] = evalFactOf(o);
  return facts;
}
