import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { CapturedFacts } from '../core/proxy/capture.js';
import { parseProxySettings, storedProxySettings, type ProxySettings } from '../core/proxy/settings.js';
import type { Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { findItemsByExternalIds, type ItemRecord } from '../store/item-repo.js';
import { readProxyColumn, setProxyColumn } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { MAX_WAIT_SECONDS, waitForOutcome } from './hold-service.js';
import { captureItem, type CaptureResult } from './ingest-service.js';
import { compiledPolicy } from './policy-loader.js';
import { requireProject } from './project-service.js';

/** Where one proxied call goes, resolved for the caller at the start of the call. */
export interface ProxyTarget {
  projectId: string;
  baseUrl: string;
  /** `Bearer …` from the server's environment, or null for a keyless upstream. Never logged. */
  authorization: string | null;
  /**
   * Whether the project's current policy can hold an answer (a hold rule, or holding by default):
   * only then must a stream be buffered until the decision is known.
   */
  canHold: boolean;
}

/**
 * Checks that the caller may use the project's proxy (it sends items and waits for their
 * outcomes: an `ingest` key does both) and resolves the upstream and its key. A role that may
 * not is refused before the project is looked up, as everywhere in the API.
 */
export async function openProxy(ctx: AppContext, who: Principal, projectId: string): Promise<ProxyTarget> {
  assertCan(who, 'items:create');
  assertCan(who, 'outcomes:read');
  const project = await requireProject(ctx.store, who, projectId);
  const settings = storedProxySettings(readProxyColumn(ctx.store, project));
  if (settings === null) {
    throw new TollgateError(
      'TG_PROXY_NOT_CONFIGURED',
      `project ${projectId} has no proxy settings: a manager sets them with PUT /v1/projects/${projectId}/proxy {"upstream_base_url": "…", "api_key_env": "…"}`,
    );
  }
  const authorization = ctx.proxyCredentials.authorization(settings);
  const policy = await compiledPolicy(ctx, ctx.store, projectId, project.policy_version);
  return {
    projectId,
    baseUrl: settings.upstream_base_url,
    authorization,
    canHold: policy.defaultAction === 'hold' || policy.rules.some((r) => r.action === 'hold'),
  };
}

/** The item an earlier call with this `x-tollgate-external-id` produced, if any: a retry is answered from it. */
export async function findProxiedItem(ctx: AppContext, projectId: string, externalId: string): Promise<ItemRecord | undefined> {
  return (await findItemsByExternalIds(ctx.store, projectId, [externalId]))[0];
}

/** Captures one exchange as an item, routed by the project's policy like any other. */
export function captureExchange(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  facts: CapturedFacts,
  externalId: string | undefined,
): Promise<CaptureResult> {
  return captureItem(ctx, who, projectId, { ...facts, ...(externalId === undefined ? {} : { external_id: externalId }) });
}

/** After its deadline, the scheduler applies a hold's timeout within a sweep or two; this covers a slow one. */
const DEADLINE_GRACE_MS = 30_000;

/**
 * Waits until a held item is decided, the caller hangs up, or the hold's deadline (which an
 * escalation moves) has passed by a grace period with the item still pending. Waits in
 * long-poll slices, each woken at once by a decision on any server.
 */
export async function awaitDecision(ctx: AppContext, who: Principal, item: ItemRecord, signal: AbortSignal): Promise<ItemRecord> {
  let current = item;
  while (current.outcome.status === 'pending' && current.decision.action === 'hold' && !signal.aborted) {
    const deadline = current.hold_deadline;
    if (deadline === null) break;
    const left = deadline + DEADLINE_GRACE_MS - ctx.clock();
    if (left <= 0) break;
    const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(left / 1000)));
    current = (await waitForOutcome(ctx, who, current.id, seconds, signal)).item;
  }
  return current;
}

export interface UpstreamFailureRecord {
  endpoint: 'chat.completions' | 'models';
  /** The upstream's HTTP status, or null when it gave none (unreachable, timed out, broke off). */
  status: number | null;
  /** The upstream's error code, or the proxy's (TG_UPSTREAM_…). */
  code: string | null;
  latency_ms: number;
  stream: boolean;
  model: string | null;
  /** The item captured from a partial answer, if any. */
  item_id: string | null;
}

/**
 * Records a failed upstream call in the project's audit trail (`proxy.upstream_failed`), so
 * outages and refusals by the model's server are on record next to the items.
 */
export async function recordUpstreamFailure(ctx: AppContext, who: Principal, projectId: string, f: UpstreamFailureRecord): Promise<void> {
  await inTransaction(ctx.store, (tx) =>
    appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'proxy.upstream_failed',
        subject_type: f.item_id === null ? 'project' : 'item',
        subject_id: f.item_id ?? projectId,
        after: { ...f },
      }),
    ]),
  );
}

/** Sets or (with null) removes the project's proxy; managers, audited as `project.proxy_changed`. */
export async function setProxySettings(ctx: AppContext, who: Principal, projectId: string, raw: unknown): Promise<ProxySettings | null> {
  assertCan(who, 'projects:configure');
  const settings = parseProxySettings(raw, ctx.proxyCredentials.allowlist);
  return inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const before = storedProxySettings(readProxyColumn(tx, project));
    const now = ctx.clock();
    await setProxyColumn(tx, projectId, settings, now);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'project.proxy_changed',
        subject_type: 'project',
        subject_id: projectId,
        before: { proxy: before },
        after: { proxy: settings },
        created_at: now,
      }),
    ]);
    return settings;
  });
}
