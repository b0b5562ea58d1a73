import type { Condition, ConditionTrace, ItemFacts } from '../types.js';
import { compileCondition } from './condition-compile.js';
import type { CompiledCondition } from './condition-types.js';
import { asFactsView, type FactsView } from './item-path.js';

export interface ConditionResult {
  result: boolean;
  /** The leaf comparisons actually evaluated; `all`/`any` stop at the first decisive child. */
  traces: ConditionTrace[];
}

function run(node: CompiledCondition, view: FactsView, traces: ConditionTrace[]): boolean {
  switch (node.kind) {
    case 'all':
      for (const child of node.children) if (!run(child, view, traces)) return false;
      return true;
    case 'any':
      for (const child of node.children) if (run(child, view, traces)) return true;
      return false;
    case 'not':
      return !run(node.child, view, traces);
    case 'leaf': {
      const actual = view.resolve(node.path);
      for (const { operator, expected, test } of node.tests) {
        const result = test(actual);
        traces.push({ path: node.path.path, operator, expected, actual, result });
        if (!result) return false;
      }
      return true;
    }
  }
}

export function evaluateCompiled(compiled: CompiledCondition, facts: ItemFacts | FactsView): ConditionResult {
  const traces: ConditionTrace[] = [];
  const result = run(compiled, asFactsView(facts), traces);
  return { result, traces };
}

/** Convenience for one-off checks; hot paths should compile once and use `evaluateCompiled`. */
export function evaluateCondition(cond: Condition, facts: ItemFacts | FactsView): ConditionResult {
  return evaluateCompiled(compileCondition(cond), facts);
}
