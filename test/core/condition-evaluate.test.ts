import { describe, expect, it, vi } from 'vitest';
import { checkCondition, compileCondition } from '../../src/core/policy/condition-compile.js';
import { evaluateCompiled, evaluateCondition } from '../../src/core/policy/condition-evaluate.js';
import { explainCondition } from '../../src/core/policy/condition-explain.js';
import type { ConditionProblem } from '../../src/core/policy/condition-types.js';
import { FactsView } from '../../src/core/policy/item-path.js';
import { isTollgateError } from '../../src/core/errors.js';
import type { Condition, ItemFacts } from '../../src/core/types.js';

function facts(overrides: Partial<ItemFacts> = {}): ItemFacts {
  return {
    id: 'item-1',
    input: 'Please refund order 42',
    output: 'I have issued a REFUND.',
    model: 'gpt-x',
    model_version: null,
    confidence: 0.31,
    metadata: {
      intent: 'refund',
      amount: 800,
      created_at: '2024-05-02T10:00:00Z',
      customer: { tier: 'gold' },
      lines: [{ sku: 'a' }, { sku: 'b' }],
      empty: null,
    },
    tags: ['billing', 'eu'],
    external_id: null,
    ...overrides,
  };
}

const holds = (cond: Condition, f: ItemFacts = facts()): boolean => evaluateCondition(cond, f).result;

describe('comparison operators', () => {
  it('eq / ne use deep JSON equality', () => {
    expect(holds({ 'metadata.intent': { eq: 'refund' } })).toBe(true);
    expect(holds({ 'metadata.intent': { eq: 'Refund' } })).toBe(false);
    expect(holds({ 'metadata.customer': { eq: { tier: 'gold' } } })).toBe(true);
    expect(holds({ 'metadata.lines': { eq: [{ sku: 'a' }, { sku: 'b' }] } })).toBe(true);
    expect(holds({ 'metadata.lines': { eq: [{ sku: 'b' }, { sku: 'a' }] } })).toBe(false);
    expect(holds({ tags: { ne: ['billing'] } })).toBe(true);
    expect(holds({ 'metadata.amount': { eq: '800' } })).toBe(false);
    expect(holds({ model_version: { eq: null } })).toBe(true);
  });

  it('treats a missing value as unequal to everything', () => {
    expect(holds({ 'metadata.missing': { eq: null } })).toBe(false);
    expect(holds({ 'metadata.missing': { ne: 'x' } })).toBe(true);
    expect(holds({ 'metadata.missing': { ne: null } })).toBe(true);
  });

  it('orders numbers, and strings only against strings', () => {
    expect(holds({ confidence: { lt: 0.5 } })).toBe(true);
    expect(holds({ confidence: { lt: 0.31 } })).toBe(false);
    expect(holds({ confidence: { lte: 0.31 } })).toBe(true);
    expect(holds({ confidence: { gt: 0.31 } })).toBe(false);
    expect(holds({ confidence: { gte: 0.31 } })).toBe(true);
    expect(holds({ 'metadata.created_at': { gte: '2024-05-01' } })).toBe(true);
    expect(holds({ 'metadata.created_at': { lt: '2024-05-01' } })).toBe(false);
  });

  it('is false, never throwing, for missing, null or mismatched types', () => {
    expect(holds({ confidence: { lt: 0.5 } }, facts({ confidence: null }))).toBe(false);
    expect(holds({ confidence: { gte: 0.5 } }, facts({ confidence: null }))).toBe(false);
    expect(holds({ 'metadata.missing': { lt: 10 } })).toBe(false);
    expect(holds({ 'metadata.amount': { lt: '900' } })).toBe(false);
    expect(holds({ 'metadata.intent': { gt: 5 } })).toBe(false);
    expect(holds({ tags: { gt: 0 } })).toBe(false);
  });

  it('in: membership, or any overlap when the value is an array', () => {
    expect(holds({ 'metadata.intent': { in: ['refund', 'cancel'] } })).toBe(true);
    expect(holds({ 'metadata.intent': { in: ['cancel'] } })).toBe(false);
    expect(holds({ tags: { in: ['eu', 'us'] } })).toBe(true);
    expect(holds({ tags: { in: ['us'] } })).toBe(false);
    expect(holds({ tags: { in: [] } })).toBe(false);
    expect(holds({ 'metadata.customer': { in: [{ tier: 'gold' }] } })).toBe(true);
    expect(holds({ model_version: { in: [null] } })).toBe(true);
    expect(holds({ 'metadata.missing': { in: [null] } })).toBe(false);
    expect(holds({ 'metadata.amount': { in: ['800'] } })).toBe(false);
  });

  it('contains: substring of a string, or deep element of an array', () => {
    expect(holds({ 'input.text': { contains: 'refund' } })).toBe(true);
    expect(holds({ 'input.text': { contains: 'Refund' } })).toBe(false);
    expect(holds({ tags: { contains: 'eu' } })).toBe(true);
    expect(holds({ tags: { contains: 'e' } })).toBe(false);
    expect(holds({ 'metadata.lines': { contains: { sku: 'b' } } })).toBe(true);
    expect(holds({ 'metadata.amount': { contains: 8 } })).toBe(false);
    expect(holds({ 'input.text': { contains: 42 } })).toBe(false);
  });

  it('matches: a pattern string, or pattern with allowed flags', () => {
    expect(holds({ 'output.text': { matches: 'REFUND' } })).toBe(true);
    expect(holds({ 'output.text': { matches: 'refund' } })).toBe(false);
    expect(holds({ 'output.text': { matches: { pattern: 'refund', flags: 'i' } } })).toBe(true);
    expect(holds({ 'output.text': { matches: '^I have' } })).toBe(true);
    expect(holds({ 'metadata.amount': { matches: '800' } })).toBe(false);
    expect(holds({ 'metadata.missing': { matches: '.*' } })).toBe(false);
  });

  it('matches gives the same answer on repeated evaluation (no stateful flags)', () => {
    const compiled = compileCondition({ 'output.text': { matches: { pattern: 'refund', flags: 'i' } } });
    const f = facts();
    expect([1, 2, 3].map(() => evaluateCompiled(compiled, f).result)).toEqual([true, true, true]);
  });

  it('exists: defined and not null', () => {
    expect(holds({ 'metadata.amount': { exists: true } })).toBe(true);
    expect(holds({ 'metadata.empty': { exists: true } })).toBe(false);
    expect(holds({ 'metadata.empty': { exists: false } })).toBe(true);
    expect(holds({ 'metadata.missing': { exists: false } })).toBe(true);
    expect(holds({ external_id: { exists: true } })).toBe(false);
    expect(holds({ 'metadata.amount': { exists: false } })).toBe(false);
  });
});

