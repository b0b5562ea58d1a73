import { describe, expect, it } from 'vitest';
import { compilePath, FactsView, pathProblem, resolvePath } from '../../src/core/policy/item-path.js';
import type { ItemFacts } from '../../src/core/types.js';

function facts(overrides: Partial<ItemFacts> = {}): ItemFacts {
  return {
    id: 'item-1',
    input: 'What is my balance?',
    output: 'Your balance is $12.',
    model: 'gpt-x',
    model_version: '2024-06-01',
    confidence: 0.42,
    metadata: { amount: 800, intent: 'refund', customer: { tier: 'gold', flags: ['vip', 'new'] }, note: null },
    tags: ['billing', 'eu'],
    external_id: 'ext-9',
    ...overrides,
  };
}

describe('resolvePath: top-level fields', () => {
  it('reads scalar fields, including nulls', () => {
    const f = facts({ model_version: null });
    expect(resolvePath(f, 'id')).toBe('item-1');
    expect(resolvePath(f, 'confidence')).toBe(0.42);
    expect(resolvePath(f, 'model')).toBe('gpt-x');
    expect(resolvePath(f, 'model_version')).toBeNull();
    expect(resolvePath(f, 'external_id')).toBe('ext-9');
    expect(resolvePath(f, 'tags')).toEqual(['billing', 'eu']);
  });

  it('returns undefined for unknown roots and paths below scalars', () => {
    expect(resolvePath(facts(), 'nope')).toBeUndefined();
    expect(resolvePath(facts(), 'confidence.value')).toBeUndefined();
    expect(resolvePath(facts(), '')).toBeUndefined();
  });
});

describe('resolvePath: traversal', () => {
  it('descends into nested metadata', () => {
    const f = facts();
    expect(resolvePath(f, 'metadata.amount')).toBe(800);
    expect(resolvePath(f, 'metadata.customer.tier')).toBe('gold');
    expect(resolvePath(f, 'metadata.customer.flags.1')).toBe('new');
    expect(resolvePath(f, 'metadata.note')).toBeNull();
    expect(resolvePath(f, 'metadata')).toEqual(f.metadata);
  });

  it('returns undefined for missing keys, out-of-range and non-canonical indexes', () => {
    const f = facts();
    expect(resolvePath(f, 'metadata.missing')).toBeUndefined();
    expect(resolvePath(f, 'metadata.missing.deeper')).toBeUndefined();
    expect(resolvePath(f, 'metadata.customer.flags.2')).toBeUndefined();
    expect(resolvePath(f, 'metadata.customer.flags.01')).toBeUndefined();
    expect(resolvePath(f, 'metadata.customer.flags.-1')).toBeUndefined();
    expect(resolvePath(f, 'tags.0')).toBe('billing');
    expect(resolvePath(f, 'metadata.amount.value')).toBeUndefined();
  });

  it('never reaches the prototype chain', () => {
    const f = facts();
    expect(resolvePath(f, 'metadata.constructor')).toBeUndefined();
    expect(resolvePath(f, 'metadata.__proto__')).toBeUndefined();
    expect(resolvePath(f, 'metadata.hasOwnProperty')).toBeUndefined();
    expect(resolvePath(f, 'tags.length')).toBeUndefined();
  });

  it('indexes into chat input and structured output', () => {
    const f = facts({
      input: [
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'Refund me' },
      ],
      output: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'issue_refund', arguments: '{}' } }],
      },
    });
    expect(resolvePath(f, 'input.0.role')).toBe('system');
    expect(resolvePath(f, 'input.1.content')).toBe('Refund me');
    expect(resolvePath(f, 'input.2.role')).toBeUndefined();
    expect(resolvePath(f, 'output.tool_calls.0.function.name')).toBe('issue_refund');
    expect(resolvePath(f, 'output.role')).toBe('assistant');
    expect(resolvePath(f, 'output.content')).toBeNull();
  });

  it('does not index into strings', () => {
    expect(resolvePath(facts(), 'input.0')).toBeUndefined();
    expect(resolvePath(facts(), 'output.name')).toBeUndefined();
  });
});

describe('resolvePath: virtual text fields', () => {
  it('uses plain strings as they are', () => {
    const f = facts();
    expect(resolvePath(f, 'input.text')).toBe('What is my balance?');
    expect(resolvePath(f, 'input.length')).toBe(19);
    expect(resolvePath(f, 'output.text')).toBe('Your balance is $12.');
    expect(resolvePath(f, 'output.length')).toBe(20);
  });

  it('joins chat message text with newlines, including text parts, skipping textless messages', () => {
    const f = facts({
      input: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look at this' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            { type: 'text', text: 'and refund' },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [] },
        { role: 'tool' },
      ],
    });
    expect(resolvePath(f, 'input.text')).toBe('Be brief.\nLook at this\nand refund');
    expect(resolvePath(f, 'input.length')).toBe('Be brief.\nLook at this\nand refund'.length);
  });

  it('uses a message output content as its text', () => {
    expect(resolvePath(facts({ output: { role: 'assistant', content: 'Done.' } }), 'output.text')).toBe('Done.');
    const parts = facts({
      output: {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B' },
        ],
      },
    });
    expect(resolvePath(parts, 'output.text')).toBe('A\nB');
    expect(resolvePath(facts({ output: { role: 'assistant', content: null } }), 'output.text')).toBe('');
  });

  it('serializes a non-message output object', () => {
    const output = { name: 'lookup', arguments: { id: 7 } };
    const f = facts({ output });
    expect(resolvePath(f, 'output.text')).toBe('{"name":"lookup","arguments":{"id":7}}');
    expect(resolvePath(f, 'output.length')).toBe(JSON.stringify(output).length);
    expect(resolvePath(f, 'output.name')).toBe('lookup');
    expect(resolvePath(f, 'output.arguments.id')).toBe(7);
  });

  it('gives an empty text for an empty transcript', () => {
    expect(resolvePath(facts({ input: [] }), 'input.text')).toBe('');
    expect(resolvePath(facts({ input: [] }), 'input.length')).toBe(0);
  });
});

describe('FactsView', () => {
  it('computes output text once and only when asked', () => {
    let reads = 0;
    const base = facts();
    const counted: ItemFacts = {
      ...base,
      get output() {
        reads++;
        return { data: 'x' };
      },
    };
    const view = new FactsView(counted);
    view.resolve(compilePath('confidence'));
    expect(reads).toBe(0);
    expect(view.resolve(compilePath('output.text'))).toBe('{"data":"x"}');
    expect(view.resolve(compilePath('output.length'))).toBe(12);
    expect(reads).toBe(1);
  });
});

describe('pathProblem', () => {
  it('accepts well-formed paths', () => {
    for (const path of ['confidence', 'metadata.customer.tier', 'input.0.role', 'output.text', 'tags', 'id']) {
      expect(pathProblem(path)).toBeNull();
    }
  });

  it('explains malformed paths', () => {
    expect(pathProblem('')).toBe('path must not be empty');
    expect(pathProblem('metadata..x')).toBe('path "metadata..x" has an empty segment');
    expect(pathProblem('metadata.')).toBe('path "metadata." has an empty segment');
    expect(pathProblem('confidance')).toMatch(/^unknown field "confidance"/);
    expect(pathProblem('model.name')).toBe('"model" has no nested fields');
  });
});
