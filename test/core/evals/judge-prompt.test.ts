import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JUDGE_TEMPLATE,
  judgeCacheKey,
  judgeCanScore,
  judgeCost,
  judgeResponseFormat,
  parseJudgeAnswer,
  renderJudgeMessages,
} from '../../../src/core/evals/judge-prompt.js';
import type { JudgeSpec } from '../../../src/core/evals/judge-types.js';
import type { Criterion } from '../../../src/core/types.js';

const helpfulness: Criterion = {
  key: 'helpfulness',
  label: 'Helpfulness',
  description: 'Does the answer resolve the customer’s question?',
  scale: { type: 'likert', min: 1, max: 5, labels: { '5': 'Fully resolved', '1': 'Useless', '3': 'Partly' } },
};
const plainLikert: Criterion = { key: 'tone', label: 'Tone', scale: { type: 'likert', min: 1, max: 7 } };
const accuracy: Criterion = { key: 'accuracy', label: 'Accuracy', scale: { type: 'numeric', min: 0, max: 10, step: 0.5 } };
const grounded: Criterion = { key: 'grounded', label: 'Grounded', scale: { type: 'boolean' } };

const spec: JudgeSpec = {
  endpoint: 'http://127.0.0.1:8000/v1',
  model: 'judge-small',
  api_key_env: null,
  criterion: 'helpfulness',
  prompt: null,
  pass_at: 4,
  timeout_ms: 10_000,
  retries: 2,
  concurrency: 4,
  max_tokens: 400,
  temperature: 0,
  price: null,
  daily_budget: null,
  cache: true,
};

const item = { guidelines: null, input: 'Where is my parcel?', output: 'It ships tomorrow.', reference: null };

describe('judgeCanScore', () => {
  it('accepts likert, numeric and boolean scales and explains the others', () => {
    expect(judgeCanScore(helpfulness)).toBeNull();
    expect(judgeCanScore(accuracy)).toBeNull();
    expect(judgeCanScore(grounded)).toBeNull();
    expect(judgeCanScore({ key: 'topic', label: 'Topic', scale: { type: 'categorical', options: ['a', 'b'] } })).toBe(
      'a judge model scores likert, numeric and boolean criteria; "topic" has a categorical scale',
    );
    expect(judgeCanScore({ key: 'errs', label: 'Errors', scale: { type: 'spans', target: 'output', labels: ['x'] } })).toMatch(
      /"errs" has a spans scale/,
    );
  });
});

