import { describe, expect, it } from 'vitest';
import { aggregateScores, itemAgreement } from '../../src/core/export/aggregate.js';
import { assistantMessage, plainCompletion, plainPrompt, promptMessages } from '../../src/core/export/chat.js';
import { judgmentCsvColumns, judgmentCsvRow, judgmentRecord } from '../../src/core/export/judgment-rows.js';
import { itemSelection, parseExportOptions } from '../../src/core/export/options.js';
import { exportRecords, preferencePairs, sftRecord } from '../../src/core/export/records.js';
import type { ExportItem, ExportJudgment, ExportOptions } from '../../src/core/export/types.js';
import type { ItemOutput, JsonObject, Scores, Verdict } from '../../src/core/types.js';
import { openAiChatProblems, trlPreferenceProblems } from '../support/training-formats.js';

const T0 = Date.UTC(2026, 10, 25, 12);

function item(over: Partial<ExportItem> = {}): ExportItem {
  return {
    id: 'i1',
    kind: 'output',
    external_id: null,
    input: 'q',
    output: 'a',
    model: 'bot',
    model_version: 'v1',
    metadata: {},
    tags: [],
    created_at: T0,
    policy_version: 1,
    action: 'review',
    outcome: { status: 'approved', output: 'a', decided_at: T0 + 1, decided_by: 'key:r', fallback: null },
    purged: false,
    ...over,
  };
}

let seq = 0;
function judgment(verdict: Verdict | null, over: Partial<ExportJudgment> = {}): ExportJudgment {
  seq++;
  return {
    id: `j${seq}`,
    task_id: `t${seq}`,
    item_id: 'i1',
    reviewer: `key:r${seq}`,
    verdict,
    scores: {},
    answer: null,
    correction: null,
    comment: null,
    time_spent_ms: null,
    created_at: T0 + seq,
    rubric_version: 1,
    guideline_version: 1,
    queue: 'default',
    task_kind: 'review',
    ...over,
  };
}

const OPTS: ExportOptions = { include_unreviewed: false, style: 'conversational', file: 'jsonl' };

describe('chat messages for training files', () => {
  it('turns text into one user message and keeps what the chat format defines, dropping the rest', () => {
    expect(promptMessages('hello')).toEqual([{ role: 'user', content: 'hello' }]);
    expect(
      promptMessages([
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hi', name: 'ann', sent_at: 17, metadata: { x: 1 } },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi', name: 'ann' },
    ]);
  });

  it('joins text parts (what reviewers saw as input.text) but keeps image parts as a list', () => {
    expect(
      promptMessages([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ]),
    ).toEqual([{ role: 'user', content: 'a\nb' }]);
    const image: JsonObject[] = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'https://x/y.png' } },
    ];
    expect(promptMessages([{ role: 'user', content: image }])).toEqual([{ role: 'user', content: image }]);
  });

  it('refuses what the format cannot express: unknown roles, tool messages answering nothing, empty messages', () => {
    expect(promptMessages([{ role: 'function', content: 'x' }])).toBeNull();
    expect(promptMessages([{ role: 'constructor', content: 'x' }])).toBeNull();
    expect(promptMessages([{ role: 'tool', content: 'x' }])).toBeNull();
    expect(promptMessages([{ role: 'user' }])).toBeNull();
    expect(promptMessages([])).toBeNull();
    expect(promptMessages([{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: {} }] }])).toBeNull();
  });

  it('writes an output as the assistant message: text, a message, tool calls in either shape, structured JSON as text', () => {
    expect(assistantMessage('ok')).toEqual({ role: 'assistant', content: 'ok' });
    expect(assistantMessage({ role: 'assistant', content: 'ok', refusal: null })).toEqual({ role: 'assistant', content: 'ok' });
    expect(assistantMessage({ name: 'refund', arguments: { amount: 5 } })).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'refund', arguments: '{"amount":5}' } }],
    });
    expect(
      assistantMessage({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } }, { function: { name: 'g' } }],
      }),
    ).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } },
        { id: 'call_1', type: 'function', function: { name: 'g', arguments: '{}' } },
      ],
    });
    expect(assistantMessage({ tool_calls: [{ name: 'f', arguments: '{"a":1}' }] })).toMatchObject({
      tool_calls: [{ function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(assistantMessage({ answer: 42, sources: ['a'] })).toEqual({ role: 'assistant', content: '{"answer":42,"sources":["a"]}' });
    expect(assistantMessage({ role: 'assistant' })).toBeNull();
  });

  it('gives plain strings only where no chat template is needed', () => {
    expect(plainPrompt('q')).toBe('q');
    expect(plainPrompt([{ role: 'user', content: 'q' }])).toBe('q');
    expect(
      plainPrompt([
        { role: 'system', content: 's' },
        { role: 'user', content: 'q' },
      ]),
    ).toBeNull();
    expect(plainCompletion({ role: 'assistant', content: 'a' })).toBe('a');
    expect(plainCompletion({ name: 'f', arguments: {} })).toBeNull();
  });
});

