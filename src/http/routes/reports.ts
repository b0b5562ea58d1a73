import { Type } from 'typebox';
import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { buildOversightReport } from '../../app/oversight-report-service.js';
import { renderHtml } from '../../core/report/render-html.js';
import { renderMarkdown } from '../../core/report/render-markdown.js';
import type { OversightReport } from '../../core/report/oversight-model.js';
import { renderPdf } from '../../report/render-pdf.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams, StringEnum } from '../schemas/common.js';

export const REPORT_FORMATS = ['json', 'html', 'md', 'pdf'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

const OversightQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Start of the period, inclusive (default: 30 days before until)' }),
    ),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'End of the period, exclusive (default: now)' })),
    format: Type.Optional(
      StringEnum(REPORT_FORMATS, { default: 'json', description: 'json (the figures), html (one self-contained file), md or pdf' }),
    ),
  },
  { additionalProperties: false },
);

const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

const OversightReportSchema = Type.Object(
  {
    report: Type.Literal('oversight'),
    format_version: Type.Integer(),
    project: Open('id, name, description'),
    window: Open('since, until (ISO, until excluded), days'),
    generated_at: Type.String(),
    tollgate_version: Type.String(),
    routing: Open('captured, passed, reviewed, held, routed_share, per_rule, per_band, daily'),
    holds: Open('held, outcomes, escalated_on_timeout, time_to_decision (median, p90, max seconds)'),
    human_decisions: Open('routed, outcomes, decided_by_people, approval/correction/rejection/override rates, judgments by verdict'),
    fallbacks: Open('timed_out, fallback_approve, fallback_reject, escalated_on_timeout, escalations by reason, adjudications'),
    sla: Open('per queue: due, breached, breach_rate; breaches_recorded'),
    reviewers: Open('per reviewer: judgments by standing at the time of judgment, gold accuracy, calibration; standing changes'),
    versions: Open('policy, guideline and rubric versions in force; versions recorded on items and judgments'),
    monitoring: Open('drift_alerts (alert.* events) and red_team (campaign.* events)'),
    audit: Open('verification of the project chain, checkpoints, events in the period by action'),
  },
  { additionalProperties: true, description: 'The figures of the oversight report; docs/oversight-report.md explains each one' },
);

const MEDIA: Record<Exclude<ReportFormat, 'json'>, { type: string; ext: string }> = {
  html: { type: 'text/html; charset=utf-8', ext: 'html' },
  md: { type: 'text/markdown; charset=utf-8', ext: 'md' },
  pdf: { type: 'application/pdf', ext: 'pdf' },
};

/** `oversight-<project>-<since day>-<until day>.<ext>`, with nothing a header could choke on. */
export function reportFilename(report: OversightReport, ext: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `oversight-${safe(report.project.id)}-${report.window.since.slice(0, 10)}-${report.window.until.slice(0, 10)}.${ext}`;
}

async function render(report: OversightReport, format: Exclude<ReportFormat, 'json'>): Promise<string | Buffer> {
  if (format === 'pdf') return renderPdf(report);
  return format === 'html' ? renderHtml(report) : renderMarkdown(report);
}

export function registerReportRoutes(app: TypedApp, ctx: AppContext, version: string): void {
  app.get(
    '/v1/projects/:project_id/reports/oversight',
    {
      schema: {
        tags: ['audit'],
        summary:
          'The oversight report for a period: routing to people, holds, overrides, timeouts, SLA breaches, reviewer standing, versions in force, monitoring and audit chain verification',
        description:
          'Each section is mapped to the obligations it can evidence (EU AI Act Art. 12, 14, 26; NIST AI RMF MANAGE); the mapping is not legal advice. ' +
          '`format=json` answers with the figures; `html` (self-contained, inline SVG charts), `md` and `pdf` answer with the document as an attachment. ' +
          'Readers of the audit trail only (managers, admins). Outcomes count as they stood at `until`; the audit chain is verified at generation time.',
        params: ProjectParams,
        querystring: OversightQuery,
        produces: ['application/json', 'text/html', 'text/markdown', 'application/pdf'],
        response: { 200: OversightReportSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const report = await buildOversightReport(ctx, principalOf(req), req.params.project_id, {
        ...(req.query.since === undefined ? {} : { since: req.query.since }),
        ...(req.query.until === undefined ? {} : { until: req.query.until }),
        version,
      });
      const format = req.query.format ?? 'json';
      if (format === 'json') return reply.send(report);
      const media = MEDIA[format];
      return reply
        .type(media.type)
        .header('content-disposition', `attachment; filename="${reportFilename(report, media.ext)}"`)
        .send(await render(report, format));
    },
  );
}
