import type * as ExportRepo from '../../src/store/export-repo.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EvalOutcome } from '../../src/core/evals/evaluator-run.js';
import { putEvalResults } from '../../src/store/eval-repo.js';
import { inTransaction } from '../../src/store/executor.js';
import { insertItems, type ItemRecord } from '../../src/store/item-repo.js';
import { testApi, type TestApi } from '../support/http.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

/** Counts the item pages an export reads, to show where the disagreement filter applies. */
const reads = vi.hoisted(() => ({ pages: 0 }));
vi.mock('../../src/store/export-repo.js', async (importOriginal) => {
  const real = await importOriginal<typeof ExportRepo>();
  return {
    ...real,
    listExportItems: (...args: Parameters<typeof real.listExportItems>) => {
      reads.pages++;
      return real.listExportItems(...args);
    },
  };
});

const PII = { name: 'pii', check: { type: 'pii', detectors: ['email'], target: 'output' } };
const SHORT = { name: 'short', check: { type: 'length', max: 500, unit: 'chars', target: 'output' } };
const POLICY = {
  default_action: 'review',
  rules: [{ name: 'auto', when: { 'metadata.auto': { eq: true } }, action: 'pass', priority: 10 }],
};

interface EvalCase {
  id: string;
  verdict: string;
  evaluator?: {
    name: string;
    status: string;
    score: number | null;
    label: string | null;
    explanation: string | null;
    version: number;
  } | null;
}

const lines = (body: string): EvalCase[] =>
  body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EvalCase);

const outcome = (o: Partial<EvalOutcome>): EvalOutcome => ({
  evaluator: 'pii',
  evaluator_version: 1,
  mode: 'sync',
  status: 'pass',
  score: 1,
  label: 'clean',
  found: false,
  explanation: null,
  details: {},
  latency_ms: 0,
  cost: null,
  ...o,
});

