import type * as ExportRepo from '../../src/store/export-repo.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyDueHolds } from '../../src/app/hold-service.js';
import { inTransaction } from '../../src/store/executor.js';
import { insertItems, type ItemRecord } from '../../src/store/item-repo.js';
import { testApi, type TestApi } from '../support/http.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { openAiChatProblems, trlPreferenceProblems } from '../support/training-formats.js';

/**
 * Counts the pages the exports read, to show a large export is read page by page as it is sent;
 * `failAt` makes that page's read fail, as a lost database connection would.
 */
const reads = vi.hoisted(() => ({ pages: 0, failAt: 0 }));
vi.mock('../../src/store/export-repo.js', async (importOriginal) => {
  const real = await importOriginal<typeof ExportRepo>();
  return {
    ...real,
    listExportItems: (...args: Parameters<typeof real.listExportItems>) => {
      reads.pages++;
      if (reads.pages === reads.failAt) return Promise.reject(new Error('connection to the store lost'));
      return real.listExportItems(...args);
    },
  };
});

const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } },
    { key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['warm', 'neutral', 'curt'] } },
    { key: 'issues', label: 'Issues', scale: { type: 'labels', options: ['wrong_amount', 'rude', 'made_up'], multiple: true } },
  ],
};
const POLICY = {
  rules: [
    { name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
    { name: 'double', when: { 'metadata.double': { eq: true } }, action: 'review', priority: 60, overlap: 2, queue: 'double' },
    { name: 'held', when: { 'metadata.held': { eq: true } }, action: 'hold', priority: 90, timeout_seconds: 60, on_timeout: 'approve' },
  ],
};

const TOOL_INPUT = [
  { role: 'user', content: 'Where is order A-2?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"order":"A-2"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"status":"damaged"}' },
  // Content parts and a field of the capturing service's own, as clients send them.
  {
    role: 'user',
    content: [
      { type: 'text', text: 'It arrived broken.' },
      { type: 'text', text: 'Refund it.' },
    ],
    sent_at: 1764072000,
  },
];

const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => ({ role: 'assistant', content });
const lines = (body: string): unknown[] =>
  body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe.each(DIALECTS)('training and evaluation exports (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let r1: string;
  let r2: string;
  let projectId: string;
  const ids: Record<string, string> = {};
  const times: Record<string, number> = {};

  const get = (path: string, key = manager) => api.call('GET', `/v1/projects/${projectId}/exports/${path}`, key);
  const exported = async (path: string) => {
    const res = await get(path);
    expect(res.statusCode, res.body).toBe(200);
    return lines(res.body);
  };

  /** Captures an item and has each reviewer claim it and send their judgment, in turn. */
  async function reviewed(name: string, item: object, judgments: [string, object][]) {
    t.clock.advance(1000);
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, manager, item);
    expect(res.statusCode, res.body).toBe(201);
    ids[name] = res.json<{ id: string }>().id;
    times[name] = t.clock();
    for (const [key, body] of judgments) {
      const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, key, {});
      expect(claim.json<{ item: { id: string } }>().item.id).toBe(ids[name]);
      const sent = await api.call('POST', `/v1/tasks/${claim.json<{ task: { id: string } }>().task.id}/judgments`, key, body);
      expect(sent.statusCode, sent.body).toBe(201);
    }
  }

  async function compared(name: string, body: object, answer: object) {
    t.clock.advance(1000);
    const res = await api.call('POST', `/v1/projects/${projectId}/comparisons`, manager, body);
    expect(res.statusCode, res.body).toBe(201);
    ids[name] = res.json<{ id: string }>().id;
    const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, r1, {});
    expect(claim.json<{ item: { id: string } }>().item.id).toBe(ids[name]);
    const sent = await api.call('POST', `/v1/tasks/${claim.json<{ task: { id: string } }>().task.id}/judgments`, r1, answer);
    expect(sent.statusCode, sent.body).toBe(201);
  }

  const publish = async (note: string) =>
    expect(
      (await api.call('PUT', `/v1/projects/${projectId}/guidelines`, manager, { markdown: `# ${note}`, change_note: note })).statusCode,
    ).toBe(200);

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    const created = await api.call('POST', '/v1/projects', manager, { name: 'Exports', rubric: RUBRIC, policy: POLICY });
    projectId = created.json<{ id: string }>().id;
    r1 = await api.key('reviewer', projectId);
    r2 = await api.key('reviewer', projectId);
    await publish('v1');

    await reviewed(
      'approved',
      { input: 'How do I reset my password?', output: 'Use Settings → Security.', model: 'bot', model_version: 'v1', confidence: 0.2 },
      [[r1, { verdict: 'approve', scores: { accuracy: 5, tone: 'warm', issues: [] }, time_spent_ms: 9000 }]],
    );
    await reviewed(
      'corrected',
      {
        input: [
          { role: 'system', content: 'You are a support bot.' },
          { role: 'user', content: 'Refund my order A-1' },
        ],
        output: { role: 'assistant', content: 'Refunded $900.' },
        model: 'bot',
        model_version: 'v2',
        confidence: 0.2,
      },
      [
        [
          r1,
          {
            verdict: 'correct',
            correction: 'I have asked a manager to approve your refund.',
            scores: { accuracy: 2, tone: 'neutral', issues: ['wrong_amount'] },
            comment: 'over the limit',
            time_spent_ms: 41000,
          },
        ],
      ],
    );
    await reviewed('rejected', { input: 'Tell me a joke', output: 'No.', model: 'bot', model_version: 'v1', confidence: 0.2 }, [
      [r1, { verdict: 'reject', scores: { accuracy: 1, tone: 'curt', issues: ['rude'] }, comment: '=HYPERLINK("http://x")' }],
    ]);
    await reviewed(
      'tool',
      {
        input: TOOL_INPUT,
        output: { name: 'issue_refund', arguments: { order: 'A-2', amount: 120 } },
        model: 'agent',
        model_version: 'v2',
        confidence: 0.2,
      },
      [[r1, { verdict: 'approve', scores: { accuracy: 4 } }]],
    );
    await publish('v2');
    await reviewed(
      'agreed',
      { input: 'Opening hours?', output: 'Nine to five.', model: 'bot', model_version: 'v1', confidence: 0.9, metadata: { double: true } },
      [
        [r1, { verdict: 'approve', scores: { accuracy: 5, tone: 'warm' } }],
        [r2, { verdict: 'approve', scores: { accuracy: 4, tone: 'warm' } }],
      ],
    );
    await reviewed(
      'split',
      {
        input: 'Can I return shoes?',
        output: 'No returns.',
        model: 'bot',
        model_version: 'v2',
        confidence: 0.9,
        metadata: { double: true },
      },
      [
        [r1, { verdict: 'approve', scores: { accuracy: 3, tone: 'neutral', issues: ['made_up'] } }],
        [
          r2,
          { verdict: 'correct', correction: 'Yes, within 30 days.', scores: { accuracy: 1, tone: 'curt', issues: ['made_up', 'rude'] } },
        ],
      ],
    );
    await reviewed('passed', { input: 'Hi', output: 'Hello!', model: 'bot', model_version: 'v1', confidence: 0.9 }, []);
    await reviewed(
      'held',
      {
        input: 'Refund $50?',
        output: { name: 'issue_refund', arguments: { amount: 50 } },
        model_version: 'v1',
        confidence: 0.9,
        metadata: { held: true },
      },
      [],
    );
    t.clock.advance(61_000);
    expect((await applyDueHolds(t.ctx)).timedOut).toBe(1);
    await reviewed(
      'erased',
      { input: 'Mail me at ann@example.org', output: 'Done.', model_version: 'v1', confidence: 0.2, external_id: 'erase-me' },
      [[r1, { verdict: 'approve', comment: 'fine' }]],
    );
    expect((await api.call('POST', `/v1/projects/${projectId}/erasures`, manager, { external_id: 'erase-me' })).statusCode).toBe(201);
    await compared(
      'compare',
      {
        input: 'Say hi',
        candidates: [
          { output: 'hi', model_version: 'v1' },
          { output: 'Hello! How can I help?', model_version: 'v2' },
        ],
      },
      { preference: { winner: 'b', strength: 'clear', rationale: 'friendlier' } },
    );
    await compared(
      'rank',
      { input: 'Summarise the policy', candidates: [{ output: 'Short' }, { output: 'Long and precise' }, { output: 'Wrong' }] },
      { ranking: { order: ['b', 'a', 'c'] } },
    );
    await compared('tie', { input: 'Pick one', candidates: [{ output: 'x' }, { output: 'y' }] }, { preference: { winner: 'tie' } });
    const gold = await api.call('POST', `/v1/projects/${projectId}/gold`, manager, {
      item: { input: 'gold question', output: 'gold answer' },
      verdict: 'approve',
    });
    expect(gold.statusCode, gold.body).toBe(201);
    await reviewed('pending', { input: 'Still waiting', output: 'Maybe.', confidence: 0.2 }, []);
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  describe('sft', () => {
    it('writes the approved and corrected outputs as OpenAI chat examples, oldest first, and nothing else', async () => {
      const res = await get('sft');
      expect(res.headers['content-type']).toBe('application/x-ndjson');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="sft-${projectId}.jsonl"`);
      expect(lines(res.body)).toEqual([
        { messages: [user('How do I reset my password?'), assistant('Use Settings → Security.')] },
        {
          messages: [
            { role: 'system', content: 'You are a support bot.' },
            user('Refund my order A-1'),
            assistant('I have asked a manager to approve your refund.'),
          ],
        },
        {
          messages: [
            user('Where is order A-2?'),
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"order":"A-2"}' } }],
            },
            { role: 'tool', content: '{"status":"damaged"}', tool_call_id: 'call_1' },
            user('It arrived broken.\nRefund it.'),
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'issue_refund', arguments: expect.any(String) } }],
            },
          ],
        },
        { messages: [user('Opening hours?'), assistant('Nine to five.')] },
        { messages: [user('Can I return shoes?'), assistant('Yes, within 30 days.')] },
      ]);
      const tool = lines(res.body)[2] as { messages: { tool_calls?: { function: { arguments: string } }[] }[] };
      expect(JSON.parse(tool.messages[4]!.tool_calls![0]!.function.arguments)).toEqual({ order: 'A-2', amount: 120 });
      // Purged, gold, pending, passed, timed-out and rejected items left nothing behind.
      for (const text of ['ann@example.org', 'gold answer', 'Still waiting', 'Hello!', 'No.', 'Refund $50'])
        expect(res.body).not.toContain(text);
    });

    it('every line loads as an OpenAI chat fine-tuning example', async () => {
      const res = await get('sft?include_unreviewed=true');
      const bad = res.body
        .split('\n')
        .filter((l) => l !== '')
        .flatMap((l, i) => openAiChatProblems(l).map((p) => `line ${i + 1}: ${p}`));
      expect(bad).toEqual([]);
    });

    it('adds what no person decided only when asked: passed by policy, and a hold approved by its timeout', async () => {
      const all = (await exported('sft?include_unreviewed=true')) as { messages: { content: unknown }[] }[];
      expect(all).toHaveLength(7);
      expect(all[5]).toEqual({ messages: [user('Hi'), assistant('Hello!')] });
      expect(all[6]!.messages.at(-1)).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'issue_refund' } }] });
    });
  });

  describe('preference', () => {
    it('pairs corrections, comparison winners and every ordered pair of a ranking, as TRL conversational lines', async () => {
      const res = await get('preference');
      const pairs = lines(res.body);
      expect(pairs).toEqual([
        {
          prompt: [{ role: 'system', content: 'You are a support bot.' }, user('Refund my order A-1')],
          chosen: [assistant('I have asked a manager to approve your refund.')],
          rejected: [assistant('Refunded $900.')],
        },
        { prompt: [user('Can I return shoes?')], chosen: [assistant('Yes, within 30 days.')], rejected: [assistant('No returns.')] },
        { prompt: [user('Say hi')], chosen: [assistant('Hello! How can I help?')], rejected: [assistant('hi')] },
        { prompt: [user('Summarise the policy')], chosen: [assistant('Long and precise')], rejected: [assistant('Short')] },
        { prompt: [user('Summarise the policy')], chosen: [assistant('Long and precise')], rejected: [assistant('Wrong')] },
        { prompt: [user('Summarise the policy')], chosen: [assistant('Short')], rejected: [assistant('Wrong')] },
      ]);
      const bad = res.body
        .split('\n')
        .filter((l) => l !== '')
        .flatMap((l) => trlPreferenceProblems(l, 'conversational'));
      expect(bad).toEqual([]);
    });

    it('in the standard style writes strings, leaving out prompts that need a chat template', async () => {
      const res = await get('preference?style=standard');
      expect(lines(res.body)).toEqual([
        { prompt: 'Can I return shoes?', chosen: 'Yes, within 30 days.', rejected: 'No returns.' },
        { prompt: 'Say hi', chosen: 'Hello! How can I help?', rejected: 'hi' },
        { prompt: 'Summarise the policy', chosen: 'Long and precise', rejected: 'Short' },
        { prompt: 'Summarise the policy', chosen: 'Long and precise', rejected: 'Wrong' },
        { prompt: 'Summarise the policy', chosen: 'Short', rejected: 'Wrong' },
      ]);
      for (const l of res.body.split('\n').filter((x) => x !== '')) expect(trlPreferenceProblems(l, 'standard')).toEqual([]);
    });

    it('keeps comparisons with a candidate of the model version asked for', async () => {
      const pairs = (await exported('preference?model_version=v2')) as { rejected: { content: string }[] }[];
      expect(pairs.map((p) => p.rejected[0]!.content)).toEqual(['Refunded $900.', 'No returns.', 'hi']);
    });
  });

  describe('eval', () => {
    it('writes each decided review with its reference output, verdict, aggregated labels and scores', async () => {
      const records = (await exported('eval')) as Record<string, unknown>[];
      expect(records.map((r) => r.id)).toEqual([ids.approved, ids.corrected, ids.rejected, ids.tool, ids.agreed, ids.split]);
      expect(records.map((r) => r.verdict)).toEqual(['approve', 'correct', 'reject', 'approve', 'approve', 'correct']);
      expect(records[2]).toMatchObject({ input: 'Tell me a joke', output: 'No.', reference_output: null });
      expect(records[5]).toEqual({
        id: ids.split,
        external_id: null,
        input: 'Can I return shoes?',
        output: 'No returns.',
        reference_output: 'Yes, within 30 days.',
        verdict: 'correct',
        // accuracy: the mean of 3 and 1; tone: neutral and curt tie; issues: made_up from both, rude from one of two.
        labels: { issues: ['made_up'], tone: null },
        scores: { accuracy: 2 },
        reviewed_by_people: true,
        reviews: 2,
        agreement: 0.5,
        model: 'bot',
        model_version: 'v2',
        policy_version: 1,
        guideline_versions: [2],
        metadata: { double: true },
        tags: [],
        created_at: new Date(times.split!).toISOString(),
        decided_at: expect.any(String),
      });
      expect(records[4]).toMatchObject({ labels: { tone: 'warm' }, scores: { accuracy: 4.5 }, agreement: 1, reviews: 2 });
    });

    it('with include_unreviewed, marks what no person decided', async () => {
      const records = (await exported('eval?include_unreviewed=true')) as Record<string, unknown>[];
      expect(records.map((r) => [r.id, r.verdict, r.reviewed_by_people]).slice(6)).toEqual([
        [ids.passed, 'approve', false],
        [ids.held, 'approve', false],
      ]);
    });
  });

  describe('judgments', () => {
    it('writes every judgment with its versions, reviewer, timings and comment, purged items included and flagged', async () => {
      const records = (await exported('judgments')) as Record<string, unknown>[];
      expect(records).toHaveLength(12);
      expect(records.map((r) => r.item_id)).toEqual([
        ids.approved,
        ids.corrected,
        ids.rejected,
        ids.tool,
        ids.agreed,
        ids.agreed,
        ids.split,
        ids.split,
        ids.erased,
        ids.compare,
        ids.rank,
        ids.tie,
      ]);
      expect(records[1]).toEqual({
        id: expect.any(String),
        item_id: ids.corrected,
        task_id: expect.any(String),
        item_kind: 'output',
        task_kind: 'review',
        queue: 'default',
        reviewer: expect.stringMatching(/^key:/),
        verdict: 'correct',
        scores: { accuracy: 2, tone: 'neutral', issues: ['wrong_amount'] },
        answer: null,
        correction: 'I have asked a manager to approve your refund.',
        comment: 'over the limit',
        time_spent_ms: 41000,
        created_at: expect.any(String),
        rubric_version: 1,
        guideline_version: 1,
        policy_version: 1,
        model: 'bot',
        model_version: 'v2',
        item_created_at: new Date(times.corrected!).toISOString(),
        item_outcome: 'corrected',
        item_purged: false,
      });
      expect(records[8]).toMatchObject({ item_purged: true, comment: null, verdict: 'approve' });
      expect(records[9]).toMatchObject({ item_kind: 'compare', verdict: null, answer: { winner: 'b', strength: 'clear' } });
      expect(records[6]).toMatchObject({ queue: 'double', guideline_version: 2 });
    });

    it('as CSV: a column per criterion, nested values as JSON, formulas defused; csv-parse reads it back', async () => {
      const res = await get('judgments?as=csv');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="judgments-${projectId}.csv"`);
      const [header] = parse(res.body, { to_line: 1 });
      expect(header).toEqual([
        'id',
        'item_id',
        'task_id',
        'item_kind',
        'task_kind',
        'queue',
        'reviewer',
        'verdict',
        'scores.accuracy',
        'scores.tone',
        'scores.issues',
        'answer',
        'correction',
        'comment',
        'time_spent_ms',
        'created_at',
        'rubric_version',
        'guideline_version',
        'policy_version',
        'model',
        'model_version',
        'item_created_at',
        'item_outcome',
        'item_purged',
      ]);
      const rows = parse<Record<string, string>>(res.body, { columns: true });
      const jsonl = (await exported('judgments')) as Record<string, unknown>[];
      expect(rows.map((r) => r.id)).toEqual(jsonl.map((r) => r.id));
      expect(rows[1]).toMatchObject({
        verdict: 'correct',
        'scores.accuracy': '2',
        'scores.tone': 'neutral',
        'scores.issues': '["wrong_amount"]',
        correction: 'I have asked a manager to approve your refund.',
        comment: 'over the limit',
        time_spent_ms: '41000',
        item_purged: 'false',
        answer: '',
      });
      expect(rows[2]!.comment).toBe('\'=HYPERLINK("http://x")');
      expect(jsonl[2]!.comment).toBe('=HYPERLINK("http://x")');
      expect(JSON.parse(rows[9]!.answer!)).toMatchObject({ winner: 'b' });
    });
  });

  describe('filters', () => {
    const sftPrompts = async (query: string) =>
      ((await exported(`sft?${query}`)) as { messages: { role: string; content: unknown }[] }[]).map(
        (r) => r.messages.filter((m) => m.role === 'user').at(-1)?.content,
      );
    const evalIds = async (query: string) => ((await exported(`eval?${query}`)) as { id: string }[]).map((r) => r.id);

    it('by capture time, model version, verdict, guideline version, queue and agreement', async () => {
      const at = (name: string) => new Date(times[name]!).toISOString();
      expect(await evalIds(`since=${at('corrected')}&until=${at('tool')}`)).toEqual([ids.corrected, ids.rejected]);
      expect(await sftPrompts('model_version=v1')).toEqual(['How do I reset my password?', 'Opening hours?']);
      expect(await evalIds('verdict=correct')).toEqual([ids.corrected, ids.split]);
      expect(await evalIds('verdict=reject')).toEqual([ids.rejected]);
      expect(await sftPrompts('verdict=approve')).toEqual([
        'How do I reset my password?',
        'It arrived broken.\nRefund it.',
        'Opening hours?',
      ]);
      expect(await evalIds('guideline_version=1')).toEqual([ids.approved, ids.corrected, ids.rejected, ids.tool]);
      expect(await evalIds('guideline_version=2')).toEqual([ids.agreed, ids.split]);
      expect(await evalIds('queue=double')).toEqual([ids.agreed, ids.split]);
      expect(await evalIds('min_agreement=1')).toEqual([ids.agreed]);
      expect(await evalIds('min_agreement=0.5')).toEqual([ids.agreed, ids.split]);
      // Single-reviewed comparisons have no measured agreement; the corrected pair's reviewers split.
      expect(await exported('preference?min_agreement=0.6')).toEqual([]);
      const judgments = async (query: string) => ((await exported(`judgments?${query}`)) as { id: string; item_id: string }[]).length;
      expect(await judgments('queue=double')).toBe(4);
      expect(await judgments('verdict=reject')).toBe(1);
      expect(await judgments('guideline_version=1')).toBe(4);
      expect(await judgments('min_agreement=1')).toBe(2);
    });

    it('refuses options that do not apply or do not parse, with every problem named, and writes nothing', async () => {
      const audit = async () =>
        (await t.store.db.selectFrom('audit_events').select('seq').where('action', '=', 'data.exported').execute()).length;
      const before = await audit();
      const cases: [string, string][] = [
        ['sft?verdict=reject', 'querystring.verdict'],
        ['sft?style=standard', 'querystring.style'],
        ['eval?as=csv', 'querystring.as'],
        ['preference?include_unreviewed=true', 'querystring.include_unreviewed'],
        ['preference?verdict=approve', 'querystring.verdict'],
        ['sft?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z', 'querystring.until'],
        ['sft?min_agreement=2', 'querystring.min_agreement'],
        ['sft?verdict=maybe', 'querystring.verdict'],
        ['sft?since=yesterday', 'querystring.since'],
        ['sft?limit=5', 'querystring.limit'],
        ['nope', 'params.format'],
      ];
      for (const [path, field] of cases) {
        const res = await get(path);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
        const error = res.json<{ error: { code: string; details: { errors: { path: string }[] } } }>().error;
        expect(error.code).toBe('TG_VALIDATION_FAILED');
        expect(
          error.details.errors.map((e) => e.path),
          path,
        ).toContain(field);
      }
      const many = await get('eval?style=standard&as=csv&min_agreement=-1&until=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z');
      expect(many.statusCode).toBe(400);
      const refused = await get('eval?style=standard&as=csv&until=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z');
      expect(refused.json<{ error: { details: { errors: { path: string }[] } } }>().error.details.errors.map((e) => e.path)).toEqual([
        'querystring.until',
        'querystring.style',
        'querystring.as',
      ]);
      expect(await audit()).toBe(before);
    });
  });

  describe('access', () => {
    it('managers and admins export; other roles are refused; a key of another project finds nothing', async () => {
      for (const role of ['viewer', 'reviewer', 'expert', 'ingest'] as const) {
        const res = await get('sft', await api.key(role));
        expect(res.statusCode, role).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_FORBIDDEN');
      }
      expect((await get('sft', await api.key('admin'))).statusCode).toBe(200);
      expect((await get('sft', await api.key('manager', projectId))).statusCode).toBe(200);
      const other = (await api.call('POST', '/v1/projects', manager, { name: 'Other' })).json<{ id: string }>().id;
      const res = await get('sft', await api.key('manager', other));
      expect(res.statusCode).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('TG_PROJECT_NOT_FOUND');
    });

    it('audits each export with who asked, the format and the filters', async () => {
      await get('eval?verdict=reject');
      const events = await t.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('action', '=', 'data.exported')
        .orderBy('seq', 'desc')
        .execute();
      expect(events[0]).toMatchObject({ subject_type: 'project', subject_id: projectId, actor: expect.stringMatching(/^key:/) });
      expect(t.store.json.read(events[0]!.after)).toEqual({ format: 'eval', file: 'jsonl', filters: { verdict: 'reject' } });
    });
  });
});

