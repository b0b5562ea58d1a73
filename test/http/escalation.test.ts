import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] };
const POLICY = { rules: [{ name: 'unsure', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 70, overlap: 2 }] };

describe.each(DIALECTS)('escalation to experts (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;
  let itemId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    projectId = (await api.call('POST', '/v1/projects', admin, { name: 'Clinic', policy: POLICY, rubric: RUBRIC })).json().id;
    itemId = (await api.call('POST', `/v1/projects/${projectId}/items`, admin, { input: 'dose?', output: '20 mg', confidence: 0.3 })).json()
      .id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('hands the task to an expert with the reason and partial judgment; the expert decides alone', async () => {
    const alice = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, alice)).json();
    const res = await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, alice, {
      reason: 'policy_question',
      comment: 'Is 20 mg within the paediatric guideline?',
      partial: { verdict: 'correct', scores: { accuracy: 2 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.task).toMatchObject({ id: claim.task.id, status: 'escalated' });
    expect(body.expert_task).toMatchObject({ queue: 'expert', kind: 'escalation', status: 'pending', priority: 70 });

    // Alice's judgment on the task she escalated is refused, and nothing is stored.
    const late = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, alice, { verdict: 'approve' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('TG_TASK_ESCALATED');
    expect(await countRows(t.store, 'judgments')).toBe(0);

    // A reviewer gets the other overlap task, never the expert one.
    const bob = await api.key('reviewer', projectId);
    const other = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, bob)).json();
    expect(other.task.queue).toBe('default');
    expect(other.escalation).toBeNull();
    expect((await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, bob)).statusCode).toBe(204);

    const expert = await api.key('expert', projectId);
    const expertClaim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, expert)).json();
    expect(expertClaim.task.id).toBe(body.expert_task.id);
    expect(expertClaim.escalation).toMatchObject({
      reason: 'policy_question',
      comment: 'Is 20 mg within the paediatric guideline?',
      partial: { verdict: 'correct', scores: { accuracy: 2 } },
      from_task_id: claim.task.id,
    });
    expect(expertClaim.escalation.by).toMatch(/^key:/);

    const judged = await api.call('POST', `/v1/tasks/${expertClaim.task.id}/judgments`, expert, {
      verdict: 'correct',
      scores: { accuracy: 2 },
      correction: '10 mg',
    });
    expect(judged.statusCode).toBe(201);
    expect(judged.json().outcome).toMatchObject({ status: 'corrected', output: '10 mg' });

    const detail = (await api.call('GET', `/v1/items/${itemId}`, admin)).json();
    expect(detail.outcome.decided_by).toBe(judged.json().judgment.reviewer);
    expect(detail.tasks.map((x: { queue: string; status: string }) => [x.queue, x.status])).toEqual([
      ['default', 'escalated'],
      ['default', 'cancelled'],
      ['expert', 'done'],
    ]);
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${claim.task.id}`, admin)).json();
    expect(audit.events.map((e: { action: string }) => e.action)).toContain('task.escalated');
  });

  it('refuses what cannot be escalated, and changes nothing', async () => {
    const alice = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, alice)).json();
    const badReason = await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, alice, { reason: 'bored' });
    expect(badReason.statusCode).toBe(400);
    expect(badReason.json().error.code).toBe('TG_VALIDATION_FAILED');

    const bob = await api.key('reviewer', projectId);
    const notYours = await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, bob, { reason: 'unsure' });
    expect(notYours.statusCode).toBe(409);
    expect(notYours.json().error.code).toBe('TG_TASK_NOT_LEASE_HOLDER');

    const viewer = await api.key('viewer');
    expect((await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, viewer, { reason: 'unsure' })).statusCode).toBe(403);

    // With the experts already: judge it or release it.
    await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, alice, { reason: 'unsure' });
    const expert = await api.key('expert', projectId);
    const expertClaim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, expert, { queue: 'expert' })).json();
    const again = await api.call('POST', `/v1/tasks/${expertClaim.task.id}/escalate`, expert, { reason: 'unsure' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('TG_CONFLICT');
    expect(await countRows(t.store, 'tasks')).toBe(3);
  });
});
