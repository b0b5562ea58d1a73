import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] };
const policy = (overlap: number, consensus: object) => ({
  rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review', priority: 50, overlap }],
  consensus,
});

describe.each(DIALECTS)('consensus and adjudication (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  async function project(overlap: number, consensus: object): Promise<{ id: string; item: string }> {
    const id = (await api.call('POST', '/v1/projects', manager, { name: 'C', policy: policy(overlap, consensus), rubric: RUBRIC })).json()
      .id;
    const item = (await api.call('POST', `/v1/projects/${id}/items`, manager, { input: 'q', output: 'original', confidence: 0.5 })).json()
      .id;
    return { id, item };
  }

  async function judge(projectId: string, body: object) {
    const key = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key)).json();
    const res = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, key, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  it('resolves by majority and says so', async () => {
    const p = await project(3, { rule: 'majority' });
    await judge(p.id, { verdict: 'approve' });
    await judge(p.id, { verdict: 'reject' });
    const last = await judge(p.id, { verdict: 'approve' });
    expect(last.outcome).toMatchObject({ status: 'approved', output: 'original', reason: 'majority: approve (reject 1, approve 2)' });
  });

  it('sends a split verdict to an expert, who sees every judgment and decides alone', async () => {
    const p = await project(2, { rule: 'majority' });
    await judge(p.id, { verdict: 'approve', scores: { accuracy: 4 } });
    const second = await judge(p.id, { verdict: 'reject', scores: { accuracy: 2 }, comment: 'made up a policy' });
    expect(second.outcome.status).toBe('pending');

    const detail = (await api.call('GET', `/v1/items/${p.item}`, manager)).json();
    const adjudication = detail.tasks.find((x: { kind: string }) => x.kind === 'adjudication');
    expect(adjudication).toMatchObject({ queue: 'expert', status: 'pending' });
    const audit = (await api.call('GET', `/v1/projects/${p.id}/audit?subject_id=${p.item}`, manager)).json();
    expect(audit.events.find((e: { action: string }) => e.action === 'item.adjudication_requested').after.reason).toBe(
      'split verdict (reject 1, approve 1)',
    );

    // Reviewers are not served adjudications.
    expect((await api.call('POST', `/v1/projects/${p.id}/tasks/claim`, await api.key('reviewer', p.id))).statusCode).toBe(204);
    const expert = await api.key('expert', p.id);
    const claim = (await api.call('POST', `/v1/projects/${p.id}/tasks/claim`, expert)).json();
    expect(claim.task.id).toBe(adjudication.id);
    expect(claim.judgments.map((x: { verdict: string; comment: string | null }) => [x.verdict, x.comment])).toEqual([
      ['approve', null],
      ['reject', 'made up a policy'],
    ]);
    const decided = (
      await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, expert, { verdict: 'correct', correction: 'fixed' })
    ).json();
    expect(decided.outcome).toMatchObject({ status: 'corrected', output: 'fixed', reason: 'adjudicated: correct' });
    expect(decided.outcome.decided_by).toBe(decided.judgment.reviewer);
  });

  it('adjudicates scores that lie too far apart even when the verdicts agree', async () => {
    const p = await project(2, { rule: 'unanimous', max_score_spread: { accuracy: 1 } });
    await judge(p.id, { verdict: 'approve', scores: { accuracy: 5 } });
    const second = await judge(p.id, { verdict: 'approve', scores: { accuracy: 2 } });
    expect(second.outcome.status).toBe('pending');
    const tasks = (await api.call('GET', `/v1/items/${p.item}`, manager)).json().tasks;
    expect(tasks.filter((x: { kind: string }) => x.kind === 'adjudication')).toHaveLength(1);
  });

  it('weighs reviewers by their accuracy on gold under the weighted rule', async () => {
    const p = await project(3, { rule: 'weighted' });
    const second = (await api.call('POST', `/v1/projects/${p.id}/items`, manager, { input: 'q2', output: 'o2', confidence: 0.5 })).json()
      .id;
    const third = (await api.call('POST', `/v1/projects/${p.id}/items`, manager, { input: 'q3', output: 'o3', confidence: 0.5 })).json().id;
    for (const id of [p.item, second]) await api.call('PUT', `/v1/items/${id}/gold`, manager, { verdict: 'approve' });
    const [x, y, z] = [await api.key('reviewer', p.id), await api.key('reviewer', p.id), await api.key('reviewer', p.id)];
    // x is right on both gold items, y and z wrong on both; then on the third item x is outvoted two to one.
    const plan = new Map([
      [x, ['approve', 'approve', 'reject']],
      [y, ['reject', 'reject', 'approve']],
      [z, ['reject', 'reject', 'approve']],
    ]);
    const items = [p.item, second, third];
    let last: { outcome: { status: string; reason: string } } | undefined;
    for (let round = 0; round < 3; round++) {
      for (const [key, verdicts] of plan) {
        const claim = (await api.call('POST', `/v1/projects/${p.id}/tasks/claim`, key)).json();
        const res = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, key, {
          verdict: verdicts[items.indexOf(claim.item.id)],
        });
        if (claim.item.id === third) last = res.json();
      }
    }
    // Gold accuracy (2 + 1) / (2 + 3) = 0.6 for x against 0.2 each for y and z: x's reject wins.
    expect(last?.outcome).toMatchObject({ status: 'rejected', reason: 'weighted: reject (reject 0.60, approve 0.40)' });
  });

  it('keeps the conservative rule when a policy declares none', async () => {
    const id = (await api.call('POST', '/v1/projects', manager, { name: 'D', policy: { rules: policy(2, {}).rules } })).json().id;
    await api.call('POST', `/v1/projects/${id}/items`, manager, { input: 'q', output: 'o', confidence: 0.5 });
    await judge(id, { verdict: 'approve' });
    expect((await judge(id, { verdict: 'reject' })).outcome).toMatchObject({ status: 'rejected', reason: '1 of 2 reviewer(s) rejected' });
  });
});
