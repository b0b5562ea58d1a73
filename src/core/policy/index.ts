export { resolvePath, compilePath, pathProblem, FactsView, PATH_ROOTS, type CompiledPath } from './item-path.js';
export {
  compileCondition,
  checkCondition,
  evaluateCondition,
  evaluateCompiled,
  explainCondition,
  jsonEqual,
  MAX_CONDITION_DEPTH,
  MAX_PATTERN_LENGTH,
  type CompiledCondition,
  type ConditionProblem,
  type ConditionResult,
  type OperatorTest,
} from './condition-evaluate.js';
export { validatePolicy, defaultQueueFor, DEFAULT_OVERLAP, DEFAULT_PRIORITY, MAX_RULES } from './policy-validate.js';
export { sampleDraw, isSampled } from './sampling.js';
export { compilePolicy, evaluatePolicy, type CompiledPolicy, type CompiledRule } from './policy-evaluate.js';
