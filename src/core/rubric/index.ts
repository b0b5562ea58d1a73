export { validateRubric, summarizeProblems, MAX_CRITERIA, MAX_LIKERT_SPAN, MAX_OPTIONS, type RubricProblem } from './rubric-validate.js';
export { validateScores } from './scores-validate.js';
