import { textOf } from '../core/json.js';
import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { jsonEqual } from '../core/json.js';
import { evaluateDrift, type DriftVerdict } from '../core/monitoring/drift-check.js';
import {
  readMonitorSet,
  type DriftMonitorSpec,
  type ErrorRateMonitorSpec,
  type MonitorSetDocument,
  type MonitorSpec,
} from '../core/monitoring/monitor-spec.js';
import { createDetector, restoreDetector, type DetectorState } from '../core/monitoring/sequential.js';
import { FactsView, compilePath } from '../core/policy/item-path.js';
import type { ItemFacts, ItemInput, ItemOutput, JsonObject, JsonValue, Principal } from '../core/types.js';
import { getMonitorState, putMonitorState } from '../store/alert-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { bumpProjectVersion, getProjectRow, getVersion, insertVersion, listVersions, type VersionedDoc } from '../store/project-repo.js';
import { raiseAlert } from './alert-service.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A drift window reads at most this many of its latest items: a sample, bounded in cost. */
export const MAX_WINDOW_ITEMS = 5_000;
/** Decided items an error-rate monitor reads per pass; the rest wait for the next pass. */
const ERROR_RATE_BATCH = 5_000;

export interface MonitorSetView {
  version: number;
  monitors: MonitorSpec[];
  created_at: number | null;
  created_by: string | null;
}

const view = (v: VersionedDoc<MonitorSetDocument> | undefined): MonitorSetView =>
  v === undefined
    ? { version: 0, monitors: [], created_at: null, created_by: null }
    : { version: v.version, monitors: v.document.monitors, created_at: v.created_at, created_by: v.created_by };

/** Saves the project's monitors as a new version (the current one again changes nothing). */
export async function saveMonitorSet(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  raw: unknown,
): Promise<{ set: MonitorSetView; created: boolean }> {
  assertCan(who, 'projects:configure');
  const document = readMonitorSet(raw);
  return inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    const from = project.monitor_version;
    const current = from === 0 ? undefined : await getVersion<MonitorSetDocument>(tx, 'monitor_versions', projectId, from);
    if (current !== undefined && jsonEqual(current.document as unknown as JsonValue, document as unknown as JsonValue))
      return { set: view(current), created: false };
    const now = ctx.clock();
    if (!(await bumpProjectVersion(tx, projectId, 'monitor_version', from, now)))
      throw new TollgateError('TG_CONFLICT', 'the monitors changed while saving; retry');
    const saved = { version: from + 1, document, created_at: now, created_by: who.actor };
    await insertVersion(tx, 'monitor_versions', projectId, saved);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'monitors.saved',
        subject_type: 'project',
        subject_id: projectId,
        before: { version: from },
        after: { version: saved.version, monitors: document.monitors.map((m) => `${m.name} (${m.kind})`) },
        created_at: now,
      }),
    ]);
    return { set: view(saved), created: true };
  });
}

export async function getMonitorSet(ctx: AppContext, who: Principal, projectId: string): Promise<MonitorSetView> {
  assertCan(who, 'projects:read');
  const project = await requireProject(ctx.store, who, projectId);
  if (project.monitor_version === 0) return view(undefined);
  return view(await getVersion<MonitorSetDocument>(ctx.store, 'monitor_versions', projectId, project.monitor_version));
}

export async function listMonitorVersions(ctx: AppContext, who: Principal, projectId: string): Promise<MonitorSetView[]> {
  assertCan(who, 'projects:read');
  await requireProject(ctx.store, who, projectId);
  return (await listVersions<MonitorSetDocument>(ctx.store, 'monitor_versions', projectId)).map(view);
}

export interface MonitorRun {
  monitor: string;
  kind: MonitorSpec['kind'];
  /** drift: ok | drift | insufficient; error_rate: ok | alarm. */
  status: 'ok' | 'drift' | 'insufficient' | 'alarm';
  /** The alert the run opened or added to, if it crossed a threshold. */
  alert_id: string | null;
  opened: boolean;
  evidence: JsonObject;
}

interface WindowRow {
  confidence: number | null;
  metadata: unknown;
  input: unknown;
  output: unknown;
  model_version: string | null;
}

function needsPayload(field: string): boolean {
  return field.startsWith('input') || field.startsWith('output');
}

async function windowRows(ex: Executor, projectId: string, since: number, until: number, payload: boolean): Promise<WindowRow[]> {
  const base = ex.db
    .selectFrom('items')
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('kind', '=', 'output')
    .where('created_at', '>=', since)
    .where('created_at', '<', until)
    .orderBy('created_at', 'desc')
    .limit(MAX_WINDOW_ITEMS);
  const rows = payload
    ? await base.select(['confidence', 'metadata', 'input', 'output', 'model_version']).execute()
    : await base.select(['confidence', 'metadata', 'model_version']).execute();
  return rows.map((r) => ({
    confidence: r.confidence,
    metadata: ex.json.read(r.metadata),
    input: 'input' in r ? ex.json.read(r.input) : '',
    output: 'output' in r ? ex.json.read(r.output) : '',
    model_version: r.model_version,
  }));
}

