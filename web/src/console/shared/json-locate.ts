/**
 * A strict JSON checker that says where things are. JSON.parse's error messages differ between
 * browsers and not all give a line, so syntax errors are found here, with line and column; and
 * since the server names problems by path (`rules[1].when.metadata.amount`), every value's line
 * is recorded under that same path syntax so a 422 can point at the offending line.
 */

export type JsonCheck =
  { ok: true; value: unknown; lines: Map<string, number> } | { ok: false; message: string; line: number; column: number };

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  if (ch === '\n') return 'line break';
  if (ch === '"') return 'a quote';
  return `"${ch}"`;
}

class Parser {
  pos = 0;
  readonly lines = new Map<string, number>();
  readonly #lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.#lineStarts.push(i + 1);
  }

  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  columnAt(pos: number): number {
    return pos - (this.#lineStarts[this.lineAt(pos) - 1] ?? 0) + 1;
  }

  skipWs(): void {
    for (;;) {
      while (this.pos < this.text.length && WS.has(this.text[this.pos] ?? '')) this.pos++;
      if (this.text.startsWith('//', this.pos) || this.text.startsWith('/*', this.pos)) {
        throw new JsonSyntaxError('comments are not allowed in JSON', this.pos);
      }
      return;
    }
  }

  fail(expected: string): never {
    throw new JsonSyntaxError(`expected ${expected}, found ${describe(this.text[this.pos])}`, this.pos);
  }

  document(): void {
    this.skipWs();
    this.value('');
    this.skipWs();
    if (this.pos < this.text.length) this.fail('end of input after the value');
  }

  value(path: string): void {
    this.skipWs();
    if (!this.lines.has(path)) this.lines.set(path, this.lineAt(this.pos));
    const ch = this.text[this.pos];
    if (ch === '{') return this.object(path);
    if (ch === '[') return this.array(path);
    if (ch === '"') {
      this.string();
      return;
    }
    if (ch === "'") throw new JsonSyntaxError('strings must use double quotes', this.pos);
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m) {
      this.pos += m[0].length;
      return;
    }
    this.fail('a value');
  }

  object(path: string): void {
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWs();
      const ch = this.text[this.pos];
      if (ch === '}') throw new JsonSyntaxError('trailing comma before "}"', this.pos);
      if (ch !== '"') {
        throw new JsonSyntaxError(
          ch === "'" ? 'property names must use double quotes' : `expected a property name in double quotes, found ${describe(ch)}`,
          this.pos,
        );
      }
      const keyStart = this.pos;
      const key = this.string();
      const child = path === '' ? key : `${path}.${key}`;
      this.lines.set(child, this.lineAt(keyStart));
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail('":" after the property name');
      this.pos++;
      this.value(child);
      this.skipWs();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        return;
      }
      if (next === '"') throw new JsonSyntaxError('missing "," before the next property', this.pos);
      this.fail('"," or "}" after the property value');
    }
  }

  array(path: string): void {
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.skipWs();
      if (this.text[this.pos] === ']') throw new JsonSyntaxError('trailing comma before "]"', this.pos);
      this.value(`${path}[${i}]`);
      this.skipWs();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        return;
      }
      this.fail('"," or "]" after the array element');
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw new JsonSyntaxError('unterminated string', start);
      if (ch === '"') {
        this.pos++;
        return JSON.parse(this.text.slice(start, this.pos)) as string;
      }
      if (ch === '\n') throw new JsonSyntaxError('unterminated string (line break inside a string)', this.pos);
      if (ch < ' ') throw new JsonSyntaxError('control character inside a string', this.pos);
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            throw new JsonSyntaxError('invalid \\u escape', this.pos);
          }
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) throw new JsonSyntaxError('invalid escape in string', this.pos);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }
}

export function checkJson(text: string): JsonCheck {
  const p = new Parser(text);
  try {
    p.document();
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      return { ok: false, message: err.message, line: p.lineAt(err.pos), column: p.columnAt(err.pos) };
    }
    throw err;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, lines: p.lines };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : 'invalid JSON', line: 1, column: 1 };
  }
}

/** The line of the deepest recorded value a server error path lies under; null when none does. */
export function lineOfPath(lines: ReadonlyMap<string, number>, path: string): number | null {
  let best: string | null = null;
  for (const candidate of lines.keys()) {
    const under =
      candidate === path ||
      candidate === '' ||
      (path.startsWith(candidate) && (path[candidate.length] === '.' || path[candidate.length] === '['));
    if (under && (best === null || candidate.length > best.length)) best = candidate;
  }
  return best === null ? null : (lines.get(best) ?? null);
}
