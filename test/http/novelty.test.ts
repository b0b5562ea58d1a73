import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOVELTY_MIN_HISTORY } from '../../src/app/novelty-service.js';
import { createContext } from '../../src/app/context.js';
import { testApi, type TestApi } from '../support/http.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const PRODUCTS = ['blender', 'kettle', 'toaster', 'mixer', 'grill', 'fryer', 'juicer', 'scale'];
const routine = (i: number) =>
  `Hello, I ordered a ${PRODUCTS[i % PRODUCTS.length]} last week (order ${1000 + i}) and it arrived broken. ` +
  'Can I get a refund or a replacement? The box was damaged and the lid is cracked. Thanks for your help.';

describe.each(DIALECTS)('novelty at capture (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    const res = await api.call('POST', '/v1/projects', manager, {
      name: 'Novel',
      policy: { rules: [{ name: 'novel', when: { novelty: { gt: 0.8 } }, action: 'review', queue: 'novel' }] },
    });
    projectId = res.json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const capture = async (input: string) => {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input, output: 'We are sorry to hear that.' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  it('scores inputs against recent traffic once it has seen enough, and policies route on it', async () => {
    const first = await capture(routine(0));
    expect(first.novelty).toBeNull();
    expect(first.decision.action).toBe('pass');
    const batch = await api.call('POST', `/v1/projects/${projectId}/items/batch`, manager, {
      items: Array.from({ length: NOVELTY_MIN_HISTORY + 20 }, (_, i) => ({ input: routine(i + 1), output: 'ok' })),
    });
    expect(batch.statusCode).toBe(200);

    const familiar = await capture(routine(7));
    expect(familiar.novelty).toBeLessThan(0.3);
    expect(familiar.decision.action).toBe('pass');
    const novel = await capture(
      'Your assistant told my daughter how to mix bleach and ammonia for a science project; I want to speak to a manager about this immediately.',
    );
    expect(novel.novelty).toBeGreaterThan(0.8);
    expect(novel.decision).toMatchObject({ action: 'review', queue: 'novel' });
    expect(novel.decision.matched_rules[0].reason).toContain('novelty');
    // Stored with the item, and what a backtest replays.
    expect((await api.call('GET', `/v1/items/${novel.id}`, manager)).json().novelty).toBe(novel.novelty);
    // Seen once, a second time it is no longer new.
    const again = await capture(
      'Your assistant told my daughter how to mix bleach and ammonia for a science project; I want to speak to a manager about this immediately.',
    );
    expect(again.novelty).toBeLessThan(0.1);
  });

  it('a server that starts on an existing store fills its sketch from the latest items', async () => {
    await api.call('POST', `/v1/projects/${projectId}/items/batch`, manager, {
      items: Array.from({ length: NOVELTY_MIN_HISTORY + 5 }, (_, i) => ({ input: routine(i), output: 'ok' })),
    });
    // A second server on the same store: its sketch is new, and warms up from the stored items.
    const other = createContext({ store: t.store, clock: t.ctx.clock, newId: t.ctx.newId, logger: t.ctx.logger });
    const otherApi = await testApi(other);
    try {
      const res = await otherApi.call('POST', `/v1/projects/${projectId}/items`, manager, { input: routine(3), output: 'ok' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().novelty).toBeLessThan(0.3);
    } finally {
      await otherApi.app.close();
    }
  });
});