describe('agreement and aggregated scores', () => {
  it('is the share of judgments giving the most common answer, undefined below two judgments', () => {
    expect(itemAgreement('output', [judgment('approve')])).toBeNull();
    expect(itemAgreement('output', [judgment('approve'), judgment('approve'), judgment('reject')])).toBeCloseTo(2 / 3);
    const pick = (winner: string) => judgment(null, { answer: { winner, strength: 'clear' } });
    expect(itemAgreement('compare', [pick('a'), pick('tie')])).toBe(0.5);
    const rank = (order: string[]) => judgment(null, { answer: { order } });
    expect(itemAgreement('rank', [rank(['a', 'b', 'c']), rank(['a', 'b', 'c']), rank(['b', 'a', 'c'])])).toBeCloseTo(2 / 3);
  });

  it('averages numbers, takes the plurality of single labels (null on a tie) and the majority of list entries', () => {
    const scored = (scores: Scores) => judgment('approve', { scores });
    const spans = (...labels: string[]) => labels.map((label, i) => ({ start: i, end: i + 1, label }));
    expect(
      aggregateScores([
        scored({ accuracy: 4, ok: true, tone: 'warm', issues: ['rude', 'late'], evidence: spans('claim') }),
        scored({ accuracy: 3, ok: true, tone: 'curt', issues: ['rude'], evidence: [{ label: 'claim', end: 1, start: 0 }] }),
        scored({ accuracy: 2, ok: false, issues: [] }),
      ]),
    ).toEqual({
      scores: { accuracy: 3 },
      labels: { evidence: [{ start: 0, end: 1, label: 'claim' }], issues: ['rude'], ok: true, tone: null },
    });
  });
});

describe('records', () => {
  it('sft: the correction where people corrected, the output where they approved; nothing for rejections or unreviewed items', () => {
    const corrected = item({ outcome: { status: 'corrected', output: 'better', decided_at: T0, decided_by: 'key:r', fallback: null } });
    expect(exportRecords('sft', corrected, [judgment('correct')], OPTS)).toEqual([
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'better' },
        ],
      },
    ]);
    const rejected = item({ outcome: { status: 'rejected', output: null, decided_at: T0, decided_by: 'key:r', fallback: null } });
    expect(exportRecords('sft', rejected, [judgment('reject')], OPTS)).toEqual([]);
    const passed = item({ action: 'pass', outcome: { ...item().outcome, decided_by: 'policy' } });
    expect(exportRecords('sft', passed, [], OPTS)).toEqual([]);
    expect(exportRecords('sft', passed, [], { ...OPTS, include_unreviewed: true })).toHaveLength(1);
    const timedOut = (fallback: 'approve' | 'reject') =>
      item({
        action: 'hold',
        outcome: { status: 'timed_out', output: fallback === 'approve' ? 'a' : null, decided_at: T0, decided_by: 'system', fallback },
      });
    expect(exportRecords('sft', timedOut('approve'), [], { ...OPTS, include_unreviewed: true })).toHaveLength(1);
    expect(exportRecords('sft', timedOut('reject'), [], { ...OPTS, include_unreviewed: true })).toEqual([]);
    expect(exportRecords('eval', timedOut('reject'), [], { ...OPTS, include_unreviewed: true })[0]).toMatchObject({
      verdict: 'reject',
      reference_output: null,
      reviewed_by_people: false,
    });
    const pending = item({ outcome: { status: 'pending', output: null, decided_at: null, decided_by: null, fallback: null } });
    const withdrawn = item({ outcome: { status: 'withdrawn', output: null, decided_at: T0, decided_by: 'key:m', fallback: null } });
    for (const i of [pending, withdrawn, item({ purged: true })]) expect(exportRecords('sft', i, [], OPTS)).toEqual([]);
    expect(sftRecord(item({ input: [{ role: 'narrator', content: 'x' }] }))).toBeNull();
  });

  it('preference: a ranking yields each pair its Borda points order strictly, ties yield nothing', () => {
    const candidates = ['A', 'B', 'C', 'D'].map((output, i) => ({
      id: 'abcd'[i]!,
      output,
      model: null,
      model_version: null,
      item_id: null,
    }));
    const rank = item({
      kind: 'rank',
      output: { candidates } as unknown as ItemOutput,
      outcome: {
        status: 'approved',
        output: { order: ['b', 'a', 'c', 'd'], points: { a: 4, b: 4, c: 2, d: 0 } },
        decided_at: T0,
        decided_by: 'key:r',
        fallback: null,
      },
    });
    expect(preferencePairs(rank).map((p) => `${JSON.stringify(p.chosen)}>${JSON.stringify(p.rejected)}`)).toEqual([
      '"B">"C"',
      '"B">"D"',
      '"A">"C"',
      '"A">"D"',
      '"C">"D"',
    ]);
    const tie = item({
      kind: 'compare',
      output: { candidates: candidates.slice(0, 2) } as unknown as ItemOutput,
      outcome: { status: 'approved', output: { winner: 'tie', votes: {} }, decided_at: T0, decided_by: 'key:r', fallback: null },
    });
    expect(preferencePairs(tie)).toEqual([]);
    const sameAsOriginal = item({ outcome: { status: 'corrected', output: 'a', decided_at: T0, decided_by: 'key:r', fallback: null } });
    expect(preferencePairs(sameAsOriginal)).toEqual([]);
    for (const r of exportRecords('preference', rank, [], OPTS))
      expect(trlPreferenceProblems(JSON.stringify(r), 'conversational')).toEqual([]);
  });

  it('judgments: filters apply to each judgment; agreement is measured over all of the item’s judgments', () => {
    const js = [
      judgment('approve', { queue: 'a', guideline_version: 1 }),
      judgment('approve', { queue: 'b', guideline_version: 2 }),
      judgment('reject', { queue: 'b', guideline_version: 2 }),
    ];
    expect(exportRecords('judgments', item(), js, { ...OPTS, queue: 'b' }).map((r) => r.id)).toEqual([js[1]!.id, js[2]!.id]);
    expect(exportRecords('judgments', item(), js, { ...OPTS, verdict: 'approve', guideline_version: 2 })).toHaveLength(1);
    expect(exportRecords('judgments', item(), js, { ...OPTS, min_agreement: 0.7 })).toEqual([]);
    expect(exportRecords('judgments', item(), js, { ...OPTS, min_agreement: 0.6 })).toHaveLength(3);
    // The item formats want every judgment under the version asked for.
    expect(exportRecords('eval', item(), js, { ...OPTS, guideline_version: 2 })).toEqual([]);
    expect(exportRecords('eval', item(), js.slice(1), { ...OPTS, guideline_version: 2 })).toHaveLength(1);
  });

  it('judgments as CSV rows: criteria as columns, booleans as words, nested values as JSON, own fields only', () => {
    const j = judgment('approve', { scores: { ok: true, accuracy: -1, issues: ['rude'], constructor: 'x' } });
    const record = judgmentRecord(item(), j);
    const columns = judgmentCsvColumns(['accuracy', 'ok', 'issues', 'constructor', 'toString']);
    const row = judgmentCsvRow(record, columns);
    const at = (c: string) => row[columns.indexOf(c)];
    expect([at('scores.accuracy'), at('scores.ok'), at('scores.issues'), at('scores.constructor'), at('scores.toString')]).toEqual([
      -1,
      'true',
      '["rude"]',
      'x',
      null,
    ]);
    expect([at('verdict'), at('answer'), at('item_purged'), at('created_at')]).toEqual([
      'approve',
      null,
      'false',
      new Date(j.created_at).toISOString(),
    ]);
  });

  it('every sft line it writes passes the OpenAI chat format check', () => {
    const outputs: ItemOutput[] = ['x', { role: 'assistant', content: 'y' }, { name: 'f', arguments: { a: 1 } }, { data: [1, 2] }];
    for (const output of outputs) {
      const [r] = exportRecords('sft', item({ outcome: { ...item().outcome, output } }), [], OPTS);
      expect(openAiChatProblems(JSON.stringify(r))).toEqual([]);
    }
  });
});

