import type { ExportEvalResult, ExportItem, ExportJudgment, ItemSelection } from '../core/export/types.js';
import type {
  ItemInput,
  ItemKind,
  ItemOutput,
  JsonObject,
  JsonValue,
  OutcomeStatus,
  RoutingAction,
  Scores,
  Verdict,
} from '../core/types.js';
import { chunkRows, type Executor } from './executor.js';

export interface ExportPageQuery extends ItemSelection {
  project_id: string;
  /** Keyset position: items strictly after (created_at, id). */
  after?: { created_at: number; id: string };
  limit: number;
}

/**
 * One page of production items for an export, oldest first. Keyset pagination over
 * `items_project_created_idx` (read backwards for ascending order), so every page costs the
 * same however deep into the project it is, and items captured during the export are read at
 * its end rather than shifting pages. Only the columns the export formats use are read.
 */
export async function listExportItems(ex: Executor, q: ExportPageQuery): Promise<ExportItem[]> {
  let query = ex.db
    .selectFrom('items')
    .select([
      'id',
      'kind',
      'external_id',
      'input',
      'output',
      'model',
      'model_version',
      'metadata',
      'tags',
      'created_at',
      'policy_version',
      'decision_action',
      'outcome_status',
      'outcome_output',
      'outcome_decided_at',
      'outcome_decided_by',
      'outcome_fallback',
      'purged_at',
    ])
    .where('project_id', '=', q.project_id)
    // Gold probes and authored gold test reviewers; they are not production.
    .where('probe_of', 'is', null);
  if (q.since !== undefined) query = query.where('created_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('created_at', '<', q.until);
  if (q.reviewed_only) query = query.where('decision_action', '<>', 'pass');
  if (q.exclude_purged) query = query.where('purged_at', 'is', null);
  const version = q.model_version;
  if (version !== undefined) query = query.where((eb) => eb.or([eb('model_version', '=', version), eb('kind', '<>', 'output')]));
  const outcomes = q.outcomes;
  if (outcomes !== null) {
    if (outcomes.length === 0) return [];
    query = query.where((eb) =>
      eb.or(
        outcomes.map((c) =>
          eb.and([
            eb('kind', 'in', c.kinds),
            eb('outcome_status', '=', c.status),
            ...(c.fallback === undefined ? [] : [eb('outcome_fallback', '=', c.fallback)]),
          ]),
        ),
      ),
    );
  }
  const queue = q.queue;
  if (queue !== undefined)
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('tasks').select('tasks.id').whereRef('tasks.item_id', '=', 'items.id').where('tasks.queue', '=', queue)),
    );
  const judged = q.judged;
  if (judged !== undefined) {
    query = query.where((eb) => {
      let sub = eb.selectFrom('judgments').select('judgments.id').whereRef('judgments.item_id', '=', 'items.id');
      if (judged.verdict !== undefined) sub = sub.where('judgments.verdict', '=', judged.verdict);
      if (judged.guideline_version !== undefined) sub = sub.where('judgments.guideline_version', '=', judged.guideline_version);
      return eb.exists(sub);
    });
  }
  const under = q.all_judged_under;
  if (under !== undefined) {
    query = query.where((eb) =>
      eb.and([
        eb.exists(eb.selectFrom('judgments').select('judgments.id').whereRef('judgments.item_id', '=', 'items.id')),
        eb.not(
          eb.exists(
            eb
              .selectFrom('judgments')
              .select('judgments.id')
              .whereRef('judgments.item_id', '=', 'items.id')
              .where('judgments.guideline_version', '<>', under),
          ),
        ),
      ]),
    );
  }
  const disagrees = q.evaluator_disagrees;
  if (disagrees !== undefined) {
    // In the query rather than after it, so a page is still up to `limit` items that can yield a
    // record (the keyset end test stays right) and a sparse set of disagreements is not found by
    // reading every item; one primary-key probe of eval_results per item.
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('eval_results')
          .select('eval_results.item_id')
          .whereRef('eval_results.item_id', '=', 'items.id')
          .where('eval_results.evaluator', '=', disagrees)
          .where((r) =>
            r.or([
              r.and([r('eval_results.status', '=', 'pass'), r('items.outcome_status', 'in', ['corrected', 'rejected'])]),
              r.and([r('eval_results.status', '=', 'fail'), r('items.outcome_status', '=', 'approved')]),
            ]),
          ),
      ),
    );
  }
  const after = q.after;
  // A row-value comparison, not `created_at > ? or (created_at = ? and id > ?)`: both engines
  // turn it into a range on the index, where the OR form is a filter that rescans the project
  // from its first item on every page (measured on 200,000 items: 0.7 ms against 34 ms a page
  // on SQLite, 0.3 ms against 128 ms on PostgreSQL).
  if (after !== undefined) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.created_at, after.id)));
  const rows = await query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as ItemKind,
    external_id: r.external_id,
    input: ex.json.read<ItemInput>(r.input),
    output: ex.json.read<ItemOutput>(r.output),
    model: r.model,
    model_version: r.model_version,
    metadata: ex.json.read<JsonObject>(r.metadata),
    tags: ex.json.read<string[]>(r.tags),
    created_at: r.created_at,
    policy_version: r.policy_version,
    action: r.decision_action as RoutingAction,
    outcome: {
      status: r.outcome_status as OutcomeStatus,
      output: r.outcome_output === null ? null : ex.json.read<ItemOutput>(r.outcome_output),
      decided_at: r.outcome_decided_at,
      decided_by: r.outcome_decided_by,
      fallback: r.outcome_fallback as 'approve' | 'reject' | null,
    },
    purged: r.purged_at !== null && r.purged_at !== undefined,
  }));
}

