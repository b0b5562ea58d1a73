import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { krippendorffAlpha } from '../../src/core/stats/agreement/krippendorff-alpha.js';
import type { Rating } from '../../src/core/stats/ratings.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const _ = null;
// Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section C: observers A–D
// rating 12 units 1–5 with missing values; published ordinal α = 0.815, nominal α = 0.743. Here
// the observers are reviewers, the units items, and the values a 1–5 likert criterion.
const DATA: (number | null)[][] = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];
const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } },
    { key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['warm', 'neutral', 'cold'] } },
  ],
};
const POLICY = { rules: [{ name: 'everything', when: { confidence: { gte: 0 } }, action: 'review', priority: 50, overlap: 4 }] };
const verdictFor = (v: number | null) => (v === null ? 'approve' : v >= 4 ? 'approve' : v <= 1 ? 'reject' : 'correct');

describe.each(DIALECTS)('statistics over stored judgments (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;
  /** Item id of each data column, in capture order. */
  let items: string[];
  /** Reviewer id (the judgment's `reviewer`) of each data row. */
  let reviewerIds: string[];

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Stats', rubric: RUBRIC, policy: POLICY })).json().id;
    items = [];
    for (let u = 0; u < 12; u++) {
      const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: `q${u}`, output: `a${u}`, confidence: 0.5 });
      items.push(res.json().id);
    }
    reviewerIds = [];
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  /** Each reviewer works the queue until it is empty for them, judging as the data says. */
  async function judgeAll(): Promise<void> {
    for (const row of DATA) {
      const key = await api.key('reviewer', projectId);
      for (;;) {
        const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key);
        if (claim.statusCode === 204) break;
        const { task, item } = claim.json();
        const v = row[items.indexOf(item.id)] ?? null;
        const res = await api.call('POST', `/v1/tasks/${task.id}/judgments`, key, {
          verdict: verdictFor(v),
          scores: v === null ? {} : { accuracy: v, tone: v >= 3 ? 'warm' : 'cold' },
          ...(verdictFor(v) === 'correct' ? { correction: 'fixed' } : {}),
        });
        expect(res.statusCode).toBe(201);
        if (reviewerIds.length < DATA.indexOf(row) + 1) reviewerIds.push(res.json().judgment.reviewer);
      }
    }
  }

  it('reports Krippendorff’s published alpha for a likert criterion, per field and per queue', async () => {
    await judgeAll();
    const res = await api.call('GET', `/v1/projects/${projectId}/stats/agreement`, manager);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ project_id: projectId, judgments: 48, multiply_judged_items: 12 });
    const accuracy = body.fields.find((f: { field: string }) => f.field === 'scores.accuracy');
    expect(accuracy.level).toBe('ordinal');
    expect(accuracy.krippendorff_alpha.defined).toBe(true);
    expect(accuracy.krippendorff_alpha.value).toBeCloseTo(0.815, 3);
    // Unit 12 has one value only and is dropped, as the method prescribes.
    expect(accuracy.krippendorff_alpha.units).toBe(11);
    expect(accuracy.krippendorff_alpha.pairable_values).toBe(40);

    // The verdict is nominal and derived from the same values: the API's figure is the module's.
    const verdictRatings: Rating[] = DATA.flatMap((row, r) => row.map((v, u) => ({ unit: `${u}`, rater: `${r}`, value: verdictFor(v) })));
    const verdict = body.fields.find((f: { field: string }) => f.field === 'verdict');
    expect(verdict.level).toBe('nominal');
    expect(verdict.krippendorff_alpha.value).toBeCloseTo(krippendorffAlpha(verdictRatings, { level: 'nominal' }).value, 12);
    expect(verdict.percent_agreement.defined).toBe(true);

    expect(body.by_queue).toHaveLength(1);
    expect(body.by_queue[0].queue).toBe('default');
    expect(body.by_queue[0].fields.find((f: { field: string }) => f.field === 'scores.accuracy').krippendorff_alpha.value).toBeCloseTo(
      0.815,
      3,
    );

    const boot = (await api.call('GET', `/v1/projects/${projectId}/stats/agreement?bootstrap=200&seed=7`, manager)).json();
    const alpha = boot.fields.find((f: { field: string }) => f.field === 'scores.accuracy').krippendorff_alpha;
    expect(alpha.ci_low).toBeLessThanOrEqual(alpha.value);
    expect(alpha.ci_high).toBeGreaterThanOrEqual(alpha.ci_low);
    const again = (await api.call('GET', `/v1/projects/${projectId}/stats/agreement?bootstrap=200&seed=7`, manager)).json();
    expect(again).toEqual(boot);
  });

  it('says why a figure is undefined instead of failing the report', async () => {
    const res = await api.call('GET', `/v1/projects/${projectId}/stats/agreement`, manager);
    expect(res.statusCode).toBe(200);
    const verdict = res.json().fields.find((f: { field: string }) => f.field === 'verdict');
    expect(verdict.krippendorff_alpha).toMatchObject({ defined: false, code: 'TG_STATS_UNDEFINED' });
    expect(verdict.krippendorff_alpha.reason).toEqual(expect.any(String));
  });

  it('rates each reviewer against the consensus of the others (managers only)', async () => {
    await judgeAll();
    const res = await api.call('GET', `/v1/projects/${projectId}/stats/reviewers?field=scores.accuracy`, manager);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.field).toBe('scores.accuracy');
    expect(body.reviewers).toHaveLength(4);
    const d = body.reviewers.find((r: { reviewer: string }) => r.reviewer === reviewerIds[3]);
    expect(d.judgments).toBe(12);
    // Observer D against the majority of A–C, unit by unit from the table: D agrees on units
    // 1–5, 7, 9 and 10; the others tie on 6 (1, 2, 3) and 8 (1, 1, 2 → majority 1, D says 1: agree);
    // unit 11 has only C (1) beside D (1): agree; unit 12 D gave nothing.
    expect(d.agreement_with_peers).toMatchObject({ agreed: 10, compared: 10, skipped_ties: 1 });
    expect(d.agreement_with_peers.interval.low).toBeGreaterThan(0.6);

    const reviewer = await api.key('reviewer', projectId);
    const forbidden = await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, reviewer);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('TG_FORBIDDEN');
    const viewer = await api.key('viewer');
    expect((await api.call('GET', `/v1/projects/${projectId}/stats/reviewers`, viewer)).statusCode).toBe(403);
    expect((await api.call('GET', `/v1/projects/${projectId}/stats/agreement`, viewer)).statusCode).toBe(200);
  });

  it('aggregates labels per item by majority, weighted vote and Dawid–Skene', async () => {
    await judgeAll();
    const majority = (await api.call('GET', `/v1/projects/${projectId}/stats/labels?field=scores.tone`, manager)).json();
    expect(majority.method).toBe('majority');
    expect(majority.items).toHaveLength(12);
    // Unit 6: values 1, 2, 3, 4 → tones cold, cold, warm, warm: a tie, left unresolved by default.
    const unit6 = majority.items.find((i: { item: string }) => i.item === items[5]);
    expect(unit6).toMatchObject({ label: null, tied: ['warm', 'cold'] });
    const unit1 = majority.items.find((i: { item: string }) => i.item === items[0]);
    expect(unit1.label).toBe('cold');

    const lowest = (await api.call('GET', `/v1/projects/${projectId}/stats/labels?field=scores.tone&ties=lowest`, manager)).json();
    expect(lowest.items.find((i: { item: string }) => i.item === items[5]).label).toBe('warm');

    const ds = (await api.call('GET', `/v1/projects/${projectId}/stats/labels?method=dawid-skene`, manager)).json();
    expect(ds.items).toHaveLength(12);
    expect(ds.reviewers).toHaveLength(4);
    expect(ds.class_priors.reduce((s: number, p: { probability: number }) => s + p.probability, 0)).toBeCloseTo(1, 9);

    const weighted = await api.call('GET', `/v1/projects/${projectId}/stats/labels?method=weighted`, manager);
    expect(weighted.statusCode).toBe(200);
    expect(weighted.json().items).toHaveLength(12);
  });

  it('refuses a field that is not in the rubric or cannot be aggregated', async () => {
    const unknown = await api.call('GET', `/v1/projects/${projectId}/stats/labels?field=scores.nope`, manager);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('TG_STATS_INVALID_INPUT');
    expect(unknown.json().error.message).toContain('scores.accuracy');
    const ordinal = await api.call('GET', `/v1/projects/${projectId}/stats/labels?field=scores.accuracy`, manager);
    expect(ordinal.statusCode).toBe(422);
    const badQuery = await api.call('GET', `/v1/projects/${projectId}/stats/agreement?bootstrap=0`, manager);
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.code).toBe('TG_VALIDATION_FAILED');
  });
});