describe('combinators', () => {
  it('requires every operator of one operator object', () => {
    expect(holds({ confidence: { gte: 0.2, lt: 0.5 } })).toBe(true);
    expect(holds({ confidence: { gte: 0.4, lt: 0.5 } })).toBe(false);
  });

  it('requires every key of one condition object', () => {
    expect(holds({ 'metadata.intent': { eq: 'refund' }, confidence: { lt: 0.5 } })).toBe(true);
    expect(holds({ 'metadata.intent': { eq: 'refund' }, confidence: { gt: 0.5 } })).toBe(false);
    expect(holds({ confidence: { lt: 0.5 }, not: { model: { eq: 'gpt-x' } } })).toBe(false);
  });

  it('all / any / not', () => {
    const refund = { 'metadata.intent': { eq: 'refund' } };
    const cheap = { 'metadata.amount': { lt: 100 } };
    expect(holds({ all: [refund, { 'metadata.amount': { gt: 500 } }] })).toBe(true);
    expect(holds({ all: [refund, cheap] })).toBe(false);
    expect(holds({ any: [cheap, refund] })).toBe(true);
    expect(holds({ any: [cheap, { tags: { contains: 'us' } }] })).toBe(false);
    expect(holds({ not: cheap })).toBe(true);
    expect(holds({ not: { not: cheap } })).toBe(false);
    expect(holds({ any: [{ all: [refund, cheap] }, { not: cheap }] })).toBe(true);
  });
});

