import { Type } from 'typebox';
import { changeAlert, endBoost, getAlertView, listProjectAlerts, listProjectBoosts } from '../../app/alert-service.js';
import type { AppContext } from '../../app/context.js';
import { getMonitorSet, listMonitorVersions, runMonitorsNow, saveMonitorSet, type MonitorSetView } from '../../app/monitor-service.js';
import type { AlertRecord, SamplingBoostRecord } from '../../store/alert-repo.js';
import { ALERT_STATUSES } from '../../store/alert-repo.js';
import { principalOf } from '../auth.js';
import { iso, isoOrNull } from '../present.js';
import { errorResponses, Id, Nullable, ProjectParams, StringEnum, Timestamp } from '../schemas/common.js';
import type { TypedApp } from '../typed-app.js';

const AlertSchema = Type.Object(
  {
    id: Type.String(),
    project_id: Type.String(),
    monitor: Type.String(),
    kind: Type.String({ description: 'drift | error_rate' }),
    status: StringEnum(ALERT_STATUSES),
    evidence: Type.Object({}, { additionalProperties: true, description: 'The latest crossing: windows, statistic, threshold, values' }),
    opened_at: Timestamp('When the monitor first crossed its threshold'),
    last_seen_at: Timestamp('Its latest crossing'),
    occurrences: Type.Integer({ description: 'Crossings while unresolved (deduplicated into this alert)' }),
    acknowledged_at: Nullable(Timestamp('When someone took it')),
    acknowledged_by: Nullable(Type.String()),
    resolved_at: Nullable(Timestamp('When it was resolved')),
    resolved_by: Nullable(Type.String()),
    note: Nullable(Type.String()),
  },
  { $id: 'Alert' },
);

const BoostSchema = Type.Object(
  {
    id: Type.String(),
    project_id: Type.String(),
    alert_id: Nullable(Type.String()),
    monitor: Type.String(),
    segment: Nullable(Type.Object({ field: Type.String(), value: Type.String() })),
    sample_rate: Type.Number({ description: 'Share of the items the policy passes that go to review while the boost is in force' }),
    starts_at: Timestamp('Start'),
    ends_at: Timestamp('Planned end'),
    ended_at: Nullable(Timestamp('When it was ended early')),
    ended_by: Nullable(Type.String()),
  },
  { $id: 'SamplingBoost' },
);

const presentAlert = (a: AlertRecord) => ({
  ...a,
  opened_at: iso(a.opened_at),
  last_seen_at: iso(a.last_seen_at),
  acknowledged_at: isoOrNull(a.acknowledged_at),
  resolved_at: isoOrNull(a.resolved_at),
});
const presentBoost = (b: SamplingBoostRecord) => ({
  ...b,
  starts_at: iso(b.starts_at),
  ends_at: iso(b.ends_at),
  ended_at: isoOrNull(b.ended_at),
});

const AlertParams = Type.Object({ alert_id: Id('Alert') });
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

const MonitorSetSchema = Type.Object(
  {
    version: Type.Integer({ description: '0 before the first set is saved' }),
    monitors: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'As saved, every default filled in' }),
    created_at: Nullable(Timestamp('When this version was saved')),
    created_by: Nullable(Type.String()),
  },
  { $id: 'MonitorSet' },
);

const MonitorSetBody = Type.Object(
  {
    monitors: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description:
        'Drift: {name, kind: drift, field: confidence|input.length|output.length|metadata.<path>, value_type?, test?: psi|ks|chi_square, threshold?, reference?: {type: rolling, days?, gap_days?} | {type: fixed, since, until}, current_hours?, min_samples?, segment?: {field, value}, boost?: {sample_rate, hours?}}. ' +
        'Error rate: {name, kind: error_rate, detector: cusum|page_hinkley, baseline_rate, detect_rate, threshold?, segment?, boost?}. See docs/monitoring.md.',
    }),
  },
  { additionalProperties: true, description: "A project's monitors; saving makes a new version" },
);

const presentSet = (v: MonitorSetView) => ({ ...v, created_at: isoOrNull(v.created_at) });

