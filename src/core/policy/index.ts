export { resolvePath, compilePath, pathProblem, FactsView, PATH_ROOTS, type CompiledPath } from './item-path.js';
export { compileCondition, checkCondition, MAX_CONDITION_DEPTH } from './condition-compile.js';
export { MAX_PATTERN_LENGTH } from './condition-operators.js';
export { evaluateCondition, evaluateCompiled, type ConditionResult } from './condition-evaluate.js';
export { explainCondition } from './condition-explain.js';
export type { CompiledCondition, ConditionProblem, OperatorTest } from './condition-types.js';
export { jsonEqual, toJsonValue } from '../json.js';
export { validatePolicy, defaultQueueFor, DEFAULT_OVERLAP, DEFAULT_PRIORITY, MAX_RULES } from './policy-validate.js';
export { sampleDraw, isSampled } from './sampling.js';
export {
  compilePolicy,
  evaluatePolicy,
  reviewProbability,
  type CompiledPolicy,
  type CompiledRule,
  type TrustedRules,
} from './policy-evaluate.js';
