import type { Insertable, Selectable } from 'kysely';
import type {
  Decision,
  HoldTerms,
  ItemFacts,
  ItemKind,
  ItemInput,
  ItemOutput,
  JsonObject,
  MatchedRule,
  OutcomeStatus,
  RoutingAction,
} from '../core/types.js';
import { insertRows } from './bulk-insert.js';
import { chunkRows, type Executor } from './executor.js';
import type { ItemsTable } from './schema.js';

/** A stored item: the facts policies see, plus where it lives, what was decided and how it ended. */
export interface ItemRecord extends ItemFacts {
  project_id: string;
  kind: ItemKind;
  created_at: number;
  decision: Decision;
  outcome: {
    status: OutcomeStatus;
    output: ItemOutput | null;
    decided_at: number | null;
    decided_by: string | null;
    reason: string | null;
    /** Set when a hold's timeout decided the outcome: the fallback that was applied. */
    fallback: 'approve' | 'reject' | null;
  };
  /** For a held item: when its timeout applies (epoch ms); null once decided or never held. */
  hold_deadline: number | null;
  /** When the hold's timeout escalated it to an expert (on_timeout: escalate). */
  hold_escalated_at: number | null;
  /**
   * Set on a gold probe (the copy of a gold item served to one reviewer): the gold item's id.
   * Never presented: to its reviewer a probe is an ordinary item.
   */
  probe_of: string | null;
  /** What capture-time redaction replaced in this item, per detector; null when nothing was. */
  redactions: Record<string, number> | null;
  /** Set once retention or an erasure emptied the item's payloads. */
  purged: { at: number; reason: PurgeReason } | null;
}

export type PurgeReason = 'retention:delete' | 'retention:redact' | 'erasure';

export function toItemRow(ex: Executor, item: ItemRecord): Insertable<ItemsTable> {
  return {
    id: item.id,
    project_id: item.project_id,
    kind: item.kind,
    external_id: item.external_id,
    input: ex.json.write(item.input),
    output: ex.json.write(item.output),
    model: item.model,
    model_version: item.model_version,
    confidence: item.confidence,
    metadata: ex.json.write(item.metadata),
    tags: ex.json.write(item.tags),
    created_at: item.created_at,
    decision_action: item.decision.action,
    decision_priority: item.decision.priority,
    decision_rules: ex.json.write({
      matched_rules: item.decision.matched_rules,
      required_reviews: item.decision.required_reviews,
      queue: item.decision.queue,
      ...(item.decision.hold === null ? {} : { hold: item.decision.hold }),
    }),
    policy_version: item.decision.policy_version,
    required_reviews: item.decision.required_reviews,
    review_probability: item.decision.review_probability,
    hold_deadline: item.hold_deadline,
    hold_escalated_at: item.hold_escalated_at,
    outcome_fallback: item.outcome.fallback,
    outcome_status: item.outcome.status,
    outcome_output: item.outcome.output === null ? null : ex.json.write(item.outcome.output),
    outcome_decided_at: item.outcome.decided_at,
    outcome_decided_by: item.outcome.decided_by,
    outcome_reason: item.outcome.reason,
    redactions: item.redactions === null ? null : ex.json.write(item.redactions),
    novelty: item.novelty ?? null,
  };
}

export function fromItemRow(ex: Executor, row: Selectable<ItemsTable>): ItemRecord {
  const rules = ex.json.read<{ matched_rules: MatchedRule[]; queue: string | null; hold?: HoldTerms }>(row.decision_rules);
  return {
    id: row.id,
    project_id: row.project_id,
    kind: row.kind as ItemKind,
    external_id: row.external_id,
    input: ex.json.read<ItemInput>(row.input),
    output: ex.json.read<ItemOutput>(row.output),
    model: row.model,
    model_version: row.model_version,
    confidence: row.confidence,
    metadata: ex.json.read<JsonObject>(row.metadata),
    tags: ex.json.read<string[]>(row.tags),
    created_at: row.created_at,
    decision: {
      action: row.decision_action as RoutingAction,
      priority: row.decision_priority,
      matched_rules: rules.matched_rules,
      policy_version: row.policy_version,
      required_reviews: row.required_reviews,
      queue: rules.queue,
      review_probability: row.review_probability,
      hold: rules.hold ?? null,
    },
    outcome: {
      status: row.outcome_status as OutcomeStatus,
      output: row.outcome_output === null ? null : ex.json.read<ItemOutput>(row.outcome_output),
      decided_at: row.outcome_decided_at,
      decided_by: row.outcome_decided_by,
      reason: row.outcome_reason,
      fallback: row.outcome_fallback as 'approve' | 'reject' | null,
    },
    hold_deadline: row.hold_deadline,
    hold_escalated_at: row.hold_escalated_at,
    probe_of: row.probe_of ?? null,
    redactions: row.redactions === null || row.redactions === undefined ? null : ex.json.read<Record<string, number>>(row.redactions),
    purged: row.purged_at === null || row.purged_at === undefined ? null : { at: row.purged_at, reason: row.purge_reason as PurgeReason },
    novelty: row.novelty ?? null,
  };
}

