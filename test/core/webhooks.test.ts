import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AuditFacts } from '../../src/core/audit/chain.js';
import { renderWebhookBody, webhookEventsOf, type WebhookItemFacts, type WebhookLookup } from '../../src/core/webhooks/events.js';
import { MAX_ATTEMPTS, PAUSE_AFTER_MS, RETRY_DELAYS_MS, retryDelayMs, shouldPause } from '../../src/core/webhooks/retry.js';
import { newWebhookSecret, signatureHeader } from '../../src/core/webhooks/signature.js';
import { checkWebhookUrl } from '../../src/core/webhooks/url.js';
import '../support/fast-check-setup.js';

describe('signatures', () => {
  it('are what the standardwebhooks reference package signs and accepts, for any id, time and body', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (id, ts, body) => {
          const secret = newWebhookSecret();
          const header = signatureHeader([secret], id, ts, body);
          const reference = new Webhook(secret);
          expect(header).toBe(reference.sign(id, new Date(ts * 1000), body));
          // verify() checks the timestamp against the clock: compare at the signing time.
          const verify = () => {
            const realNow = Date.now;
            Date.now = () => ts * 1000;
            try {
              const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': header };
              return reference.verify(body, headers, { jsonParse: false });
            } finally {
              Date.now = realNow;
            }
          };
          expect(() => verify()).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lists one signature per secret, so a rotation is seamless', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const header = signatureHeader([a, b], 'msg_1', 1_700_000_000, '{}');
    expect(header.split(' ')).toEqual([
      signatureHeader([a], 'msg_1', 1_700_000_000, '{}'),
      signatureHeader([b], 'msg_1', 1_700_000_000, '{}'),
    ]);
    expect(a).toMatch(/^whsec_/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
  });
});

describe('the retry schedule', () => {
  it('waits 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h, 24 h: ten attempts over about two days', () => {
    expect(RETRY_DELAYS_MS.map((ms) => ms / 1000)).toEqual([5, 30, 120, 600, 3600, 10_800, 21_600, 43_200, 86_400]);
    expect(MAX_ATTEMPTS).toBe(10);
    expect([1, 2, 9, 10, 50].map((n) => retryDelayMs(n, 0.5))).toEqual([5000, 30_000, 86_400_000, 86_400_000, 86_400_000]);
  });

  it('spreads each delay by at most a fifth either way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const base = RETRY_DELAYS_MS[Math.min(n, RETRY_DELAYS_MS.length) - 1]!;
        const d = retryDelayMs(n, r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
  });

  it('pauses after ten failures in a row spanning a day, not on a short outage', () => {
    const since = 1_000_000;
    expect(shouldPause(10, since, since + PAUSE_AFTER_MS)).toBe(true);
    expect(shouldPause(500, since, since + PAUSE_AFTER_MS - 1)).toBe(false);
    expect(shouldPause(9, since, since + 10 * PAUSE_AFTER_MS)).toBe(false);
    expect(shouldPause(10, null, since)).toBe(false);
  });
});

describe('webhook URLs', () => {
  it.each([
    ['https://hooks.example.com/tollgate?token=abc', 'https://hooks.example.com/tollgate?token=abc'],
    ['http://10.0.0.7:8080/in', 'http://10.0.0.7:8080/in'],
    ['HTTPS://Example.COM', 'https://example.com/'],
  ])('accepts %s as %s', (raw, url) => expect(checkWebhookUrl(raw)).toEqual({ url }));

  it.each([
    ['ftp://example.com/x', 'http'],
    ['file:///etc/passwd', 'http'],
    ['javascript:alert(1)', 'http'],
    ['https://user:pass@example.com/', 'credentials'],
    ['https://token@example.com/', 'credentials'],
    ['https://example.com/#frag', 'fragment'],
    ['/relative', 'absolute'],
    ['https://example.com/ and 2,000 more characters', 'at most'],
  ])('refuses %s', (label, problem) => {
    const raw = label.replace(' and 2,000 more characters', 'a'.repeat(2000));
    const r = checkWebhookUrl(raw);
    expect('problem' in r && r.problem).toContain(problem);
  });
});

describe('which audit events become webhooks', () => {
  const item = (over: Partial<WebhookItemFacts> = {}): WebhookItemFacts => ({
    id: 'i1',
    kind: 'output',
    probe: false,
    created_at: Date.UTC(2026, 10, 25),
    decision: { action: 'review', rules: ['r'], priority: 50, queue: 'default', policy_version: 1, hold: null },
    outcome: { status: 'approved', decided_at: Date.UTC(2026, 10, 25, 1), decided_by: 'key:a', reason: 'ok', fallback: null },
    ...over,
  });
  const lookup = (i?: WebhookItemFacts): WebhookLookup => ({
    item: (id) => (i?.id === id ? i : undefined),
    task: (id) => (id === 't1' ? { id: 't1', item_id: 'i1' } : undefined),
  });
  const event = (action: string, over: Partial<AuditFacts> = {}): AuditFacts => ({
    seq: 1,
    project_id: 'p1',
    actor: 'key:a',
    action,
    subject_type: 'item',
    subject_id: 'i1',
    before: null,
    after: null,
    created_at: Date.UTC(2026, 10, 25, 2),
    ...over,
  });
  const types = (e: AuditFacts, i?: WebhookItemFacts) => webhookEventsOf(e, lookup(i)).map((w) => w.type);

  it('routes, judgments, resolutions, breaches and pauses; nothing else', () => {
    expect(types(event('item.captured'), item())).toEqual(['item.routed']);
    expect(types(event('comparison.created'), item({ kind: 'compare' }))).toEqual(['item.routed']);
    expect(types(event('judgment.submitted', { after: { task_id: 't1', verdict: 'approve' } }), item())).toEqual(['task.completed']);
    expect(types(event('item.resolved'), item())).toEqual(['item.resolved']);
    const held = item({ decision: { ...item().decision, action: 'hold', hold: { timeout_seconds: 60, on_timeout: 'reject' } } });
    expect(types(event('item.resolved'), held)).toEqual(['item.resolved', 'hold.resolved']);
    expect(types(event('task.sla_breached', { subject_type: 'task', subject_id: 't1', after: { applied: 'recorded' } }), item())).toEqual([
      'sla.breached',
    ]);
    for (const action of ['task.claimed', 'policy.changed', 'key.created', 'webhook.subscription_paused', 'item.adjudication_requested'])
      expect(types(event(action), item()), action).toEqual([]);
  });

  it('leaves out items that pass, gold probes, and events outside a project', () => {
    expect(types(event('item.captured'), item({ decision: { ...item().decision, action: 'pass' } }))).toEqual([]);
    expect(types(event('judgment.submitted'), item({ probe: true }))).toEqual([]);
    expect(types(event('item.resolved'), item({ probe: true }))).toEqual([]);
    expect(types(event('item.captured', { project_id: null }), item())).toEqual([]);
    expect(types(event('item.resolved'))).toEqual([]);
  });

  it('reports a reviewer paused when their standing becomes suspended or recalibrating, once', () => {
    const standing = (before: string | null, after: string) =>
      types(
        event('reviewer.standing_changed', {
          subject_type: 'reviewer',
          subject_id: 'key:r',
          before: before === null ? null : { status: before },
          after: { status: after, reason: 'x' },
        }),
      );
    expect(standing('active', 'suspended')).toEqual(['reviewer.paused']);
    expect(standing(null, 'recalibrating')).toEqual(['reviewer.paused']);
    expect(standing('recalibrating', 'suspended')).toEqual(['reviewer.paused']);
    expect(standing('suspended', 'suspended')).toEqual([]);
    expect(standing('suspended', 'active')).toEqual([]);
    expect(standing(null, 'qualifying')).toEqual([]);
  });

  it("announces a late re-route by an evaluator, and every switch of an evaluator's trust", () => {
    const rerouted = webhookEventsOf(
      event('item.rerouted', {
        actor: 'evaluator:judge',
        before: { action: 'pass' },
        after: { action: 'review', evaluator: 'judge', status: 'fail' },
      }),
      lookup(item()),
    );
    expect(rerouted.map((w) => w.envelope)).toEqual([
      {
        type: 'item.rerouted',
        timestamp: '2026-11-25T02:00:00.000Z',
        data: {
          project_id: 'p1',
          item_id: 'i1',
          external_id: null,
          previous_action: 'pass',
          decision: { action: 'review', rules: ['r'], priority: 50, queue: 'default', policy_version: 1 },
          evaluator: 'judge',
          evaluator_status: 'fail',
        },
      },
    ]);
    expect(types(event('item.rerouted'), item({ probe: true }))).toEqual([]);
    const trust = (after: Record<string, unknown> | null) =>
      webhookEventsOf(
        event('evaluator.trust_changed', { actor: 'system:trust', subject_type: 'evaluator', subject_id: 'judge', after }),
        lookup(),
      );
    expect(
      trust({ trusted: false, rule: 'auto', kappa: 0.2, checks: 88, reason: 'kappa 0.20 is below 0.6' }).map((w) => w.envelope['data']),
    ).toEqual([
      { project_id: 'p1', evaluator: 'judge', rule: 'auto', trusted: false, kappa: 0.2, checks: 88, reason: 'kappa 0.20 is below 0.6' },
    ]);
    expect(trust(null)).toEqual([]);
  });

  it('announces an alert a monitor opened, with its evidence', () => {
    const opened = webhookEventsOf(
      event('alert.opened', {
        actor: 'system:monitor',
        subject_type: 'alert',
        subject_id: 'a1',
        after: { monitor: 'confidence-drift', kind: 'drift', evidence: { test: 'ks', p_value: 0.001 } },
      }),
      lookup(),
    );
    expect(opened.map((w) => w.envelope)).toEqual([
      {
        type: 'alert.opened',
        timestamp: '2026-11-25T02:00:00.000Z',
        data: { project_id: 'p1', alert_id: 'a1', monitor: 'confidence-drift', kind: 'drift', evidence: { test: 'ks', p_value: 0.001 } },
      },
    ]);
    for (const action of ['alert.acknowledged', 'alert.resolved', 'sampling.boost_started']) expect(types(event(action))).toEqual([]);
  });

  it('keeps content out of the stored envelope and fills it in when sending, in the same key order', () => {
    const [resolved] = webhookEventsOf(event('item.resolved'), lookup(item()));
    const stored = JSON.stringify(resolved!.envelope);
    expect(resolved!.envelope).toMatchObject({ data: { external_id: null, outcome: { output: null } } });
    const sent = renderWebhookBody(stored, { external_id: 'ext-1', outcome_output: { answer: 42 } });
    expect(Object.keys(JSON.parse(sent) as object)).toEqual(['type', 'timestamp', 'data']);
    expect(sent).toBe(stored.replace('"external_id":null', '"external_id":"ext-1"').replace('"output":null', '"output":{"answer":42}'));
    expect(renderWebhookBody(stored, null)).toBe(stored);
  });
});

describe('TOLLGATE_WEBHOOK_ALLOW_PRIVATE', () => {
  const allow = (v: string | undefined) => loadConfig({ TOLLGATE_WEBHOOK_ALLOW_PRIVATE: v }, '/tmp').webhookAllowPrivate;

  it('is true by default, and takes false or a list of addresses and CIDR ranges', () => {
    expect(allow(undefined)).toBe(true);
    expect(allow('')).toBe(true);
    expect(allow('false')).toBe(false);
    expect(allow('10.1.0.0/16, 192.168.4.7,fd00::/8')).toEqual(['10.1.0.0/16', '192.168.4.7', 'fd00::/8']);
  });

  it.each(['yes', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1'])('refuses %s at start', (v) => {
    expect(() => allow(v)).toThrow(/TOLLGATE_WEBHOOK_ALLOW_PRIVATE/);
  });
});