/**
 * Every judgment of these items with its task's queue and kind, grouped by item, oldest first
 * within each; read through `judgments_item_reviewer_uq`.
 */
export async function listExportJudgments(ex: Executor, itemIds: readonly string[]): Promise<Map<string, ExportJudgment[]>> {
  const byItem = new Map<string, ExportJudgment[]>();
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    const rows = await ex.db
      .selectFrom('judgments as j')
      .innerJoin('tasks as t', 't.id', 'j.task_id')
      .select([
        'j.id',
        'j.task_id',
        'j.item_id',
        'j.reviewer',
        'j.verdict',
        'j.scores',
        'j.answer',
        'j.correction',
        'j.comment',
        'j.time_spent_ms',
        'j.created_at',
        'j.rubric_version',
        'j.guideline_version',
        't.queue',
        't.kind as task_kind',
      ])
      .where('j.item_id', 'in', chunk)
      .orderBy('j.item_id')
      .orderBy('j.created_at')
      .orderBy('j.id')
      .execute();
    for (const r of rows) {
      const list = byItem.get(r.item_id) ?? [];
      list.push({
        ...r,
        verdict: r.verdict as Verdict | null,
        scores: ex.json.read<Scores>(r.scores),
        answer: r.answer === null ? null : ex.json.read<JsonValue>(r.answer),
        correction: r.correction === null ? null : ex.json.read<ItemOutput>(r.correction),
      });
      byItem.set(r.item_id, list);
    }
  }
  return byItem;
}

/** One evaluator's stored result on each of these items that has one; read by eval_results' primary key. */
export async function listExportEvalResults(
  ex: Executor,
  itemIds: readonly string[],
  evaluator: string,
): Promise<Map<string, ExportEvalResult>> {
  const byItem = new Map<string, ExportEvalResult>();
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('eval_results')
      .select(['item_id', 'status', 'score', 'label', 'explanation', 'evaluator_version'])
      .where('evaluator', '=', evaluator)
      .where('item_id', 'in', chunk)
      .execute();
    for (const r of rows) {
      byItem.set(r.item_id, {
        name: evaluator,
        status: r.status as ExportEvalResult['status'],
        score: r.score,
        label: r.label,
        explanation: r.explanation,
        version: r.evaluator_version,
      });
    }
  }
  return byItem;
}
