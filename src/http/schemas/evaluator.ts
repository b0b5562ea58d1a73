import { Type } from 'typebox';
import { Nullable, StringEnum, Timestamp } from './common.js';

const EXAMPLE_EVALUATORS = {
  evaluators: [
    { name: 'pii', check: { type: 'pii', target: 'output' } },
    { name: 'valid_json', check: { type: 'json_schema', schema: { type: 'object', required: ['answer'] } } },
    {
      name: 'judge_accuracy',
      mode: 'async',
      judge: {
        endpoint: 'http://127.0.0.1:8000/v1',
        model: 'judge-model',
        api_key_env: 'JUDGE_API_KEY',
        criterion: 'accuracy',
        pass_at: 4,
      },
    },
  ],
};

export const EvaluatorSpecSchema = Type.Object(
  {
    name: Type.String({ description: 'Lower case letters, digits and _; policies read results as evals.<name>.status|score|label|found' }),
    description: Type.Optional(Nullable(Type.String())),
    mode: Type.Optional(
      StringEnum(['sync', 'async'], {
        description: 'sync: before routing (checks default); async: after capture, may re-route a passed item (judges default)',
      }),
    ),
    latency_budget_ms: Type.Optional(
      Nullable(Type.Integer({ description: 'Sync judges: the longest capture waits before the result counts as unknown (default 2000)' })),
    ),
    check: Type.Optional(
      Nullable(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              'A built-in check: {type: regex, pattern, flags?, target} | {type: blocklist, terms, target, case_sensitive?, whole_word?} | {type: json_schema, schema} | {type: pii, detectors?, phone_default_country?, target} | {type: length, min?, max?, unit: chars|words|lines, target} | {type: refusal} | {type: reference, mode: exact|normalized|token_f1, threshold?}. See docs/evaluators.md.',
          },
        ),
      ),
    ),
    judge: Type.Optional(
      Nullable(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              'A judge model: {endpoint, model, criterion, api_key_env?, prompt?, pass_at?, timeout_ms?, retries?, concurrency?, max_tokens?, temperature?, price?: {input_per_million, output_per_million}, daily_budget?, cache?}. See docs/evaluators.md.',
          },
        ),
      ),
    ),
    reference_path: Type.Optional(Type.String({ description: 'Item path of a reference output (default metadata.reference)' })),
  },
  { additionalProperties: true },
);

export const EvaluatorSetBody = Type.Object(
  { evaluators: Type.Array(EvaluatorSpecSchema, { description: 'At most 50 evaluators' }) },
  { additionalProperties: true, examples: [EXAMPLE_EVALUATORS], description: "A project's evaluator set; saving it makes a new version" },
);

export const EvaluatorSetSchema = Type.Object(
  {
    version: Type.Integer({ description: '0 before the first set is saved' }),
    evaluators: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'As saved, every default filled in' }),
    created_at: Nullable(Timestamp('When this version was saved')),
    created_by: Nullable(Type.String()),
  },
  { $id: 'EvaluatorSet', description: 'An evaluator set version' },
);

export const EvalResultSchema = Type.Object(
  {
    evaluator: Type.String(),
    evaluator_version: Type.Integer(),
    mode: StringEnum(['sync', 'async']),
    status: StringEnum(['pass', 'fail', 'unknown'], {
      description: 'unknown: the evaluator could not judge (no answer within budget, malformed answer, nothing to read)',
    }),
    score: Nullable(Type.Number({ description: "Checks: 0..1; judges: on the criterion's scale" })),
    label: Nullable(Type.String()),
    found: Nullable(Type.Boolean()),
    explanation: Nullable(Type.String({ description: "A check's reason or the judge's explanation" })),
    details: Type.Object({}, { additionalProperties: true }),
    latency_ms: Type.Integer(),
    cost: Nullable(Type.Number()),
    created_at: Nullable(Timestamp('When the result was stored; null in a test run')),
  },
  { $id: 'EvalResult', description: 'One evaluator result on one item' },
);