const ITEM_COLUMNS = [
  'id',
  'project_id',
  'kind',
  'external_id',
  'input',
  'output',
  'model',
  'model_version',
  'confidence',
  'metadata',
  'tags',
  'created_at',
  'decision_action',
  'decision_priority',
  'decision_rules',
  'policy_version',
  'required_reviews',
  'review_probability',
  'hold_deadline',
  'hold_escalated_at',
  'outcome_fallback',
  'outcome_status',
  'outcome_output',
  'outcome_decided_at',
  'outcome_decided_by',
  'outcome_reason',
  'redactions',
  'novelty',
] as const satisfies readonly (keyof ItemsTable)[];

export async function insertItems(ex: Executor, items: readonly ItemRecord[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((i) => {
    const row = toItemRow(ex, i);
    return ITEM_COLUMNS.map((c) => row[c] ?? null);
  });
  await insertRows(ex, 'items', ITEM_COLUMNS, rows);
}

export async function findItemsByExternalIds(ex: Executor, projectId: string, externalIds: readonly string[]): Promise<ItemRecord[]> {
  if (externalIds.length === 0) return [];
  const found: ItemRecord[] = [];
  for (const chunk of chunkRows(externalIds, 1, ex.dialect)) {
    const rows = await ex.db
      .selectFrom('items')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) found.push(fromItemRow(ex, r));
  }
  return found;
}

/**
 * `forUpdate` holds a row lock until the transaction ends, on PostgreSQL; SQLite transactions
 * are serialized already. Judgments take it so concurrent last judgments see each other. It is
 * the NO KEY UPDATE lock, which the foreign-key checks of inserted judgments do not conflict with.
 */
export async function getItemRecord(ex: Executor, id: string, opts: { forUpdate?: boolean } = {}): Promise<ItemRecord | undefined> {
  const row = await ex.db
    .selectFrom('items')
    .selectAll()
    .where('id', '=', id)
    .$if(opts.forUpdate === true && ex.dialect === 'postgres', (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
  return row ? fromItemRow(ex, row) : undefined;
}

export interface ItemFilter {
  project_id: string;
  action?: RoutingAction;
  outcome?: OutcomeStatus;
  model?: string;
  since?: number;
  until?: number;
  /** Only items this actor holds or held a task of. */
  worked_by?: string;
  /** false: leave gold probes out. */
  probes?: false;
  /** Keyset position: items strictly older than (created_at, id). */
  after?: { created_at: number; id: string };
  limit: number;
}

/** Newest first with keyset pagination, so a page costs the same however deep it is. */
export async function listItemRecords(ex: Executor, f: ItemFilter): Promise<ItemRecord[]> {
  let q = ex.db.selectFrom('items').selectAll().where('project_id', '=', f.project_id);
  if (f.action !== undefined) q = q.where('decision_action', '=', f.action);
  if (f.outcome !== undefined) q = q.where('outcome_status', '=', f.outcome);
  if (f.model !== undefined) q = q.where('model', '=', f.model);
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('created_at', '<', f.until);
  if (f.probes === false) q = q.where('probe_of', 'is', null);
  const worker = f.worked_by;
  if (worker !== undefined)
    q = q.where('id', 'in', (eb) =>
      eb.selectFrom('tasks').select('tasks.item_id').where('tasks.project_id', '=', f.project_id).where('tasks.lease_owner', '=', worker),
    );
  const after = f.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', after.created_at), eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => fromItemRow(ex, r));
}

export async function setItemOutcome(ex: Executor, id: string, o: ItemRecord['outcome']): Promise<void> {
  await ex.db
    .updateTable('items')
    .set({
      outcome_status: o.status,
      outcome_output: o.output === null ? null : ex.json.write(o.output),
      outcome_decided_at: o.decided_at,
      outcome_decided_by: o.decided_by,
      outcome_reason: o.reason,
      outcome_fallback: o.fallback,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Ids of held items whose deadline has passed and that nobody decided, oldest deadline first,
 * through `items_hold_due_idx`. Each must still be locked and re-checked before acting: another
 * server may be applying the same timeout.
 */
export async function listDueHolds(ex: Executor, now: number, limit: number): Promise<string[]> {
  const rows = await ex.db
    .selectFrom('items')
    .select('id')
    .where('outcome_status', '=', 'pending')
    .where('hold_deadline', 'is not', null)
    .where('hold_deadline', '<=', now)
    .orderBy('hold_deadline')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Records that a hold's timeout escalated it, and gives the expert the same time again. */
export async function setHoldEscalated(ex: Executor, id: string, escalatedAt: number, deadline: number): Promise<void> {
  await ex.db.updateTable('items').set({ hold_escalated_at: escalatedAt, hold_deadline: deadline }).where('id', '=', id).execute();
}

/**
 * Replaces an item's routing decision (a late escalation by an evaluator that ran after
 * capture); the caller writes the matching outcome and audit event in the same transaction.
 */
export async function setItemDecision(ex: Executor, item: ItemRecord): Promise<void> {
  const row = toItemRow(ex, item);
  await ex.db
    .updateTable('items')
    .set({
      decision_action: row.decision_action,
      decision_priority: row.decision_priority,
      decision_rules: row.decision_rules,
      policy_version: row.policy_version,
      required_reviews: row.required_reviews,
      review_probability: row.review_probability ?? null,
    })
    .where('id', '=', item.id)
    .execute();
}
