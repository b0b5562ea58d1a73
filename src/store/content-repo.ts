import type { ItemInput, ItemOutput, JsonObject, JsonValue, MatchedRule } from '../core/types.js';
import type { Escalation } from '../core/review/queues.js';
import type { Insertable } from 'kysely';
import { chunkRows, type Executor } from './executor.js';
import type { ErasuresTable } from './schema.js';
import { fromItemRow, type ItemRecord, type PurgeReason } from './item-repo.js';

/**
 * The places an item's content lives besides the item row: reviewers' corrections, comments and
 * rationales, escalation notes and drafts, calibration comments, gold notes and the sealed
 * original. Retention and erasure rewrite all of them in one transaction, so a purge is never
 * half done.
 */

export async function listItemsByIds(ex: Executor, ids: readonly string[]): Promise<ItemRecord[]> {
  const out: ItemRecord[] = [];
  for (const chunk of chunkRows(ids, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('items')
      .selectAll()
      .where('id', 'in', chunk)
      .$if(ex.dialect === 'postgres', (q) => q.forNoKeyUpdate())
      .execute();
    for (const r of rows) out.push(fromItemRow(ex, r));
  }
  return out;
}

export interface ItemContent {
  input: ItemInput;
  output: ItemOutput;
  outcome_output: ItemOutput | null;
  metadata: JsonObject;
  external_id: string | null;
  matched_rules: MatchedRule[];
  /** Stays null when the rewrite leaves content in place (redaction of an unpurged item). */
  purged: { at: number; reason: PurgeReason } | null;
}

export async function rewriteItemContent(ex: Executor, item: ItemRecord, c: ItemContent): Promise<void> {
  await ex.db
    .updateTable('items')
    .set({
      input: ex.json.write(c.input),
      output: ex.json.write(c.output),
      outcome_output: c.outcome_output === null ? null : ex.json.write(c.outcome_output),
      metadata: ex.json.write(c.metadata),
      external_id: c.external_id,
      decision_rules: ex.json.write({
        matched_rules: c.matched_rules,
        required_reviews: item.decision.required_reviews,
        queue: item.decision.queue,
        ...(item.decision.hold === null ? {} : { hold: item.decision.hold }),
      }),
      purged_at: c.purged?.at ?? null,
      purge_reason: c.purged?.reason ?? null,
    })
    .where('id', '=', item.id)
    .execute();
}

export interface JudgmentContent {
  id: string;
  correction: JsonValue | null;
  comment: string | null;
  answer: JsonValue | null;
}

export async function listJudgmentContent(ex: Executor, itemIds: readonly string[]): Promise<JudgmentContent[]> {
  const out: JudgmentContent[] = [];
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('judgments')
      .select(['id', 'correction', 'comment', 'answer'])
      .where('item_id', 'in', chunk)
      .execute();
    for (const r of rows) {
      out.push({
        id: r.id,
        correction: r.correction === null ? null : ex.json.read<JsonValue>(r.correction),
        comment: r.comment,
        answer: r.answer === null ? null : ex.json.read<JsonValue>(r.answer),
      });
    }
  }
  return out;
}

export async function rewriteJudgmentContent(ex: Executor, j: JudgmentContent): Promise<void> {
  await ex.db
    .updateTable('judgments')
    .set({
      correction: j.correction === null ? null : ex.json.write(j.correction),
      comment: j.comment,
      answer: j.answer === null ? null : ex.json.write(j.answer),
    })
    .where('id', '=', j.id)
    .execute();
}

export async function listEscalationContent(
  ex: Executor,
  itemIds: readonly string[],
): Promise<{ task_id: string; escalation: Escalation }[]> {
  const out: { task_id: string; escalation: Escalation }[] = [];
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('tasks')
      .select(['id', 'escalation'])
      .where('item_id', 'in', chunk)
      .where('escalation', 'is not', null)
      .execute();
    for (const r of rows) out.push({ task_id: r.id, escalation: ex.json.read<Escalation>(r.escalation) });
  }
  return out;
}

export async function rewriteEscalation(ex: Executor, taskId: string, escalation: Escalation): Promise<void> {
  await ex.db
    .updateTable('tasks')
    .set({ escalation: ex.json.write(escalation) })
    .where('id', '=', taskId)
    .execute();
}

export async function listCalibrationComments(
  ex: Executor,
  itemIds: readonly string[],
): Promise<{ session_id: string; item_id: string; reviewer: string; comment: string }[]> {
  const out: { session_id: string; item_id: string; reviewer: string; comment: string }[] = [];
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('calibration_judgments')
      .select(['session_id', 'item_id', 'reviewer', 'comment'])
      .where('item_id', 'in', chunk)
      .where('comment', 'is not', null)
      .execute();
    for (const r of rows)
      if (r.comment !== null) out.push({ session_id: r.session_id, item_id: r.item_id, reviewer: r.reviewer, comment: r.comment });
  }
  return out;
}

export async function setCalibrationComment(
  ex: Executor,
  key: { session_id: string; item_id: string; reviewer: string },
  comment: string | null,
): Promise<void> {
  await ex.db
    .updateTable('calibration_judgments')
    .set({ comment })
    .where('session_id', '=', key.session_id)
    .where('item_id', '=', key.item_id)
    .where('reviewer', '=', key.reviewer)
    .execute();
}

