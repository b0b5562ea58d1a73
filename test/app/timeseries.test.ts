import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDueHolds } from '../../src/app/hold-service.js';
import { createKey } from '../../src/app/key-service.js';
import { backlogAtBucketEnds, timeseriesGrid } from '../../src/core/stats/timeseries.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { ROOT, testApi, type TestApi } from '../support/http.js';

/*
 * Three days of one project, then drawn as a time series: every figure below is worked out by
 * hand from the story, on both stores.
 *
 * 11-24: nothing (a zero bucket).
 * 11-25: p1, p2 pass; a (low confidence) and b (low confidence + "lawyer", v2) need two reviews
 *        each; h is held. At 10:30 h is approved, b rejected twice, a approved twice. At 20:00
 *        c arrives (two reviews), left open overnight.
 * 11-26: d (v2) and e need two reviews each, h2 (v2) is held and times out at 10:30. At 12:00 c
 *        is split (rejected), d approved, e rejected. At 18:00 f arrives, left open.
 * 11-27: f judged once at 09:30 (one task still open); the series is read at 12:00.
 */

const POLICY = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60, overlap: 2 },
    { name: 'legal', when: { 'input.text': { matches: 'lawyer' } }, action: 'review', priority: 80, overlap: 2 },
    {
      name: 'large-refund',
      when: { 'metadata.amount': { gt: 500 } },
      action: 'hold',
      priority: 90,
      timeout_seconds: 3600,
      on_timeout: 'reject',
    },
  ],
};
const RUBRIC = { criteria: [{ key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['polite', 'rude'] } }] };

const at = (iso: string) => Date.parse(iso);
const Z = 1.959963984540054; // the standard normal's 97.5th percentile
const HOUR = 3600;

interface Bucket {
  start: string;
  captured: number;
  routed: number;
  by_rule: Record<string, number>;
  decisions: Record<string, number>;
  judgments: number;
  time_per_task_ms: { median: number | null; p90: number | null };
  backlog: { open: number; oldest_seconds: number | null };
  agreement: Record<string, number | null>;
  quality: {
    decided: number;
    approval_rate: number | null;
    correction_rate: number | null;
    rejection_rate: number | null;
    error_rate: { estimate: number; low: number; high: number } | null;
    naive_error_rate: number | null;
  };
}
interface Series {
  project_id: string;
  since: string;
  until: string;
  bucket: string;
  model_version: string | null;
  model_versions: string[];
  rules: string[];
  agreement_fields: string[];
  buckets: Bucket[];
}

const NO_DECISIONS = { approved: 0, corrected: 0, rejected: 0, timed_out: 0 };
const NO_QUALITY = {
  decided: 0,
  approval_rate: null,
  correction_rate: null,
  rejection_rate: null,
  error_rate: null,
  naive_error_rate: null,
};