function factsOfRow(r: WindowRow): ItemFacts {
  return {
    id: '',
    input: r.input as ItemInput,
    output: r.output as ItemOutput,
    model: null,
    model_version: r.model_version,
    confidence: r.confidence,
    metadata: (r.metadata ?? {}) as JsonObject,
    tags: [],
    external_id: null,
  };
}

function valuesOf(spec: DriftMonitorSpec, rows: readonly WindowRow[]): (number | string)[] {
  const path = compilePath(spec.field);
  const segment = spec.segment === null ? null : { path: compilePath(spec.segment.field), value: spec.segment.value };
  const out: (number | string)[] = [];
  for (const r of rows) {
    const facts = new FactsView(factsOfRow(r));
    if (segment !== null && textOf(facts.resolve(segment.path)) !== segment.value) continue;
    const v = facts.resolve(path);
    if (v === undefined || v === null) continue;
    if (spec.value_type === 'numeric') {
      if (typeof v === 'number') out.push(v);
    } else out.push(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}

function driftWindows(spec: DriftMonitorSpec, at: number): { reference: [number, number]; current: [number, number] } {
  // Through the current millisecond: an item captured just now is in the current window.
  const now = at + 1;
  const currentStart = now - spec.current_hours * HOUR_MS;
  if (spec.reference.type === 'fixed') {
    return { reference: [Date.parse(spec.reference.since), Date.parse(spec.reference.until)], current: [currentStart, now] };
  }
  const refEnd = currentStart - spec.reference.gap_days * DAY_MS;
  return { reference: [refEnd - spec.reference.days * DAY_MS, refEnd], current: [currentStart, now] };
}

const isoPair = ([a, b]: [number, number]): JsonObject => ({ since: new Date(a).toISOString(), until: new Date(b).toISOString() });

async function runDrift(ctx: AppContext, projectId: string, spec: DriftMonitorSpec): Promise<MonitorRun> {
  const now = ctx.clock();
  const w = driftWindows(spec, now);
  const payload = needsPayload(spec.field) || (spec.segment !== null && needsPayload(spec.segment.field));
  const [ref, cur] = await Promise.all([
    windowRows(ctx.store, projectId, w.reference[0], w.reference[1], payload),
    windowRows(ctx.store, projectId, w.current[0], w.current[1], payload),
  ]);
  const verdict: DriftVerdict = evaluateDrift(spec, valuesOf(spec, ref), valuesOf(spec, cur));
  const evidence: JsonObject = {
    field: spec.field,
    segment: spec.segment === null ? null : { ...spec.segment },
    reference: isoPair(w.reference),
    current: isoPair(w.current),
    ...(JSON.parse(JSON.stringify(verdict)) as JsonObject),
  };
  if (verdict.status !== 'drift')
    return { monitor: spec.name, kind: 'drift', status: verdict.status, alert_id: null, opened: false, evidence };
  return raise(ctx, projectId, spec, 'drift', evidence);
}

interface ErrorRateState {
  detector: DetectorState;
  /** The last decided item read: outcomes decided after it are the next observations. */
  cursor: { decided_at: number; id: string } | null;
  /** The spec the state belongs to: a changed monitor starts afresh. */
  spec: JsonValue;
}

async function runErrorRate(ctx: AppContext, projectId: string, spec: ErrorRateMonitorSpec): Promise<MonitorRun> {
  const params = { detector: spec.detector, baseline_rate: spec.baseline_rate, detect_rate: spec.detect_rate, threshold: spec.threshold };
  const specJson = JSON.parse(JSON.stringify(spec)) as JsonValue;
  const stored = await getMonitorState<ErrorRateState>(ctx.store, projectId, spec.name);
  const fresh = stored === undefined || !jsonEqual(stored.spec, specJson);
  const detector = fresh ? createDetector(params) : restoreDetector(params, stored.detector);
  // A new monitor watches what people decide from now on, not the project's whole history.
  let cursor = fresh ? { decided_at: ctx.clock(), id: '' } : stored.cursor;
  let q = ctx.store.db
    .selectFrom('items')
    .select(['id', 'outcome_status', 'outcome_decided_at', 'metadata', 'model_version', 'confidence'])
    .where('project_id', '=', projectId)
    .where('probe_of', 'is', null)
    .where('outcome_status', 'in', ['approved', 'corrected', 'rejected'])
    .where('outcome_decided_by', 'is not', null)
    .where('outcome_decided_by', '!=', 'policy')
    .where('outcome_fallback', 'is', null);
  const after = cursor;
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb('outcome_decided_at', '>', after.decided_at),
        eb.and([eb('outcome_decided_at', '=', after.decided_at), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('outcome_decided_at').orderBy('id').limit(ERROR_RATE_BATCH).execute();
  const segment = spec.segment === null ? null : { path: compilePath(spec.segment.field), value: spec.segment.value };
  let alarm: { statistic: number; change_after: number | null; observations: number } | null = null;
  let sinceChange = { n: 0, errors: 0 };
  for (const r of rows) {
    cursor = { decided_at: r.outcome_decided_at as number, id: r.id };
    if (segment !== null) {
      const facts = new FactsView({
        ...factsOfRow({
          confidence: r.confidence,
          metadata: ctx.store.json.read(r.metadata),
          input: '',
          output: '',
          model_version: r.model_version,
        }),
      });
      if (textOf(facts.resolve(segment.path)) !== segment.value) continue;
    }
    const isError = r.outcome_status !== 'approved';
    const step = detector.update(isError);
    sinceChange = { n: sinceChange.n + 1, errors: sinceChange.errors + (isError ? 1 : 0) };
    if (step.alarm && alarm === null)
      alarm = { statistic: step.statistic, change_after: step.change_after, observations: detector.state().observations };
  }
  const state = detector.state();
  await putMonitorState(ctx.store, projectId, spec.name, { detector: state, cursor, spec: specJson } satisfies ErrorRateState, ctx.clock());
  const evidence: JsonObject = {
    detector: spec.detector,
    baseline_rate: spec.baseline_rate,
    detect_rate: spec.detect_rate,
    threshold: spec.threshold,
    statistic: alarm?.statistic ?? state.statistic,
    observations: state.observations,
    read_this_pass: rows.length,
    error_rate_this_pass: sinceChange.n === 0 ? null : sinceChange.errors / sinceChange.n,
    change_after_observation: alarm?.change_after ?? null,
    segment: spec.segment === null ? null : { ...spec.segment },
  };
  if (alarm === null) return { monitor: spec.name, kind: 'error_rate', status: 'ok', alert_id: null, opened: false, evidence };
  return raise(ctx, projectId, spec, 'alarm', evidence);
}

async function raise(
  ctx: AppContext,
  projectId: string,
  spec: MonitorSpec,
  status: 'drift' | 'alarm',
  evidence: JsonObject,
): Promise<MonitorRun> {
  const { alert, opened } = await inTransaction(ctx.store, (tx) =>
    raiseAlert(ctx, tx, {
      projectId,
      monitor: spec.name,
      kind: spec.kind,
      evidence,
      boost: spec.boost === null ? null : { sample_rate: spec.boost.sample_rate, hours: spec.boost.hours, segment: spec.segment },
    }),
  );
  if (opened) ctx.logger.warn({ project_id: projectId, monitor: spec.name, alert_id: alert.id }, `monitor ${spec.name} opened an alert`);
  return { monitor: spec.name, kind: spec.kind, status, alert_id: alert.id, opened, evidence };
}

/** Runs a project's current monitors once. Drift monitors compare their windows now; error-rate monitors read the outcomes decided since their last run. */
export async function runProjectMonitors(
  ctx: AppContext,
  projectId: string,
  kinds?: ReadonlySet<MonitorSpec['kind']>,
): Promise<MonitorRun[]> {
  const project = await getProjectRow(ctx.store, projectId);
  if (!project || project.monitor_version === 0) return [];
  const set = await getVersion<MonitorSetDocument>(ctx.store, 'monitor_versions', projectId, project.monitor_version);
  const runs: MonitorRun[] = [];
  for (const spec of set?.document.monitors ?? []) {
    if (kinds !== undefined && !kinds.has(spec.kind)) continue;
    runs.push(spec.kind === 'drift' ? await runDrift(ctx, projectId, spec) : await runErrorRate(ctx, projectId, spec));
  }
  return runs;
}

/** `POST …/monitors/run`: the same as a scheduler pass, for one project, now. */
export async function runMonitorsNow(ctx: AppContext, who: Principal, projectId: string): Promise<MonitorRun[]> {
  assertCan(who, 'projects:configure');
  await requireProject(ctx.store, who, projectId);
  return runProjectMonitors(ctx, projectId);
}

/** Every project with monitors (the scheduler's pass). */
export async function runAllMonitors(ctx: AppContext, kinds: ReadonlySet<MonitorSpec['kind']>): Promise<MonitorRun[]> {
  const projects = await ctx.store.db.selectFrom('projects').select('id').where('monitor_version', '>', 0).execute();
  const runs: MonitorRun[] = [];
  for (const p of projects) {
    try {
      runs.push(...(await runProjectMonitors(ctx, p.id, kinds)));
    } catch (err) {
      ctx.logger.warn({ err, project_id: p.id }, 'monitor pass failed for a project');
    }
  }
  return runs;
}
