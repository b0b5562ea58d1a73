import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/core/stats/index.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] };
const POLICY = { rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review', priority: 50 }] };

describe.each(DIALECTS)('gold answers and reviewer accuracy (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;
  let items: string[];

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Quality', policy: POLICY, rubric: RUBRIC })).json().id;
    items = [];
    for (let i = 0; i < 4; i++) {
      items.push(
        (await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: `q${i}`, output: `a${i}`, confidence: 0.5 })).json()
          .id,
      );
    }
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('scores each reviewer against the gold answers, with a Wilson interval and a weekly trend', async () => {
    const expected = ['approve', 'reject', 'approve'] as const;
    for (const [i, verdict] of expected.entries()) {
      const res = await api.call('PUT', `/v1/items/${items[i]}/gold`, manager, {
        verdict,
        scores: { accuracy: verdict === 'approve' ? 5 : 1 },
        note: 'agreed in calibration',
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const reviewer = await api.key('reviewer', projectId);
    // The reviewer approves everything, scoring 5: right on the two approvals (verdict and score
    // as expected), wrong on the rejection.
    for (let i = 0; i < 4; i++) {
      const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer);
      const body = claim.json();
      // Nothing the reviewer is served says which items are gold.
      expect(claim.body).not.toMatch(/gold/i);
      expect((await api.call('GET', `/v1/items/${body.item.id}`, reviewer)).body).not.toMatch(/gold/i);
      await api.call('POST', `/v1/tasks/${body.task.id}/judgments`, reviewer, { verdict: 'approve', scores: { accuracy: 5 } });
    }

    const report = (await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, manager)).json();
    expect(report.reviewers).toHaveLength(1);
    const gold = report.reviewers[0].gold;
    expect(gold).toMatchObject({ correct: 2, total: 3 });
    expect(gold.accuracy).toBeCloseTo(2 / 3, 12);
    const w = wilsonInterval(2, 3);
    expect(gold.interval.low).toBeCloseTo(w.low, 12);
    expect(gold.interval.high).toBeCloseTo(w.high, 12);
    // 2026-11-25 is a Wednesday: its week starts on Monday the 23rd.
    expect(gold.trend).toEqual([{ week_start: '2026-11-23', correct: 2, total: 3, accuracy: 2 / 3 }]);

    const listed = (await api.call('GET', `/v1/projects/${projectId}/gold`, manager)).json().gold;
    expect(listed.map((g: { item_id: string; verdict: string }) => [g.item_id, g.verdict])).toEqual(expected.map((v, i) => [items[i], v]));
    // Peers do not see each other's gold accuracy.
    expect((await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, reviewer)).statusCode).toBe(403);
    expect((await api.call('GET', `/v1/projects/${projectId}/gold`, reviewer)).statusCode).toBe(403);
  });

  it('refuses gold answers that do not fit, and changes nothing', async () => {
    const bad = await api.call('PUT', `/v1/items/${items[0]}/gold`, manager, { verdict: 'approve', scores: { accuracy: 9 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TG_INVALID_JUDGMENT');
    const reviewer = await api.key('reviewer', projectId);
    expect((await api.call('PUT', `/v1/items/${items[0]}/gold`, reviewer, { verdict: 'approve' })).statusCode).toBe(403);
    expect((await api.call('PUT', '/v1/items/nope/gold', manager, { verdict: 'approve' })).statusCode).toBe(404);
    expect(await countRows(t.store, 'gold_answers')).toBe(0);

    await api.call('PUT', `/v1/items/${items[0]}/gold`, manager, { verdict: 'reject' });
    expect((await api.call('DELETE', `/v1/items/${items[0]}/gold`, manager)).json()).toEqual({ removed: true });
    expect((await api.call('DELETE', `/v1/items/${items[0]}/gold`, manager)).statusCode).toBe(404);
    expect(await countRows(t.store, 'gold_answers')).toBe(0);
  });
});
