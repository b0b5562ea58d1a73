import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'helpfulness', label: 'Helpfulness', scale: { type: 'likert', min: 1, max: 5 } }] };

describe.each(DIALECTS)('comparisons and rankings (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Prefs', rubric: RUBRIC })).json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  async function claimAndAnswer(body: object) {
    const reviewer = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    return { claim, res: await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, body), reviewer };
  }

  it('answers a comparison with its preference alone, even when the rubric requires a score for single outputs', async () => {
    const required = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true }] };
    expect((await api.call('PUT', `/v1/projects/${projectId}/rubric`, manager, required)).statusCode).toBe(200);
    await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      input: 'Say hello',
      candidates: [{ output: 'Hello!' }, { output: 'Hi there.' }],
    });
    const { res } = await claimAndAnswer({ preference: { winner: 'a', strength: 'slight' } });
    expect(res.statusCode, res.body).toBe(201);
    // A score that is sent is still checked.
    await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      input: 'x',
      candidates: [{ output: 'a' }, { output: 'b' }],
    });
    const bad = await claimAndAnswer({ preference: { winner: 'a', strength: 'slight' }, scores: { accuracy: 9 } });
    expect(bad.res.statusCode).toBe(422);
    expect(bad.res.json().error.details.errors[0].path).toBe('scores.accuracy');
  });

  it('compares two model versions’ answers from stored items and records the preference pair', async () => {
    const send = (output: string, version: string) =>
      api.call('POST', `/v1/projects/${projectId}/items`, manager, {
        input: 'How do I reset my password?',
        output,
        model: 'bot',
        model_version: version,
      });
    const older = (await send('Click "Forgot password".', 'v1')).json();
    const newer = (await send('Open Settings → Security → Reset password; a link arrives by email.', 'v2')).json();
    const created = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      candidates: [{ item_id: older.id }, { item_id: newer.id }],
      overlap: 2,
      external_id: 'pair-1',
    });
    expect(created.statusCode, created.body).toBe(201);
    const item = created.json();
    expect(item).toMatchObject({
      kind: 'compare',
      input: 'How do I reset my password?',
      decision: { action: 'review', required_reviews: 2 },
    });
    expect(
      item.output.candidates.map((c: { id: string; model_version: string; item_id: string }) => [c.id, c.model_version, c.item_id]),
    ).toEqual([
      ['a', 'v1', older.id],
      ['b', 'v2', newer.id],
    ]);
    // A retry creates nothing new.
    const again = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      candidates: [{ item_id: older.id }, { item_id: newer.id }],
      external_id: 'pair-1',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(item.id);

    const first = await claimAndAnswer({
      preference: { winner: 'b', strength: 'clear', criteria: { helpfulness: 'b' }, rationale: 'Says where to click' },
    });
    expect(first.claim.task.kind).toBe('compare');
    expect(first.res.statusCode, first.res.body).toBe(201);
    expect(first.res.json().judgment).toMatchObject({
      verdict: null,
      answer: { winner: 'b', strength: 'clear', criteria: { helpfulness: 'b' } },
    });
    expect(first.res.json().outcome.status).toBe('pending');
    const second = await claimAndAnswer({ preference: { winner: 'b', strength: 'slight' } });
    expect(second.res.json().outcome).toMatchObject({
      status: 'approved',
      output: { winner: 'b', votes: { a: 0, b: 2, tie: 0 } },
      reason: 'preferred: b (a 0, b 2, tie 0)',
    });
  });

  it('ranks three or more outputs by Borda count', async () => {
    const created = (
      await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
        input: 'Summarise the refund policy',
        candidates: [{ output: 'Short' }, { output: 'Long and precise' }, { output: 'Wrong' }],
        overlap: 2,
      })
    ).json();
    expect(created.kind).toBe('rank');
    await claimAndAnswer({ ranking: { order: ['b', 'a', 'c'] } });
    const last = await claimAndAnswer({ ranking: { order: ['a', 'b', 'c'], rationale: 'brevity wins' } });
    // Points: b 2+1, a 1+2, c 0+0: a tie between a and b keeps candidate order.
    expect(last.res.json().outcome).toMatchObject({ status: 'approved', output: { order: ['a', 'b', 'c'], points: { a: 3, b: 3, c: 0 } } });
  });

  it('refuses answers of the wrong form or naming what is not there, storing nothing', async () => {
    await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      input: 'q',
      candidates: [{ output: 'x' }, { output: 'y' }],
    });
    const reviewer = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    const cases: [object, string][] = [
      [{ verdict: 'approve' }, 'verdict'],
      [{ preference: { winner: 'c', strength: 'clear' } }, 'preference.winner'],
      [{ preference: { winner: 'a' } }, 'preference.strength'],
      [{ preference: { winner: 'a', strength: 'clear', criteria: { nope: 'a' } } }, 'preference.criteria.nope'],
      [{ ranking: { order: ['a', 'b'] } }, 'ranking'],
      [{}, 'preference'],
    ];
    for (const [body, path] of cases) {
      const res = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().error.details.errors[0].path).toBe(path);
    }
    expect(await countRows(t.store, 'judgments')).toBe(0);

    const badPair = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      kind: 'compare',
      input: 'q',
      candidates: [{ output: 'x' }, { output: 'y' }, { output: 'z' }],
    });
    expect(badPair.statusCode).toBe(400);
    const noInput = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      candidates: [{ output: 'x' }, { output: 'y' }],
    });
    expect(noInput.statusCode).toBe(400);
    expect(noInput.json().error.message).toContain('input');
    const ranking = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, {
      input: 'q',
      candidates: [{ output: 'x' }, { output: 'y', item_id: 'z' }],
    });
    expect(ranking.statusCode).toBe(400);
  });
});
