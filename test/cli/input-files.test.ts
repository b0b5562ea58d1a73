import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { parseItems, parseJsonDocument, readCorrection, readItems, readText, type InputStream } from '../../src/cli/input-files.js';

const stdinOf = (text: string): InputStream => Readable.from([Buffer.from(text)]);
const tty: InputStream = Object.assign(Readable.from([]), { isTTY: true });

describe('parseItems', () => {
  it('accepts one item, an array, a batch body and JSONL', () => {
    const a = { input: 'q1', output: 'a1' };
    const b = { input: 'q2', output: 'a2', confidence: 0.2 };
    expect(parseItems(JSON.stringify(a), 'f')).toEqual([a]);
    expect(parseItems(JSON.stringify([a, b], null, 2), 'f')).toEqual([a, b]);
    expect(parseItems(JSON.stringify({ items: [a, b] }), 'f')).toEqual([a, b]);
    expect(parseItems(`${JSON.stringify(a)}\n\n${JSON.stringify(b)}\r\n`, 'f')).toEqual([a, b]);
  });

  it('names the line of a broken JSONL record', () => {
    expect(() => parseItems('{"input":"q","output":"a"}\n{"input": oops}\n', 'items.jsonl')).toThrow(
      /^items\.jsonl: line 2: not valid JSON/,
    );
    expect(() => parseItems('{"input":"q","output":"a"}\n[1]\n', 'items.jsonl')).toThrow(
      'items.jsonl: line 2: expected an item object, got an array',
    );
  });

  it('reports a broken JSON document as such, not as a bad first JSONL line', () => {
    expect(() => parseItems('[\n  {"input": "q",}\n]', 'items.json')).toThrow(/^items\.json: not valid JSON or JSONL: /);
  });

  it('rejects empty input and values that are not item objects', () => {
    expect(() => parseItems(' \n', 'stdin')).toThrow('stdin: no items (the input is empty)');
    expect(() => parseItems('[]', 'f')).toThrow('f: no items');
    expect(() => parseItems('[{"input":"q","output":"a"}, 3]', 'f')).toThrow('f: item 1 (counting from 0) is a number, not a JSON object');
    expect(() => parseItems('"text"', 'f')).toThrow(/expected an item object, an array of items/);
  });
});

describe('parseJsonDocument', () => {
  it('wants one JSON object', () => {
    expect(parseJsonDocument('{"rules": []}', 'p.json', 'policy')).toEqual({ rules: [] });
    expect(() => parseJsonDocument('{"rules": [}', 'p.json', 'policy')).toThrow(/^p\.json: not valid JSON: /);
    expect(() => parseJsonDocument('[]', 'p.json', 'policy')).toThrow('p.json: expected a JSON object (the policy), got an array');
  });
});

describe('reading files and stdin', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads files and "-" as stdin, dropping a byte-order mark', async () => {
    const file = path.join(dir, 'items.jsonl');
    await writeFile(file, '\uFEFF{"input":"q","output":"a"}\n');
    expect(await readItems(file, tty)).toEqual([{ input: 'q', output: 'a' }]);
    expect(await readItems('-', stdinOf('[{"input":"q","output":"b"}]'))).toEqual([{ input: 'q', output: 'b' }]);
  });

  it('fails clearly on a missing file, a directory and a terminal on stdin', async () => {
    await expect(readText(path.join(dir, 'nope.json'), tty)).rejects.toThrow(/nope\.json: no such file$/);
    await expect(readText(dir, tty)).rejects.toThrow(/is a directory/);
    const err = await readText('-', tty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/stdin is a terminal/);
  });

  it('reads a correction as text, from a file as text or a JSON object, or from stdin', async () => {
    const text = path.join(dir, 'fix.txt');
    const json = path.join(dir, 'fix.json');
    const broken = path.join(dir, 'broken.json');
    await writeFile(text, 'Refunded $90\n');
    await writeFile(json, '{"role": "assistant", "content": "Refunded $90"}\n');
    await writeFile(broken, '{"role": "assistant",}\n');
    expect(await readCorrection('plain text', tty)).toBe('plain text');
    expect(await readCorrection('@@handle', tty)).toBe('@handle');
    expect(await readCorrection(`@${text}`, tty)).toBe('Refunded $90');
    expect(await readCorrection(`@${json}`, tty)).toEqual({ role: 'assistant', content: 'Refunded $90' });
    expect(await readCorrection('@-', stdinOf('from stdin\n'))).toBe('from stdin');
    await expect(readCorrection(`@${broken}`, tty)).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(readCorrection('@', tty)).rejects.toThrow(/needs a file name/);
  });
});
