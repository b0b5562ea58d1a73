import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runEvalJobs } from '../../src/app/eval-jobs.js';
import { reassessProjectTrust } from '../../src/app/trust-service.js';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.js';
import { testApi, type TestApi } from '../support/http.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', description: 'Is the answer factually right?', scale: { type: 'likert', min: 1, max: 5 } },
    { key: 'notes', label: 'Notes', scale: { type: 'categorical', options: ['a', 'b'] } },
  ],
};

let judge: FakeJudge;
beforeAll(async () => {
  judge = await startFakeJudge();
});
afterAll(async () => {
  await judge.close();
});

const judgeSpec = (extra: Record<string, unknown> = {}) => ({
  endpoint: judge.url,
  model: 'fake-judge',
  criterion: 'accuracy',
  pass_at: 4,
  retries: 0,
  ...extra,
});

describe.each(DIALECTS)('evaluators (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  const createProject = async (policy: unknown) => {
    const res = await api.call('POST', '/v1/projects', manager, { name: 'Evaluated', policy, rubric: RUBRIC });
    expect(res.statusCode, res.body).toBe(201);
    projectId = res.json().id;
  };
  const saveEvaluators = async (evaluators: unknown[]) => {
    const res = await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, { evaluators });
    expect([200, 201], res.body).toContain(res.statusCode);
    return res.json();
  };
  const capture = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, { input: 'What is the refund limit?', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const evalsOf = async (itemId: string) => (await api.call('GET', `/v1/items/${itemId}/evals`, manager)).json();

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('saves evaluator sets as versions, fills defaults, refuses bad ones with every problem, and a repeated save changes nothing', async () => {
    await createProject({ rules: [] });
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators`, manager)).json()).toMatchObject({ version: 0, evaluators: [] });

    const bad = await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, {
      evaluators: [
        { name: 'PII', check: { type: 'pii', target: 'output' } },
        { name: 'j', judge: { endpoint: 'ftp://x', model: 'm', criterion: 'notes', api_key_env: 'DATABASE_URL' } },
        { name: 'both', check: { type: 'refusal' }, judge: judgeSpec() },
        { name: 'len', check: { type: 'length', unit: 'chars' }, latency_budget_ms: 50 },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TG_INVALID_EVALUATORS');
    const paths = bad.json().error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'evaluators[0].name',
        'evaluators[1].judge.endpoint',
        'evaluators[1].judge.api_key_env',
        'evaluators[1].judge.criterion',
        'evaluators[2]',
        'evaluators[3].check',
        'evaluators[3].latency_budget_ms',
      ]),
    );
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators`, manager)).json().version).toBe(0);

    const set = [
      { name: 'pii', check: { type: 'pii', target: 'output' } },
      { name: 'judge_accuracy', mode: 'sync', judge: judgeSpec() },
    ];
    const first = await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, { evaluators: set });
    expect(first.statusCode, first.body).toBe(201);
    const saved = first.json();
    expect(saved.version).toBe(1);
    expect(saved.evaluators[0]).toMatchObject({ name: 'pii', mode: 'sync', latency_budget_ms: null, reference_path: 'metadata.reference' });
    expect(saved.evaluators[1]).toMatchObject({
      mode: 'sync',
      latency_budget_ms: 2000,
      judge: { criterion: 'accuracy', pass_at: 4, timeout_ms: 10000, concurrency: 4, cache: true, api_key_env: null, price: null },
    });
    const again = await api.call('PUT', `/v1/projects/${projectId}/evaluators`, manager, { evaluators: set });
    expect(again.statusCode).toBe(200);
    expect(again.json().version).toBe(1);
    await saveEvaluators([set[0]]);
    const versions = (await api.call('GET', `/v1/projects/${projectId}/evaluators/versions`, manager)).json().versions;
    expect(versions.map((v: { version: number; evaluators: unknown[] }) => [v.version, v.evaluators.length])).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators/versions/1`, manager)).json().evaluators).toHaveLength(2);
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators/versions/9`, manager)).statusCode).toBe(404);
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit`, manager)).json();
    expect(audit.events.filter((e: { action: string }) => e.action === 'evaluators.saved')).toHaveLength(2);
  });

  it('routes on check results: a PII check sends outputs with personal data to review and stores every result', async () => {
    await createProject({
      rules: [
        { name: 'pii-found', when: { 'evals.pii.found': { eq: true } }, action: 'review', priority: 80 },
        { name: 'bad-json', when: { 'evals.shape.status': { eq: 'fail' } }, action: 'review', queue: 'broken' },
      ],
    });
    await saveEvaluators([
      { name: 'pii', check: { type: 'pii', detectors: ['email', 'payment_card'], target: 'output' } },
      { name: 'shape', check: { type: 'json_schema', schema: { type: 'object', required: ['answer'] } } },
    ]);
    const clean = await capture({ output: { answer: 'Refunds up to 100 EUR are approved at once.' } });
    expect(clean.decision.action).toBe('pass');
    const leaky = await capture({ output: { answer: 'Write to jane.doe@example.com with card 4111 1111 1111 1111.' } });
    expect(leaky.decision).toMatchObject({ action: 'review', queue: 'default' });
    expect(leaky.decision.matched_rules[0].reason).toContain('evals.pii.found');
    // A card number that fails the Luhn check is not a card.
    const notCard = await capture({ output: { answer: 'Order 4111 1111 1111 1112 ships today.' } });
    expect(notCard.decision.action).toBe('pass');
    const broken = await capture({ output: { reply: 'no answer field' } });
    expect(broken.decision).toMatchObject({ action: 'review', queue: 'broken' });

    const results = (await evalsOf(leaky.id)).results;
    expect(results.map((r: { evaluator: string; status: string; found: boolean | null }) => [r.evaluator, r.status, r.found])).toEqual([
      ['pii', 'fail', true],
      ['shape', 'pass', null],
    ]);
    expect(results[0].details).toMatchObject({ counts: { email: 1, payment_card: 1 } });
    // Counts only: the stored result holds none of the personal data it found.
    expect(JSON.stringify(results)).not.toContain('jane.doe');
    expect(results[0]).toMatchObject({ evaluator_version: 1, mode: 'sync', cost: null });
    expect(await countRows(t.store, 'eval_results')).toBe(8);
  });

  it('replays stored evaluator results in a policy backtest', async () => {
    await createProject({ rules: [] });
    await saveEvaluators([{ name: 'pii', check: { type: 'pii', detectors: ['email'], target: 'output' } }]);
    for (let i = 0; i < 6; i++) await capture({ output: i < 2 ? `Mail me at user${i}@example.com` : `Plain answer ${i}` });
    const res = await api.call('POST', `/v1/projects/${projectId}/policy/backtest`, manager, {
      policy: {
        rules: [
          { name: 'pii', when: { 'evals.pii.found': { eq: true } }, action: 'review' },
          { name: 'auto', when: { 'evals.pii.status': { eq: 'pass' } }, action: 'pass', trust: { evaluator: 'pii' } },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toBe(6);
    expect(res.json().overall.candidate).toMatchObject({ routed: 2 });
    expect(res.json().caveats.join(' ')).toContain('replayed as not trusted');
  });

  it('runs sync judges within their latency budget, and the policy decides what unknown means', async () => {
    await createProject({
      rules: [
        { name: 'judge-low', when: { 'evals.judge.score': { lt: 3 } }, action: 'review', priority: 70 },
        { name: 'judge-unknown', when: { 'evals.judge.status': { eq: 'unknown' } }, action: 'review', queue: 'judge-unknown' },
      ],
    });
    await saveEvaluators([{ name: 'judge', mode: 'sync', latency_budget_ms: 300, judge: judgeSpec({ timeout_ms: 5000 }) }]);
    const good = await capture({ output: 'Refunds up to 100 EUR are approved at once.' });
    expect(good.decision.action).toBe('pass');
    const wrong = await capture({ output: 'WRONG: refunds are never possible.' });
    expect(wrong.decision).toMatchObject({ action: 'review', queue: 'default' });

    const started = Date.now();
    const slow = await capture({ output: 'A slow one [[slow:3000]]' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(slow.decision).toMatchObject({ action: 'review', queue: 'judge-unknown' });
    const slowResult = (await evalsOf(slow.id)).results[0];
    expect(slowResult).toMatchObject({ status: 'unknown', score: null });
    expect(slowResult.explanation).toContain('latency budget');

    const malformed = await capture({ output: 'Garbled [[malformed]]' });
    expect(malformed.decision.queue).toBe('judge-unknown');
    expect((await evalsOf(malformed.id)).results[0].explanation).toMatch(/JSON/i);

    const goodResult = (await evalsOf(good.id)).results[0];
    expect(goodResult).toMatchObject({ status: 'pass', score: 5, mode: 'sync' });
    expect(typeof goodResult.explanation).toBe('string');
    // The judge was shown the rubric criterion.
    const sent = judge.requests.find((r) => JSON.stringify(r.body).includes('Refunds up to 100 EUR'));
    expect(JSON.stringify(sent?.body)).toContain('Is the answer factually right?');
  });

  it('runs async judges after capture and re-routes an item that had passed, audited and with its webhook', async () => {
    await createProject({ rules: [{ name: 'judge-low', when: { 'evals.judge.score': { lt: 3 } }, action: 'review', priority: 70 }] });
    await saveEvaluators([
      { name: 'refusal', check: { type: 'refusal' } },
      { name: 'judge', judge: judgeSpec() },
    ]);
    const good = await capture({ output: 'Refunds up to 100 EUR are approved at once.' });
    const wrong = await capture({ output: 'WRONG: refunds are never possible.' });
    expect(good.decision.action).toBe('pass');
    expect(wrong.decision.action).toBe('pass');
    expect((await evalsOf(wrong.id)).pending).toEqual(['judge']);
    expect(await countRows(t.store, 'tasks')).toBe(0);

    const pass = await runEvalJobs(t.ctx);
    expect(pass).toEqual({ done: 2, rerouted: 1 });
    expect(await runEvalJobs(t.ctx)).toEqual({ done: 0, rerouted: 0 });
    const evals = await evalsOf(wrong.id);
    expect(evals.pending).toEqual([]);
    expect(evals.results.map((r: { evaluator: string; status: string; mode: string }) => [r.evaluator, r.status, r.mode])).toEqual([
      ['judge', 'fail', 'async'],
      ['refusal', 'pass', 'sync'],
    ]);
    const item = (await api.call('GET', `/v1/items/${wrong.id}`, manager)).json();
    expect(item.decision).toMatchObject({ action: 'review', queue: 'default' });
    expect(item.outcome.status).toBe('pending');
    expect(await countRows(t.store, 'tasks')).toBe(1);
    const untouched = (await api.call('GET', `/v1/items/${good.id}`, manager)).json();
    expect(untouched.outcome.status).toBe('approved');
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit`, manager)).json();
    const rerouted = audit.events.find((e: { action: string }) => e.action === 'item.rerouted');
    expect(rerouted).toMatchObject({
      subject_id: wrong.id,
      actor: 'evaluator:judge',
      before: { action: 'pass' },
      after: { action: 'review', evaluator: 'judge', status: 'fail' },
    });
  });

  it('asks an async judge again after an outage instead of keeping unknown, and gives up after five tries', async () => {
    await createProject({ rules: [{ name: 'judge-unknown', when: { 'evals.judge.status': { eq: 'unknown' } }, action: 'review' }] });
    await saveEvaluators([{ name: 'judge', judge: judgeSpec() }]);
    const flaky = await capture({ output: `Recovers after one failure [[flaky:503]] ${dialect}` });
    const down = await capture({ output: 'Never answers [[fail:503]]' });
    expect(await runEvalJobs(t.ctx)).toEqual({ done: 0, rerouted: 0 });
    expect((await evalsOf(flaky.id)).pending).toEqual(['judge']);
    // Not due before its backoff.
    expect(await runEvalJobs(t.ctx)).toEqual({ done: 0, rerouted: 0 });
    t.clock.advance(61_000);
    expect(await runEvalJobs(t.ctx)).toEqual({ done: 1, rerouted: 0 });
    expect((await evalsOf(flaky.id)).results[0]).toMatchObject({ status: 'pass', score: 5 });
    for (let i = 0; i < 4; i++) {
      t.clock.advance(16 * 60_000);
      await runEvalJobs(t.ctx);
    }
    const gaveUp = await evalsOf(down.id);
    expect(gaveUp.pending).toEqual([]);
    expect(gaveUp.results[0]).toMatchObject({ status: 'unknown' });
    expect(gaveUp.results[0].explanation).toContain('HTTP 503');
    const item = (await api.call('GET', `/v1/items/${down.id}`, manager)).json();
    expect(item.decision.action).toBe('review');
  });

  it('lets a judge auto-resolve outputs only while it agrees with reviewers, samples what it resolves, and switches itself off when agreement drops', async () => {
    await createProject({
      default_action: 'review',
      rules: [
        { name: 'forced', when: { 'metadata.force': { eq: true } }, action: 'review', priority: 60 },
        {
          name: 'judge-approves',
          when: { 'evals.judge.status': { eq: 'pass' } },
          action: 'pass',
          trust: { evaluator: 'judge', min_kappa: 0.6, min_checks: 10, window_days: 30, audit_sample: 0.1 },
        },
      ],
    });
    await saveEvaluators([{ name: 'judge', mode: 'sync', judge: judgeSpec() }]);
    const reviewer = await api.key('reviewer', projectId);
    const reviewAll = async (verdictFor: (output: string) => 'approve' | 'reject') => {
      for (;;) {
        const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, {});
        if (claim.statusCode !== 200) break;
        const { task, item } = claim.json();
        if (task === null || task === undefined) break;
        const judged = await api.call('POST', `/v1/tasks/${task.id}/judgments`, reviewer, { verdict: verdictFor(String(item.output)) });
        expect(judged.statusCode, judged.body).toBe(201);
      }
    };
    const honest = (output: string) => (output.includes('WRONG') ? 'reject' : 'approve');

    // Not trusted before any human check: the judge's pass resolves nothing, and says so.
    const first = await capture({ output: 'Refunds up to 100 EUR are approved at once.' });
    expect(first.decision.action).toBe('review');
    expect(first.decision.matched_rules[0]).toMatchObject({ name: 'judge-approves', untrusted: true });
    for (let i = 0; i < 12; i++) await capture({ output: i % 2 === 0 ? `Answer ${i}: refunds up to 100 EUR.` : `WRONG answer ${i}` });
    await reviewAll(honest);
    const trust = `/v1/projects/${projectId}/evaluators/trust`;
    expect((await api.call('GET', trust, manager)).json().rules[0]).toMatchObject({ trusted: false, reason: 'not assessed yet' });

    const on = (await api.call('POST', `${trust}/reassess`, manager)).json();
    expect(on.changes).toEqual([expect.objectContaining({ rule: 'judge-approves', evaluator: 'judge', trusted: true })]);
    expect((await api.call('GET', trust, manager)).json().rules[0]).toMatchObject({ trusted: true, kappa: 1, checks: 13, current: true });

    // Trusted: passing outputs resolve without a person, except the audit sample.
    const decisions = [];
    for (let i = 0; i < 30; i++) decisions.push((await capture({ output: `Fine answer ${i}` })).decision);
    const resolved = decisions.filter((d) => d.action === 'pass');
    const audited = decisions.filter((d) => d.action === 'review');
    expect(resolved.length).toBeGreaterThan(15);
    for (const d of audited)
      expect(d.matched_rules.find((r: { name: string }) => r.name === 'judge-approves')).toMatchObject({ audit_sampled: true });
    for (const d of resolved) expect(d.review_probability).toBeCloseTo(0.1, 10);
    // A wrong output the judge fails still goes to people.
    expect((await capture({ output: 'WRONG again' })).decision.action).toBe('review');
    await reviewAll(honest);

    // The model drifts in a way the judge misses: people reject what it passes.
    for (let i = 0; i < 40; i++) await capture({ output: `Plausible but bad ${i}`, metadata: { force: true } });
    await reviewAll(() => 'reject');
    const off = (await api.call('POST', `${trust}/reassess`, manager)).json();
    expect(off.changes).toEqual([expect.objectContaining({ trusted: false })]);
    expect(off.changes[0].reason).toMatch(/kappa/);
    expect((await capture({ output: 'Fine answer, after the drift' })).decision).toMatchObject({ action: 'review' });

    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?action=evaluator.trust_changed`, manager)).json();
    expect(audit.events.map((e: { actor: string; after: { trusted: boolean } }) => [e.actor, e.after.trusted])).toEqual([
      ['system:trust', true],
      ['system:trust', false],
    ]);

    // The agreement report sees the same human checks, and lists the disagreements.
    const agreement = (
      await api.call('GET', `/v1/projects/${projectId}/evaluators/judge/agreement?segment=metadata.force`, manager)
    ).json();
    expect(agreement.report.confusion.pass_fail).toBe(40);
    expect(agreement.report.kappa.value).toBeLessThan(0.6);
    expect(agreement.segments.map((s: { segment: string | null }) => s.segment)).toEqual(['true', null]);
    expect(agreement.segments[0].report.confusion).toEqual({ pass_pass: 0, pass_fail: 40, fail_pass: 0, fail_fail: 0 });
    const disagreements = (await api.call('GET', `/v1/projects/${projectId}/evaluators/judge/disagreements?limit=5`, manager)).json()
      .disagreements;
    expect(disagreements).toHaveLength(5);
    expect(disagreements[0]).toMatchObject({
      evaluator: { status: 'pass', score: 5 },
      human: { verdict: 'fail', outcome_status: 'rejected' },
    });
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators/nope/agreement`, manager)).statusCode).toBe(404);
  });

  it('moves trust with the scheduler-side reassessment and ignores trust earned under a lower bar', async () => {
    const policy = (minKappa: number) => ({
      default_action: 'review',
      rules: [
        {
          name: 'auto',
          when: { 'evals.refusal.status': { eq: 'pass' } },
          action: 'pass',
          trust: { evaluator: 'refusal', min_kappa: minKappa, min_checks: 10 },
        },
      ],
    });
    await createProject(policy(0.5));
    await saveEvaluators([{ name: 'refusal', check: { type: 'refusal' } }]);
    const reviewer = await api.key('reviewer', projectId);
    for (let i = 0; i < 12; i++)
      await capture({ output: i % 3 === 0 ? "I'm sorry, but I can't help with that." : `Here is the answer ${i}.` });
    for (;;) {
      const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, {});
      if (claim.statusCode !== 200 || !claim.json().task) break;
      const { task, item } = claim.json();
      await api.call('POST', `/v1/tasks/${task.id}/judgments`, reviewer, {
        verdict: String(item.output).includes('sorry') ? 'reject' : 'approve',
      });
    }
    const project = (await api.call('GET', `/v1/projects/${projectId}`, manager)).json();
    expect(await reassessProjectTrust(t.ctx, projectId, project.policy.version)).toHaveLength(1);
    expect((await capture({ output: 'A plain answer.' })).decision.matched_rules[0].untrusted).toBeUndefined();
    // A stricter requirement is judged afresh: until then, nothing is resolved on the old verdict.
    const updated = await api.call('PUT', `/v1/projects/${projectId}/policy`, manager, policy(0.9));
    expect(updated.statusCode, updated.body).toBe(200);
    const after = await capture({ output: 'Another plain answer.' });
    expect(after.decision.matched_rules[0]).toMatchObject({ untrusted: true });
    expect((await api.call('GET', `/v1/projects/${projectId}/evaluators/trust`, manager)).json().rules[0]).toMatchObject({
      trusted: false,
      current: false,
    });
  });
});