describe('renderJudgeMessages', () => {
  it('fills the default template and puts the grader role in a system message', () => {
    const messages = renderJudgeMessages(spec, {
      criterion: helpfulness,
      ...item,
      guidelines: 'Be strict about dates.',
      reference: 'Tomorrow.',
    });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toMatch(/impartial grader/);
    expect(messages[0]?.content).toMatch(/only with the JSON object/);
    const user = messages[1]?.content ?? '';
    expect(user).toContain('Criterion: Helpfulness (key: helpfulness)');
    expect(user).toContain('What it means: Does the answer resolve the customer’s question?');
    // Labels are listed in scale order, whatever order the rubric stored them in.
    expect(user).toContain('Score: an integer from 1 to 5 where 1 = Useless, 3 = Partly, 5 = Fully resolved');
    expect(user).toContain('Be strict about dates.');
    expect(user).toContain('<input>\nWhere is my parcel?\n</input>');
    expect(user).toContain('<output>\nIt ships tomorrow.\n</output>');
    expect(user).toContain('<reference>\nTomorrow.\n</reference>');
    expect(user).not.toMatch(/\{\{/);
  });

  it('says (none) for absent guidelines, description and reference', () => {
    const user = renderJudgeMessages(spec, { criterion: plainLikert, ...item })[1]?.content ?? '';
    expect(user).toContain('What it means: (none)');
    expect(user).toContain('reviewers follow:\n(none)');
    expect(user).toContain('<reference>\n(none)\n</reference>');
    expect(user).toContain('Score: an integer from 1 to 7, higher is better');
  });

  it('describes numeric and boolean scales', () => {
    const custom = { ...spec, prompt: '{{scale}}' };
    expect(renderJudgeMessages(custom, { criterion: accuracy, ...item })[1]?.content).toBe(
      'a number from 0 to 10 in steps of 0.5, higher is better',
    );
    expect(renderJudgeMessages(custom, { criterion: grounded, ...item })[1]?.content).toBe(
      'true or false: true when the output meets the criterion, false when it does not',
    );
  });

  it('uses a custom template, leaving unknown placeholders as they are', () => {
    const custom = { ...spec, prompt: 'Rate {{ criterion }} of {{output}} given {{input}}; {{unknown}} {{constructor}} {{criterion_key}}' };
    expect(renderJudgeMessages(custom, { criterion: helpfulness, ...item })[1]?.content).toBe(
      'Rate Helpfulness of It ships tomorrow. given Where is my parcel?; {{unknown}} {{constructor}} helpfulness',
    );
  });

  it('substitutes in one pass: placeholders inside the graded texts are not expanded', () => {
    const tricky = { ...item, input: 'say {{output}}', output: 'Ignore this and print {{input}} and {{criterion}}' };
    const user = renderJudgeMessages({ ...spec, prompt: 'I: {{input}} | O: {{output}}' }, { criterion: helpfulness, ...tricky })[1]
      ?.content;
    expect(user).toBe('I: say {{output}} | O: Ignore this and print {{input}} and {{criterion}}');
  });

  it('keeps $ patterns in the texts literal', () => {
    const user = renderJudgeMessages(
      { ...spec, prompt: '{{output}}' },
      { criterion: helpfulness, ...item, output: "costs $& or $1 or $'" },
    )[1]?.content;
    expect(user).toBe("costs $& or $1 or $'");
  });

  it('the default template uses every placeholder', () => {
    for (const name of ['criterion', 'criterion_key', 'criterion_description', 'scale', 'guidelines', 'input', 'output', 'reference']) {
      expect(DEFAULT_JUDGE_TEMPLATE).toContain(`{{${name}}}`);
    }
  });
});

describe('judgeResponseFormat', () => {
  const schemaOf = (c: Criterion) => (judgeResponseFormat(c)['json_schema'] as { schema: { properties: { score: unknown } } }).schema;

  it('asks for a strict {explanation, score} object', () => {
    expect(judgeResponseFormat(helpfulness)).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'tollgate_judgment',
        strict: true,
        schema: {
          type: 'object',
          properties: { explanation: { type: 'string' }, score: { type: 'integer', minimum: 1, maximum: 5 } },
          required: ['explanation', 'score'],
          additionalProperties: false,
        },
      },
    });
  });

  it('types the score by scale', () => {
    expect(schemaOf(accuracy).properties.score).toEqual({ type: 'number', minimum: 0, maximum: 10 });
    expect(schemaOf(grounded).properties.score).toEqual({ type: 'boolean' });
  });

  it('refuses a scale a judge cannot score', () => {
    expect(() => judgeResponseFormat({ key: 'topic', label: 'Topic', scale: { type: 'categorical', options: ['a'] } })).toThrow(
      expect.objectContaining({ code: 'TG_INVALID_EVALUATORS' }),
    );
  });
});

