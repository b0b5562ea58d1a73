import type { Static } from 'typebox';
import type {
  AgreementReportSchema,
  EvalResultSchema,
  EvaluatorSetSchema,
  TrustStateSchema,
} from '../../../../src/http/schemas/evaluator.js';
import type { Schemas } from '../../api/client.js';

// The evaluator routes are not among the SDK's generated paths (scripts/sdk-types.ts), and their
// schemas are inline in docs/openapi.json rather than components: the shapes are taken, type only,
// from the TypeBox schemas that the server validates with and documents from.
export type EvaluatorSet = Static<typeof EvaluatorSetSchema>;
export type EvalResult = Static<typeof EvalResultSchema>;
export type AgreementReport = Static<typeof AgreementReportSchema>;
export type TrustState = Static<typeof TrustStateSchema>;
export type Estimate = NonNullable<AgreementReport['kappa']>;
export type Decision = Schemas['Item']['decision'];
export type ItemInput = Schemas['ItemInput'];

/** The document edited and saved: the PUT body. */
export interface EvaluatorSetDoc {
  evaluators: Record<string, unknown>[];
  [key: string]: unknown;
}

// Route answers declared inline in src/http/routes/evaluators.ts, built from the schemas above.
export interface AgreementAnswer {
  evaluator: string;
  kind: string;
  criterion: string | null;
  since: string;
  until: string;
  truncated: boolean;
  report: AgreementReport;
  over_time: { start: string; end: string; report: AgreementReport }[];
  segment: string | null;
  segments: { segment: string | null; report: AgreementReport }[] | null;
}

export interface Disagreement {
  item_id: string;
  decided_at: string;
  evaluator: Pick<EvalResult, 'score' | 'label' | 'explanation'> & { status: 'pass' | 'fail'; version: number };
  human: { verdict: 'pass' | 'fail'; outcome_status: string; score: number | null };
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
