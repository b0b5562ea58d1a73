import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJson, lineOfPath } from '../../web/src/console/shared/json-locate.js';

/** The policy and rubric editors' JSON checker: same verdict as JSON.parse, plus where things are. */
describe('the console editor’s JSON checker', () => {
  it('accepts exactly what JSON.parse accepts, with the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const checked = checkJson(text);
        expect(checked.ok).toBe(true);
        if (checked.ok) expect(checked.value).toEqual(JSON.parse(text));
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(checkJson(text).ok).toBe(parses);
      }),
    );
  });

  it('names the line and column of a syntax error', () => {
    const trailing = checkJson('{\n  "rules": [\n    {"name": "a"},\n  ]\n}');
    expect(trailing).toMatchObject({ ok: false, line: 4, column: 3 });
    const missingComma = checkJson('{\n  "a": 1\n  "b": 2\n}');
    expect(missingComma).toMatchObject({ ok: false, line: 3, column: 3 });
    const unterminated = checkJson('{"a": "open');
    expect(unterminated).toMatchObject({ ok: false, line: 1 });
  });

  it('finds the line of the deepest value a server error path points into', () => {
    const text = JSON.stringify(
      {
        rules: [
          { name: 'a', when: { confidence: { lt: 0.5 } } },
          { name: 'b', action: 'explode' },
        ],
      },
      null,
      2,
    );
    const checked = checkJson(text);
    if (!checked.ok) throw new Error('valid JSON refused');
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lineOfPath(checked.lines, 'rules[1].action')).toBe(lineOf('"explode"'));
    expect(lineOfPath(checked.lines, 'rules[0].when.confidence.lt')).toBe(lineOf('"lt"'));
    // A path below any recorded value falls back to its deepest ancestor.
    expect(lineOfPath(checked.lines, 'rules[1].missing_key')).toBe(lineOf('"name": "b"') - 1);
  });
});
