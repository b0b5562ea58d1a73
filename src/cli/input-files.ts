import { readFile } from 'node:fs/promises';
import type { JsonObject, JsonValue } from '../core/types.js';
import { CliError } from './cli-error.js';

/** What the CLI reads `-` from: process.stdin, or any stream in tests. */
export interface InputStream extends AsyncIterable<string | Uint8Array> {
  readonly isTTY?: boolean;
}

/** `-` stands for stdin, as in most Unix tools. */
export const STDIN = '-';

export const describeSource = (file: string): string => (file === STDIN ? 'stdin' : file);

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a whole file (or stdin for `-`) as UTF-8, without a byte-order mark. */
export async function readText(file: string, stdin: InputStream): Promise<string> {
  const text = file === STDIN ? await readStream(stdin) : await readFileText(file);
  return text.replace(/^\uFEFF/, '');
}

async function readStream(stdin: InputStream): Promise<string> {
  // Waiting on a terminal looks like a hang; nobody types JSON documents by hand.
  if (stdin.isTTY) throw new CliError('expected input on stdin, but stdin is a terminal: pass a file, or pipe the input in');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function readFileText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory, not a file`);
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

type Parsed = { ok: true; value: JsonValue } | { ok: false; error: string };

function tryParse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A policy or rubric: one JSON object. The server checks its content and reports every problem. */
export function parseJsonDocument(text: string, source: string, what: string): JsonObject {
  const parsed = tryParse(text);
  if (!parsed.ok) throw new CliError(`${source}: not valid JSON: ${parsed.error}`);
  if (!isJsonObject(parsed.value)) throw new CliError(`${source}: expected a JSON object (the ${what}), got ${kindOf(parsed.value)}`);
  return parsed.value;
}

export async function readJsonDocument(file: string, stdin: InputStream, what: string): Promise<JsonObject> {
  return parseJsonDocument(await readText(file, stdin), describeSource(file), what);
}

/**
 * Items to send, from any of the shapes people have at hand: one item object, an array of
 * items, a batch body `{"items": [...]}`, or JSONL (one item per line). Only the shape is
 * checked here; the server validates the items themselves.
 */
export function parseItems(text: string, source: string): JsonObject[] {
  if (text.trim() === '') throw new CliError(`${source}: no items (the input is empty)`);
  const whole = tryParse(text);
  const items = whole.ok ? itemsOfDocument(whole.value, source) : parseJsonLines(text, source, whole.error);
  if (items.length === 0) throw new CliError(`${source}: no items`);
  return items;
}

export async function readItems(file: string, stdin: InputStream): Promise<JsonObject[]> {
  return parseItems(await readText(file, stdin), describeSource(file));
}

function itemsOfDocument(doc: JsonValue, source: string): JsonObject[] {
  let list: JsonValue[];
  if (Array.isArray(doc)) list = doc;
  // An item has no `items` field (the API rejects unknown fields), so this cannot misread one.
  else if (isJsonObject(doc) && Array.isArray(doc.items)) list = doc.items;
  else if (isJsonObject(doc)) return [doc];
  else throw new CliError(`${source}: expected an item object, an array of items, {"items": [...]} or JSONL; got ${kindOf(doc)}`);
  return list.map((value, i) => {
    if (!isJsonObject(value)) throw new CliError(`${source}: item ${i} (counting from 0) is ${kindOf(value)}, not a JSON object`);
    return value;
  });
}

function parseJsonLines(text: string, source: string, wholeError: string): JsonObject[] {
  const items: JsonObject[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const parsed = tryParse(line);
    if (!parsed.ok) {
      // When even the first line is not JSON, the input was meant as one document: its own error says more.
      if (items.length === 0) throw new CliError(`${source}: not valid JSON or JSONL: ${wholeError}`);
      throw new CliError(`${source}: line ${index + 1}: not valid JSON: ${parsed.error}`);
    }
    if (!isJsonObject(parsed.value))
      throw new CliError(`${source}: line ${index + 1}: expected an item object, got ${kindOf(parsed.value)}`);
    items.push(parsed.value);
  }
  return items;
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A judgment's correction: literal text, or `@FILE` (`@-` for stdin) holding text or, when it
 * is a JSON object, a structured output such as a chat message. `@@...` is text starting with `@`.
 */
export async function readCorrection(value: string, stdin: InputStream): Promise<string | JsonObject> {
  if (value.startsWith('@@')) return value.slice(1);
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  if (file === '') throw new CliError('--correction @FILE needs a file name, or @- for stdin');
  const text = await readText(file, stdin);
  // Text that opens with "{" is almost surely a JSON output with a typo: sending it as text would hide that.
  if (text.trimStart().startsWith('{')) return parseJsonDocument(text, describeSource(file), 'correction');
  return text.replace(/\r?\n$/, '');
}
