import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealAll } from '../../src/app/audit-chain-service.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const POLICY = { rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review', priority: 50 }] };

interface Event {
  seq: number;
  actor: string;
  action: string;
  subject_id: string;
  created_at: string;
  seal: { chain: string; pos: number; hash: string; prev_hash: string } | null;
}

describe.each(DIALECTS)('audit trail over HTTP (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let reviewer: string;
  let projectId: string;
  let items: string[];

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Audited', policy: POLICY })).json().id;
    reviewer = await api.key('reviewer', projectId);
    items = [];
    for (let i = 0; i < 4; i++) {
      t.clock.advance(60_000);
      items.push(
        (await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: `q${i}`, output: 'a', confidence: 0.5 })).json().id,
      );
    }
    t.clock.advance(60_000);
    const c = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
    await api.call('POST', `/v1/tasks/${c.task.id}/judgments`, reviewer, { verdict: 'approve' });
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const get = (query: string, key = manager) => api.call('GET', `/v1/projects/${projectId}/audit${query}`, key);

  it('filters by actor, action, subject and time, pages with next_after, and shows each seal', async () => {
    const all = (await get('?limit=1000')).json().events as Event[];
    expect(all.map((e) => e.action)).toEqual([
      'project.created',
      'key.created',
      'item.captured',
      'item.captured',
      'item.captured',
      'item.captured',
      'task.claimed',
      'judgment.submitted',
      'item.resolved',
    ]);
    expect(all.every((e) => e.seal === null)).toBe(true);
    await sealAll(t.store, t.clock());
    const sealed = (await get('')).json().events as Event[];
    expect(sealed.map((e) => e.seal?.pos)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sealed[1]!.seal!.prev_hash).toBe(sealed[0]!.seal!.hash);

    const captured = (await get('?action=item.captured')).json().events as Event[];
    expect(captured).toHaveLength(4);
    const reviewerActor = (await get('?action=task.claimed')).json().events[0].actor as string;
    expect(((await get(`?actor=${encodeURIComponent(reviewerActor)}`)).json().events as Event[]).map((e) => e.action)).toEqual([
      'task.claimed',
      'judgment.submitted',
      'item.resolved',
    ]);
    expect(((await get(`?subject_id=${items[2]}`)).json().events as Event[]).map((e) => e.action)).toEqual(['item.captured']);
    // The second and third captures, by time: since inclusive, until exclusive.
    const window = (await get(`?since=${captured[1]!.created_at}&until=${captured[3]!.created_at}`)).json().events as Event[];
    expect(window.map((e) => e.subject_id)).toEqual([items[1], items[2]]);

    const first = (await get('?limit=3')).json();
    expect(first.events).toHaveLength(3);
    const second = (await get(`?limit=3&after=${first.next_after}`)).json();
    expect(second.events[0].seq).toBeGreaterThan(first.events[2].seq);
    const last = (await get(`?limit=3&after=${second.next_after}`)).json();
    expect([...first.events, ...second.events, ...last.events].map((e: Event) => e.seq)).toEqual(sealed.map((e) => e.seq));
    expect(last.next_after).toBeNull();

    const bad = await get('?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z');
    expect(bad.statusCode).toBe(400);
  });

  it('exports the trail as JSON Lines with seals, which an outsider can check link by link', async () => {
    await sealAll(t.store, t.clock());
    const res = await get('/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Event);
    expect(lines).toHaveLength(9);
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.seal!.prev_hash).toBe(lines[i - 1]!.seal!.hash);
    const filtered = (await get('/export?action=item.captured')).body.trimEnd().split('\n');
    expect(filtered).toHaveLength(4);
    // Reviewers read no audit trail, and a refused export sends nothing but the error.
    const refused = await get('/export', reviewer);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('TG_FORBIDDEN');
  });

  it('verifies the chain over HTTP and names the first broken link', async () => {
    await sealAll(t.store, t.clock());
    const ok = (await get('/verify')).json();
    expect(ok).toMatchObject({ chain: projectId, ok: true, sealed: 9, problem: null });
    expect(ok.head.pos).toBe(9);
    if (dialect === 'sqlite')
      await sql`update audit_events set after = '{"status":"rejected"}' where action = 'item.resolved'`.execute(t.store.db);
    else
      await t.store.db.transaction().execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        await sql`update audit_events set after = '{"status":"rejected"}'::jsonb where action = 'item.resolved'`.execute(tx);
      });
    const broken = (await get('/verify')).json();
    expect(broken).toMatchObject({
      ok: false,
      sealed: 8,
      problem: { pos: 9, message: expect.stringContaining('was altered after it was sealed') },
    });
    expect((await get('/verify', reviewer)).statusCode).toBe(403);
  });
});
