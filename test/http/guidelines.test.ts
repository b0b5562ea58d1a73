import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const POLICY = { rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review', priority: 50 }] };
const V1 = { markdown: '# Refunds\nApprove refunds up to 100.', change_note: 'First version' };
const V2 = {
  markdown: '# Refunds\nApprove refunds up to 50; ask for photos above.',
  change_note: 'Lower the limit after the Q3 audit',
  requires_recalibration: true,
};

describe.each(DIALECTS)('versioned guidelines (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Guided', policy: POLICY })).json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const send = async () =>
    (await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: 'q', output: 'a', confidence: 0.5 })).json();

  it('publishes versions with change notes and keeps the old ones', async () => {
    expect((await api.call('GET', `/v1/projects/${projectId}/guidelines`, manager)).json()).toEqual({ current: null });
    const v1 = await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, V1);
    expect(v1.statusCode, v1.body).toBe(200);
    expect(v1.json()).toMatchObject({ version: 1, document: { ...V1, requires_recalibration: false } });
    t.clock.advance(1000);
    const v2 = (await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, V2)).json();
    expect(v2).toMatchObject({ version: 2, document: V2 });
    expect(v2.created_by).toMatch(/^key:/);

    const reviewer = await api.key('reviewer', projectId);
    expect((await api.call('GET', `/v1/projects/${projectId}/guidelines`, reviewer)).json().current).toMatchObject({ version: 2 });
    const versions = (await api.call('GET', `/v1/projects/${projectId}/guidelines/versions`, reviewer)).json().versions;
    expect(versions.map((v: { version: number; document: { change_note: string } }) => [v.version, v.document.change_note])).toEqual([
      [2, V2.change_note],
      [1, V1.change_note],
    ]);
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit`, manager)).json();
    expect(audit.events.filter((e: { action: string }) => e.action === 'guidelines.published')).toHaveLength(2);
  });

  it('stamps tasks and judgments with the versions they were made under, and lists outdated judgments', async () => {
    await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, V1);
    const first = await send();
    const reviewer = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    expect(claim.task.guideline_version).toBe(1);
    expect(claim.guidelines).toMatchObject({ version: 1, document: { markdown: V1.markdown } });

    // Published while the reviewer works: they judged under what they were shown, version 1.
    await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, V2);
    const judged = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, { verdict: 'approve', guideline_version: 1 });
    expect(judged.statusCode, judged.body).toBe(201);
    expect(judged.json().judgment.guideline_version).toBe(1);

    const second = await send();
    const claim2 = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    expect(claim2.item.id).toBe(second.id);
    expect(claim2.task.guideline_version).toBe(2);
    // Without guideline_version the judgment records the current version.
    const judged2 = (await api.call('POST', `/v1/tasks/${claim2.task.id}/judgments`, reviewer, { verdict: 'reject' })).json();
    expect(judged2.judgment.guideline_version).toBe(2);

    const outdated = (await api.call('GET', `/v1/projects/${projectId}/judgments/outdated`, manager)).json();
    expect(outdated.current_version).toBe(2);
    expect(outdated.judgments.map((j: { item_id: string; guideline_version: number }) => [j.item_id, j.guideline_version])).toEqual([
      [first.id, 1],
    ]);
    expect(outdated.next_cursor).toBeNull();
  });

  it('refuses guidelines and versions that do not exist, changing nothing', async () => {
    const bad = await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, { markdown: '   ', change_note: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TG_INVALID_GUIDELINE');
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual(['markdown', 'change_note']);
    const missing = await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, { markdown: '# x' });
    expect(missing.statusCode).toBe(400);
    expect(await countRows(t.store, 'guideline_versions')).toBe(0);

    const reviewer = await api.key('reviewer', projectId);
    expect((await api.call('PUT', `/v1/projects/${projectId}/guidelines`, reviewer, V1)).statusCode).toBe(403);

    await send();
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    const future = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, { verdict: 'approve', guideline_version: 3 });
    expect(future.statusCode).toBe(422);
    expect(future.json().error.code).toBe('TG_INVALID_JUDGMENT');
    expect(await countRows(t.store, 'judgments')).toBe(0);
  });
});
