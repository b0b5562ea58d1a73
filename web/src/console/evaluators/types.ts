import type { Schemas } from '../../api/client.js';

// The shapes are the server's own response schemas, generated from docs/openapi.json.
export type EvaluatorSet = Schemas['EvaluatorSet'];
export type EvalResult = Schemas['EvalResult'];
export type AgreementReport = Schemas['EvaluatorAgreementReport'];
export type TrustState = Schemas['TrustState'];
export type Estimate = NonNullable<AgreementReport['kappa']>;
export type Decision = Schemas['Item']['decision'];
export type ItemInput = Schemas['ItemInput'];
export type AgreementAnswer = Schemas['EvaluatorAgreement'];
export type Disagreement = Schemas['EvaluatorDisagreement'];

export interface EvaluatorSetDoc {
  evaluators: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface TestAnswer {
  version: number | null;
  results: EvalResult[];
  decision: Decision;
}

export interface TrustChange {
  rule: string;
  evaluator: string;
  trusted: boolean;
  reason: string;
}

export const evaluatorsPath = (projectId: string) => `/v1/projects/${encodeURIComponent(projectId)}/evaluators`;
