import { stringify } from 'csv-stringify/sync';
import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { EvaluatorSetDocument } from '../core/evals/evaluator-set.js';
import { judgmentCsvColumns, judgmentCsvRow } from '../core/export/judgment-rows.js';
import { itemSelection, parseExportOptions, type ExportQuery } from '../core/export/options.js';
import { exportRecords } from '../core/export/records.js';
import type { ExportEvalResult, ExportFileType, ExportFormat, ExportItem, ExportOptions } from '../core/export/types.js';
import type { JsonObject, Principal, RubricDocument } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { listExportEvalResults, listExportItems, listExportJudgments, type ExportPageQuery } from '../store/export-repo.js';
import { listVersions } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

/**
 * Items read per page. A page and its judgments are all an export holds at a time: memory stays
 * flat however large the project, and each page is one short query, so an export never holds a
 * connection (or SQLite's one) for long.
 */
export const EXPORT_PAGE_ITEMS = 500;

export interface OpenedExport {
  format: ExportFormat;
  file: ExportFileType;
  contentType: string;
  filename: string;
  /** The file, page by page; pulled, so a slow reader slows the reads rather than filling memory. */
  chunks: AsyncIterable<string>;
}

const CONTENT_TYPES: Record<ExportFileType, string> = { jsonl: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' };

/**
 * Opens a training or evaluation export of a project (docs/exports.md). Everything that can be
 * refused (permission, project, options) is checked, and the first page read, before anything
 * is sent, so a refused or failing export answers with an error rather than a truncated file.
 * The export itself is audited (`data.exported`): it is every item's content leaving the system.
 */
export async function openExport(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  format: ExportFormat,
  query: ExportQuery,
): Promise<OpenedExport> {
  assertCan(who, 'data:export');
  await requireProject(ctx.store, who, projectId);
  const options = parseExportOptions(format, query);
  if (options.evaluator !== undefined) await requireEvaluator(ctx, projectId, options.evaluator.name);
  const base: ExportPageQuery = { ...itemSelection(format, options), project_id: projectId, limit: EXPORT_PAGE_ITEMS };
  const readPage = (after?: ExportItem) =>
    listExportItems(ctx.store, after === undefined ? base : { ...base, after: { created_at: after.created_at, id: after.id } });
  const first = await readPage();
  const columns = options.file === 'csv' ? judgmentCsvColumns(await criterionKeys(ctx, projectId)) : [];

  await inTransaction(ctx.store, (tx) =>
    appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'data.exported',
        subject_type: 'project',
        subject_id: projectId,
        after: { format, file: options.file, filters: { ...query } },
      }),
    ]),
  );

  const started = performance.now();
  const encode = (records: JsonObject[]): string =>
    options.file === 'csv'
      ? stringify(
          records.map((r) => judgmentCsvRow(r, columns)),
          CSV_OPTIONS,
        )
      : records.map((r) => `${JSON.stringify(r)}\n`).join('');

  async function* chunks(): AsyncGenerator<string> {
    let page = first;
    let items = 0;
    let records = 0;
    let complete = false;
    try {
      if (options.file === 'csv') yield stringify([columns], CSV_OPTIONS);
      for (;;) {
        const out = await pageRecords(ctx, format, page, options);
        items += page.length;
        records += out.length;
        if (out.length > 0) yield encode(out);
        const last = page.at(-1);
        if (page.length < EXPORT_PAGE_ITEMS || last === undefined) break;
        page = await readPage(last);
      }
      complete = true;
    } finally {
      // Also when the client went away or a page failed: the log says how far the export got.
      ctx.logger.info(
        { project_id: projectId, format, file: options.file, items, records, complete, ms: Math.round(performance.now() - started) },
        complete ? 'export finished' : 'export stopped before the end',
      );
    }
  }
  return {
    format,
    file: options.file,
    contentType: CONTENT_TYPES[options.file],
    filename: `${format}-${projectId.replace(/[^A-Za-z0-9._-]/g, '_')}.${options.file}`,
    chunks: chunks(),
  };
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe: reviewers' comments and model outputs are text from outside (OWASP "CSV
 * injection"). Numbers are left alone, so negative scores stay numbers.
 */
const CSV_OPTIONS = { escape_formulas: true } as const;

async function pageRecords(ctx: AppContext, format: ExportFormat, page: readonly ExportItem[], o: ExportOptions): Promise<JsonObject[]> {
  if (page.length === 0) return [];
  const ids = page.map((i) => i.id);
  const judgments = await listExportJudgments(ctx.store, ids);
  const results =
    o.evaluator === undefined ? new Map<string, ExportEvalResult>() : await listExportEvalResults(ctx.store, ids, o.evaluator.name);
  return page.flatMap((item) => exportRecords(format, item, judgments.get(item.id) ?? [], o, results.get(item.id) ?? null));
}

/**
 * An evaluator any version of the project's set has had (results outlive its removal from the
 * set). A misspelt name would otherwise export every case with `evaluator: null`, which reads as
 * "never evaluated" rather than as the mistake it is.
 */
async function requireEvaluator(ctx: AppContext, projectId: string, name: string): Promise<void> {
  const versions = await listVersions<EvaluatorSetDocument>(ctx.store, 'evaluator_versions', projectId);
  if (versions.some((v) => v.document.evaluators.some((e) => e.name === name))) return;
  const message = `is not an evaluator of this project (in any version of its set): "${name}"`;
  throw new TollgateError('TG_VALIDATION_FAILED', `querystring.evaluator ${message}`, {
    errors: [{ path: 'querystring.evaluator', message }],
  });
}

/** Every criterion key any rubric version of the project has had, oldest version first. */
async function criterionKeys(ctx: AppContext, projectId: string): Promise<string[]> {
  const versions = await listVersions<RubricDocument>(ctx.store, 'rubric_versions', projectId);
  const keys = new Set<string>();
  for (const v of versions.reverse()) for (const c of v.document.criteria) keys.add(c.key);
  return [...keys];
}
