import type { LightMyRequestResponse } from 'fastify';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAll } from '../../src/app/audit-chain-service.js';
import { applyDueHolds } from '../../src/app/hold-service.js';
import { createKey } from '../../src/app/key-service.js';
import { applySlaBreaches } from '../../src/app/sla-service.js';
import { appendAudit } from '../../src/store/audit-repo.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { ROOT, testApi, type TestApi } from '../support/http.js';

/*
 * One project lived through four days, then reported on: every figure below is worked out by
 * hand from the story, so the report is checked exactly, on both stores.
 */

const HOSTILE_NAME = 'Support <script>alert("name")</script> & co';
const HOSTILE_REASON = '<img src=x onerror=alert(1)> spot check';
const HOSTILE_SESSION = '<script>alert("session")</script>';

const POLICY_V1 = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    {
      name: 'large-refund',
      when: { 'metadata.amount': { gt: 500 } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 3600,
      on_timeout: 'reject',
    },
  ],
  queues: { default: { sla: [{ seconds: 7200 }], on_breach: 'raise_priority' } },
};
const POLICY_V2 = {
  ...POLICY_V1,
  rules: [...POLICY_V1.rules, { name: 'legal-threat', when: { 'input.text': { matches: 'lawyer' } }, action: 'review', priority: 80 }],
};

const at = (iso: string) => Date.parse(iso);
const SINCE = '2026-11-25T00:00:00.000Z';
const UNTIL = '2026-11-29T00:00:00.000Z';
const REPORT = (format?: string) => `reports/oversight?since=${SINCE}&until=${UNTIL}${format === undefined ? '' : `&format=${format}`}`;