export async function listGoldNotes(ex: Executor, itemIds: readonly string[]): Promise<{ item_id: string; note: string }[]> {
  const out: { item_id: string; note: string }[] = [];
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length === 0) continue;
    const rows = await ex.db
      .selectFrom('gold_answers')
      .select(['item_id', 'note'])
      .where('item_id', 'in', chunk)
      .where('note', 'is not', null)
      .execute();
    for (const r of rows) if (r.note !== null) out.push({ item_id: r.item_id, note: r.note });
  }
  return out;
}

export async function setGoldNote(ex: Executor, itemId: string, note: string | null): Promise<void> {
  await ex.db.updateTable('gold_answers').set({ note }).where('item_id', '=', itemId).execute();
}

export async function deleteOriginals(ex: Executor, itemIds: readonly string[]): Promise<void> {
  for (const chunk of chunkRows(itemIds, 1, ex.dialect)) {
    if (chunk.length > 0) await ex.db.deleteFrom('item_originals').where('item_id', 'in', chunk).execute();
  }
}

export interface OriginalRow {
  item_id: string;
  project_id: string;
  key_id: string;
  ciphertext: string;
  created_at: number;
}

export async function insertOriginals(ex: Executor, rows: readonly OriginalRow[]): Promise<void> {
  for (const chunk of chunkRows(rows, 5, ex.dialect)) {
    if (chunk.length > 0)
      await ex.db
        .insertInto('item_originals')
        .values([...chunk])
        .execute();
  }
}

export function getOriginal(ex: Executor, itemId: string): Promise<OriginalRow | undefined> {
  return ex.db.selectFrom('item_originals').selectAll().where('item_id', '=', itemId).executeTakeFirst();
}

/**
 * Production items of a project past their retention date, oldest first, through the partial
 * retention index. Items still awaiting a person wait until they are decided; gold items are
 * reference data a project curates, and gold probes copy them: retention leaves both alone.
 */
export async function listExpiredItemIds(ex: Executor, projectId: string, cutoff: number, limit: number): Promise<string[]> {
  const rows = await ex.db
    .selectFrom('items')
    .select('id')
    .where('project_id', '=', projectId)
    .where('created_at', '<', cutoff)
    .where('purged_at', 'is', null)
    .where('probe_of', 'is', null)
    .where('outcome_status', '!=', 'pending')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('gold_answers').select('gold_answers.item_id').whereRef('gold_answers.item_id', '=', 'items.id'))),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Projects that declare retention, with their settings document, for the scheduler's pass. */
export async function listProjectsWithDataProtection(ex: Executor): Promise<{ id: string; data_protection: unknown }[]> {
  const rows = await ex.db.selectFrom('projects').select(['id', 'data_protection']).where('data_protection', 'is not', null).execute();
  return rows.map((r) => ({ id: r.id, data_protection: ex.json.read<unknown>(r.data_protection) }));
}

export type ErasureSelector = { external_id: string } | { metadata: Record<string, string | number | boolean> };

/**
 * Items of a data subject: by external id, or by every given top-level metadata field having
 * exactly the given value (type included: "42" is not 42). Gold probes copy their gold item's
 * content, so the probes of a matched gold item are matched too.
 */
export async function findSubjectItemIds(ex: Executor, projectId: string, selector: ErasureSelector): Promise<string[]> {
  let q = ex.db.selectFrom('items').select('id').where('project_id', '=', projectId);
  if ('external_id' in selector) {
    q = q.where('external_id', '=', selector.external_id);
  } else if (ex.dialect === 'postgres') {
    q = q.where((eb) => eb(eb.ref('metadata'), '@>', eb.cast(eb.val(JSON.stringify(selector.metadata)), 'jsonb')));
  } else {
    for (const [key, value] of Object.entries(selector.metadata)) {
      const path = `$."${key}"`;
      q = q.where((eb) => {
        const type = eb.fn<string>('json_type', [eb.ref('metadata'), eb.val(path)]);
        const extracted = eb.fn('json_extract', [eb.ref('metadata'), eb.val(path)]);
        if (typeof value === 'boolean') return eb(type, '=', value ? 'true' : 'false');
        if (typeof value === 'number') return eb.and([eb(type, 'in', ['integer', 'real']), eb(extracted, '=', value)]);
        return eb.and([eb(type, '=', 'text'), eb(extracted, '=', value)]);
      });
    }
  }
  const direct = (await q.execute()).map((r) => r.id);
  if (direct.length === 0) return [];
  const probes: string[] = [];
  for (const chunk of chunkRows(direct, 1, ex.dialect)) {
    const rows = await ex.db.selectFrom('items').select('id').where('probe_of', 'in', chunk).where('id', 'not in', chunk).execute();
    probes.push(...rows.map((r) => r.id));
  }
  return [...new Set([...direct, ...probes])];
}

export async function insertErasure(ex: Executor, row: Insertable<ErasuresTable>): Promise<void> {
  await ex.db.insertInto('erasures').values(row).execute();
}

export function listErasureRows(ex: Executor, projectId: string, limit: number) {
  return ex.db
    .selectFrom('erasures')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
