import type { JsonValue, Operator } from '../types.js';
import type { CompiledPath } from './item-path.js';

export interface ConditionProblem {
  path: string;
  message: string;
}

export interface OperatorTest {
  readonly operator: Operator;
  readonly expected: JsonValue;
  readonly test: (actual: JsonValue | undefined) => boolean;
}

export type CompiledCondition =
  | { readonly kind: 'all'; readonly children: readonly CompiledCondition[] }
  | { readonly kind: 'any'; readonly children: readonly CompiledCondition[] }
  | { readonly kind: 'not'; readonly child: CompiledCondition }
  | { readonly kind: 'leaf'; readonly path: CompiledPath; readonly tests: readonly OperatorTest[] };