describe.each(DIALECTS)('oversight report (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let manager: { key: string; actor: string };
  let r1: { key: string; actor: string };
  let r2: { key: string; actor: string };
  let projectId: string;

  const keyOf = async (role: 'reviewer' | 'manager') => {
    const k = await createKey(t.ctx, ROOT, { role });
    return { key: k.key, actor: `key:${k.id}` };
  };
  const ok = async (res: Promise<LightMyRequestResponse>, status = 200) => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json();
  };
  const capture = (body: object) => ok(api.call('POST', `/v1/projects/${projectId}/items`, admin, { output: 'ok', ...body }), 201);
  const claim = async (who: { key: string }, body: object = {}) =>
    (await ok(api.call('POST', `/v1/projects/${projectId}/tasks/claim`, who.key, body))) as { task: { id: string }; item: { id: string } };
  const judge = (who: { key: string }, taskId: string, body: object) =>
    ok(api.call('POST', `/v1/tasks/${taskId}/judgments`, who.key, body), 201);
  const setStanding = (who: { actor: string }, status: string, reason: string) =>
    ok(api.call('PUT', `/v1/projects/${projectId}/reviewers/${who.actor}/standing`, manager.key, { status, reason }));

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    manager = await keyOf('manager');
    r1 = await keyOf('reviewer');
    r2 = await keyOf('reviewer');

    // 11-24, before the period: the project, its first guidelines and an item the report leaves out.
    t.clock.set(at('2026-11-24T10:00:00Z'));
    projectId = (await ok(api.call('POST', '/v1/projects', admin, { name: HOSTILE_NAME, policy: POLICY_V1 }), 201)).id;
    await ok(api.call('PUT', `/v1/projects/${projectId}/guidelines`, admin, { markdown: '# G1', change_note: 'first guidelines' }));
    await capture({ input: 'before', confidence: 0.9 });

    // 11-25: two reviews and a hold, judged; a gold item a manager wrote (not production).
    t.clock.set(at('2026-11-25T12:00:00Z'));
    await capture({ input: 'a1', confidence: 0.9 });
    t.clock.advance(1000);
    await capture({ input: 'a2', confidence: 0.2 });
    t.clock.advance(1000);
    await capture({ input: 'a3', confidence: 0.3 });
    t.clock.advance(1000);
    const h1 = await capture({ input: 'h1', confidence: 0.9, metadata: { amount: 800 } });
    t.clock.advance(1000);
    await ok(
      api.call('POST', `/v1/projects/${projectId}/gold`, admin, {
        item: { input: 'gold', output: 'x', confidence: 0.1 },
        verdict: 'reject',
      }),
      201,
    );
    t.clock.set(Date.parse(h1.created_at) + 300_000);
    let c = await claim(r1);
    expect(c.item.id).toBe(h1.id);
    await judge(r1, c.task.id, { verdict: 'approve' });
    c = await claim(r1);
    await judge(r1, c.task.id, { verdict: 'approve' });
    c = await claim(r2);
    await judge(r2, c.task.id, { verdict: 'correct', correction: 'better' });

    // 11-26: new guidelines; a rejected hold, a rejected review, a hold that times out, a review that breaches its SLA.
    t.clock.set(at('2026-11-26T09:00:00Z'));
    await ok(api.call('PUT', `/v1/projects/${projectId}/guidelines`, admin, { markdown: '# G2', change_note: 'refund limits clarified' }));
    t.clock.set(at('2026-11-26T12:00:00Z'));
    await capture({ input: 'a4', confidence: 0.1 });
    t.clock.advance(1000);
    await capture({ input: 'a5', confidence: 0.4 });
    t.clock.advance(1000);
    const h2 = await capture({ input: 'h2', confidence: 0.9, metadata: { amount: 900 } });
    t.clock.advance(1000);
    await capture({ input: 'h3', confidence: 0.9, metadata: { amount: 1000 } });
    t.clock.advance(1000);
    await capture({ input: 'a6', confidence: 0.95 });
    t.clock.set(Date.parse(h2.created_at) + 1_200_000);
    c = await claim(r2);
    expect(c.item.id).toBe(h2.id);
    await judge(r2, c.task.id, { verdict: 'reject' });
    c = await claim(r1, { queue: 'default' });
    await judge(r1, c.task.id, { verdict: 'reject' });
    t.clock.set(at('2026-11-26T13:30:00Z'));
    expect(await applyDueHolds(t.ctx)).toEqual({ timedOut: 1, escalated: 0 });
    t.clock.set(at('2026-11-26T14:30:00Z'));
    expect(await applySlaBreaches(t.ctx)).toEqual({ breached: 1 });

    // 11-27: R1 judges while suspended (claimed before), is reinstated; R2 suspended; policy v2; a calibration session.
    t.clock.set(at('2026-11-27T08:00:00Z'));
    const late = await claim(r1, { queue: 'default', lease_seconds: 3600 });
    t.clock.set(at('2026-11-27T08:30:00Z'));
    await setStanding(r1, 'suspended', HOSTILE_REASON);
    t.clock.set(at('2026-11-27T08:40:00Z'));
    await judge(r1, late.task.id, { verdict: 'approve' });
    t.clock.set(at('2026-11-27T09:00:00Z'));
    await setStanding(r1, 'active', 'talked it through');
    t.clock.set(at('2026-11-27T09:30:00Z'));
    await setStanding(r2, 'suspended', 'on leave');
    t.clock.set(at('2026-11-27T10:00:00Z'));
    await ok(api.call('PUT', `/v1/projects/${projectId}/policy`, admin, POLICY_V2));
    t.clock.set(at('2026-11-27T11:00:00Z'));
    await capture({ input: 'my lawyer will call', confidence: 0.3 });
    c = await claim(r1);
    await judge(r1, c.task.id, { verdict: 'approve' });
    t.clock.set(at('2026-11-27T11:30:00Z'));
    const session = await ok(
      api.call('POST', `/v1/projects/${projectId}/calibrations`, manager.key, {
        name: HOSTILE_SESSION,
        item_ids: [h1.id],
        reviewers: [r1.actor],
      }),
      201,
    );
    await ok(api.call('POST', `/v1/calibrations/${session.id}/judgments`, r1.key, { item_id: h1.id, verdict: 'approve' }), 201);

    // 11-28: a manager judges one; R1 escalates the other, which stays pending.
    t.clock.set(at('2026-11-28T12:00:00Z'));
    await capture({ input: 'c1', confidence: 0.2 });
    t.clock.advance(1000);
    await capture({ input: 'd1', confidence: 0.25 });
    c = await claim(manager);
    await judge(manager, c.task.id, { verdict: 'approve' });
    c = await claim(r1);
    await ok(api.call('POST', `/v1/tasks/${c.task.id}/escalate`, r1.key, { reason: 'unsure' }));

    // 11-29, after the period: left out.
    t.clock.set(at('2026-11-29T01:00:00Z'));
    await capture({ input: 'after', confidence: 0.9 });
    await sealAll(t.store, t.clock());
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  const report = async (key = admin) => ok(api.call('GET', `/v1/projects/${projectId}/${REPORT()}`, key));

  it('counts routing per rule, per risk band and per day, production only', async () => {
    const r = await report();
    expect(r).toMatchObject({
      report: 'oversight',
      format_version: 1,
      project: { id: projectId, name: HOSTILE_NAME },
      window: { since: SINCE, until: UNTIL, days: 4 },
      generated_at: '2026-11-29T01:00:00.000Z',
      tollgate_version: 'test',
    });
    expect(r.routing).toMatchObject({ captured: 12, passed: 2, reviewed: 7, held: 3, routed_share: 10 / 12 });
    expect(r.routing.per_rule).toEqual([
      { rule: 'low-confidence', action: 'review', matched: 7, routed: 7, over_budget: 0 },
      { rule: 'large-refund', action: 'hold', matched: 3, routed: 3, over_budget: 0 },
      { rule: 'legal-threat', action: 'review', matched: 1, routed: 1, over_budget: 0 },
    ]);
    expect(r.routing.per_band).toEqual([
      { band: 'critical', min_priority: 90, max_priority: 100, captured: 3, passed: 0, reviewed: 0, held: 3 },
      { band: 'high', min_priority: 70, max_priority: 89, captured: 1, passed: 0, reviewed: 1, held: 0 },
      { band: 'medium', min_priority: 40, max_priority: 69, captured: 6, passed: 0, reviewed: 6, held: 0 },
      { band: 'low', min_priority: 0, max_priority: 39, captured: 2, passed: 2, reviewed: 0, held: 0 },
    ]);
    expect(r.routing.daily).toEqual([
      { day: '2026-11-25', captured: 4, passed: 1, reviewed: 2, held: 1 },
      { day: '2026-11-26', captured: 5, passed: 1, reviewed: 2, held: 2 },
      { day: '2026-11-27', captured: 1, passed: 0, reviewed: 1, held: 0 },
      { day: '2026-11-28', captured: 2, passed: 0, reviewed: 2, held: 0 },
    ]);
  });

  it('reports holds, human decisions, timeouts and SLA breaches exactly', async () => {
    const r = await report();
    expect(r.holds).toEqual({
      held: 3,
      outcomes: { approved: 1, corrected: 0, rejected: 1, timed_out: 1, pending: 0, other: 0 },
      escalated_on_timeout: 0,
      // 300 s and 1200 s: type 7 quantiles.
      time_to_decision: { count: 2, median_seconds: 750, p90_seconds: 1110, max_seconds: 1200 },
    });
    expect(r.human_decisions).toEqual({
      routed: 10,
      outcomes: { approved: 5, corrected: 1, rejected: 2, timed_out: 1, pending: 1, other: 0 },
      decided_by_people: 8,
      approval_rate: 5 / 8,
      correction_rate: 1 / 8,
      rejection_rate: 2 / 8,
      override_rate: 3 / 8,
      judgments: { total: 8, approve: 5, correct: 1, reject: 2, other: 0 },
    });
    expect(r.fallbacks).toEqual({
      timed_out: 1,
      fallback_approve: 0,
      fallback_reject: 1,
      escalated_on_timeout: 0,
      escalations: [{ reason: 'unsure', count: 1 }],
      adjudications: 0,
    });
    expect(r.sla).toEqual({
      queues: [{ queue: 'default', due: 7, breached: 1, breach_rate: 1 / 7 }],
      due: 7,
      breached: 1,
      breach_rate: 1 / 7,
      breaches_recorded: [{ queue: 'default', count: 1 }],
    });
  });

  it('splits each reviewer’s judgments by their standing at the time of judgment', async () => {
    const r = await report();
    const zero = { qualifying: 0, active: 0, recalibrating: 0, suspended: 0, not_held: 0 };
    expect(r.reviewers.totals).toEqual({ judgments: 8, by_standing: { ...zero, active: 6, suspended: 1, not_held: 1 } });
    const rows = Object.fromEntries(r.reviewers.reviewers.map((x: { reviewer: string }) => [x.reviewer, x]));
    expect(Object.keys(rows).sort()).toEqual([manager.actor, r1.actor, r2.actor].sort());
    expect(rows[r1.actor]).toEqual({
      reviewer: r1.actor,
      role: 'reviewer',
      judgments: 5,
      by_standing: { ...zero, active: 4, suspended: 1 },
      verdicts: { approve: 4, correct: 0, reject: 1, other: 0 },
      gold: null,
      calibration_judgments: 1,
      standing_changes: 2,
      standing_at_end: 'active',
    });
    expect(rows[r2.actor]).toMatchObject({
      judgments: 2,
      by_standing: { ...zero, active: 2 },
      standing_changes: 1,
      standing_at_end: 'suspended',
    });
    expect(rows[manager.actor]).toMatchObject({
      role: 'manager',
      judgments: 1,
      by_standing: { ...zero, not_held: 1 },
      standing_at_end: 'not_held',
    });
    expect(r.reviewers.standing_changes).toEqual([
      {
        at: '2026-11-27T08:30:00.000Z',
        reviewer: r1.actor,
        from: null,
        to: 'suspended',
        by: manager.actor,
        reason: expect.stringContaining(HOSTILE_REASON),
      },
      {
        at: '2026-11-27T09:00:00.000Z',
        reviewer: r1.actor,
        from: 'suspended',
        to: 'active',
        by: manager.actor,
        reason: expect.any(String),
      },
      { at: '2026-11-27T09:30:00.000Z', reviewer: r2.actor, from: null, to: 'suspended', by: manager.actor, reason: expect.any(String) },
    ]);
    expect(r.reviewers.calibration_sessions).toEqual([
      expect.objectContaining({ name: HOSTILE_SESSION, status: 'open', members: 1, judgments_in_window: 1, closed_at: null }),
    ]);
    expect(r.reviewers.default_standing_note).toContain('counts as active');
  });

  it('lists the versions in force and the versions recorded on items and judgments', async () => {
    const r = await report();
    expect(r.versions.policy).toEqual([
      {
        version: 1,
        created_at: '2026-11-24T10:00:00.000Z',
        created_by: expect.stringMatching(/^key:/),
        from: SINCE,
        to: '2026-11-27T10:00:00.000Z',
        summary: '2 rules: low-confidence (review, 60), large-refund (hold, 90)',
      },
      expect.objectContaining({
        version: 2,
        from: '2026-11-27T10:00:00.000Z',
        to: null,
        summary: expect.stringMatching(/^3 rules: .*legal-threat/),
      }),
    ]);
    expect(r.versions.guidelines.map((g: { version: number; summary: string }) => [g.version, g.summary])).toEqual([
      [1, 'first guidelines'],
      [2, 'refund limits clarified'],
    ]);
    expect(r.versions.rubric).toEqual([expect.objectContaining({ version: 1, to: null })]);
    expect(r.versions.items_by_policy_version).toEqual([
      { version: 1, count: 9 },
      { version: 2, count: 3 },
    ]);
    expect(r.versions.judgments_by_guideline_version).toEqual([
      { version: 1, count: 3 },
      { version: 2, count: 5 },
    ]);
    expect(r.versions.judgments_by_rubric_version).toEqual([{ version: 1, count: 8 }]);
  });

  it('says no monitoring is recorded, and verifies the audit chain', async () => {
    const r = await report();
    const none = { count: 0, by_action: [], latest: [] };
    expect(r.monitoring).toEqual({ drift_alerts: none, red_team: none });
    const events = await t.store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    expect(r.audit.verification).toMatchObject({
      ok: true,
      events_checked: Number(events.n),
      problem: null,
      verified_at: '2026-11-29T01:00:00.000Z',
    });
    expect(r.audit.verification.head.pos).toBe(Number(events.n));
    expect(r.audit.checkpoints).toEqual({ stored: 0, last_pos: null, last_signed_at: null });
    const actions = Object.fromEntries(r.audit.by_action.map((a: { action: string; count: number }) => [a.action, a.count]));
    expect(actions).toMatchObject({
      'judgment.submitted': 8,
      'reviewer.standing_changed': 3,
      'task.sla_breached': 1,
      'guidelines.published': 1,
    });
    expect(r.audit.events_in_window).toBe(r.audit.by_action.reduce((s: number, a: { count: number }) => s + a.count, 0));
  });

  it('fills the monitoring section from alert.* and campaign.* events when they exist', async () => {
    const events = ['alert.raised', 'alert.raised', 'campaign.completed'].map((action, i) => ({
      project_id: projectId,
      actor: 'system:drift',
      action,
      subject_type: 'monitor',
      subject_id: `m${i}`,
      created_at: at('2026-11-28T13:00:00Z') + i,
    }));
    await appendAudit(t.store, events);
    await sealAll(t.store, t.clock());
    const r = await report();
    expect(r.monitoring.drift_alerts).toMatchObject({ count: 2, by_action: [{ action: 'alert.raised', count: 2 }] });
    expect(r.monitoring.drift_alerts.latest.map((e: { subject_id: string }) => e.subject_id)).toEqual(['m1', 'm0']);
    expect(r.monitoring.red_team).toMatchObject({ count: 1, by_action: [{ action: 'campaign.completed', count: 1 }] });
    const md = (await api.call('GET', `/v1/projects/${projectId}/${REPORT('md')}`, admin)).body;
    expect(md).not.toContain('No drift monitors or red-team campaigns are recorded');
    expect(md).toContain('alert.raised');
  });

  it('renders Markdown and HTML with every section, the citations and the disclaimer, hostile names escaped', async () => {
    const md = await api.call('GET', `/v1/projects/${projectId}/${REPORT('md')}`, admin);
    expect(md.statusCode).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toBe(`attachment; filename="oversight-${projectId}-2026-11-25-2026-11-29.md"`);
    const html = await api.call('GET', `/v1/projects/${projectId}/${REPORT('html')}`, admin);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-disposition']).toMatch(/filename="oversight-.*\.html"/);
    for (const body of [md.body, html.body]) {
      for (const title of [
        'Volume and routing to people',
        'Holds and their outcomes',
        'Human override and correction rates',
        'Timeouts, fallbacks and escalations',
        'SLA breaches',
        'qualification and calibration at the time of each judgment',
        'Guideline and policy versions in force',
        'Drift alerts and red-team results',
        'Audit trail verification',
        'Obligations mapping',
      ])
        expect(body).toContain(title);
      for (const cite of [
        'Art. 12(1)',
        'Art. 14(4)(d)',
        'Art. 14(4)(e)',
        'Art. 14(4)(b)',
        'Art. 26(5)',
        'MANAGE 1.3',
        'MANAGE 2.4',
        'MANAGE 3.2',
        'MANAGE 4.1',
      ])
        expect(body).toContain(cite);
      expect(body).toContain('Evidences:');
      expect(body).toContain('Not legal advice');
      expect(body).not.toContain('<script>');
      expect(body).not.toContain('<img');
    }
    expect(html.body).toMatch(/^<!DOCTYPE html>/);
    expect(html.body).toContain('Support &lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; &amp; co');
    expect(html.body).toContain('&lt;script&gt;alert(&quot;session&quot;)&lt;/script&gt;');
    expect(html.body).toContain('<svg');
    // Self-contained: nothing fetched, no script.
    expect(html.body).not.toMatch(/<script|<link|src=["']|url\(/i);
    expect(md.body).toContain('Support &lt;script&gt;alert("name")&lt;/script&gt; &amp; co');
    expect(md.body).toContain('The audit chain holds');
  });

  it('renders a PDF of the same report', async () => {
    const res = await api.call('GET', `/v1/projects/${projectId}/${REPORT('pdf')}`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="oversight-${projectId}-2026-11-25-2026-11-29.pdf"`);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pdf = await PDFDocument.load(res.rawPayload);
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(pdf.getTitle()).toContain('Oversight report');
  });

  it('is for readers of the audit trail only, and a scoped key finds no other project', async () => {
    for (const role of ['expert', 'reviewer', 'viewer', 'ingest'] as const) {
      const res = await api.call('GET', `/v1/projects/${projectId}/${REPORT()}`, await api.key(role));
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'TG_FORBIDDEN', details: { permission: 'audit:read' } });
    }
    expect((await api.call('GET', `/v1/projects/${projectId}/${REPORT()}`, manager.key)).statusCode).toBe(200);
    const other = (await ok(api.call('POST', '/v1/projects', admin, { name: 'other' }), 201)).id;
    const scoped = await api.key('manager', other);
    expect((await api.call('GET', `/v1/projects/${projectId}/${REPORT()}`, scoped)).json().error.code).toBe('TG_PROJECT_NOT_FOUND');
  });

  it('refuses a bad window and defaults to the last 30 days', async () => {
    const bad = await api.call('GET', `/v1/projects/${projectId}/reports/oversight?since=${UNTIL}&until=${SINCE}`, admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('TG_VALIDATION_FAILED');
    const same = await api.call('GET', `/v1/projects/${projectId}/reports/oversight?since=${SINCE}&until=${SINCE}`, admin);
    expect(same.json().error.code).toBe('TG_VALIDATION_FAILED');
    const long = await api.call('GET', `/v1/projects/${projectId}/reports/oversight?since=2025-01-01T00:00:00Z&until=${UNTIL}`, admin);
    expect(long.json().error).toMatchObject({ code: 'TG_VALIDATION_FAILED', message: expect.stringContaining('366 days') });
    for (const q of ['since=yesterday', 'format=docx', 'extra=1']) {
      const res = await api.call('GET', `/v1/projects/${projectId}/reports/oversight?${q}`, admin);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('TG_VALIDATION_FAILED');
    }
    const fallback = await ok(api.call('GET', `/v1/projects/${projectId}/reports/oversight`, admin));
    expect(fallback.window).toEqual({ since: '2026-10-30T01:00:00.001Z', until: '2026-11-29T01:00:00.001Z', days: 30 });
    expect(fallback.routing.captured).toBe(14);
  });
});