describe.each(DIALECTS)('stats time series (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let manager: string;
  let r1: string;
  let r2: string;
  let projectId: string;

  const ok = async (res: Promise<LightMyRequestResponse>, status = 200) => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json();
  };
  const capture = async (body: object): Promise<string> => {
    const item = await ok(api.call('POST', `/v1/projects/${projectId}/items`, admin, { output: 'ok', ...body }), 201);
    t.clock.advance(1000);
    return item.id as string;
  };
  /** Claims the next task and judges it; returns the item judged. */
  const work = async (key: string, body: object): Promise<string> => {
    const claim = await ok(api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {}));
    await ok(api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, key, body), 201);
    t.clock.advance(1000);
    return claim.item.id as string;
  };
  const series = (query: string, key = manager): Promise<Series> =>
    ok(api.call('GET', `/v1/projects/${projectId}/stats/timeseries?${query}`, key));

  let items: Record<string, string>;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    manager = await api.key('manager');
    r1 = (await createKey(t.ctx, ROOT, { role: 'reviewer' })).key;
    r2 = (await createKey(t.ctx, ROOT, { role: 'reviewer' })).key;

    t.clock.set(at('2026-11-25T09:00:00Z'));
    projectId = (await ok(api.call('POST', '/v1/projects', admin, { name: 'Series', policy: POLICY, rubric: RUBRIC }), 201)).id;

    t.clock.set(at('2026-11-25T10:00:00Z'));
    items = {
      p1: await capture({ input: 'p1', confidence: 0.9, model_version: 'v1' }),
      p2: await capture({ input: 'p2', confidence: 0.8, model_version: 'v1' }),
      a: await capture({ input: 'a', confidence: 0.2, model_version: 'v1' }),
      b: await capture({ input: 'my lawyer says', confidence: 0.3, model_version: 'v2' }),
      h: await capture({ input: 'h', confidence: 0.9, model_version: 'v1', metadata: { amount: 800 } }),
    };
    t.clock.set(at('2026-11-25T10:30:00Z'));
    // Claims go by priority, then age: h (90), b (80), then a (60).
    expect(await work(r1, { verdict: 'approve', scores: { tone: 'polite' }, time_spent_ms: 1000 })).toBe(items.h);
    expect(await work(r1, { verdict: 'reject', scores: { tone: 'rude' }, time_spent_ms: 3000 })).toBe(items.b);
    expect(await work(r2, { verdict: 'reject', scores: { tone: 'rude' }, time_spent_ms: 5000 })).toBe(items.b);
    expect(await work(r1, { verdict: 'approve', scores: { tone: 'polite' }, time_spent_ms: 2000 })).toBe(items.a);
    expect(await work(r2, { verdict: 'approve', scores: { tone: 'rude' }, time_spent_ms: 4000 })).toBe(items.a);
    t.clock.set(at('2026-11-25T20:00:00Z'));
    items.c = await capture({ input: 'c', confidence: 0.1, model_version: 'v1' });

    t.clock.set(at('2026-11-26T09:00:00Z'));
    items.d = await capture({ input: 'd', confidence: 0.2, model_version: 'v2' });
    items.e = await capture({ input: 'e', confidence: 0.1, model_version: 'v1' });
    items.h2 = await capture({ input: 'h2', confidence: 0.9, model_version: 'v2', metadata: { amount: 900 } });
    t.clock.set(at('2026-11-26T10:30:00Z'));
    expect((await applyDueHolds(t.ctx)).timedOut).toBe(1);
    t.clock.set(at('2026-11-26T12:00:00Z'));
    expect(await work(r1, { verdict: 'approve', scores: { tone: 'polite' }, time_spent_ms: 6000 })).toBe(items.c);
    expect(await work(r2, { verdict: 'reject', scores: { tone: 'polite' }, time_spent_ms: 2000 })).toBe(items.c);
    expect(await work(r1, { verdict: 'approve', scores: { tone: 'polite' }, time_spent_ms: 1000 })).toBe(items.d);
    expect(await work(r2, { verdict: 'approve', scores: { tone: 'polite' } })).toBe(items.d);
    expect(await work(r1, { verdict: 'reject', scores: { tone: 'polite' }, time_spent_ms: 3000 })).toBe(items.e);
    expect(await work(r2, { verdict: 'reject', scores: { tone: 'polite' }, time_spent_ms: 8000 })).toBe(items.e);
    t.clock.set(at('2026-11-26T18:00:00Z'));
    items.f = await capture({ input: 'f', confidence: 0.2, model_version: 'v1' });

    t.clock.set(at('2026-11-27T09:30:00Z'));
    expect(await work(r1, { verdict: 'approve', scores: { tone: 'polite' }, time_spent_ms: 500 })).toBe(items.f);
    t.clock.set(at('2026-11-27T12:00:00Z'));
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  it('draws every day of the range, each figure as worked out by hand', async () => {
    const s = await series('since=2026-11-24T00:00:00Z&until=2026-11-28T00:00:00Z');
    expect(s).toMatchObject({
      project_id: projectId,
      since: '2026-11-24T00:00:00.000Z',
      until: '2026-11-28T00:00:00.000Z',
      bucket: 'day',
      model_version: null,
      // v1 was last captured at 11-26 18:00 (f), v2 at 09:00 (h2).
      model_versions: ['v1', 'v2'],
      // low-confidence 6 (a, b, c, d, e, f), large-refund 2 (h, h2), legal 1 (b).
      rules: ['low-confidence', 'large-refund', 'legal'],
      agreement_fields: ['verdict', 'scores.tone'],
    });
    expect(s.buckets.map((b) => b.start)).toEqual([
      '2026-11-24T00:00:00.000Z',
      '2026-11-25T00:00:00.000Z',
      '2026-11-26T00:00:00.000Z',
      '2026-11-27T00:00:00.000Z',
    ]);
    const [d0, d1, d2, d3] = s.buckets as [Bucket, Bucket, Bucket, Bucket];

    // 11-24: zeros, not a gap.
    expect(d0).toEqual({
      start: '2026-11-24T00:00:00.000Z',
      captured: 0,
      routed: 0,
      by_rule: {},
      decisions: NO_DECISIONS,
      judgments: 0,
      time_per_task_ms: { median: null, p90: null },
      backlog: { open: 0, oldest_seconds: null },
      agreement: { verdict: null, 'scores.tone': null },
      quality: NO_QUALITY,
    });

    // 11-25: six captured (p1, p2, a, b, h, c), four routed; b matched two rules.
    expect(d1).toMatchObject({
      captured: 6,
      routed: 4,
      by_rule: { 'low-confidence': 3, legal: 1, 'large-refund': 1 },
      // h and a approved, b rejected; c is decided the next day.
      decisions: { approved: 2, corrected: 0, rejected: 1, timed_out: 0 },
      judgments: 5,
      // 1000, 2000, 3000, 4000, 5000: median 3000; p90 at rank 0.9·4 = 3.6 → 4000 + 0.6·1000.
      time_per_task_ms: { median: 3000, p90: 4600 },
      // c's two tasks, open since 20:00: four hours at midnight.
      backlog: { open: 2, oldest_seconds: 4 * HOUR },
    });
    // Verdicts: a (approve, approve), b (reject, reject): perfect agreement with variation, α = 1.
    // Tone: a (polite, rude), b (rude, rude); n = 4, n_polite = 1, n_rude = 3; D_o = 2/4,
    // D_e = 2·1·3 / (4·3) = 1/2, so α = 1 − (1/2)/(1/2) = 0. h's single judgment pairs with nothing.
    expect(d1.agreement.verdict).toBeCloseTo(1, 12);
    expect(d1.agreement['scores.tone']).toBeCloseTo(0, 12);
    // Captured on 11-25 and reviewed: a, h approved; b, c rejected. Every π is 1 (rules always
    // send), so the weighted rate is the plain one and has no sampling variance.
    expect(d1.quality).toEqual({
      decided: 3,
      approval_rate: 2 / 3,
      correction_rate: 0,
      rejection_rate: 1 / 3,
      error_rate: { estimate: 0.5, low: 0.5, high: 0.5 },
      naive_error_rate: 0.5,
    });

    // 11-26: d, e, h2, f captured and routed.
    expect(d2).toMatchObject({
      captured: 4,
      routed: 4,
      by_rule: { 'low-confidence': 3, 'large-refund': 1 },
      // c and e rejected, d approved, h2 timed out.
      decisions: { approved: 1, corrected: 0, rejected: 2, timed_out: 1 },
      judgments: 6,
      // d's second judgment reported no time: 1000, 2000, 3000, 6000, 8000 → 3000 and 6000 + 0.6·2000.
      time_per_task_ms: { median: 3000, p90: 7200 },
      // f's two tasks, open since 18:00.
      backlog: { open: 2, oldest_seconds: 6 * HOUR },
    });
    // Verdicts c (approve, reject), d (approve, approve), e (reject, reject): n = 6, 3 and 3;
    // D_o = 2/6, D_e = 2·3·3 / (6·5) = 3/5, α = 1 − (1/3)/(3/5) = 4/9. Tone: all polite, no
    // variation, α undefined.
    expect(d2.agreement.verdict).toBeCloseTo(4 / 9, 12);
    expect(d2.agreement['scores.tone']).toBeNull();
    // Of the items captured on 11-26 and sent to people (π = 1): e rejected, d approved, h2
    // (timed out) and f (pending) have no verdict, so half the class is observed: π·r = 1/2.
    // Hájek: (1/0.5) / (2/0.5) = 1/2; V = Σ (1 − π)(y − 1/2)²/π² / N̂² = (0.5·0.25·2/0.25) / 4² = 1/16.
    expect(d2.quality).toMatchObject({
      decided: 3,
      approval_rate: 1 / 3,
      correction_rate: 0,
      rejection_rate: 2 / 3,
      naive_error_rate: 0.5,
    });
    expect(d2.quality.error_rate?.estimate).toBeCloseTo(0.5, 12);
    expect(d2.quality.error_rate?.low).toBeCloseTo(0.5 - Z * 0.25, 9);
    expect(d2.quality.error_rate?.high).toBeCloseTo(0.5 + Z * 0.25, 9);

    // 11-27, in progress: f judged once; its other task still open, read at noon: 18 hours old.
    expect(d3).toEqual({
      start: '2026-11-27T00:00:00.000Z',
      captured: 0,
      routed: 0,
      by_rule: {},
      decisions: NO_DECISIONS,
      judgments: 1,
      time_per_task_ms: { median: 500, p90: 500 },
      backlog: { open: 1, oldest_seconds: 18 * HOUR },
      agreement: { verdict: null, 'scores.tone': null },
      quality: NO_QUALITY,
    });
  });

  it('keeps to one model version when asked', async () => {
    const s = await series('since=2026-11-25T00:00:00Z&until=2026-11-27T00:00:00Z&model_version=v2');
    expect(s.model_version).toBe('v2');
    expect(s.model_versions).toEqual(['v1', 'v2']);
    expect(s.rules).toEqual(['low-confidence', 'large-refund', 'legal']);
    const [d1, d2] = s.buckets as [Bucket, Bucket];
    expect(s.buckets).toHaveLength(2);
    expect(d1).toMatchObject({
      captured: 1,
      routed: 1,
      by_rule: { 'low-confidence': 1, legal: 1 },
      decisions: { approved: 0, corrected: 0, rejected: 1, timed_out: 0 },
      judgments: 2,
      time_per_task_ms: { median: 4000, p90: 4800 },
      backlog: { open: 0, oldest_seconds: null },
      // b alone: (reject, reject), (rude, rude): no variation.
      agreement: { verdict: null, 'scores.tone': null },
      quality: {
        decided: 1,
        approval_rate: 0,
        correction_rate: 0,
        rejection_rate: 1,
        error_rate: { estimate: 1, low: 1, high: 1 },
        naive_error_rate: 1,
      },
    });
    expect(d2).toMatchObject({
      captured: 2,
      routed: 2,
      by_rule: { 'low-confidence': 1, 'large-refund': 1 },
      decisions: { approved: 1, corrected: 0, rejected: 0, timed_out: 1 },
      judgments: 2,
      time_per_task_ms: { median: 1000, p90: 1000 },
      backlog: { open: 0, oldest_seconds: null },
      // d approved; h2 timed out: observed share 1/2, no error, so no variance either.
      quality: { decided: 1, approval_rate: 1, error_rate: { estimate: 0, low: 0, high: 0 }, naive_error_rate: 0 },
    });
  });

  it('buckets by the hour, widening the range to whole hours', async () => {
    const s = await series('since=2026-11-25T10:30:00Z&until=2026-11-25T12:15:00Z&bucket=hour');
    expect(s).toMatchObject({ since: '2026-11-25T10:00:00.000Z', until: '2026-11-25T13:00:00.000Z', bucket: 'hour' });
    expect(s.buckets.map((b) => [b.start, b.captured, b.judgments, b.backlog.open])).toEqual([
      ['2026-11-25T10:00:00.000Z', 5, 5, 0],
      ['2026-11-25T11:00:00.000Z', 0, 0, 0],
      ['2026-11-25T12:00:00.000Z', 0, 0, 0],
    ]);
    // The rules that matched nothing in the range are not listed.
    expect(s.rules).toEqual(['low-confidence', 'large-refund', 'legal']);
    const [ten] = s.buckets as [Bucket];
    expect(ten.by_rule).toEqual({ 'low-confidence': 2, legal: 1, 'large-refund': 1 });
  });

  it('defaults to the last 30 days by day, up to now', async () => {
    const s = await series('');
    expect(s.bucket).toBe('day');
    expect(s.until).toBe('2026-11-28T00:00:00.000Z');
    expect(s.since).toBe('2026-10-28T00:00:00.000Z');
    expect(s.buckets).toHaveLength(31);
    expect(s.buckets.reduce((n, b) => n + b.captured, 0)).toBe(10);
  });

  it('refuses an empty, reversed or too long range, and unknown buckets', async () => {
    const refused = async (query: string, path: string) => {
      const res = await api.call('GET', `/v1/projects/${projectId}/stats/timeseries?${query}`, manager);
      expect(res.statusCode, res.body).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('TG_VALIDATION_FAILED');
      expect(body.error.details.errors[0].path).toBe(path);
      expect(typeof body.error.details.errors[0].message).toBe('string');
    };
    await refused('since=2026-11-25T00:00:00Z&until=2026-11-25T00:00:00Z', 'querystring.since');
    await refused('since=2026-11-26T00:00:00Z&until=2026-11-25T00:00:00Z', 'querystring.since');
    // 1,001 hours.
    await refused('since=2026-10-01T00:00:00Z&until=2026-11-11T17:00:00Z&bucket=hour', 'querystring.bucket');
    await refused('bucket=week', 'querystring.bucket');
    await refused('since=yesterday', 'querystring.since');
    await refused('model_version=', 'querystring.model_version');
    // Exactly 1,000 hours is allowed.
    const s = await series('since=2026-10-01T00:00:00Z&until=2026-11-11T16:00:00Z&bucket=hour');
    expect(s.buckets).toHaveLength(1000);
  });

  it('is for those who may read statistics: a reviewer is refused, a viewer is not', async () => {
    const res = await api.call('GET', `/v1/projects/${projectId}/stats/timeseries`, r1);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('TG_FORBIDDEN');
    const viewer = await api.key('viewer', projectId);
    expect((await series('', viewer)).buckets).toHaveLength(31);
  });
});