describe('options', () => {
  it('refuses options a format cannot honour, naming each', () => {
    const problems = (format: 'sft' | 'preference' | 'eval' | 'judgments', q: object) => {
      try {
        parseExportOptions(format, q);
        return [];
      } catch (err) {
        return (err as { details: { errors: { path: string }[] } }).details.errors.map((e) => e.path);
      }
    };
    expect(problems('sft', { verdict: 'reject', style: 'standard', as: 'csv', include_unreviewed: true })).toEqual([
      'querystring.verdict',
      'querystring.style',
      'querystring.as',
    ]);
    expect(problems('preference', { verdict: 'approve', include_unreviewed: false, style: 'standard' })).toEqual([
      'querystring.verdict',
      'querystring.include_unreviewed',
    ]);
    expect(problems('judgments', { as: 'csv', verdict: 'reject', since: '2026-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' })).toEqual([
      'querystring.until',
    ]);
    expect(problems('eval', { since: '2026-13-01T00:00:00Z', guideline_version: 1.5, min_agreement: 1.1 })).toEqual([
      'querystring.since',
      'querystring.guideline_version',
      'querystring.min_agreement',
    ]);
  });

  it('selects in the store only items that can yield records', () => {
    const o = parseExportOptions('sft', { verdict: 'correct', include_unreviewed: true });
    expect(itemSelection('sft', o)).toMatchObject({
      outcomes: [{ kinds: ['output'], status: 'corrected' }],
      reviewed_only: false,
      exclude_purged: true,
    });
    expect(itemSelection('sft', parseExportOptions('sft', { include_unreviewed: true })).outcomes).toEqual([
      { kinds: ['output'], status: 'approved' },
      { kinds: ['output'], status: 'corrected' },
      { kinds: ['output'], status: 'timed_out', fallback: 'approve' },
    ]);
    expect(itemSelection('judgments', parseExportOptions('judgments', { verdict: 'reject' }))).toMatchObject({
      outcomes: null,
      exclude_purged: false,
      judged: { verdict: 'reject' },
    });
  });
});