describe.each(DIALECTS)('eval export with an evaluator (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let reviewer: string;
  let projectId: string;
  const ids: Record<string, string> = {};

  const get = (query: string) => api.call('GET', `/v1/projects/${projectId}/exports/eval?${query}`, manager);
  const exported = async (query: string) => {
    const res = await get(query);
    expect(res.statusCode, res.body).toBe(200);
    return lines(res.body);
  };
  const names = (cases: EvalCase[]) => {
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return cases.map((c) => byId.get(c.id));
  };
  const saveEvaluators = async (evaluators: object[]) => {
    const res = await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, { evaluators });
    expect(res.statusCode, res.body).toBe(201);
  };

  /** Captures an item; unless the policy passes it, the reviewer claims it and sends `judgment`. */
  async function captured(name: string, output: string, judgment: object | null, metadata: object = {}) {
    t.clock.advance(1000);
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: `Question for ${name}`, output, metadata });
    expect(res.statusCode, res.body).toBe(201);
    ids[name] = res.json<{ id: string }>().id;
    if (judgment === null) return;
    const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, {});
    expect(claim.json<{ item: { id: string } }>().item.id).toBe(ids[name]);
    const sent = await api.call('POST', `/v1/tasks/${claim.json<{ task: { id: string } }>().task.id}/judgments`, reviewer, judgment);
    expect(sent.statusCode, sent.body).toBe(201);
  }

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Judged', policy: POLICY })).json<{ id: string }>().id;
    reviewer = await api.key('reviewer', projectId);

    const approve = { verdict: 'approve' };
    const reject = { verdict: 'reject' };
    // Before any evaluator: no result to carry.
    await captured('unscored', 'Write to a@example.com', reject);
    await saveEvaluators([PII]);
    await captured('agreeApprove', 'Refunds take five days.', approve);
    await captured('passRejected', 'Refunds are instant.', reject);
    await saveEvaluators([PII, SHORT]);
    await captured('failApproved', 'Write to refunds@example.com', approve);
    await captured('agreeReject', 'Mail me at jane@example.com', reject);
    await captured('passCorrected', 'Refunds take ten days.', { verdict: 'correct', correction: 'Refunds take five days.' });
    await captured('unknownRejected', 'Refunds? No idea.', reject);
    // Passed by the policy: no person decided it.
    await captured('policyPassed', 'Write to bot@example.com', null, { auto: true });
    // An evaluator that could not judge disagrees with nobody.
    await putEvalResults(
      t.store,
      projectId,
      ids.unknownRejected!,
      [outcome({ evaluator_version: 2, status: 'unknown', score: null, label: null, found: null, explanation: 'could not read it' })],
      t.clock(),
    );
    // Dropped from the set later: its results are still exported by name.
    await saveEvaluators([SHORT]);
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  it('leaves the eval cases as they were without the option', async () => {
    const plain = await exported('');
    expect(names(plain)).toEqual([
      'unscored',
      'agreeApprove',
      'passRejected',
      'failApproved',
      'agreeReject',
      'passCorrected',
      'unknownRejected',
    ]);
    for (const c of plain) expect(c).not.toHaveProperty('evaluator');
  });

  it("carries the named evaluator's stored result on each case, null where it has none", async () => {
    const cases = await exported('evaluator=pii');
    expect(names(cases)).toEqual([
      'unscored',
      'agreeApprove',
      'passRejected',
      'failApproved',
      'agreeReject',
      'passCorrected',
      'unknownRejected',
    ]);
    const byName = Object.fromEntries(cases.map((c, i) => [names(cases)[i], c.evaluator]));
    expect(byName.unscored).toBeNull();
    expect(byName.agreeApprove).toEqual({
      name: 'pii',
      status: 'pass',
      score: 1,
      label: 'clean',
      explanation: expect.any(String) as string,
      version: 1,
    });
    // Scored by the second version of the set, which the result records.
    expect(byName.failApproved).toMatchObject({ name: 'pii', status: 'fail', label: 'found', score: 0, version: 2 });
    expect(byName.unknownRejected).toEqual({
      name: 'pii',
      status: 'unknown',
      score: null,
      label: null,
      explanation: 'could not read it',
      version: 2,
    });
    // Another evaluator's results are its own.
    const short = await exported('evaluator=short');
    expect(short.map((c) => c.evaluator?.status ?? null)).toEqual([null, null, null, 'pass', 'pass', 'pass', 'pass']);
    expect(await exported('evaluator=pii&disagreements_only=false')).toEqual(cases);
    // With unreviewed items, the one the policy passed comes with its result too.
    const all = await exported('evaluator=pii&include_unreviewed=true');
    expect(all.at(-1)).toMatchObject({ id: ids.policyPassed, evaluator: { status: 'fail', label: 'found' } });
  });

  it("keeps only the cases where the evaluator's pass or fail differs from people's outcome", async () => {
    const cases = await exported('evaluator=pii&disagreements_only=true');
    // approved = pass; corrected and rejected = fail. Agreements, an unknown result and an item
    // without a result are left out.
    expect(names(cases)).toEqual(['passRejected', 'failApproved', 'passCorrected']);
    expect(cases.map((c) => [c.verdict, c.evaluator?.status])).toEqual([
      ['reject', 'pass'],
      ['approve', 'fail'],
      ['correct', 'pass'],
    ]);
    // The other filters still apply.
    expect(names(await exported('evaluator=pii&disagreements_only=true&verdict=approve'))).toEqual(['failApproved']);
    // The length check passes every output it scored: its disagreements are what people did not approve.
    expect(names(await exported('evaluator=short&disagreements_only=true'))).toEqual(['agreeReject', 'passCorrected', 'unknownRejected']);

    // The same items the disagreements report lists.
    const report = await api.call('GET', `/v1/projects/${projectId}/evaluators/pii/disagreements`, manager);
    const listed = report.json<{ disagreements: { item_id: string }[] }>().disagreements.map((d) => d.item_id);
    expect([...listed].sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it('refuses the options where they cannot apply, naming each, and exports nothing', async () => {
    const problems = async (format: string, query: string) => {
      const res = await api.call('GET', `/v1/projects/${projectId}/exports/${format}?${query}`, manager);
      expect(res.statusCode, res.body).toBe(400);
      const error = res.json<{ error: { code: string; details: { errors: { path: string; message: string }[] } } }>().error;
      expect(error.code).toBe('TG_VALIDATION_FAILED');
      return error.details.errors;
    };
    for (const format of ['sft', 'preference', 'judgments']) {
      expect(await problems(format, 'evaluator=pii&disagreements_only=true')).toEqual([
        { path: 'querystring.disagreements_only', message: 'applies to the eval format only' },
        { path: 'querystring.evaluator', message: 'applies to the eval format only' },
      ]);
    }
    expect(await problems('sft', 'disagreements_only=false')).toEqual([
      { path: 'querystring.disagreements_only', message: 'applies to the eval format only' },
    ]);
    expect((await problems('eval', 'disagreements_only=true'))[0]?.message).toMatch(/needs evaluator=<name>/);
    expect((await problems('eval', 'evaluator=pii&disagreements_only=true&include_unreviewed=true'))[0]).toMatchObject({
      path: 'querystring.disagreements_only',
      message: expect.stringContaining('include_unreviewed') as string,
    });
    expect((await problems('eval', 'evaluator=Not-A-Name'))[0]?.path).toBe('querystring.evaluator');
    expect(await problems('eval', 'evaluator=nope')).toEqual([
      { path: 'querystring.evaluator', message: expect.stringContaining('"nope"') as string },
    ]);
    // A refused export is not an export: nothing was audited for it.
    const audit = await api.call('GET', `/v1/projects/${projectId}/audit?action=data.exported`, manager);
    const filters = audit.json<{ events: { after: { filters: Record<string, unknown> } }[] }>().events.map((e) => e.after.filters);
    expect(filters.some((f) => f.evaluator === 'nope' || f.evaluator === 'Not-A-Name')).toBe(false);
    expect(filters.some((f) => f.evaluator === 'pii' && f.disagreements_only === true)).toBe(true);
  });
});

describe.each(DIALECTS)('eval export of disagreements over several pages (%s)', (dialect) => {
  const N = 1200;
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Many' })).json<{ id: string }>().id;
    expect((await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, { evaluators: [PII] })).statusCode).toBe(201);
    const start = t.clock();
    const item = (i: number): ItemRecord => ({
      id: `item-${String(i).padStart(6, '0')}`,
      project_id: projectId,
      kind: 'output',
      external_id: null,
      input: `Question ${i}`,
      output: `Answer ${i}`,
      model: 'bot',
      model_version: 'v1',
      confidence: null,
      metadata: {},
      tags: [],
      created_at: start + i,
      decision: {
        action: 'review',
        priority: 50,
        matched_rules: [],
        policy_version: 1,
        required_reviews: 1,
        queue: 'default',
        review_probability: 1,
        hold: null,
      },
      outcome: { status: 'approved', output: `Answer ${i}`, decided_at: start + i, decided_by: 'key:r', reason: 'ok', fallback: null },
      hold_deadline: null,
      hold_escalated_at: null,
      probe_of: null,
      redactions: null,
      purged: null,
    });
    await inTransaction(t.store, async (tx) => {
      await insertItems(
        tx,
        Array.from({ length: N }, (_, i) => item(i)),
      );
      // Every item people approved; the check failed every other one: 600 disagreements.
      for (let i = 0; i < N; i++) {
        const fail = i % 2 === 0;
        await putEvalResults(
          tx,
          projectId,
          item(i).id,
          [outcome(fail ? { status: 'fail', score: 0, label: 'found', found: true } : {})],
          start,
        );
      }
    });
  }, 120_000);
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  it('filters in the store, so pages stay full of disagreements and none is lost at a page boundary', async () => {
    reads.pages = 0;
    const res = await api.call('GET', `/v1/projects/${projectId}/exports/eval?evaluator=pii&disagreements_only=true`, manager);
    expect(res.statusCode).toBe(200);
    const cases = lines(res.body);
    expect(cases.map((c) => c.id)).toEqual(Array.from({ length: N / 2 }, (_, k) => `item-${String(2 * k).padStart(6, '0')}`));
    expect(cases.every((c) => c.evaluator?.status === 'fail' && c.verdict === 'approve')).toBe(true);
    // 500 disagreements, then the last 100: two pages, where reading every item would take three.
    expect(reads.pages).toBe(2);

    reads.pages = 0;
    expect(lines((await api.call('GET', `/v1/projects/${projectId}/exports/eval?evaluator=pii`, manager)).body)).toHaveLength(N);
    expect(reads.pages).toBe(3);
  });
});
