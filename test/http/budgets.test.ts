import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const POLICY = {
  rules: [
    { name: 'spot-check', when: { confidence: { lt: 0.9 } }, action: 'review', priority: 30, max_per_hour: 3, max_per_day: 5 },
    { name: 'very-low', when: { confidence: { lt: 0.1 } }, action: 'review', priority: 80 },
  ],
};

describe.each(DIALECTS)('review budgets (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const res = await api.call('POST', '/v1/projects', admin, { name: 'Budget', policy: POLICY });
    expect(res.statusCode, res.body).toBe(201);
    projectId = res.json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const send = async (confidence: number) =>
    (await api.call('POST', `/v1/projects/${projectId}/items`, admin, { input: 'q', output: 'a', confidence })).json().decision;

  it('routes up to the hourly cap, then passes and says why; other rules still route', async () => {
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await send(0.5));
    expect(decisions.map((d) => d.action)).toEqual(['review', 'review', 'review', 'pass', 'pass']);
    expect(decisions[3].matched_rules).toEqual([
      expect.objectContaining({ name: 'spot-check', over_budget: true, reason: expect.stringContaining('budget of 3 per hour used') }),
    ]);
    // The probability of review is the one the item was routed under: the budget was spent.
    expect(decisions[3].review_probability).toBe(0);
    expect(decisions[0].review_probability).toBe(1);

    const urgent = await send(0.05);
    expect(urgent.action).toBe('review');
    expect(urgent.matched_rules.map((r: { name: string; over_budget?: boolean }) => [r.name, r.over_budget ?? false])).toEqual([
      ['spot-check', true],
      ['very-low', false],
    ]);

    // A new hour, a new hourly budget, but the daily cap of 5 stops it after two more.
    t.clock.advance(3_600_000);
    const next = [];
    for (let i = 0; i < 4; i++) next.push((await send(0.5)).action);
    expect(next).toEqual(['review', 'review', 'pass', 'pass']);
  });

  it('counts a batch item by item', async () => {
    const items = Array.from({ length: 6 }, () => ({ input: 'q', output: 'a', confidence: 0.5 }));
    const res = await api.call('POST', `/v1/projects/${projectId}/items/batch`, admin, { items });
    expect(res.json().items.map((i: { decision: { action: string } }) => i.decision.action)).toEqual([
      'review',
      'review',
      'review',
      'pass',
      'pass',
      'pass',
    ]);
  });

  it('shares one budget between concurrent captures', async () => {
    const actions = await Promise.all(Array.from({ length: 20 }, () => send(0.5).then((d) => d.action)));
    expect(actions.filter((a) => a === 'review')).toHaveLength(3);
  });

  it('refuses caps that cannot work', async () => {
    const bad = await api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
      rules: [
        { name: 'a', when: { confidence: { lt: 0.5 } }, action: 'pass', max_per_hour: 3 },
        { name: 'b', when: { confidence: { lt: 0.5 } }, action: 'review', max_per_day: 0 },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual(['rules[0].max_per_hour', 'rules[1].max_per_day']);
  });
});
