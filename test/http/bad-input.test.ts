import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS, openTestStore, type TableName, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

/**
 * Bad requests get a 4xx with a precise, stable `error.code`, a message a person can act on,
 * and change nothing: every case compares the store before and after.
 */
const POLICY = { rules: [{ name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 }] };
const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
    { key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['good', 'bad'] } },
  ],
};
const ITEM = { input: 'q', output: 'a', confidence: 0.2 };
const MiB = 1024 * 1024;

interface ErrorJson {
  error: { code: string; message: string; details?: { errors?: { path: string; message: string }[]; item_index?: number } };
}

describe.each(DIALECTS)('bad input changes nothing (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let reviewer: string;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const res = await api.call('POST', '/v1/projects', admin, { name: 'Strict', policy: POLICY, rubric: RUBRIC });
    expect(res.statusCode).toBe(201);
    projectId = res.json<{ id: string }>().id;
    reviewer = await api.key('reviewer', projectId);
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  const items = () => `/v1/projects/${projectId}/items`;

  /** Everything a bad request could have touched. */
  async function snapshot() {
    const count = (table: TableName) => countRows(t.store, table);
    const project = await t.store.db
      .selectFrom('projects')
      .select(['policy_version', 'rubric_version', 'updated_at'])
      .where('id', '=', projectId)
      .executeTakeFirstOrThrow();
    const tasks = await t.store.db.selectFrom('tasks').select(['id', 'status', 'lease_owner', 'lease_expires_at']).orderBy('id').execute();
    return {
      items: await count('items'),
      tasks,
      judgments: await count('judgments'),
      projects: await count('projects'),
      audit: await count('audit_events'),
      keys: await count('api_keys'),
      policy_versions: await count('policy_versions'),
      rubric_versions: await count('rubric_versions'),
      project,
    };
  }

  /** Runs the request and checks status, code, a non-empty message, and that nothing changed. */
  async function refused(send: () => Promise<LightMyRequestResponse>, status: number, code: string): Promise<ErrorJson['error']> {
    const before = await snapshot();
    const res = await send();
    expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<ErrorJson>();
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await snapshot()).toEqual(before);
    return body.error;
  }

  const raw = (method: 'POST' | 'PUT' | 'GET', url: string, payload: string, headers: Record<string, string> = {}) =>
    api.app.inject({ method, url, payload, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers } });

  const paths = (e: ErrorJson['error']) => (e.details?.errors ?? []).map((x) => x.path);

  it('malformed JSON → 400 TG_MALFORMED_JSON', async () => {
    const e = await refused(() => raw('POST', items(), '{"input": "q", "output": '), 400, 'TG_MALFORMED_JSON');
    expect(e.message).toMatch(/JSON/);
    await refused(() => raw('POST', items(), "{'input': 'q'}"), 400, 'TG_MALFORMED_JSON');
    await refused(() => raw('POST', items(), ''), 400, 'TG_MALFORMED_JSON');
    await refused(() => raw('PUT', `/v1/projects/${projectId}/policy`, '{"rules": [}'), 400, 'TG_MALFORMED_JSON');
  });

  it('wrong types → 400 TG_VALIDATION_FAILED naming each field', async () => {
    const conf = await refused(() => api.call('POST', items(), admin, { ...ITEM, confidence: '0.2' }), 400, 'TG_VALIDATION_FAILED');
    expect(paths(conf)).toEqual(['confidence']);
    expect(conf.message).toMatch(/^confidence /);
    const tags = await refused(() => api.call('POST', items(), admin, { ...ITEM, tags: 'urgent' }), 400, 'TG_VALIDATION_FAILED');
    expect(paths(tags)).toEqual(['tags']);
    expect(tags.message).toContain('array');
    // Every problem at once, not just the first.
    const both = await refused(
      () => api.call('POST', items(), admin, { ...ITEM, confidence: '0.2', tags: 'urgent' }),
      400,
      'TG_VALIDATION_FAILED',
    );
    expect(paths(both).sort()).toEqual(['confidence', 'tags']);
    const nested = await refused(() => api.call('POST', items(), admin, { ...ITEM, tags: ['ok', 7] }), 400, 'TG_VALIDATION_FAILED');
    expect(paths(nested)).toEqual(['tags[1]']);
    const missing = await refused(() => api.call('POST', items(), admin, { output: 'a' }), 400, 'TG_VALIDATION_FAILED');
    expect(missing.details?.errors).toEqual([{ path: 'input', message: 'is required' }]);
    const metadata = await refused(() => api.call('POST', items(), admin, { ...ITEM, metadata: [1, 2] }), 400, 'TG_VALIDATION_FAILED');
    expect(paths(metadata)).toEqual(['metadata']);
  });

  it('an unknown field is refused, not dropped', async () => {
    const e = await refused(() => api.call('POST', items(), admin, { ...ITEM, confidnce: 0.3 }), 400, 'TG_VALIDATION_FAILED');
    expect(e.details?.errors).toEqual([{ path: 'confidnce', message: 'unknown field "confidnce"' }]);
    expect(e.message).toContain('confidnce');
    const claim = await refused(
      () => api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, { lease: 30 }),
      400,
      'TG_VALIDATION_FAILED',
    );
    expect(paths(claim)).toEqual(['lease']);
    const project = await refused(() => api.call('POST', '/v1/projects', admin, { name: 'x', owner: 'me' }), 400, 'TG_VALIDATION_FAILED');
    expect(paths(project)).toEqual(['owner']);
  });

  it('unknown project → 404 TG_PROJECT_NOT_FOUND', async () => {
    const e = await refused(() => api.call('POST', '/v1/projects/no-such-project/items', admin, ITEM), 404, 'TG_PROJECT_NOT_FOUND');
    expect(e.message).toContain('no-such-project');
    await refused(
      () => api.call('POST', '/v1/projects/no-such-project/items/batch', admin, { items: [ITEM] }),
      404,
      'TG_PROJECT_NOT_FOUND',
    );
    await refused(() => api.call('PUT', '/v1/projects/no-such-project/policy', admin, POLICY), 404, 'TG_PROJECT_NOT_FOUND');
    await refused(() => api.call('POST', '/v1/projects/no-such-project/tasks/claim', reviewer, {}), 404, 'TG_PROJECT_NOT_FOUND');
    await refused(() => api.call('GET', '/v1/projects/no-such-project/items', admin), 404, 'TG_PROJECT_NOT_FOUND');
    await refused(() => api.call('GET', '/v1/items/no-such-item', admin), 404, 'TG_ITEM_NOT_FOUND');
  });

  it('confidence outside [0, 1] → 400 naming confidence', async () => {
    for (const confidence of [1.5, -0.1]) {
      const e = await refused(() => api.call('POST', items(), admin, { ...ITEM, confidence }), 400, 'TG_VALIDATION_FAILED');
      expect(paths(e)).toEqual(['confidence']);
      expect(e.message).toMatch(confidence > 1 ? /<= 1/ : />= 0/);
    }
  });

  describe('judgments', () => {
    let taskId: string;

    beforeAll(async () => {
      expect((await api.call('POST', items(), admin, ITEM)).statusCode).toBe(201);
      const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, {});
      expect(claim.statusCode).toBe(200);
      taskId = claim.json<{ task: { id: string } }>().task.id;
    });

    const judge = (body: unknown) => api.call('POST', `/v1/tasks/${taskId}/judgments`, reviewer, body);

    it('scores outside the rubric → 422 TG_INVALID_JUDGMENT; the task stays claimed for a fixed resubmission', async () => {
      const high = await refused(() => judge({ verdict: 'approve', scores: { accuracy: 7 } }), 422, 'TG_INVALID_JUDGMENT');
      expect(high.details?.errors).toEqual([{ path: 'scores.accuracy', message: 'must be an integer from 1 to 5, got 7' }]);
      expect(high.message).toContain('scores.accuracy');
      const many = await refused(
        () => judge({ verdict: 'approve', scores: { accuracy: 2.5, tone: 'meh', speed: 3 } }),
        422,
        'TG_INVALID_JUDGMENT',
      );
      expect(paths(many).sort()).toEqual(['scores.accuracy', 'scores.speed', 'scores.tone']);
      const none = await refused(() => judge({ verdict: 'approve' }), 422, 'TG_INVALID_JUDGMENT');
      expect(none.details?.errors).toEqual([{ path: 'scores.accuracy', message: 'is required' }]);
      const typed = await refused(() => judge({ verdict: 'approve', scores: { accuracy: '5' } }), 422, 'TG_INVALID_JUDGMENT');
      expect(paths(typed)).toEqual(['scores.accuracy']);
      await refused(() => judge({ verdict: 'maybe', scores: { accuracy: 3 } }), 400, 'TG_VALIDATION_FAILED');
    });

    it('verdict "correct" without a correction (or a correction without it) → 422 TG_INVALID_JUDGMENT', async () => {
      const e = await refused(() => judge({ verdict: 'correct', scores: { accuracy: 2 } }), 422, 'TG_INVALID_JUDGMENT');
      expect(e.details?.errors).toEqual([{ path: 'correction', message: 'required when verdict is "correct"' }]);
      expect(e.message).toContain('correction');
      await refused(() => judge({ verdict: 'approve', scores: { accuracy: 5 }, correction: 'better' }), 422, 'TG_INVALID_JUDGMENT');
    });

    it('after the refusals the reviewer still holds the task and can submit a fixed judgment', async () => {
      const task = await t.store.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
      expect(task).toMatchObject({ status: 'claimed', lease_owner: expect.stringMatching(/^key:/) });
      const ok = await judge({ verdict: 'correct', scores: { accuracy: 2, tone: 'good' }, correction: 'fixed' });
      expect(ok.statusCode).toBe(201);
      expect(ok.json()).toMatchObject({ outcome: { status: 'corrected', output: 'fixed' } });
    });
  });

  it('a single item over 1 MiB → 413 TG_PAYLOAD_TOO_LARGE; a batch over its limit too', async () => {
    const big = { ...ITEM, output: 'x'.repeat(MiB + 1) };
    const e = await refused(() => api.call('POST', items(), admin, big), 413, 'TG_PAYLOAD_TOO_LARGE');
    expect(e.message).toMatch(/body|large|limit/i);
    // The batch route takes far more than one item's limit...
    const items2 = Array.from({ length: 3 }, (_, i) => ({ ...ITEM, output: `${i}`.repeat(MiB / 2) }));
    const okBatch = await api.call('POST', `${items()}/batch`, admin, { items: items2 });
    expect(okBatch.statusCode).toBe(200);
    expect(okBatch.json<{ items: unknown[] }>().items).toHaveLength(3);
    // ...but not more than its own (16 MiB).
    const huge = JSON.stringify({ items: Array.from({ length: 17 }, () => ({ ...ITEM, output: 'y'.repeat(MiB) })) });
    await refused(() => raw('POST', `${items()}/batch`, huge), 413, 'TG_PAYLOAD_TOO_LARGE');
  });

  it('a batch of 5 with item 3 bad is rejected whole, naming item 3', async () => {
    const batch = [ITEM, ITEM, ITEM, { ...ITEM, confidence: 'high' }, ITEM].map((x, i) => ({ ...x, external_id: `b5-${i}` }));
    const e = await refused(() => api.call('POST', `${items()}/batch`, admin, { items: batch }), 400, 'TG_VALIDATION_FAILED');
    expect(e.details?.item_index).toBe(3);
    expect(e.message).toMatch(/item 3/);
    expect(e.message).toMatch(/not stored/);
    expect(paths(e)).toEqual(['items[3].confidence']);
    const stored = await t.store.db.selectFrom('items').select('id').where('external_id', 'like', 'b5-%').execute();
    expect(stored).toEqual([]);
    // An unknown field in item 0 is located just as precisely.
    const first = await refused(
      () => api.call('POST', `${items()}/batch`, admin, { items: [{ ...ITEM, extra: 1 }, ITEM] }),
      400,
      'TG_VALIDATION_FAILED',
    );
    expect(first.details?.item_index).toBe(0);
    expect(paths(first)).toEqual(['items[0].extra']);
  });

  it('more than 1000 items in a batch is refused; an empty batch too', async () => {
    const e = await refused(
      () => api.call('POST', `${items()}/batch`, admin, { items: Array.from({ length: 1001 }, () => ITEM) }),
      413,
      'TG_BATCH_TOO_LARGE',
    );
    expect(e.details).toEqual({ max_items: 1000 });
    expect(e.message).toContain('1000');
    await refused(() => api.call('POST', `${items()}/batch`, admin, { items: [] }), 400, 'TG_VALIDATION_FAILED');
  });

  it('an invalid policy → 422 TG_INVALID_POLICY and the version stays', async () => {
    const regex = await refused(
      () =>
        api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
          rules: [{ name: 'bad-re', when: { 'output.text': { matches: '(unclosed' } }, action: 'review' }],
        }),
      422,
      'TG_INVALID_POLICY',
    );
    expect(regex.message).toContain('invalid regular expression');
    expect(paths(regex)[0]).toMatch(/^rules\[0\]\.when/);
    const op = await refused(
      () =>
        api.call('PUT', `/v1/projects/${projectId}/policy`, admin, {
          rules: [POLICY.rules[0], { name: 'approx', when: { confidence: { approx: 0.5 } }, action: 'review' }],
        }),
      422,
      'TG_INVALID_POLICY',
    );
    expect(op.message).toContain('unknown operator "approx"');
    expect(paths(op)[0]).toMatch(/^rules\[1\]\.when/);
    const action = await refused(
      () => api.call('PUT', `/v1/projects/${projectId}/policy`, admin, { rules: [{ name: 'x', sample: 0.1, action: 'escalate' }] }),
      422,
      'TG_INVALID_POLICY',
    );
    expect(paths(action)).toEqual(['rules[0].action']);
    const versions = (await api.call('GET', `/v1/projects/${projectId}/policy/versions`, admin)).json<{ versions: unknown[] }>().versions;
    expect(versions).toHaveLength(1);
    expect((await api.call('GET', `/v1/projects/${projectId}`, admin)).json()).toMatchObject({ policy: { version: 1 } });
    // At creation, too: no project appears.
    await refused(
      () =>
        api.call('POST', '/v1/projects', admin, {
          name: 'Bad',
          policy: { rules: [{ name: 'r', when: { model: { matches: '[' } }, action: 'review' }] },
        }),
      422,
      'TG_INVALID_POLICY',
    );
    await refused(
      () =>
        api.call('POST', '/v1/projects', admin, {
          name: 'Bad',
          policy: { rules: [{ name: 'r', when: { model: { like: 'gpt' } }, action: 'review' }] },
        }),
      422,
      'TG_INVALID_POLICY',
    );
  });

  it('an invalid rubric → 422 TG_INVALID_RUBRIC and the version stays', async () => {
    const e = await refused(
      () =>
        api.call('PUT', `/v1/projects/${projectId}/rubric`, admin, {
          criteria: [{ key: 'accuracy', label: 'A', scale: { type: 'likert', min: 5, max: 1 } }],
        }),
      422,
      'TG_INVALID_RUBRIC',
    );
    expect(paths(e)[0]).toMatch(/^criteria\[0\]\.scale/);
    await refused(
      () =>
        api.call('PUT', `/v1/projects/${projectId}/rubric`, admin, {
          criteria: [{ key: 'Bad Key', label: 'A', scale: { type: 'stars' } }],
        }),
      422,
      'TG_INVALID_RUBRIC',
    );
    await refused(
      () =>
        api.call('PUT', `/v1/projects/${projectId}/rubric`, admin, {
          criteria: [
            { key: 'a', label: 'A', scale: { type: 'boolean' } },
            { key: 'a', label: 'A again', scale: { type: 'boolean' } },
          ],
        }),
      422,
      'TG_INVALID_RUBRIC',
    );
    expect(
      (await api.call('GET', `/v1/projects/${projectId}/rubric/versions`, admin)).json<{ versions: unknown[] }>().versions,
    ).toHaveLength(1);
    await refused(
      () =>
        api.call('POST', '/v1/projects', admin, {
          name: 'Bad',
          rubric: { criteria: [{ key: 'k', label: 'K', scale: { type: 'categorical', options: [] } }] },
        }),
      422,
      'TG_INVALID_RUBRIC',
    );
  });

  it('missing or invalid Authorization → 401 TG_UNAUTHENTICATED', async () => {
    const none = await refused(() => api.call('POST', items(), null, ITEM), 401, 'TG_UNAUTHENTICATED');
    expect(none.message).toContain('Bearer');
    await refused(() => api.call('POST', items(), 'tg_not_a_real_key_at_all_000000000', ITEM), 401, 'TG_UNAUTHENTICATED');
    await refused(() => raw('POST', items(), JSON.stringify(ITEM), { authorization: `Basic ${admin}` }), 401, 'TG_UNAUTHENTICATED');
    await refused(() => raw('POST', items(), JSON.stringify(ITEM), { authorization: 'Bearer' }), 401, 'TG_UNAUTHENTICATED');
    await refused(() => api.call('GET', '/v1/projects', null), 401, 'TG_UNAUTHENTICATED');
    // Authentication comes first: an unauthenticated bad body is still a 401.
    await refused(() => raw('POST', items(), '{broken', { authorization: '' }), 401, 'TG_UNAUTHENTICATED');
  });

  it('unknown route → 404 TG_ROUTE_NOT_FOUND', async () => {
    const e = await refused(() => api.call('GET', '/v1/nothing-here', admin), 404, 'TG_ROUTE_NOT_FOUND');
    expect(e.message).toContain('/v1/nothing-here');
    await refused(() => api.call('DELETE', `/v1/projects/${projectId}`, admin), 404, 'TG_ROUTE_NOT_FOUND');
    await refused(() => api.call('GET', '/v2/projects', admin), 404, 'TG_ROUTE_NOT_FOUND');
  });

  it('a non-JSON content type → 415 TG_UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const e = await refused(() => raw('POST', items(), 'input=q&output=a', { 'content-type': type }), 415, 'TG_UNSUPPORTED_MEDIA_TYPE');
      expect(e.message.length).toBeGreaterThan(10);
    }
  });
});