describe('time series grid and backlog sweep', () => {
  it('widens to whole UTC buckets and counts them', () => {
    const g = timeseriesGrid({ since: '2026-11-25T10:30:00Z', until: '2026-11-25T10:30:00.001Z', bucket: 'hour' }, 0);
    expect(g).toEqual({
      bucket: 'hour',
      width: 3_600_000,
      first: at('2026-11-25T10:00:00Z') / 3_600_000,
      count: 1,
      since: at('2026-11-25T10:00:00Z'),
      until: at('2026-11-25T11:00:00Z'),
    });
  });

  it('counts a task open from the end of the bucket it was created in to the bucket it closed in', () => {
    const grid = { bucket: 'day' as const, width: 10, first: 0, count: 4, since: 0, until: 40 };
    const ends = [10, 20, 30, 40];
    const backlog = backlogAtBucketEnds(
      [
        // Before the grid, closed in bucket 1: open at the end of bucket 0 only.
        { opened: null, closed: 1, count: 2, oldest_created_at: -5 },
        // Created in 0, still open.
        { opened: 0, closed: null, count: 1, oldest_created_at: 3 },
        // Created and closed in bucket 2: never open at an end.
        { opened: 2, closed: 2, count: 4, oldest_created_at: 21 },
        // Created in 2, closed after the grid: open at the ends of 2 and 3.
        { opened: 2, closed: 9, count: 1, oldest_created_at: 25 },
      ],
      grid,
      ends,
    );
    expect(backlog).toEqual([
      { open: 3, oldest_seconds: 15 / 1000 },
      { open: 1, oldest_seconds: 17 / 1000 },
      { open: 2, oldest_seconds: 27 / 1000 },
      { open: 2, oldest_seconds: 37 / 1000 },
    ]);
  });
});
