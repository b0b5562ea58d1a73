import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import { pathProblem } from '../policy/item-path.js';
import { summarizeProblems } from '../policy/policy-validate.js';
import { ENV_NAME, keyEnvAllowed, describeAllowlist, type KeyEnvAllowlist } from '../proxy/settings.js';
import type { Criterion, RubricDocument } from '../types.js';
import { judgeCanScore } from './judge-prompt.js';
import type { JudgeSpec } from './judge-types.js';
import type { CheckProblem, CheckSpec } from './types.js';
import { readCheckSpec } from './validate.js';

/**
 * A project's evaluators: built-in checks and judge models that score every captured output.
 * The whole set is versioned like a policy (saving makes a new version; items record the
 * version that scored them), and is accepted only through `readEvaluatorSet`, which fills in
 * every default so a stored set means the same thing after defaults change.
 */
export interface EvaluatorSetDocument {
  evaluators: EvaluatorSpec[];
}

export const EVALUATOR_MODES = ['sync', 'async'] as const;
/** `sync`: runs before the routing decision; `async`: after capture, and may re-route an item later. */
export type EvaluatorMode = (typeof EVALUATOR_MODES)[number];

export interface EvaluatorSpec {
  /** How policies name its results: `evals.<name>.status`. */
  name: string;
  description: string | null;
  mode: EvaluatorMode;
  /**
   * Sync judges only: how long capture waits for the answer before routing without it (the
   * result is then `unknown`). Null for checks, which are pure and bounded by the item size.
   */
  latency_budget_ms: number | null;
  /** Exactly one of `check` and `judge` is set. */
  check: CheckSpec | null;
  judge: JudgeSpec | null;
  /** The item field holding a reference output (for `reference` checks and a judge's `{{reference}}`). */
  reference_path: string;
}

export const EVALUATOR_NAME = /^[a-z][a-z0-9_]{0,62}$/;
export const MAX_EVALUATORS = 50;
export const DEFAULT_REFERENCE_PATH = 'metadata.reference';
export const DEFAULT_SYNC_JUDGE_BUDGET_MS = 2_000;
export const MAX_SYNC_JUDGE_BUDGET_MS = 30_000;
const MAX_PROMPT_CHARS = 20_000;
const MAX_DESCRIPTION_CHARS = 1_000;

const EVALUATOR_KEYS = new Set(['name', 'description', 'mode', 'latency_budget_ms', 'check', 'judge', 'reference_path']);
const JUDGE_KEYS = new Set([
  'endpoint',
  'model',
  'api_key_env',
  'criterion',
  'prompt',
  'pass_at',
  'timeout_ms',
  'retries',
  'concurrency',
  'max_tokens',
  'temperature',
  'price',
  'daily_budget',
  'cache',
]);

class Problems {
  readonly list: CheckProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(at: string, value: Record<string, unknown>, allowed: ReadonlySet<string>): void {
    for (const key of Object.keys(value)) if (!allowed.has(key)) this.add(`${at}.${key}`, 'unknown field');
  }
}

function readNumber(
  raw: Record<string, unknown>,
  key: string,
  at: string,
  bounds: { min: number; max: number; integer?: boolean; fallback: number },
  problems: Problems,
): number {
  const value = raw[key];
  if (value === undefined) return bounds.fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= bounds.min && value <= bounds.max;
  if (ok && (!bounds.integer || Number.isInteger(value))) return value;
  problems.add(`${at}.${key}`, `must be ${bounds.integer ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}`);
  return bounds.fallback;
}

