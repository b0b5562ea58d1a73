import type { AuditFacts } from '../audit/chain.js';
import { isRecord } from '../json.js';
import type { JsonObject, JsonValue } from '../types.js';

/** What a subscription can ask for. Each is made from one kind of audit event (see webhookEventsOf). */
export const WEBHOOK_EVENT_TYPES = [
  'item.routed',
  'task.completed',
  'item.resolved',
  'hold.resolved',
  'sla.breached',
  'reviewer.paused',
  'item.rerouted',
  'evaluator.trust_changed',
  'alert.opened',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by `POST /v1/webhooks/{id}/test`, to that webhook only, whatever it subscribes to. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Standings that keep a reviewer from live work. */
const PAUSED_STANDINGS: ReadonlySet<string> = new Set(['suspended', 'recalibrating']);

/** What the dispatcher knows of an item an event is about (no content: that is filled in when sending). */
export interface WebhookItemFacts {
  id: string;
  kind: string;
  /** Gold probes and authored gold are not production: no webhook mentions them. */
  probe: boolean;
  decision: {
    action: string;
    rules: string[];
    priority: number;
    queue: string | null;
    policy_version: number;
    hold: { timeout_seconds: number; on_timeout: string } | null;
  };
  created_at: number;
  outcome: { status: string; decided_at: number | null; decided_by: string | null; reason: string | null; fallback: string | null };
}

export interface WebhookTaskFacts {
  id: string;
  item_id: string;
}

export interface WebhookLookup {
  item(id: string): WebhookItemFacts | undefined;
  task(id: string): WebhookTaskFacts | undefined;
}

/** One event to deliver: the Standard Webhooks payload, and the item whose content completes it. */
export interface WebhookEvent {
  type: WebhookEventType;
  item_id: string | null;
  /** `{type, timestamp, data}` with `external_id` and `outcome.output` left null until sending. */
  envelope: JsonObject;
}

/** Which tasks an event needs looked up (to find its item). */
export function tasksToLookUp(e: AuditFacts): string[] {
  return e.action === 'task.sla_breached' ? [e.subject_id] : [];
}

/** Which items an event needs looked up, once its tasks are known. */
export function itemsToLookUp(e: AuditFacts, lookup: Pick<WebhookLookup, 'task'>): string[] {
  if (e.subject_type === 'item') return [e.subject_id];
  if (e.action === 'task.sla_breached') {
    const task = lookup.task(e.subject_id);
    return task === undefined ? [] : [task.item_id];
  }
  return [];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const field = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The webhook events an audit event stands for: none for most. The audit trail records every
 * state change in the transaction that makes it, so deriving webhooks from its sealed events
 * misses none and invents none. Items that are not production (gold) are left out.
 */
export function webhookEventsOf(e: AuditFacts, lookup: WebhookLookup): WebhookEvent[] {
  const projectId = e.project_id;
  if (projectId === null) return [];
  const make = (type: WebhookEventType, itemId: string | null, data: JsonObject): WebhookEvent => ({
    type,
    item_id: itemId,
    envelope: { type, timestamp: iso(e.created_at), data: { project_id: projectId, ...data } },
  });
  switch (e.action) {
    case 'item.captured':
    case 'comparison.created': {
      const item = lookup.item(e.subject_id);
      if (item === undefined || item.probe || item.decision.action === 'pass') return [];
      return [make('item.routed', item.id, { ...itemRef(item), kind: item.kind, decision: decisionOf(item), hold: holdOf(item) })];
    }
    case 'item.rerouted': {
      // A late escalation: an evaluator that ran after capture sent a passed item to people.
      const item = lookup.item(e.subject_id);
      if (item === undefined || item.probe) return [];
      return [
        make('item.rerouted', item.id, {
          ...itemRef(item),
          previous_action: text(field(e.before, 'action')),
          decision: decisionOf(item),
          evaluator: text(field(e.after, 'evaluator')),
          evaluator_status: text(field(e.after, 'status')),
        }),
      ];
    }
    case 'alert.opened': {
      const after = e.after;
      return [
        make('alert.opened', null, {
          alert_id: e.subject_id,
          monitor: text(field(after, 'monitor')),
          kind: text(field(after, 'kind')),
          evidence: (field(after, 'evidence') ?? null) as JsonValue,
        }),
      ];
    }
    case 'evaluator.trust_changed': {
      const after = e.after;
      const trusted = field(after, 'trusted');
      if (typeof trusted !== 'boolean') return [];
      const kappa = field(after, 'kappa');
      const checks = field(after, 'checks');
      return [
        make('evaluator.trust_changed', null, {
          evaluator: e.subject_id,
          rule: text(field(after, 'rule')),
          trusted,
          kappa: typeof kappa === 'number' ? kappa : null,
          checks: typeof checks === 'number' ? checks : null,
          reason: text(field(after, 'reason')),
        }),
      ];
    }
    case 'judgment.submitted': {
      const item = lookup.item(e.subject_id);
      if (item === undefined || item.probe) return [];
      return [
        make('task.completed', item.id, {
          ...itemRef(item),
          task_id: text(field(e.after, 'task_id')),
          judgment_id: text(field(e.after, 'judgment_id')),
          reviewer: e.actor,
          verdict: text(field(e.after, 'verdict')),
        }),
      ];
    }
    case 'item.resolved': {
      const item = lookup.item(e.subject_id);
      if (item === undefined || item.probe) return [];
      const data: JsonObject = {
        ...itemRef(item),
        decision: { action: item.decision.action, rules: item.decision.rules },
        outcome: {
          status: item.outcome.status,
          output: null,
          decided_at: item.outcome.decided_at === null ? null : iso(item.outcome.decided_at),
          decided_by: item.outcome.decided_by,
          reason: item.outcome.reason,
          fallback: item.outcome.fallback,
        },
      };
      const resolved = [make('item.resolved', item.id, data)];
      return item.decision.action === 'hold' ? [...resolved, make('hold.resolved', item.id, data)] : resolved;
    }
    case 'task.sla_breached': {
      const task = lookup.task(e.subject_id);
      const item = task === undefined ? undefined : lookup.item(task.item_id);
      if (task === undefined || item === undefined || item.probe) return [];
      const priority = field(e.after, 'priority') ?? field(e.before, 'priority');
      return [
        make('sla.breached', item.id, {
          task_id: task.id,
          ...itemRef(item),
          queue: text(field(e.before, 'queue')),
          on_breach: text(field(e.after, 'on_breach')),
          applied: text(field(e.after, 'applied')),
          priority: typeof priority === 'number' ? priority : null,
        }),
      ];
    }
    case 'reviewer.standing_changed': {
      const status = text(field(e.after, 'status'));
      const previous = text(field(e.before, 'status'));
      if (status === null || !PAUSED_STANDINGS.has(status) || status === previous) return [];
      return [
        make('reviewer.paused', null, {
          reviewer: e.subject_id,
          status,
          reason: text(field(e.after, 'reason')),
          previous_status: previous,
        }),
      ];
    }
    default:
      return [];
  }
}

/** The item's ids; `external_id` is null here and read from the item when sending (erasure may clear it). */
function itemRef(item: WebhookItemFacts): JsonObject {
  return { item_id: item.id, external_id: null };
}

function decisionOf(item: WebhookItemFacts): JsonObject {
  const d = item.decision;
  return { action: d.action, rules: d.rules, priority: d.priority, queue: d.queue, policy_version: d.policy_version };
}

function holdOf(item: WebhookItemFacts): JsonValue {
  const h = item.decision.hold;
  if (item.decision.action !== 'hold' || h === null) return null;
  return { deadline: iso(item.created_at + h.timeout_seconds * 1000), timeout_seconds: h.timeout_seconds, on_timeout: h.on_timeout };
}

/** The content a payload leaves out until it is sent, read from the item at that moment. */
export interface ItemContent {
  external_id: string | null;
  outcome_output: JsonValue | null;
}

/**
 * The body as sent: the stored envelope with the item's current content filled in. Key order
 * is the envelope's, so the same delivery sends the same bytes on every attempt unless the item
 * was purged in between, when the purged values go out (content must not outlive its retention).
 */
export function renderWebhookBody(envelopeJson: string, content: ItemContent | null): string {
  if (content === null) return envelopeJson;
  const envelope = JSON.parse(envelopeJson) as JsonObject;
  const data = envelope['data'];
  if (isRecord(data)) {
    if ('external_id' in data) data['external_id'] = content.external_id;
    const outcome = data['outcome'];
    if (isRecord(outcome) && 'output' in outcome) outcome['output'] = content.outcome_output;
  }
  return JSON.stringify(envelope);
}
