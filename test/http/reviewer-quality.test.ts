import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/stats/index.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } },
    { key: 'topic', label: 'Topic', scale: { type: 'labels', options: [{ value: 'billing' }, { value: 'shipping' }, { value: 'other' }] } },
  ],
};
const RULES = [
  { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
  { name: 'big-refund', when: { 'metadata.amount': { gt: 500 } }, action: 'hold', priority: 90 },
];

interface Claim {
  task: { id: string; item_id: string; queue: string; priority: number; status: string; created_at: string; kind: string };
  item: { id: string; input: unknown; output: unknown; created_at: string; decision: { action: string; queue: string } };
  assignment: { purpose: string; position: number; total: number } | null;
  [key: string]: unknown;
}

describe.each(DIALECTS)('reviewer quality: gold share, qualification, pause (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let ingest: string;
  let projectId: string;

  beforeEach(async () => {
    const rng = createRandom('reviewer-quality');
    t = await openTestStore(dialect, { random: () => rng.nextFloat() });
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Quality', policy: { rules: RULES }, rubric: RUBRIC })).json().id;
    ingest = await api.key('ingest', projectId);
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const send = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { output: 'an answer', confidence: 0.2, ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const claim = (key: string, body: object = {}) => api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, body);
  const judge = (key: string, taskId: string, body: object) => api.call('POST', `/v1/tasks/${taskId}/judgments`, key, body);
  const setPolicy = (quality: object) => api.call('PUT', `/v1/projects/${projectId}/policy`, manager, { rules: RULES, quality });
  const makeGold = async (n: number, verdict = 'approve'): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = await send({ input: `reference question ${i}` });
      const res = await api.call('PUT', `/v1/items/${id}/gold`, manager, { verdict });
      expect(res.statusCode, res.body).toBe(200);
      ids.push(id);
    }
    return ids;
  };
  /** Judges (and so settles) every task still pending, as a manager, so gold items are not live work. */
  const clearQueue = async () => {
    for (;;) {
      const res = await claim(manager);
      if (res.statusCode === 204) return;
      await judge(manager, res.json().task.id, { verdict: 'approve' });
    }
  };
  const standing = async (reviewerKey: string) => (await api.call('GET', `/v1/projects/${projectId}/reviewers/me`, reviewerKey)).json();

  it('serves gold like live work: same shape, fresh item, nothing that says gold, and never outside production lists', async () => {
    const gold = await makeGold(3);
    await clearQueue();
    const live = await send({ input: 'live question' });
    expect((await setPolicy({ gold_share: 1 })).statusCode).toBe(200);
    const reviewer = await api.key('reviewer', projectId);

    const served = await claim(reviewer);
    expect(served.statusCode).toBe(200);
    const probe = served.json<Claim>();
    // A gold item, but as a new item of its own, in the live queue at the live priority.
    expect(gold).not.toContain(probe.item.id);
    expect(probe.item.id).not.toBe(live);
    expect(String(probe.item.input)).toMatch(/^reference question \d$/);
    expect(probe.task).toMatchObject({ queue: 'default', priority: 50, status: 'claimed', kind: 'review' });
    expect(probe.item.decision).toMatchObject({ action: 'review', queue: 'default', required_reviews: 1 });
    expect(Date.parse(probe.item.created_at)).toBe(t.clock());
    expect(probe.assignment).toBeNull();
    expect(served.body).not.toMatch(/gold|probe/i);

    // Everything the reviewer can read about it looks like live work.
    const detail = await api.call('GET', `/v1/items/${probe.item.id}`, reviewer);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toMatch(/gold|probe/i);
    const mine = (await api.call('GET', `/v1/projects/${projectId}/items`, reviewer)).json().items;
    expect(mine.map((i: { id: string }) => i.id)).toEqual([probe.item.id]);
    const outcome = await api.call('GET', `/v1/items/${probe.item.id}/outcome`, reviewer);
    expect(outcome.statusCode).toBe(202);
    // The gold item it was copied from is not the reviewer's to read.
    expect((await api.call('GET', `/v1/items/${gold[0]}`, reviewer)).statusCode).toBe(404);

    // The claim response of a live task has exactly the same fields.
    expect((await setPolicy({ gold_share: 0 })).statusCode).toBe(200);
    const liveClaim = (await claim(reviewer)).json<Claim>();
    expect(liveClaim.item.id).toBe(live);
    expect(Object.keys(liveClaim).sort()).toEqual(Object.keys(probe).sort());
    expect(Object.keys(liveClaim.task).sort()).toEqual(Object.keys(probe.task).sort());
    expect(Object.keys(liveClaim.item).sort()).toEqual(Object.keys(probe.item).sort());

    const judged = await judge(reviewer, probe.task.id, { verdict: 'reject' });
    expect(judged.statusCode).toBe(201);
    expect(judged.json().outcome.status).toBe('rejected');
    expect(judged.body).not.toMatch(/gold|probe/i);

    // Production lists and figures leave the probe out; the gold score counts it.
    const listed = (await api.call('GET', `/v1/projects/${projectId}/items?limit=100`, manager)).json().items;
    expect(listed.map((i: { id: string }) => i.id)).not.toContain(probe.item.id);
    const errorRate = (await api.call('GET', `/v1/projects/${projectId}/stats/error-rate`, manager)).json();
    // Three gold items and one live item, none rejected: the rejected probe is not production.
    expect(errorRate.estimate).toMatchObject({ population: 4, reviewed_errors: 0 });
    const report = (await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, manager)).json();
    const me = (await standing(reviewer)).reviewer as string;
    const row = report.reviewers.find((r: { reviewer: string }) => r.reviewer === me);
    expect(row.gold).toMatchObject({ correct: 0, total: 1 });

    // Managers see what was served, in the audit trail.
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${probe.item.id}`, manager)).json();
    expect(audit.events.map((e: { action: string }) => e.action)).toContain('gold.served');
  });

  it('serves gold only in place of ordinary live review work, and never the same gold item twice', async () => {
    const gold = await makeGold(2);
    await clearQueue();
    expect((await setPolicy({ gold_share: 1 })).statusCode).toBe(200);
    const reviewer = await api.key('reviewer', projectId);
    const seenBy = (await standing(reviewer)).reviewer as string;
    // Nothing live to do: no task at all, gold included (a task would give the gold away).
    expect((await claim(reviewer)).statusCode).toBe(204);
    // Only a held item waiting: its caller is not kept waiting behind gold.
    const held = await send({ input: 'refund', confidence: 0.9, metadata: { amount: 900 } });
    expect((await claim(reviewer)).json<Claim>().item.id).toBe(held);

    for (let i = 0; i < 4; i++) await send({ input: `live ${i}` });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = (await claim(reviewer)).json<Claim>();
      seen.push(String(c.item.input));
      await judge(reviewer, c.task.id, { verdict: 'approve' });
    }
    // Two gold items, each once, then live work.
    expect(seen.filter((s) => s.startsWith('reference')).sort()).toEqual(['reference question 0', 'reference question 1']);
    expect(seen.filter((s) => s.startsWith('live'))).toHaveLength(2);
    expect(gold).toHaveLength(2);
    // Managers see that this reviewer's gold share has run dry.
    const standings = (await api.call('GET', `/v1/projects/${projectId}/reviewers/standing`, manager)).json().reviewers;
    const mine = standings.find((r: { reviewer: string }) => r.reviewer === seenBy);
    expect(mine).toMatchObject({ status: 'active', gold_unseen: 0, rolling: { correct: 2, total: 2, accuracy: 1 } });
  });

  it('serves one gold item once to a reviewer even when their claims race', async () => {
    await makeGold(1);
    await clearQueue();
    for (let i = 0; i < 4; i++) await send({ input: `live ${i}` });
    expect((await setPolicy({ gold_share: 1 })).statusCode).toBe(200);
    const reviewer = await api.key('reviewer', projectId);
    const claims = await Promise.all([claim(reviewer), claim(reviewer), claim(reviewer), claim(reviewer)]);
    expect(claims.map((c) => c.statusCode)).toEqual([200, 200, 200, 200]);
    const inputs = claims.map((c) => String(c.json<Claim>().item.input));
    expect(inputs.filter((i) => i.startsWith('reference'))).toHaveLength(1);
    expect(await countRows(t.store, 'gold_probes')).toBe(1);
  });

  it('serves the configured share of gold, at random', async () => {
    await makeGold(60);
    await clearQueue();
    for (let i = 0; i < 120; i++) await send({ input: `live ${i}` });
    expect((await setPolicy({ gold_share: 0.25 })).statusCode).toBe(200);
    const reviewer = await api.key('reviewer', projectId);
    const kinds: boolean[] = [];
    for (let i = 0; i < 120; i++) {
      const c = (await claim(reviewer)).json<Claim>();
      kinds.push(String(c.item.input).startsWith('reference'));
      await judge(reviewer, c.task.id, { verdict: 'approve' });
    }
    const share = kinds.filter(Boolean).length / kinds.length;
    // Binomial(120, 0.25): mean 30, sd 4.7; the seeded stream lands well within four sd.
    expect(share).toBeGreaterThan(0.25 - (4 * 4.74) / 120);
    expect(share).toBeLessThan(0.25 + (4 * 4.74) / 120);
    // Not every n-th task: the gold positions are irregular.
    const gaps = kinds.flatMap((g, i) => (g ? [i] : [])).map((p, i, a) => (i === 0 ? p : p - a[i - 1]!));
    expect(new Set(gaps).size).toBeGreaterThan(2);
  });

  it('withdraws a released or expired gold task instead of passing it to another reviewer', async () => {
    await makeGold(1);
    await clearQueue();
    await send({ input: 'live' });
    expect((await setPolicy({ gold_share: 1 })).statusCode).toBe(200);
    const alice = await api.key('reviewer', projectId);
    const bob = await api.key('reviewer', projectId);
    const probe = (await claim(alice)).json<Claim>();
    expect(String(probe.item.input)).toBe('reference question 0');
    const released = await api.call('POST', `/v1/tasks/${probe.task.id}/release`, alice);
    expect(released.json().status).toBe('pending');
    // Bob gets his own gold (the same gold item: he has never seen it), never Alice's task.
    const bobs = (await claim(bob)).json<Claim>();
    expect(bobs.task.id).not.toBe(probe.task.id);
    expect(bobs.item.id).not.toBe(probe.item.id);
    const detail = (await api.call('GET', `/v1/items/${probe.item.id}`, manager)).json();
    expect(detail.tasks.map((x: { status: string }) => x.status)).toEqual(['cancelled']);

    // Bob lets his lease run out: the next claim's sweep withdraws his probe rather than serving it to Carol.
    t.clock.advance(11 * 60_000);
    const carol = await api.key('reviewer', projectId);
    const carols = (await claim(carol)).json<Claim>();
    expect(carols.task.id).not.toBe(bobs.task.id);
    const bobsProbe = (await api.call('GET', `/v1/items/${bobs.item.id}`, manager)).json();
    expect(bobsProbe.tasks.map((x: { status: string }) => x.status)).toEqual(['cancelled']);
    expect((await api.call('GET', `/v1/items/${bobs.item.id}`, carol)).statusCode).toBe(404);
  });

  it('scores gold on labels, preferences and rankings, and refuses answers that do not fit', async () => {
    const output = await send({ input: 'Where is my parcel?' });
    const labelled = await api.call('PUT', `/v1/items/${output}/gold`, manager, { scores: { topic: 'shipping' } });
    expect(labelled.statusCode, labelled.body).toBe(200);
    expect(labelled.json()).toMatchObject({ verdict: null, scores: { topic: 'shipping' }, answer: null });

    const pair = (
      await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
        input: 'Say hi',
        candidates: [{ output: 'Hello!' }, { output: 'Go away.' }],
      })
    ).json();
    const rank = (
      await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
        input: 'Say hi',
        candidates: [{ output: 'Hello!' }, { output: 'Hi.' }, { output: 'Go away.' }],
      })
    ).json();
    const bad = async (id: string, body: object, path: string) => {
      const res = await api.call('PUT', `/v1/items/${id}/gold`, manager, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.errors[0].path).toBe(path);
    };
    await bad(pair.id, { preference: { winner: 'c' } }, 'preference.winner');
    await bad(pair.id, { verdict: 'approve' }, 'verdict');
    await bad(rank.id, { ranking: { order: ['a', 'b'] } }, 'ranking.order');
    await bad(rank.id, { ranking: { order: ['a', 'b', 'b'] } }, 'ranking.order');
    await bad(output, { ranking: { order: ['a'] } }, 'ranking');
    await bad(output, {}, 'verdict');
    expect(await countRows(t.store, 'gold_answers')).toBe(1);

    expect((await api.call('PUT', `/v1/items/${pair.id}/gold`, manager, { preference: { winner: 'a' } })).statusCode).toBe(200);
    expect((await api.call('PUT', `/v1/items/${rank.id}/gold`, manager, { ranking: { order: ['a', 'b', 'c'] } })).statusCode).toBe(200);

    const reviewer = await api.key('reviewer', projectId);
    for (let i = 0; i < 3; i++) {
      const c = (await claim(reviewer)).json<Claim & { item: { kind: string } }>();
      const body =
        c.item.kind === 'compare'
          ? { preference: { winner: 'a', strength: 'slight' } } // right: the strength does not matter
          : c.item.kind === 'rank'
            ? { ranking: { order: ['a', 'c', 'b'] } } // wrong order
            : { verdict: 'approve', scores: { topic: 'billing' } }; // wrong label
      expect((await judge(reviewer, c.task.id, body)).statusCode).toBe(201);
    }
    const report = (await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, manager)).json();
    expect(report.reviewers[0].gold).toMatchObject({ correct: 1, total: 3 });
  });

  it('holds a new reviewer to the qualification set before live work, and suspends one who fails', async () => {
    const gold = await makeGold(3);
    await clearQueue();
    const live = await send({ input: 'live question' });
    const saved = await setPolicy({ qualification: { items: gold, pass_accuracy: 0.66 } });
    expect(saved.statusCode, saved.body).toBe(200);

    const good = await api.key('reviewer', projectId);
    expect(await standing(good)).toMatchObject({ status: 'qualifying', attempt: null });
    for (let i = 0; i < 3; i++) {
      const c = (await claim(good)).json<Claim>();
      expect(c.item.id).not.toBe(live);
      expect(c.assignment).toEqual({ purpose: 'qualification', position: i + 1, total: 3 });
      expect(String(c.item.input)).toBe(`reference question ${i}`);
      // Two right, one wrong: 2/3 passes 0.66.
      expect((await judge(good, c.task.id, { verdict: i === 2 ? 'reject' : 'approve' })).statusCode).toBe(201);
    }
    const passed = await standing(good);
    expect(passed).toMatchObject({ status: 'active', attempt: null, rolling: null });
    expect(passed.reason).toContain('passed: 2/3');
    const next = (await claim(good)).json<Claim>();
    expect(next.item.id).toBe(live);
    expect(next.assignment).toBeNull();

    const poor = await api.key('reviewer', projectId);
    for (let i = 0; i < 3; i++) {
      const c = (await claim(poor)).json<Claim>();
      await judge(poor, c.task.id, { verdict: i === 0 ? 'approve' : 'reject' });
    }
    expect((await standing(poor)).status).toBe('suspended');
    const refused = await claim(poor);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('TG_REVIEWER_SUSPENDED');
    expect(refused.json().error.message).toContain('failed: 1/3');

    // Managers see every standing (with rolling accuracy), override it, and it is audited.
    const all = (await api.call('GET', `/v1/projects/${projectId}/reviewers/standing`, manager)).json().reviewers;
    expect(all.map((r: { status: string }) => r.status).sort()).toEqual(['active', 'suspended']);
    expect((await api.call('GET', `/v1/projects/${projectId}/reviewers/standing`, good)).statusCode).toBe(403);
    const poorId = all.find((r: { status: string }) => r.status === 'suspended').reviewer as string;
    const retry = await api.call('PUT', `/v1/projects/${projectId}/reviewers/${encodeURIComponent(poorId)}/standing`, manager, {
      status: 'qualifying',
      reason: 'retrained on the refund guideline',
    });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ status: 'qualifying', attempt: { purpose: 'qualification', served: 0, total: 3 } });
    const again = (await claim(poor)).json<Claim>();
    expect(again.assignment).toEqual({ purpose: 'qualification', position: 1, total: 3 });
    const reinstated = await api.call('PUT', `/v1/projects/${projectId}/reviewers/${encodeURIComponent(poorId)}/standing`, manager, {
      status: 'active',
      reason: 'vouched for by the team lead',
    });
    expect(reinstated.json()).toMatchObject({ status: 'active', updated_by: expect.stringMatching(/^key:/) });
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${encodeURIComponent(poorId)}`, manager)).json();
    expect(audit.events.map((e: { action: string; after: { status: string } }) => e.after.status)).toEqual([
      'qualifying',
      'suspended',
      'qualifying',
      'active',
    ]);
    // Managers and admins are not held to the qualification they set.
    expect((await claim(manager)).statusCode).not.toBe(403);
  });

  it('pauses a reviewer whose rolling gold accuracy falls, sends the recalibration set, and lets them back on passing', async () => {
    const share = await makeGold(4);
    const recal = await makeGold(2, 'reject');
    await clearQueue();
    for (let i = 0; i < 6; i++) await send({ input: `live ${i}` });
    const saved = await setPolicy({
      gold_share: 1,
      pause: { below_accuracy: 0.5, window: 3, min_judgments: 3 },
      recalibration: { items: recal, pass_accuracy: 1 },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const reviewer = await api.key('reviewer', projectId);
    // Gold share 1: each claim is gold while unseen gold remains. Three wrong answers in a row.
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = (await claim(reviewer)).json<Claim>();
      served.push(String(c.item.input));
      expect(c.assignment).toBeNull();
      await judge(reviewer, c.task.id, { verdict: 'reject' });
    }
    expect(served.every((s) => s.startsWith('reference'))).toBe(true);
    const paused = await standing(reviewer);
    expect(paused.status).toBe('recalibrating');
    expect(paused.reason).toContain('paused: 0/3');
    // Recalibration set: both items, then back to work.
    for (let i = 0; i < 2; i++) {
      const c = (await claim(reviewer)).json<Claim>();
      expect(c.assignment).toEqual({ purpose: 'recalibration', position: i + 1, total: 2 });
      await judge(reviewer, c.task.id, { verdict: 'reject' });
    }
    expect((await standing(reviewer)).status).toBe('active');
    const after = (await claim(reviewer)).json<Claim>();
    expect(after.assignment).toBeNull();
    // The window restarts on return: the old misses do not pause them again at once.
    await judge(reviewer, after.task.id, { verdict: 'approve' });
    expect((await standing(reviewer)).status).toBe('active');
    expect(share).toHaveLength(4);
  });

  it('sends active reviewers through the recalibration set when a guideline version requires it', async () => {
    const recal = await makeGold(2, 'reject');
    await clearQueue();
    await send({ input: 'live 0' });
    const reviewer = await api.key('reviewer', projectId);
    const first = (await claim(reviewer)).json<Claim>();
    await judge(reviewer, first.task.id, { verdict: 'approve' });
    const guidelines = (body: object) =>
      api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, { markdown: '# Rules', change_note: 'new rules', ...body });

    // Without a recalibration set, the flag changes no standing.
    expect((await guidelines({ requires_recalibration: true })).statusCode).toBe(200);
    expect((await standing(reviewer)).status).toBe('active');

    expect((await setPolicy({ pause: { below_accuracy: 0.5 }, recalibration: { items: recal, pass_accuracy: 0.5 } })).statusCode).toBe(200);
    expect((await guidelines({ requires_recalibration: false })).statusCode).toBe(200);
    expect((await standing(reviewer)).status).toBe('active');
    expect((await guidelines({ requires_recalibration: true })).statusCode).toBe(200);
    const sent = await standing(reviewer);
    expect(sent).toMatchObject({ status: 'recalibrating', reason: 'guidelines version 3 requires recalibration' });
    const c = (await claim(reviewer)).json<Claim>();
    expect(c.assignment).toEqual({ purpose: 'recalibration', position: 1, total: 2 });
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${projectId}`, manager)).json();
    const published = audit.events.filter((e: { action: string }) => e.action === 'guidelines.published').at(-1);
    expect(published.after).toMatchObject({ version: 3, requires_recalibration: true, reviewers_sent_to_recalibrate: 1 });
  });

  it('takes gold items written from scratch, outside production, and qualifies reviewers on them before any traffic', async () => {
    const author = (body: object) => api.call('POST', `/v1/projects/${projectId}/gold`, manager, body);
    const created = await author({
      item: { input: 'Can I return a used blender?', output: 'Yes, within 30 days.', confidence: 0.3, external_id: 'gold-1' },
      verdict: 'reject',
      note: 'Used appliances cannot be returned',
    });
    expect(created.statusCode, created.body).toBe(201);
    const authored = created.json();
    expect(authored.gold).toMatchObject({ item_id: authored.item.id, verdict: 'reject' });
    // Routed by the current policy, so its probes carry the rule that would send it to people.
    expect(authored.item.decision.matched_rules.map((r: { name: string }) => r.name)).toEqual(['low-confidence']);
    // A retry is the same item.
    const again = await author({ item: { input: 'x', output: 'y', external_id: 'gold-1' }, verdict: 'reject' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, item: { id: authored.item.id } });
    // A bad answer stores nothing, not even the item.
    const itemsBefore = await countRows(t.store, 'items');
    const bad = await author({ item: { input: 'q', output: 'a' }, scores: { accuracy: 9 } });
    expect(bad.statusCode).toBe(422);
    expect(await countRows(t.store, 'items')).toBe(itemsBefore);
    expect(
      (
        await api.call('POST', `/v1/projects/${projectId}/gold`, await api.key('reviewer', projectId), {
          item: { input: 'q', output: 'a' },
          verdict: 'approve',
        })
      ).statusCode,
    ).toBe(403);
    const second = (
      await author({ item: { input: 'Is shipping free?', output: 'Over $50, yes.', confidence: 0.3 }, verdict: 'approve' })
    ).json();

    // Not production: no tasks, not listed, not counted.
    expect((await api.call('GET', `/v1/projects/${projectId}/items`, manager)).json().items).toEqual([]);
    expect((await api.call('GET', `/v1/items/${authored.item.id}`, manager)).json().tasks).toEqual([]);
    expect((await api.call('GET', `/v1/projects/${projectId}/gold`, manager)).json().gold).toHaveLength(2);

    // A project with no traffic yet qualifies its first reviewer on them.
    const saved = await setPolicy({ qualification: { items: [authored.item.id, second.item.id], pass_accuracy: 1 } });
    expect(saved.statusCode, saved.body).toBe(200);
    const reviewer = await api.key('reviewer', projectId);
    const c = (await claim(reviewer)).json<Claim>();
    expect(c.assignment).toEqual({ purpose: 'qualification', position: 1, total: 2 });
    expect(c.item.decision).toMatchObject({ action: 'review', matched_rules: [{ name: 'low-confidence' }] });
    await judge(reviewer, c.task.id, { verdict: 'reject' });
    const d = (await claim(reviewer)).json<Claim>();
    await judge(reviewer, d.task.id, { verdict: 'approve' });
    expect((await standing(reviewer)).status).toBe('active');
    expect((await claim(reviewer)).statusCode).toBe(204);
  });

  it('refuses quality sections that name non-gold items or make no sense, and saves nothing', async () => {
    const gold = await makeGold(1);
    const plain = await send({ input: 'not gold' });
    const before = (await api.call('GET', `/v1/projects/${projectId}/policy/versions`, manager)).json();
    const notGold = await setPolicy({ qualification: { items: [gold[0], plain], pass_accuracy: 0.8 } });
    expect(notGold.statusCode).toBe(422);
    expect(notGold.json().error).toMatchObject({ code: 'TG_INVALID_POLICY' });
    expect(notGold.json().error.details.errors).toEqual([
      { path: 'quality.qualification.items[1]', message: `"${plain}" is not a gold item of this project` },
    ]);
    const orphan = await setPolicy({ recalibration: { items: gold, pass_accuracy: 0.8 } });
    expect(orphan.json().error.details.errors[0].path).toBe('quality.recalibration');
    const share = await setPolicy({ gold_share: 1.5, pause: { below_accuracy: 0.7, window: 5, min_judgments: 9 } });
    expect(share.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual([
      'quality.gold_share',
      'quality.pause.min_judgments',
    ]);
    expect((await api.call('GET', `/v1/projects/${projectId}/policy/versions`, manager)).json()).toEqual(before);
    // Overriding into a set the policy lacks is refused too.
    const reviewer = await api.key('reviewer', projectId);
    const me = await standing(reviewer);
    const res = await api.call('PUT', `/v1/projects/${projectId}/reviewers/${encodeURIComponent(me.reviewer)}/standing`, manager, {
      status: 'recalibrating',
      reason: 'x',
    });
    expect(res.statusCode).toBe(400);
  });
});