describe.each(DIALECTS)('error rate under routing (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    const policy = {
      rules: [
        { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
        { name: 'audit', sample: 0.25, action: 'review', priority: 10 },
      ],
    };
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Errors', policy })).json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('weighs each reviewed item by 1 / its review probability, and leaves pending reviews out', async () => {
    const sent = [
      ...Array.from({ length: 20 }, (_, i) => ({ input: `risky ${i}`, output: 'x', confidence: 0.2 })),
      ...Array.from({ length: 80 }, (_, i) => ({ input: `routine ${i}`, output: 'y', confidence: 0.9 })),
    ];
    const batch = (await api.call('POST', `/v1/projects/${projectId}/items/batch`, manager, { items: sent })).json();
    const reviewer = await api.key('reviewer', projectId);
    // Risky items are wrong half the time, routine ones rarely: the naive rate over-states the stream's.
    // Another reviewer holds one task without deciding: its item stays pending.
    const holder = await api.key('reviewer', projectId);
    const held = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, holder)).json();
    let judged = 0;
    for (;;) {
      const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer);
      if (claim.statusCode === 204) break;
      const { task, item } = claim.json();
      const risky = item.confidence < 0.5;
      const verdict = risky ? (judged % 2 === 0 ? 'reject' : 'approve') : judged % 7 === 0 ? 'correct' : 'approve';
      judged++;
      const res = await api.call('POST', `/v1/tasks/${task.id}/judgments`, reviewer, {
        verdict,
        ...(verdict === 'correct' ? { correction: 'fixed' } : {}),
      });
      expect(res.statusCode).toBe(201);
    }
    expect((await api.call('GET', `/v1/items/${held.item.id}`, manager)).json().outcome.status).toBe('pending');
    // All 20 risky items were reviewed (one held), and about a quarter of the routine ones.
    expect(judged).toBeGreaterThan(19 + 10);

    // The expected figures by hand from the stored items. Risky items (π = 1) have one review
    // still pending, so that class counts as observed with probability 19/20; routine items
    // (π = 0.25) were all judged once sampled.
    let riskyErrors = 0;
    let routineErrors = 0;
    let reviewed = 0;
    let naiveErrors = 0;
    for (const it of batch.items) {
      const d = (await api.call('GET', `/v1/items/${it.id}`, manager)).json();
      const error = d.outcome.status === 'rejected' || d.outcome.status === 'corrected';
      if (d.decision.action === 'pass' || d.outcome.status === 'pending') continue;
      reviewed++;
      if (error) naiveErrors++;
      if (error && d.decision.review_probability === 1) riskyErrors++;
      if (error && d.decision.review_probability === 0.25) routineErrors++;
    }
    const htRate = (riskyErrors / (19 / 20) + routineErrors / 0.25) / 100;

    const res = await api.call('GET', `/v1/projects/${projectId}/stats/error-rate`, manager);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ pending_reviews: 1, timed_out: 0, unknown_probability: 0 });
    expect(body.estimate.defined).toBe(true);
    expect(body.estimate.population).toBe(100);
    expect(body.estimate.reviewed).toBe(reviewed);
    expect(body.estimate.horvitz_thompson.rate).toBeCloseTo(htRate, 12);
    expect(body.estimate.naive.rate).toBeCloseTo(naiveErrors / reviewed, 12);
    // Risky items are over-represented among the reviewed, so the naive rate is the higher one.
    expect(body.estimate.naive.rate).toBeGreaterThan(body.estimate.horvitz_thompson.rate);
    expect(body.estimate.hajek.rate).toBeLessThan(body.estimate.naive.rate);

    // A window with nothing in it is not an error: the estimate says why it is undefined.
    const empty = (await api.call('GET', `/v1/projects/${projectId}/stats/error-rate?until=2000-01-01T00:00:00Z`, manager)).json();
    expect(empty.estimate).toMatchObject({ defined: false, code: 'TG_STATS_UNDEFINED' });
  });
});
