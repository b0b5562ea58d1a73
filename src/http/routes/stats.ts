import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { aggregatedLabels, errorRate, projectAgreement, reviewerStats } from '../../app/stats-service.js';
import { projectTimeseries } from '../../app/timeseries-service.js';
import { snakeCaseKeys } from '../../core/json.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';
import {
  AgreementQuery,
  AgreementReport,
  ErrorRateQuery,
  ErrorRateReport,
  LabelQuery,
  LabelReport,
  ReviewerQuery,
  ReviewerReport,
  TimeseriesBucket,
  TimeseriesQuery,
  TimeseriesReport,
} from '../schemas/stats.js';

/** The core's statistics are camelCase; the API answers in snake_case like every other route. */
const present = <T>(projectId: string, report: T) => snakeCaseKeys({ project_id: projectId, ...report }) as never;

export function registerStatsRoutes(app: TypedApp, ctx: AppContext): void {
  // Named components, so the SDK and the console get the dashboards' types by name.
  app.addSchema(TimeseriesBucket);
  app.addSchema(TimeseriesReport);
  app.get(
    '/v1/projects/:project_id/stats/agreement',
    {
      schema: {
        tags: ['statistics'],
        summary:
          "Agreement between reviewers per field (verdict, each rubric criterion), overall and per queue: Krippendorff's alpha and percent agreement",
        description:
          'Computed from the judgments made in the window. Items judged by two or more reviewers are the units; a field with no such item reports `defined: false` with the reason.',
        params: ProjectParams,
        querystring: AgreementQuery,
        response: { 200: AgreementReport, ...errorResponses },
      },
    },
    async (req) => present(req.params.project_id, await projectAgreement(ctx, principalOf(req), req.params.project_id, req.query)),
  );
  app.get(
    '/v1/projects/:project_id/stats/reviewers',
    {
      schema: {
        tags: ['statistics'],
        summary: 'Each reviewer against the consensus of the other reviewers of the same items, with a Wilson interval (managers)',
        params: ProjectParams,
        querystring: ReviewerQuery,
        response: { 200: ReviewerReport, ...errorResponses },
      },
    },
    async (req) => present(req.params.project_id, await reviewerStats(ctx, principalOf(req), req.params.project_id, req.query)),
  );
  app.get(
    '/v1/projects/:project_id/stats/labels',
    {
      schema: {
        tags: ['statistics'],
        summary:
          'One label per item from its judgments: majority vote, a vote weighted by each reviewer’s agreement with peers, or Dawid–Skene',
        params: ProjectParams,
        querystring: LabelQuery,
        response: { 200: LabelReport, ...errorResponses },
      },
    },
    async (req) => present(req.params.project_id, await aggregatedLabels(ctx, principalOf(req), req.params.project_id, req.query)),
  );
  app.get(
    '/v1/projects/:project_id/stats/error-rate',
    {
      schema: {
        tags: ['statistics'],
        summary:
          "The model's error rate on all production, corrected for routing by inverse-probability weighting, beside the naive reviewed-only rate",
        description:
          'An error is a human verdict of reject or correct. Each reviewed item counts 1 / its recorded review probability (Horvitz–Thompson and Hájek). See docs/statistics.md.',
        params: ProjectParams,
        querystring: ErrorRateQuery,
        response: { 200: ErrorRateReport, ...errorResponses },
      },
    },
    async (req) => present(req.params.project_id, await errorRate(ctx, principalOf(req), req.params.project_id, req.query)),
  );
  app.get(
    '/v1/projects/:project_id/stats/timeseries',
    {
      schema: {
        tags: ['statistics'],
        summary:
          'The dashboards’ time series: capture and routing, decisions, review throughput and time, backlog, agreement and model quality per UTC hour or day',
        description:
          'Production items only. The range widens to whole buckets, every one present (zeros, not gaps); at most 1,000 buckets. See docs/statistics.md.',
        params: ProjectParams,
        querystring: TimeseriesQuery,
        response: { 200: Type.Ref('TimeseriesReport'), ...errorResponses },
      },
    },
    async (req) => projectTimeseries(ctx, principalOf(req), req.params.project_id, req.query),
  );
}