describe('traces', () => {
  it('records each evaluated leaf comparison with the value it saw', () => {
    const { result, traces } = evaluateCondition(
      { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
      facts(),
    );
    expect(result).toBe(true);
    expect(traces).toEqual([
      { path: 'metadata.intent', operator: 'eq', expected: 'refund', actual: 'refund', result: true },
      { path: 'metadata.amount', operator: 'gt', expected: 500, actual: 800, result: true },
    ]);
  });

  it('stops at the first decisive child of all / any', () => {
    const allFalse = evaluateCondition({ all: [{ confidence: { gt: 0.9 } }, { model: { eq: 'gpt-x' } }] }, facts());
    expect(allFalse.result).toBe(false);
    expect(allFalse.traces.map((t) => t.path)).toEqual(['confidence']);

    const anyTrue = evaluateCondition({ any: [{ confidence: { lt: 0.9 } }, { model: { eq: 'gpt-x' } }] }, facts());
    expect(anyTrue.traces.map((t) => [t.path, t.result])).toEqual([['confidence', true]]);
  });

  it('records a missing value as undefined', () => {
    const { traces } = evaluateCondition({ 'metadata.nope': { exists: false } }, facts());
    expect(traces[0]).toMatchObject({ path: 'metadata.nope', operator: 'exists', expected: false, result: true });
    expect(traces[0]?.actual).toBeUndefined();
  });
});

describe('explainCondition', () => {
  const explain = (cond: Condition, f: ItemFacts = facts()): string => explainCondition(compileCondition(cond), f);

  it('states leaf comparisons with their actual values', () => {
    expect(explain({ confidence: { lt: 0.5 } })).toBe('confidence 0.31 lt 0.5');
    expect(explain({ all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] })).toBe(
      'metadata.intent "refund" eq "refund" and metadata.amount 800 gt 500',
    );
  });

  it('names only the branch that decided an any, and negations in full', () => {
    expect(explain({ any: [{ confidence: { gt: 0.9 } }, { tags: { contains: 'eu' } }] })).toBe('tags ["billing","eu"] contains "eu"');
    expect(explain({ not: { model: { eq: 'other' } } })).toBe('not (model "gpt-x" eq "other")');
    expect(explain({ not: { any: [{ confidence: { gt: 0.9 } }, { model: { eq: 'y' } }] } })).toBe(
      'not (confidence 0.31 gt 0.9 or model "gpt-x" eq "y")',
    );
  });

  it('describes presence, missing values and patterns readably', () => {
    expect(explain({ 'metadata.amount': { exists: true } })).toBe('metadata.amount is present');
    expect(explain({ 'metadata.nope': { exists: false } })).toBe('metadata.nope is missing');
    expect(explain({ 'metadata.nope': { ne: 1 } })).toBe('metadata.nope missing ne 1');
    expect(explain({ 'output.text': { matches: { pattern: 'refund', flags: 'i' } } })).toBe(
      'output.text "I have issued a REFUND." matches /refund/i',
    );
  });

  it('parenthesizes nested groups and truncates long values', () => {
    const text = explain({
      all: [{ any: [{ confidence: { lt: 0.5 } }] }, { confidence: { gt: 0.1, lt: 0.4 } }],
    });
    expect(text).toBe('confidence 0.31 lt 0.5 and (confidence 0.31 gt 0.1 and confidence 0.31 lt 0.4)');
    const long = explain({ 'output.text': { contains: 'x' } }, facts({ output: 'x'.repeat(5000) }));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('…');
  });
});