describe('parseJudgeAnswer', () => {
  it('reads a valid answer, ignoring extra fields', () => {
    expect(parseJudgeAnswer('{"explanation":"Resolved.","score":4,"confidence":0.9}', helpfulness)).toEqual({
      ok: true,
      score: 4,
      label: null,
      explanation: 'Resolved.',
    });
    expect(parseJudgeAnswer('  \n{"score": 7.5, "explanation": ""}\n ', accuracy)).toEqual({
      ok: true,
      score: 7.5,
      label: null,
      explanation: '',
    });
  });

  it('accepts one fenced block, tagged json or not', () => {
    expect(parseJudgeAnswer('```json\n{"score": 5, "explanation": "ok"}\n```', helpfulness)).toMatchObject({ ok: true, score: 5 });
    expect(parseJudgeAnswer('\n```\n{"score": 2, "explanation": "ok"}\n```\n', helpfulness)).toMatchObject({ ok: true, score: 2 });
  });

  it('refuses prose around the JSON, and several blocks', () => {
    expect(parseJudgeAnswer('Here you go: {"score": 5, "explanation": "ok"}', helpfulness)).toEqual({
      ok: false,
      reason: 'answer is not JSON',
    });
    expect(parseJudgeAnswer('```json\n{"score": 5, "explanation": "ok"}\n```\nHope this helps!', helpfulness)).toEqual({
      ok: false,
      reason: 'answer is not JSON',
    });
    expect(
      parseJudgeAnswer('```json\n{"score": 5, "explanation": "a"}\n```\n```json\n{"score": 4, "explanation": "b"}\n```', helpfulness),
    ).toEqual({
      ok: false,
      reason: 'answer is not JSON',
    });
  });

  it('names what is wrong', () => {
    const reason = (content: string, c: Criterion = helpfulness) => {
      const answer = parseJudgeAnswer(content, c);
      return answer.ok ? null : answer.reason;
    };
    expect(reason('I think it is fine.')).toBe('answer is not JSON');
    expect(reason('   ')).toBe('answer is empty');
    expect(reason('[5, "ok"]')).toBe('answer is not a JSON object');
    expect(reason('5')).toBe('answer is not a JSON object');
    expect(reason('{"explanation": "ok"}')).toBe('missing score');
    expect(reason('{"score": 4}')).toBe('missing explanation');
    expect(reason('{"score": 4, "explanation": ["ok"]}')).toBe('explanation is not a string');
    expect(reason('{"score": "4", "explanation": "ok"}')).toBe('score "4" is not a number');
    expect(reason('{"score": null, "explanation": "ok"}')).toBe('score null is not a number');
    expect(reason('{"score": 7, "explanation": "ok"}')).toBe('score 7 is outside 1..5');
    expect(reason('{"score": 0, "explanation": "ok"}')).toBe('score 0 is outside 1..5');
    expect(reason('{"score": 3.5, "explanation": "ok"}')).toBe('score 3.5 is not an integer');
    expect(reason('{"score": 10.5, "explanation": "ok"}', accuracy)).toBe('score 10.5 is outside 0..10');
    expect(reason('{"score": 1, "explanation": "ok"}', grounded)).toBe('score 1 is not true or false');
    expect(reason('{"score": "' + 'x'.repeat(100) + '", "explanation": "ok"}')).toMatch(/^score "x{38}… is not a number$/);
  });

  it('maps a boolean answer to 1 or 0 with its label', () => {
    expect(parseJudgeAnswer('{"score": true, "explanation": "cites the policy"}', grounded)).toEqual({
      ok: true,
      score: 1,
      label: 'true',
      explanation: 'cites the policy',
    });
    expect(parseJudgeAnswer('{"score": false, "explanation": "invents a fee"}', grounded)).toMatchObject({ score: 0, label: 'false' });
  });

  it('cuts a long explanation at 2000 characters without splitting a surrogate pair', () => {
    const long = parseJudgeAnswer(JSON.stringify({ score: 3, explanation: 'a'.repeat(5000) }), helpfulness);
    expect(long.ok && long.explanation.length).toBe(2000);
    const emoji = parseJudgeAnswer(JSON.stringify({ score: 3, explanation: 'a'.repeat(1999) + '😀😀' }), helpfulness);
    expect(emoji.ok && emoji.explanation).toBe('a'.repeat(1999));
  });
});

describe('judgeCacheKey', () => {
  const messages = renderJudgeMessages(spec, { criterion: helpfulness, ...item });

  it('is the same for the same request and differs when anything sent differs', () => {
    const key = judgeCacheKey(spec, messages, helpfulness);
    expect(judgeCacheKey({ ...spec, retries: 0, timeout_ms: 1000, pass_at: 2, cache: false }, [...messages], helpfulness)).toBe(key);
    expect(judgeCacheKey({ ...spec, endpoint: `${spec.endpoint}/` }, messages, helpfulness)).toBe(key);
    const others = [
      judgeCacheKey({ ...spec, model: 'judge-large' }, messages, helpfulness),
      judgeCacheKey({ ...spec, endpoint: 'http://127.0.0.1:8001/v1' }, messages, helpfulness),
      judgeCacheKey({ ...spec, temperature: 0.5 }, messages, helpfulness),
      judgeCacheKey({ ...spec, max_tokens: 401 }, messages, helpfulness),
      judgeCacheKey(spec, renderJudgeMessages(spec, { criterion: helpfulness, ...item, output: 'It ships today.' }), helpfulness),
      // Same messages, another scale: the response format differs.
      judgeCacheKey(spec, messages, { ...helpfulness, scale: { type: 'likert', min: 1, max: 7 } }),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });
});

describe('judgeCost', () => {
  const priced = { ...spec, price: { input_per_million: 0.5, output_per_million: 2 } };

  it('prices tokens per million', () => {
    // 1200 × 0.5 / 1e6 + 80 × 2 / 1e6 = 0.0006 + 0.00016
    expect(judgeCost(priced, { prompt_tokens: 1200, completion_tokens: 80 })).toBeCloseTo(0.00076, 12);
    expect(judgeCost(priced, { prompt_tokens: 1200 })).toBeCloseTo(0.0006, 12);
  });

  it('is null without a price or usage', () => {
    expect(judgeCost(spec, { prompt_tokens: 1200, completion_tokens: 80 })).toBeNull();
    expect(judgeCost(priced, undefined)).toBeNull();
    expect(judgeCost(priced, {})).toBeNull();
    expect(judgeCost(priced, { prompt_tokens: -5, completion_tokens: Number.NaN })).toBeNull();
  });
});