export function registerMonitoringRoutes(app: TypedApp, ctx: AppContext): void {
  app.addSchema(AlertSchema);
  app.addSchema(BoostSchema);
  app.addSchema(MonitorSetSchema);
  app.get(
    '/v1/projects/:project_id/monitors',
    {
      schema: {
        tags: ['monitoring'],
        summary: "The project's current monitors (version 0 and empty before the first set is saved)",
        params: ProjectParams,
        response: { 200: Type.Ref('MonitorSet'), ...errorResponses },
      },
    },
    async (req) => presentSet(await getMonitorSet(ctx, principalOf(req), req.params.project_id)),
  );
  app.put(
    '/v1/projects/:project_id/monitors',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Save the monitors as a new version (201); the current set again changes nothing (200)',
        params: ProjectParams,
        body: MonitorSetBody,
        response: { 200: Type.Ref('MonitorSet'), 201: Type.Ref('MonitorSet'), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { set, created } = await saveMonitorSet(ctx, principalOf(req), req.params.project_id, req.body);
      return reply.code(created ? 201 : 200).send(presentSet(set));
    },
  );
  app.get(
    '/v1/projects/:project_id/monitors/versions',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Every monitor set version, newest first',
        params: ProjectParams,
        response: { 200: Type.Object({ versions: Type.Array(Type.Ref('MonitorSet')) }), ...errorResponses },
      },
    },
    async (req) => ({ versions: (await listMonitorVersions(ctx, principalOf(req), req.params.project_id)).map(presentSet) }),
  );
  app.post(
    '/v1/projects/:project_id/monitors/run',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Run the monitors now (the scheduler runs them every few minutes); opens or updates alerts like a scheduled run',
        params: ProjectParams,
        response: {
          200: Type.Object({
            runs: Type.Array(
              Type.Object({
                monitor: Type.String(),
                kind: Type.String(),
                status: StringEnum(['ok', 'drift', 'insufficient', 'alarm'] as const),
                alert_id: Nullable(Type.String()),
                opened: Type.Boolean({ description: 'This run opened the alert (false: it added to an unresolved one)' }),
                evidence: Type.Object({}, { additionalProperties: true }),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ runs: await runMonitorsNow(ctx, principalOf(req), req.params.project_id) }),
  );
  app.get(
    '/v1/projects/:project_id/alerts',
    {
      schema: {
        tags: ['monitoring'],
        summary: "The project's alerts, newest first",
        params: ProjectParams,
        querystring: Type.Object(
          {
            status: Type.Optional(StringEnum(ALERT_STATUSES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ alerts: Type.Array(Type.Ref('Alert')) }), ...errorResponses },
      },
    },
    async (req) => ({ alerts: (await listProjectAlerts(ctx, principalOf(req), req.params.project_id, req.query)).map(presentAlert) }),
  );
  app.get(
    '/v1/alerts/:alert_id',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'One alert, with the sampling boosts it started',
        params: AlertParams,
        response: { 200: Type.Object({ alert: Type.Ref('Alert'), boosts: Type.Array(Type.Ref('SamplingBoost')) }), ...errorResponses },
      },
    },
    async (req) => {
      const v = await getAlertView(ctx, principalOf(req), req.params.alert_id);
      return { alert: presentAlert(v.alert), boosts: v.boosts.map(presentBoost) };
    },
  );
  for (const [verb, to] of [
    ['acknowledge', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    app.post(
      `/v1/alerts/:alert_id/${verb}`,
      {
        schema: {
          tags: ['monitoring'],
          summary:
            to === 'acknowledged'
              ? 'Acknowledge an alert: someone is on it (the monitor keeps recording crossings on it)'
              : 'Resolve an alert: its boosts end, and the monitor may open a new alert',
          params: AlertParams,
          body: Type.Optional(NoteBody),
          response: { 200: Type.Ref('Alert'), ...errorResponses },
        },
      },
      async (req) => presentAlert(await changeAlert(ctx, principalOf(req), req.params.alert_id, to, req.body?.note ?? null)),
    );
  }
  app.get(
    '/v1/projects/:project_id/boosts',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Sampling boosts alerts started, newest first (in force or not)',
        params: ProjectParams,
        response: { 200: Type.Object({ boosts: Type.Array(Type.Ref('SamplingBoost')) }), ...errorResponses },
      },
    },
    async (req) => ({ boosts: (await listProjectBoosts(ctx, principalOf(req), req.params.project_id)).map(presentBoost) }),
  );
  app.post(
    '/v1/boosts/:boost_id/end',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'End a sampling boost before its time (audited)',
        params: Type.Object({ boost_id: Id('Boost') }),
        response: { 200: Type.Ref('SamplingBoost'), ...errorResponses },
      },
    },
    async (req) => presentBoost(await endBoost(ctx, principalOf(req), req.params.boost_id)),
  );
}