describe('compileCondition', () => {
  it('builds regexes once, not per evaluation', () => {
    const compiled = compileCondition({ 'output.text': { matches: 'REFUND' } });
    const spy = vi.spyOn(globalThis, 'RegExp');
    try {
      for (let i = 0; i < 5; i++) evaluateCompiled(compiled, facts());
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('shares lazily computed text between conditions through one FactsView', () => {
    const view = new FactsView(facts({ output: { big: 'y'.repeat(100) } }));
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      evaluateCompiled(compileCondition({ 'output.length': { gt: 10 } }), view);
      evaluateCompiled(compileCondition({ 'output.text': { contains: 'yyy' } }), view);
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it('throws TG_INVALID_POLICY with every problem for an invalid condition', () => {
    try {
      compileCondition({ confidence: { lt: 'x', greater: 1 }, all: [] });
      expect.unreachable();
    } catch (err) {
      expect(isTollgateError(err) && err.code).toBe('TG_INVALID_POLICY');
      expect(isTollgateError(err) && err.details).toEqual({
        errors: [
          { path: 'when.confidence', message: 'unknown operator "greater"' },
          { path: 'when.all', message: '"all" must not be empty' },
        ],
      });
    }
  });
});

describe('checkCondition', () => {
  const problems = (cond: unknown): ConditionProblem[] => {
    const list: ConditionProblem[] = [];
    const compiled = checkCondition(cond, 'when', list);
    expect(compiled === undefined).toBe(list.length > 0);
    return list;
  };
  const paths = (cond: unknown): string[] => problems(cond).map((p) => p.path);

  it('accepts every operator with a well-typed value', () => {
    expect(
      problems({
        all: [
          { confidence: { lt: 1, lte: 1, gt: 0, gte: 0 } },
          { 'metadata.day': { lt: '2024-01-01' } },
          { model: { eq: 'a', ne: null, in: ['a', 'b'] } },
          { tags: { contains: 'x', exists: true } },
          { 'input.text': { matches: 'a+' } },
          { 'output.text': { matches: { pattern: 'a', flags: 'imsu' } } },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses non-object and empty conditions', () => {
    expect(problems(null)).toEqual([{ path: 'when', message: 'condition must be an object' }]);
    expect(problems([])).toEqual([{ path: 'when', message: 'condition must be an object' }]);
    expect(problems({})).toEqual([{ path: 'when', message: 'condition must not be empty' }]);
  });

  it('refuses bad combinator shapes', () => {
    expect(problems({ all: { confidence: { lt: 1 } } })).toEqual([{ path: 'when.all', message: '"all" must be an array of conditions' }]);
    expect(problems({ any: [] })).toEqual([{ path: 'when.any', message: '"any" must not be empty' }]);
    expect(problems({ not: [] })).toEqual([{ path: 'when.not', message: '"not" must be a condition object' }]);
    expect(problems({ any: [{ confidence: { lt: 1 } }, 'x'] })).toEqual([{ path: 'when.any[1]', message: 'condition must be an object' }]);
  });

  it('refuses bad paths and operator objects', () => {
    expect(problems({ '': { eq: 1 } })).toEqual([{ path: 'when', message: 'path must not be empty' }]);
    expect(paths({ 'metadata..a': { eq: 1 } })).toEqual(['when.metadata..a']);
    expect(problems({ confidance: { lt: 1 } })[0]?.message).toMatch(/^unknown field "confidance"/);
    expect(problems({ confidence: 0.5 })).toEqual([{ path: 'when.confidence', message: 'must be an operator object like {"eq": ...}' }]);
    expect(problems({ confidence: {} })).toEqual([{ path: 'when.confidence', message: 'must have at least one operator' }]);
    expect(problems({ 'metadata.amount': { greater: 5 } })).toEqual([
      { path: 'when.metadata.amount', message: 'unknown operator "greater"' },
    ]);
  });

  it('refuses mistyped operator values', () => {
    expect(problems({ confidence: { lt: null } })).toEqual([{ path: 'when.confidence.lt', message: 'must be a number or a string' }]);
    expect(paths({ confidence: { gte: [1] } })).toEqual(['when.confidence.gte']);
    expect(paths({ confidence: { gt: Number.NaN } })).toEqual(['when.confidence.gt']);
    expect(problems({ model: { in: 'a' } })).toEqual([{ path: 'when.model.in', message: 'must be an array' }]);
    expect(problems({ model: { exists: 'yes' } })).toEqual([{ path: 'when.model.exists', message: 'must be true or false' }]);
    expect(paths({ model: { eq: undefined } })).toEqual(['when.model.eq']);
  });

  it('refuses bad regexes', () => {
    expect(problems({ 'input.text': { matches: '(' } })[0]).toMatchObject({
      path: 'when.input.text.matches',
      message: expect.stringMatching(/^invalid regular expression: /),
    });
    expect(problems({ 'input.text': { matches: 'a'.repeat(1001) } })).toEqual([
      { path: 'when.input.text.matches', message: 'pattern is longer than 1000 characters' },
    ]);
    expect(problems({ 'input.text': { matches: 'a'.repeat(1000) } })).toEqual([]);
    expect(problems({ 'input.text': { matches: { pattern: 'a', flags: 'g' } } })).toEqual([
      { path: 'when.input.text.matches', message: 'flags must be distinct letters from "imsu"' },
    ]);
    expect(paths({ 'input.text': { matches: { pattern: 'a', flags: 'ii' } } })).toEqual(['when.input.text.matches']);
    expect(paths({ 'input.text': { matches: { pattern: 'a', flags: null } } })).toEqual(['when.input.text.matches']);
    expect(paths({ 'input.text': { matches: { pattern: 'a', extra: 1 } } })).toEqual(['when.input.text.matches']);
    expect(paths({ 'input.text': { matches: { flags: 'i' } } })).toEqual(['when.input.text.matches']);
    expect(paths({ 'input.text': { matches: 5 } })).toEqual(['when.input.text.matches']);
    expect(paths({ 'input.text': { matches: { pattern: '\\p{L', flags: 'u' } } })).toEqual(['when.input.text.matches']);
  });

  it('allows 20 levels of nesting and refuses 21', () => {
    const nest = (levels: number): unknown => {
      let cond: unknown = { confidence: { lt: 1 } };
      for (let i = 1; i < levels; i++) cond = i % 2 === 0 ? { not: cond } : { any: [cond] };
      return cond;
    };
    expect(problems(nest(20))).toEqual([]);
    const refused = problems(nest(21));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toBe('conditions nest deeper than 20 levels');
  });

  it('collects every problem in one pass', () => {
    expect(
      paths({
        all: [{ confidence: { lt: 'a', gt: [] } }, { 'metadata.x': { foo: 1 } }],
        not: { model: { in: 3 } },
      }),
    ).toEqual(['when.all[0].confidence.gt', 'when.all[1].metadata.x', 'when.not.model.in']);
  });
});
