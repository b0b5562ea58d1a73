import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const CURRENT = { rules: [{ name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 }] };
const CANDIDATE = {
  rules: [
    { name: 'unsure', when: { confidence: { lt: 0.7 } }, action: 'review', priority: 60 },
    { name: 'big-refund', when: { 'metadata.amount': { gt: 500 } }, action: 'hold', priority: 90, overlap: 2 },
  ],
};

describe.each(DIALECTS)('policy backtest (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Backtest', policy: CURRENT })).json().id;
    // Ten items over two days: confidences 0.1 … 1.0, every third a large refund.
    for (let i = 0; i < 10; i++) {
      if (i === 5) t.clock.advance(86_400_000);
      const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, {
        input: `q${i}`,
        output: `a${i}`,
        confidence: (i + 1) / 10,
        metadata: { amount: i % 3 === 0 ? 900 : 50 },
      });
      expect(res.statusCode).toBe(201);
    }
    // The current policy sent confidences 0.1–0.4 to review; people rejected two of them.
    const reviewer = await api.key('reviewer', projectId);
    for (let i = 0; i < 4; i++) {
      const { task } = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
      await api.call('POST', `/v1/tasks/${task.id}/judgments`, reviewer, { verdict: i < 2 ? 'reject' : 'approve' });
    }
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('compares the candidate with the routing the items got, and changes nothing', async () => {
    const before = await Promise.all(
      ['items', 'tasks', 'judgments', 'audit_events', 'policy_versions'].map((x) => countRows(t.store, x as never)),
    );
    const res = await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, manager, {
      policy: CANDIDATE,
      since: new Date(t.clock() - 7 * 86_400_000).toISOString(),
      until: new Date(t.clock() + 1).toISOString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.items).toBe(10);
    // Candidate: confidences 0.1–0.6 (6) plus large refunds at 0.7 and 1.0 → 8 routed, 4 held.
    expect(r.overall.candidate).toMatchObject({ routed: 8, held: 4, share: 0.8 });
    // Held items need two reviewers: 4 × 2 + 4 × 1 tasks.
    expect(r.overall.candidate.review_tasks).toBe(12);
    expect(r.overall.current).toMatchObject({ routed: 4, held: 0, review_tasks: 4, share: 0.4 });
    expect(r.per_rule.map((x: { name: string; matched: number }) => [x.name, x.matched])).toEqual([
      ['unsure', 6],
      ['big-refund', 4],
    ]);
    expect(
      r.per_day.map((d: { items: number; candidate_routed: number; current_routed: number }) => [
        d.items,
        d.candidate_routed,
        d.current_routed,
      ]),
    ).toEqual([
      [5, 5, 4],
      [5, 3, 0],
    ]);
    expect(r.known_failures).toMatchObject({ total: 2, candidate_caught: 2, current_caught: 2, missed_by_candidate: [] });
    expect(r.known_failures.candidate_recall.rate).toBe(1);
    expect(r.caveats.length).toBeGreaterThan(0);

    const after = await Promise.all(
      ['items', 'tasks', 'judgments', 'audit_events', 'policy_versions'].map((x) => countRows(t.store, x as never)),
    );
    expect(after).toEqual(before);
  });

  it('looks at the last 30 days by default and refuses what it cannot run', async () => {
    const all = (await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, manager, { policy: CANDIDATE })).json();
    expect(all.items).toBe(10);

    const invalid = await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, manager, {
      policy: { rules: [{ name: 'x', when: { output: { matches: '(' } }, action: 'review' }] },
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('TG_INVALID_POLICY');

    const backwards = await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, manager, {
      policy: CANDIDATE,
      since: '2026-11-25T00:00:00Z',
      until: '2026-11-24T00:00:00Z',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.code).toBe('TG_VALIDATION_FAILED');

    const reviewer = await api.key('reviewer', projectId);
    const forbidden = await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, reviewer, { policy: CANDIDATE });
    expect(forbidden.statusCode).toBe(403);
  });
});