function readEndpoint(value: unknown, at: string, problems: Problems): string {
  if (typeof value !== 'string' || value.length > 2000) {
    problems.add(at, 'must be an absolute http(s) URL');
    return '';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add(at, 'must be an absolute http(s) URL');
    return '';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.add(at, 'must use http or https');
  if (url.username !== '' || url.password !== '')
    problems.add(at, 'must not carry credentials: name an environment variable in api_key_env');
  if (url.search !== '' || url.hash !== '') problems.add(at, 'must not have a query or fragment');
  return value.replace(/\/+$/, '');
}

/** A default pass mark in the upper part of the scale, so "acceptable" means more than the middle. */
function defaultPassAt(criterion: Criterion): number {
  const scale = criterion.scale;
  if (scale.type === 'boolean') return 1;
  if (scale.type === 'likert') return Math.ceil(scale.min + 0.6 * (scale.max - scale.min));
  if (scale.type === 'numeric') return scale.min + 0.6 * (scale.max - scale.min);
  return 1;
}

function readJudge(
  raw: unknown,
  at: string,
  rubric: RubricDocument | null,
  allowlist: KeyEnvAllowlist,
  problems: Problems,
): JudgeSpec | null {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object with "endpoint", "model" and "criterion"');
    return null;
  }
  problems.unknownKeys(at, raw, JUDGE_KEYS);
  const before = problems.list.length;
  const endpoint = readEndpoint(raw['endpoint'], `${at}.endpoint`, problems);
  const model = raw['model'];
  if (typeof model !== 'string' || model.trim() === '' || model.length > 200) problems.add(`${at}.model`, 'must be a model name');
  const env = raw['api_key_env'] ?? null;
  if (env !== null) {
    if (typeof env !== 'string' || !ENV_NAME.test(env)) problems.add(`${at}.api_key_env`, 'must be an environment variable name or null');
    else if (!keyEnvAllowed(env, allowlist)) problems.add(`${at}.api_key_env`, `${env} is not allowed: ${describeAllowlist(allowlist)}`);
  }
  const criterionKey = raw['criterion'];
  let criterion: Criterion | undefined;
  if (typeof criterionKey !== 'string') problems.add(`${at}.criterion`, "must name a criterion of the project's rubric");
  else if (rubric === null) problems.add(`${at}.criterion`, 'the project has no rubric: save one whose criterion the judge scores');
  else {
    criterion = rubric.criteria.find((c) => c.key === criterionKey);
    if (criterion === undefined) {
      problems.add(`${at}.criterion`, `"${criterionKey}" is not in the rubric (${rubric.criteria.map((c) => c.key).join(', ')})`);
    } else {
      const why = judgeCanScore(criterion);
      if (why !== null) problems.add(`${at}.criterion`, why);
    }
  }
  const prompt = raw['prompt'] ?? null;
  if (prompt !== null && (typeof prompt !== 'string' || prompt.trim() === '' || prompt.length > MAX_PROMPT_CHARS)) {
    problems.add(`${at}.prompt`, `must be a template of at most ${MAX_PROMPT_CHARS} characters, or null for the built-in one`);
  }
  const fallbackPass = criterion === undefined ? 1 : defaultPassAt(criterion);
  const passAt = readNumber(raw, 'pass_at', at, { min: -1e9, max: 1e9, fallback: fallbackPass }, problems);
  if (criterion !== undefined && raw['pass_at'] !== undefined) {
    const s = criterion.scale;
    if ((s.type === 'likert' || s.type === 'numeric') && (passAt < s.min || passAt > s.max)) {
      problems.add(`${at}.pass_at`, `must be on the criterion's scale ${s.min}..${s.max}`);
    }
  }
  const timeout = readNumber(raw, 'timeout_ms', at, { min: 100, max: 120_000, integer: true, fallback: 10_000 }, problems);
  const retries = readNumber(raw, 'retries', at, { min: 0, max: 5, integer: true, fallback: 2 }, problems);
  const concurrency = readNumber(raw, 'concurrency', at, { min: 1, max: 64, integer: true, fallback: 4 }, problems);
  const maxTokens = readNumber(raw, 'max_tokens', at, { min: 16, max: 8192, integer: true, fallback: 400 }, problems);
  const temperature = readNumber(raw, 'temperature', at, { min: 0, max: 2, fallback: 0 }, problems);
  const price = readPrice(raw['price'], `${at}.price`, problems);
  const budgetRaw = raw['daily_budget'] ?? null;
  let dailyBudget: number | null = null;
  if (budgetRaw !== null) {
    if (typeof budgetRaw !== 'number' || !Number.isFinite(budgetRaw) || budgetRaw <= 0)
      problems.add(`${at}.daily_budget`, 'must be a positive number or null');
    else if (price === null) problems.add(`${at}.daily_budget`, 'needs a "price" to count spend against');
    else dailyBudget = budgetRaw;
  }
  const cache = raw['cache'] ?? true;
  if (typeof cache !== 'boolean') problems.add(`${at}.cache`, 'must be true or false');
  if (problems.list.length > before || criterion === undefined) return null;
  return {
    endpoint,
    model: (model as string).trim(),
    api_key_env: env as string | null,
    criterion: criterion.key,
    prompt: prompt as string | null,
    pass_at: passAt,
    timeout_ms: timeout,
    retries,
    concurrency,
    max_tokens: maxTokens,
    temperature,
    price,
    daily_budget: dailyBudget,
    cache: cache as boolean,
  };
}

function readPrice(raw: unknown, at: string, problems: Problems): JudgeSpec['price'] {
  if (raw === undefined || raw === null) return null;
  if (!isRecord(raw)) {
    problems.add(at, 'must be {"input_per_million": n, "output_per_million": n} or null');
    return null;
  }
  problems.unknownKeys(at, raw, new Set(['input_per_million', 'output_per_million']));
  const input = readNumber(raw, 'input_per_million', at, { min: 0, max: 1e6, fallback: Number.NaN }, problems);
  const output = readNumber(raw, 'output_per_million', at, { min: 0, max: 1e6, fallback: Number.NaN }, problems);
  if (Number.isNaN(input) || Number.isNaN(output)) {
    if (raw['input_per_million'] === undefined || raw['output_per_million'] === undefined)
      problems.add(at, 'needs both input_per_million and output_per_million');
    return null;
  }
  return { input_per_million: input, output_per_million: output };
}

