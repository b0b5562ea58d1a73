import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] };

describe.each(DIALECTS)('calibration sessions (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;
  let items: string[];

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Calib', rubric: RUBRIC })).json().id;
    items = [];
    for (let i = 0; i < 3; i++)
      items.push((await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: `q${i}`, output: `a${i}` })).json().id);
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  async function reviewer(): Promise<{ key: string; actor: string }> {
    const res = await api.call('POST', '/v1/keys', await api.key('admin'), { role: 'reviewer', project_id: projectId });
    return { key: res.json().key, actor: `key:${res.json().id}` };
  }

  it('has every selected reviewer judge every item independently, and reports the disagreements first', async () => {
    const [ann, bob, cid] = [await reviewer(), await reviewer(), await reviewer()];
    const started = await api.call('POST', `/v1/projects/${projectId}/calibrations`, manager, {
      name: 'Refund limits, November',
      item_ids: items,
      reviewers: [ann.actor, bob.actor, cid.actor],
    });
    expect(started.statusCode, started.body).toBe(201);
    const session = started.json();
    // Item 2 is gold: the expected answer is reject.
    await api.call('PUT', `/v1/items/${items[2]}/gold`, manager, { verdict: 'reject' });

    // Verdicts: item 0 all approve; item 1 split; item 2 ann and bob reject, cid approves.
    const plan: Record<string, string[]> = {
      [ann.actor]: ['approve', 'approve', 'reject'],
      [bob.actor]: ['approve', 'reject', 'reject'],
      [cid.actor]: ['approve', 'correct', 'approve'],
    };
    for (const r of [ann, bob, cid]) {
      for (;;) {
        const next = await api.call('GET', `/v1/calibrations/${session.id}/next`, r.key);
        if (next.statusCode === 204) break;
        expect(next.statusCode, next.body).toBe(200);
        const itemId = next.json().item.id;
        const verdict = plan[r.actor]![items.indexOf(itemId)]!;
        const res = await api.call('POST', `/v1/calibrations/${session.id}/judgments`, r.key, {
          item_id: itemId,
          verdict,
          scores: { accuracy: verdict === 'approve' ? 5 : 2 },
          ...(r === cid && itemId === items[1] ? { comment: 'the limit is unclear' } : {}),
        });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    // Calibration answers never touch production: no judgments, items still pending or as they were.
    expect(await countRows(t.store, 'judgments')).toBe(0);

    const progress = (await api.call('GET', `/v1/calibrations/${session.id}`, manager)).json().progress;
    expect(progress.map((p: { judged: number }) => p.judged)).toEqual([3, 3, 3]);

    const report = (await api.call('GET', `/v1/calibrations/${session.id}/report`, manager)).json();
    // Most disagreement first: item 1 (three different verdicts), then item 2, then item 0.
    expect(report.items.map((i: { item_id: string }) => items.indexOf(i.item_id))).toEqual([1, 2, 0]);
    expect(report.items[0]).toMatchObject({
      agreement: 0,
      majority: null,
      comments: [{ reviewer: cid.actor, comment: 'the limit is unclear' }],
    });
    expect(report.items[1]).toMatchObject({ majority: 'reject', gold: 'reject', votes: { reject: 2, approve: 1 } });
    expect(report.items[2]).toMatchObject({ agreement: 1, majority: 'approve' });
    expect(report.criteria.map((c: { field: string }) => c.field)).toEqual(['verdict', 'scores.accuracy']);
    const byActor = Object.fromEntries(report.reviewers.map((r: { reviewer: string }) => [r.reviewer, r]));
    // cid against the others' majority: agrees on item 0, skipped on item 1 (the others split),
    // departs on item 2: half. On gold (item 2, reject) cid is wrong.
    expect(byActor[cid.actor]).toMatchObject({
      judged: 3,
      distance_from_consensus: 0.5,
      compared_with_consensus: 2,
      distance_from_gold: 1,
      gold_items: 1,
    });
    expect(byActor[ann.actor]).toMatchObject({ distance_from_gold: 0 });

    // Publishing guidelines can point at the session that motivated them.
    const published = await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, {
      markdown: '# Refunds\nThe limit is 50.',
      change_note: 'Settle the refund limit',
      calibration_session_id: session.id,
    });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json().document.calibration_session_id).toBe(session.id);
    expect((await api.call('POST', `/v1/calibrations/${session.id}/close`, manager)).json().status).toBe('closed');
    expect((await api.call('GET', `/v1/calibrations/${session.id}/next`, ann.key)).statusCode).toBe(409);
  });

  it("lists the project's sessions newest first, with how far their reviewers got", async () => {
    const [ann, bob] = [await reviewer(), await reviewer()];
    const start = async (name: string, itemIds: string[], reviewers: string[]) => {
      t.clock.advance(1000);
      const res = await api.call('POST', `/v1/projects/${projectId}/calibrations`, manager, { name, item_ids: itemIds, reviewers });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const first = await start('first', items, [ann.actor, bob.actor]);
    const second = await start('second', [items[0]!], [ann.actor]);
    for (const itemId of items)
      expect(
        (await api.call('POST', `/v1/calibrations/${first}/judgments`, ann.key, { item_id: itemId, verdict: 'approve' })).statusCode,
      ).toBe(201);
    await api.call('POST', `/v1/calibrations/${first}/judgments`, bob.key, { item_id: items[0], verdict: 'reject' });
    expect((await api.call('POST', `/v1/calibrations/${second}/close`, manager)).statusCode).toBe(200);

    const listed = await api.call('GET', `/v1/projects/${projectId}/calibrations`, manager);
    expect(listed.statusCode, listed.body).toBe(200);
    const sessions = listed.json().sessions;
    expect(sessions.map((s: { name: string }) => s.name)).toEqual(['second', 'first']);
    expect(sessions[0]).toMatchObject({ id: second, status: 'closed', item_count: 1, reviewer_count: 1 });
    expect(sessions[0].closed_at).toEqual(expect.any(String));
    expect(sessions[1]).toMatchObject({
      id: first,
      project_id: projectId,
      status: 'open',
      closed_at: null,
      item_count: 3,
      reviewer_count: 2,
      progress: { judged: 4, expected: 6, reviewers_done: 1 },
    });
    expect(Date.parse(sessions[1].created_at)).toBeLessThan(Date.parse(sessions[0].created_at));

    const open = (await api.call('GET', `/v1/projects/${projectId}/calibrations?status=open&limit=5`, manager)).json().sessions;
    expect(open.map((s: { id: string }) => s.id)).toEqual([first]);
    expect((await api.call('GET', `/v1/projects/${projectId}/calibrations?limit=1`, manager)).json().sessions).toHaveLength(1);
    expect((await api.call('GET', `/v1/projects/${projectId}/calibrations?status=nope`, manager)).statusCode).toBe(400);
    // Reviewers see no figures on their peers, calibration progress included.
    expect((await api.call('GET', `/v1/projects/${projectId}/calibrations`, ann.key)).statusCode).toBe(403);
    const other = (await api.call('POST', '/v1/projects', manager, { name: 'Other' })).json().id;
    expect((await api.call('GET', `/v1/projects/${other}/calibrations`, manager)).json().sessions).toEqual([]);
  });

  it('keeps sessions to their members, and answers to one per item', async () => {
    const ann = await reviewer();
    const outsider = await reviewer();
    const session = (
      await api.call('POST', `/v1/projects/${projectId}/calibrations`, manager, { name: 's', item_ids: [items[0]], reviewers: [ann.actor] })
    ).json();
    expect((await api.call('GET', `/v1/calibrations/${session.id}/next`, outsider.key)).statusCode).toBe(403);
    const body = { item_id: items[0], verdict: 'approve' };
    expect((await api.call('POST', `/v1/calibrations/${session.id}/judgments`, ann.key, body)).statusCode).toBe(201);
    const again = await api.call('POST', `/v1/calibrations/${session.id}/judgments`, ann.key, body);
    expect(again.statusCode).toBe(409);
    expect(
      (await api.call('POST', `/v1/calibrations/${session.id}/judgments`, ann.key, { item_id: items[1], verdict: 'approve' })).statusCode,
    ).toBe(400);
    expect((await api.call('GET', `/v1/calibrations/${session.id}/report`, ann.key)).statusCode).toBe(403);
    const bad = await api.call('POST', `/v1/projects/${projectId}/calibrations`, manager, {
      name: 's',
      item_ids: ['nope'],
      reviewers: [ann.actor],
    });
    expect(bad.statusCode).toBe(400);
    const badLink = await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, {
      markdown: '# x',
      change_note: 'y',
      calibration_session_id: 'nope',
    });
    expect(badLink.statusCode).toBe(422);
  });
});