const EstimateSchema = Nullable(Type.Object({ value: Type.Number(), low: Type.Number(), high: Type.Number() }));

export const AgreementReportSchema = Type.Object(
  {
    n: Type.Integer({ description: 'Items both the evaluator (pass or fail) and people judged' }),
    unknown: Type.Integer({ description: 'Items people judged that the evaluator could not (left out of every figure)' }),
    confusion: Type.Object(
      { pass_pass: Type.Integer(), pass_fail: Type.Integer(), fail_pass: Type.Integer(), fail_fail: Type.Integer() },
      { description: 'Evaluator verdict _ people verdict; fail = the output should not pass (people corrected or rejected it)' },
    ),
    agreement: EstimateSchema,
    kappa: EstimateSchema,
    precision: EstimateSchema,
    recall: EstimateSchema,
    scores: Nullable(
      Type.Object(
        { n: Type.Integer(), alpha: EstimateSchema, weighted_kappa: EstimateSchema, mean_difference: Type.Number() },
        { description: 'Agreement on the shared criterion’s scores' },
      ),
    ),
  },
  { $id: 'EvaluatorAgreementReport', description: 'Agreement of an evaluator with people' },
);

export const TrustStateSchema = Type.Object(
  {
    rule: Type.String(),
    evaluator: Type.String(),
    trusted: Type.Boolean({ description: 'Whether the rule may auto-resolve outputs now' }),
    kappa: Nullable(Type.Number()),
    checks: Type.Integer({ description: 'Human checks in the window the evaluator judged' }),
    reason: Type.String(),
    requirement: Type.Object({}, { additionalProperties: true }),
    current: Type.Boolean({
      description: "false when the policy's requirement changed since it was judged (then not trusted until reassessed)",
    }),
    changed_at: Nullable(Timestamp('When trust last switched')),
    evaluated_at: Nullable(Timestamp('When it was last judged')),
  },
  { $id: 'TrustState' },
);

export const EvaluatorAgreementSchema = Type.Object(
  {
    evaluator: Type.String(),
    kind: Type.String({ description: 'The check type, or "judge"' }),
    criterion: Nullable(Type.String({ description: 'The rubric criterion a judge shares with people' })),
    since: Timestamp('Window start'),
    until: Timestamp('Window end'),
    truncated: Type.Boolean({ description: 'More human checks than the report reads (the latest 50,000 are used)' }),
    report: Type.Ref('EvaluatorAgreementReport'),
    over_time: Type.Array(
      Type.Object({ start: Timestamp('Bucket start'), end: Timestamp('Bucket end'), report: Type.Ref('EvaluatorAgreementReport') }),
    ),
    segment: Nullable(Type.String()),
    segments: Nullable(Type.Array(Type.Object({ segment: Nullable(Type.String()), report: Type.Ref('EvaluatorAgreementReport') }))),
  },
  { $id: 'EvaluatorAgreement' },
);

export const DisagreementSchema = Type.Object(
  {
    item_id: Type.String(),
    decided_at: Timestamp('When people decided'),
    evaluator: Type.Object({
      status: StringEnum(['pass', 'fail']),
      score: Nullable(Type.Number()),
      label: Nullable(Type.String()),
      explanation: Nullable(Type.String()),
      version: Type.Integer(),
    }),
    human: Type.Object({ verdict: StringEnum(['pass', 'fail']), outcome_status: Type.String(), score: Nullable(Type.Number()) }),
  },
  { $id: 'EvaluatorDisagreement' },
);

/** Registered once with the app, so responses refer to them and the OpenAPI document lists them as components. */
export const EVALUATOR_SCHEMAS = [
  AgreementReportSchema,
  EvaluatorSetSchema,
  EvalResultSchema,
  TrustStateSchema,
  EvaluatorAgreementSchema,
  DisagreementSchema,
];