function readEvaluator(
  raw: unknown,
  at: string,
  rubric: RubricDocument | null,
  allowlist: KeyEnvAllowlist,
  problems: Problems,
): EvaluatorSpec | null {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object with "name" and a "check" or a "judge"');
    return null;
  }
  problems.unknownKeys(at, raw, EVALUATOR_KEYS);
  const before = problems.list.length;
  const name = raw['name'];
  if (typeof name !== 'string' || !EVALUATOR_NAME.test(name)) {
    problems.add(
      `${at}.name`,
      'must be lower case letters, digits and _ (starting with a letter, at most 63): policies use it as evals.<name>',
    );
  }
  const description = raw['description'] ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_CHARS)) {
    problems.add(`${at}.description`, `must be a string of at most ${MAX_DESCRIPTION_CHARS} characters`);
  }
  let check: CheckSpec | null = null;
  let judge: JudgeSpec | null = null;
  const hasCheck = raw['check'] !== undefined && raw['check'] !== null;
  const hasJudge = raw['judge'] !== undefined && raw['judge'] !== null;
  if (hasCheck === hasJudge) problems.add(at, 'must have exactly one of "check" and "judge"');
  else if (hasCheck) {
    const read = readCheckSpec(raw['check']);
    if ('problems' in read) for (const p of read.problems) problems.add(p.path === '' ? `${at}.check` : `${at}.check.${p.path}`, p.message);
    else check = read.spec;
  } else judge = readJudge(raw['judge'], `${at}.judge`, rubric, allowlist, problems);

  const modeRaw = raw['mode'] ?? (hasJudge ? 'async' : 'sync');
  const mode = (EVALUATOR_MODES as readonly unknown[]).includes(modeRaw) ? (modeRaw as EvaluatorMode) : null;
  if (mode === null) problems.add(`${at}.mode`, 'must be "sync" or "async"');
  let budget: number | null = null;
  if (raw['latency_budget_ms'] !== undefined && raw['latency_budget_ms'] !== null) {
    if (!hasJudge || mode !== 'sync')
      problems.add(`${at}.latency_budget_ms`, 'applies to sync judges only (checks are bounded by the item size)');
    else
      budget = readNumber(
        raw,
        'latency_budget_ms',
        at,
        { min: 10, max: MAX_SYNC_JUDGE_BUDGET_MS, integer: true, fallback: DEFAULT_SYNC_JUDGE_BUDGET_MS },
        problems,
      );
  } else if (hasJudge && mode === 'sync') budget = DEFAULT_SYNC_JUDGE_BUDGET_MS;

  const referencePath = raw['reference_path'] ?? DEFAULT_REFERENCE_PATH;
  if (typeof referencePath !== 'string' || pathProblem(referencePath) !== null || referencePath.startsWith('evals')) {
    problems.add(`${at}.reference_path`, 'must be an item path such as "metadata.reference"');
  }
  if (problems.list.length > before || mode === null) return null;
  return {
    name: name as string,
    description: description as string | null,
    mode,
    latency_budget_ms: budget,
    check,
    judge,
    reference_path: referencePath as string,
  };
}

/**
 * Validates an evaluator set as written by a person, reporting every problem at once with its
 * path (`evaluators[1].judge.criterion`). A judge must score a criterion of `rubric` (the
 * project's current rubric) on a scale it can answer, and name only a credential variable the
 * server allows. Throws TG_INVALID_EVALUATORS.
 */
export function readEvaluatorSet(raw: unknown, rubric: RubricDocument | null, allowlist: KeyEnvAllowlist): EvaluatorSetDocument {
  const problems = new Problems();
  const evaluators: EvaluatorSpec[] = [];
  if (!isRecord(raw) || !Array.isArray(raw['evaluators'])) problems.add('', 'must be an object with an "evaluators" array');
  else {
    problems.unknownKeys('', raw, new Set(['evaluators']));
    const list = raw['evaluators'] as unknown[];
    if (list.length > MAX_EVALUATORS) problems.add('evaluators', `must have at most ${MAX_EVALUATORS} evaluators`);
    const seen = new Set<string>();
    list.slice(0, MAX_EVALUATORS).forEach((entry, i) => {
      const spec = readEvaluator(entry, `evaluators[${i}]`, rubric, allowlist, problems);
      if (spec === null) return;
      if (seen.has(spec.name)) problems.add(`evaluators[${i}].name`, `"${spec.name}" is used twice`);
      seen.add(spec.name);
      evaluators.push(spec);
    });
  }
  const list = problems.list.map((p) => ({ path: p.path.replace(/^\./, ''), message: p.message }));
  if (list.length > 0) throw new TollgateError('TG_INVALID_EVALUATORS', summarizeProblems(list), { errors: list });
  return { evaluators };
}

/** The stored form read back: trusted (it passed `readEvaluatorSet` when saved). */
export function storedEvaluatorSet(raw: unknown): EvaluatorSetDocument {
  if (isRecord(raw) && Array.isArray(raw['evaluators'])) return raw as unknown as EvaluatorSetDocument;
  return { evaluators: [] };
}