describe.each(DIALECTS)('a large export (%s)', (dialect) => {
  const N = 20_000;
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
    projectId = (await api.call('POST', '/v1/projects', manager, { name: 'Large' })).json<{ id: string }>().id;
    const start = t.clock();
    const item = (i: number): ItemRecord => ({
      id: `item-${String(i).padStart(6, '0')}`,
      project_id: projectId,
      kind: 'output',
      external_id: null,
      input: [{ role: 'user', content: `Question ${i}: where is my order?` }],
      output: `Answer ${i}: it ships tomorrow.`,
      model: 'bot',
      model_version: 'v1',
      confidence: 0.3,
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
      outcome: {
        status: 'approved',
        output: `Answer ${i}: it ships tomorrow.`,
        decided_at: start + i,
        decided_by: 'key:r',
        reason: 'ok',
        fallback: null,
      },
      hold_deadline: null,
      hold_escalated_at: null,
      probe_of: null,
      redactions: null,
      purged: null,
    });
    for (let from = 0; from < N; from += 2000) {
      await inTransaction(t.store, (tx) =>
        insertItems(
          tx,
          Array.from({ length: 2000 }, (_, k) => item(from + k)),
        ),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  it('is read a page at a time as the client reads, and every line arrives in order', async () => {
    reads.pages = 0;
    const res = await api.app.inject({
      method: 'GET',
      url: `/v1/projects/${projectId}/exports/sft`,
      headers: { authorization: `Bearer ${manager}` },
      payloadAsStream: true,
    });
    expect(res.statusCode).toBe(200);
    const iterator: AsyncIterator<Buffer> = res.stream()[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    // The client has read one chunk: the server has read a few pages ahead at most, not the project.
    expect(reads.pages).toBeLessThanOrEqual(4);
    const chunks: Buffer[] = [first.value as Buffer];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
    const body = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(body).toHaveLength(N);
    // 40 full pages of 500, then the empty one that says there is no more.
    expect(reads.pages).toBe(N / 500 + 1);
    expect(JSON.parse(body[0]!)).toEqual({ messages: [user('Question 0: where is my order?'), assistant('Answer 0: it ships tomorrow.')] });
    expect(JSON.parse(body[N - 1]!)).toEqual({
      messages: [user(`Question ${N - 1}: where is my order?`), assistant(`Answer ${N - 1}: it ships tomorrow.`)],
    });
    expect(body.flatMap((l) => openAiChatProblems(l))).toEqual([]);
  }, 120_000);

  it('fails with an error before the first byte, or breaks the response off after it: never a clean, short file', async () => {
    const send = () =>
      api.app.inject({
        method: 'GET',
        url: `/v1/projects/${projectId}/exports/sft`,
        headers: { authorization: `Bearer ${manager}` },
        payloadAsStream: true,
      });
    try {
      reads.pages = 0;
      reads.failAt = 1;
      const early = await send();
      expect(early.statusCode).toBe(500);
      expect(JSON.parse(await text(early.stream()))).toMatchObject({ error: { code: 'TG_INTERNAL' } });

      reads.pages = 0;
      reads.failAt = 5;
      const late = await send();
      expect(late.statusCode).toBe(200);
      await expect(text(late.stream())).rejects.toThrow();
    } finally {
      reads.failAt = 0;
    }
  }, 60_000);
});

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
