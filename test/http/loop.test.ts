import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, EXAMPLE_RUBRIC } from '../support/examples.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

describe.each(DIALECTS)('capture → route → review → outcome (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const res = await api.call('POST', '/v1/projects', admin, { name: 'Support bot', rubric: EXAMPLE_RUBRIC, policy: EXAMPLE_POLICY });
    expect(res.statusCode).toBe(201);
    projectId = res.json<{ id: string }>().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('routes each item by the policy and explains why', async () => {
    const ingest = await api.key('ingest', projectId);
    const low = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
      input: 'Where is my order?',
      output: 'It ships tomorrow.',
      model: 'bot',
      confidence: 0.3,
    });
    expect(low.statusCode).toBe(201);
    const lowItem = low.json();
    expect(lowItem.decision.action).toBe('review');
    expect(lowItem.decision.policy_version).toBe(1);
    expect(lowItem.decision.matched_rules.map((r: { name: string }) => r.name)).toContain('low-confidence');
    expect(lowItem.decision.matched_rules[0].reason).toContain('0.3');
    expect(lowItem.outcome.status).toBe('pending');

    const refund = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
      input: [{ role: 'user', content: 'Refund me' }],
      output: { role: 'assistant', content: 'Refunded $800' },
      confidence: 0.9,
      metadata: { intent: 'refund', amount: 800 },
    });
    expect(refund.json().decision).toMatchObject({ action: 'hold', priority: 90, required_reviews: 2 });

    const routine = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
      input: 'hi',
      output: 'hello',
      confidence: 0.95,
      metadata: { intent: 'greeting' },
    });
    const routineItem = routine.json();
    const sampled = routineItem.decision.matched_rules.some((r: { name: string }) => r.name === 'audit-sample');
    expect(routineItem.decision.action).toBe(sampled ? 'review' : 'pass');
    // Only the 2% audit sample can send a confident greeting to a person; the stored copy says so too.
    expect(routineItem.decision.review_probability).toBe(0.02);
    expect((await api.call('GET', `/v1/items/${routineItem.id}`, await api.key('viewer'))).json().decision.review_probability).toBe(0.02);
    if (!sampled) expect(routineItem.outcome).toMatchObject({ status: 'approved', output: 'hello', decided_by: 'policy' });

    const reader = await api.key('viewer');
    const detail = await api.call('GET', `/v1/items/${refund.json().id}`, reader);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().tasks).toHaveLength(2);
    expect(detail.json().tasks.every((task: { status: string; queue: string }) => task.status === 'pending' && task.queue === 'hold')).toBe(
      true,
    );
  });

  it('lets reviewers claim, judge and resolve an item, with overlap meaning distinct people', async () => {
    const ingest = await api.key('ingest', projectId);
    const item = (
      await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
        input: 'refund?',
        output: 'Refunded $900',
        confidence: 0.9,
        metadata: { intent: 'refund', amount: 900 },
      })
    ).json();
    const alice = await api.key('reviewer', projectId);
    const bob = await api.key('reviewer');

    const claimA = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, alice);
    expect(claimA.statusCode).toBe(200);
    const a = claimA.json();
    expect(a.item.id).toBe(item.id);
    expect(a.rubric.version).toBe(1);
    expect(a.rubric.document.criteria[0].key).toBe('accuracy');
    expect(a.task.lease_owner).toMatch(/^key:/);

    // Alice holds one of the two tasks on this item: the other is not for her.
    expect((await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, alice)).statusCode).toBe(204);

    const judged = await api.call('POST', `/v1/tasks/${a.task.id}/judgments`, alice, {
      verdict: 'approve',
      scores: { accuracy: 5, policy_compliant: true },
      comment: 'fine',
      time_spent_ms: 4000,
    });
    expect(judged.statusCode).toBe(201);
    expect(judged.json().outcome.status).toBe('pending');

    // Having judged it, Alice still never gets the second task.
    expect((await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, alice)).statusCode).toBe(204);

    const b = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, bob)).json();
    expect(b.item.id).toBe(item.id);
    const final = await api.call('POST', `/v1/tasks/${b.task.id}/judgments`, bob, {
      verdict: 'correct',
      scores: { accuracy: 2 },
      correction: 'Refunded $90 (policy cap)',
    });
    expect(final.statusCode).toBe(201);
    expect(final.json().outcome).toMatchObject({ status: 'corrected', output: 'Refunded $90 (policy cap)' });

    // Reviewers read items blind: their own judgment only, and not who holds the other tasks.
    const seenByAlice = (await api.call('GET', `/v1/items/${item.id}`, alice)).json();
    expect(seenByAlice.judgments.map((j: { verdict: string }) => j.verdict)).toEqual(['approve']);
    expect(seenByAlice.tasks.filter((x: { lease_owner: string | null }) => x.lease_owner !== null)).toHaveLength(1);

    const detail = (await api.call('GET', `/v1/items/${item.id}`, admin)).json();
    expect(detail.outcome.status).toBe('corrected');
    expect(detail.judgments.map((j: { verdict: string }) => j.verdict).sort()).toEqual(['approve', 'correct']);
    expect(detail.tasks.every((task: { status: string }) => task.status === 'done')).toBe(true);

    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?subject_id=${item.id}`, admin)).json();
    expect(audit.events.map((e: { action: string }) => e.action)).toEqual([
      'item.captured',
      'judgment.submitted',
      'judgment.submitted',
      'item.resolved',
    ]);
  });

  it('claims highest priority first, then oldest', async () => {
    const ingest = await api.key('ingest', projectId);
    const send = async (body: object) =>
      (await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q', output: 'a', ...body })).json().id as string;
    const first = await send({ confidence: 0.1 });
    t.clock.advance(1000);
    const urgent = await send({ confidence: 0.9, metadata: { intent: 'refund', amount: 501 } });
    t.clock.advance(1000);
    const second = await send({ confidence: 0.2 });
    const reviewers = [await api.key('reviewer'), await api.key('reviewer'), await api.key('reviewer'), await api.key('reviewer')];
    const order: string[] = [];
    for (const r of reviewers) order.push((await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, r)).json().item.id);
    expect(order).toEqual([urgent, urgent, first, second]);
  });

  it('versions the policy: new items use the new version, old items keep theirs', async () => {
    const ingest = await api.key('ingest', projectId);
    const before = (
      await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q', output: 'a', confidence: 0.45 })
    ).json();
    const put = await api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
      rules: [{ name: 'very-low', when: { confidence: { lt: 0.4 } }, action: 'review', priority: 50 }],
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().version).toBe(2);
    const after = (await api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q', output: 'a', confidence: 0.45 })).json();
    expect(before.decision).toMatchObject({ action: 'review', policy_version: 1 });
    expect(after.decision).toMatchObject({ action: 'pass', policy_version: 2 });
    const versions = (await api.call('GET', `/v1/projects/${projectId}/policy/versions`, admin)).json().versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await api.call('GET', `/v1/items/${before.id}`, admin)).json().decision.policy_version).toBe(1);
  });

  it('is idempotent on external_id, for single items and inside batches', async () => {
    const ingest = await api.key('ingest', projectId);
    const body = { input: 'q', output: 'a', confidence: 0.1, external_id: 'req-42' };
    const a = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, body);
    const b = await api.call('POST', `/v1/projects/${projectId}/items`, ingest, body);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ id: a.json().id, created: false });
    const batch = await api.call('POST', `/v1/projects/${projectId}/items/batch`, ingest, {
      items: [body, { ...body, external_id: 'req-43' }, { ...body, external_id: 'req-43' }],
    });
    expect(batch.statusCode).toBe(200);
    const items = batch.json().items;
    expect(items[0]).toMatchObject({ id: a.json().id, created: false });
    expect(items[1].created).toBe(true);
    expect(items[2]).toMatchObject({ id: items[1].id, created: false });
    const detail = (await api.call('GET', `/v1/items/${a.json().id}`, admin)).json();
    expect(detail.tasks).toHaveLength(1);
    const list = (await api.call('GET', `/v1/projects/${projectId}/items`, admin)).json();
    expect(list.items).toHaveLength(2);
  });

  it('concurrent single-item captures are grouped but stay idempotent and all acknowledged', async () => {
    const ingest = await api.key('ingest', projectId);
    const send = (externalId: string) =>
      api.call('POST', `/v1/projects/${projectId}/items`, ingest, { input: 'q', output: 'a', confidence: 0.2, external_id: externalId });
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => send(`c-${i}`)),
      ...Array.from({ length: 10 }, () => send('dup')),
    ]);
    expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    const dupIds = new Set(responses.slice(20).map((r) => r.json().id));
    expect(dupIds.size).toBe(1);
    expect(responses.slice(20).filter((r) => r.statusCode === 201)).toHaveLength(1);
    const list = (await api.call('GET', `/v1/projects/${projectId}/items?limit=100`, admin)).json();
    expect(list.items).toHaveLength(21);
    const [dupId] = [...dupIds];
    expect((await api.call('GET', `/v1/items/${dupId}`, admin)).json().tasks).toHaveLength(1);
  });

  it('lists items newest first with filters and a cursor', async () => {
    // No audit sample here, so which items are routed is fixed.
    await api.call('PUT', `/v1/projects/${projectId}/policy`, admin, { rules: [EXAMPLE_POLICY.rules[0]] });
    const ingest = await api.key('ingest', projectId);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (
          await api.call('POST', `/v1/projects/${projectId}/items`, ingest, {
            input: `q${i}`,
            output: 'a',
            model: i % 2 ? 'm-odd' : 'm-even',
            confidence: i < 3 ? 0.1 : 0.99,
          })
        ).json().id,
      );
      t.clock.advance(10);
    }
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await api.call('GET', `/v1/projects/${projectId}/items?limit=3${q}`, admin);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      pages.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual([...ids].reverse());

    const odd = (await api.call('GET', `/v1/projects/${projectId}/items?model=m-odd`, admin)).json().items;
    expect(odd).toHaveLength(3);
    const reviewed = (await api.call('GET', `/v1/projects/${projectId}/items?action=review&outcome=pending`, admin)).json().items;
    expect(reviewed.map((i: { id: string }) => i.id).sort()).toEqual(ids.slice(0, 3).sort());
    const since = new Date(t.clock() - 35).toISOString();
    const recent = (await api.call('GET', `/v1/projects/${projectId}/items?since=${since}`, admin)).json().items;
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(7);
    const bad = await api.call('GET', `/v1/projects/${projectId}/items?cursor=garbage`, admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('TG_INVALID_CURSOR');
  });
});

describe.each(DIALECTS)('labels and spans in judgments (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('checks spans against the text the reviewer saw and stores them', async () => {
    const admin = await api.key('admin');
    const rubric = {
      criteria: [
        { key: 'topic', label: 'Topic', scale: { type: 'labels', options: ['billing', 'shipping'] } },
        { key: 'evidence', label: 'Evidence', scale: { type: 'spans', target: 'output', labels: ['amount'] } },
      ],
    };
    const policy = { rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review' }] };
    const projectId = (await api.call('POST', '/v1/projects', admin, { name: 'Spans', rubric, policy })).json().id;
    await api.call('POST', `/v1/projects/${projectId}/items`, admin, { input: 'refund?', output: 'Refunded $800.', confidence: 0.5 });
    const reviewer = await api.key('reviewer', projectId);
    const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    expect(claim.rubric.document.criteria[1].scale).toEqual({ type: 'spans', target: 'output', labels: ['amount'] });

    const outside = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, {
      verdict: 'approve',
      scores: { topic: 'billing', evidence: [{ start: 9, end: 30, label: 'amount' }] },
    });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().error.details.errors).toEqual([
      { path: 'scores.evidence', message: 'span 0 ends at 30, past the end of the output text (14 characters)' },
    ]);
    const ok = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, {
      verdict: 'approve',
      scores: { topic: 'billing', evidence: [{ start: 9, end: 13, label: 'amount' }] },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().judgment.scores).toEqual({ topic: 'billing', evidence: [{ start: 9, end: 13, label: 'amount' }] });
  });
});
