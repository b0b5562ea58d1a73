import fc from 'fast-check';

/*
 * Hostile values for the HTTP fuzzer (test/http/fuzz.test.ts): strings, numbers, keys and JSON
 * texts that have broken servers before, and arbitraries that mix them with random ones.
 */

/**
 * Text spliced verbatim into a JSON body: numbers and escapes no JavaScript value serializes
 * to (1e309, 2^53 + 1 written out, -0, a "\ud800" escape, 10,000 nested brackets).
 */
export class Raw {
  constructor(readonly text: string) {}
}

/** Sets an own, enumerable property, so `__proto__` becomes a key the JSON text carries. */
export function ownKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Raw);

/** JSON text of a value that may hold Raw splices and own `__proto__` keys. */
export function toJsonText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${toJsonText(v[k])}`)
      .join(',')}}`;
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

/** A deep copy that keeps Raw splices and own `__proto__` keys. */
export function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) ownKey(out, k, cloneValue(v[k]));
    return out;
  }
  return v;
}

/** Percent-encodes the UTF-8 bytes of a string; a lone surrogate becomes U+FFFD as any client would send it. */
export function pctEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const repeat = (s: string, n: number) => s.repeat(n);

/** Long enough to cross every maxLength of the API (100, 200, 2000, 5000, 10,000) and the router's 100. */
export const LONG_STRINGS = [101, 201, 2001, 5001, 10_001, 70_000].map((n) => repeat('x', n));

/** Just under and just over the 1 MiB body limit once wrapped in a small JSON object. */
export const MiB = 1024 * 1024;
export const BIG_STRINGS = [repeat('m', MiB - 4096), repeat('o', MiB + 1)];

/** Strings no store can keep as sent: NUL (PostgreSQL refuses it) and lone surrogates (not Unicode). */
export const UNSTORABLE_STRINGS: string[] = ['\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\udc00\ud800'];

/** Strings that are valid Unicode and hostile in meaning: they get past validation and into the store. */
export const STORABLE_HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\ud83d\ude00',
  '\uffff',
  '\ufffe',
  '\ufeffBOM',
  '\u202eRTL override',
  '\u0085\u2028\u2029',
  'Z̷̢̛͇̰a̶̡̝l̵̢̛g̷o̵',
  '𝕳𝖊𝖑𝖑𝖔 🏳️‍🌈 👩‍👩‍👧‍👦',
  "' or 1=1 --",
  "'; drop table items; --",
  '" or ""="',
  "1' union select key_hash from api_keys --",
  "'; select pg_sleep(2); --",
  '%',
  '_',
  '%%',
  '\\',
  '\\"',
  '*',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'file:///etc/passwd',
  'a\r\nSet-Cookie: x=1',
  '\n\r\t\u000b\u000c',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'true',
  '0',
  '-1',
  '1e309',
  'key:',
  'key:x',
  'system',
  'policy',
  'verdict',
  'scores.',
  'scores.__proto__',
  'metadata.__proto__.x',
  '2026-11-25T12:00:00.000Z',
];

export const HOSTILE_STRINGS: string[] = [...STORABLE_HOSTILE_STRINGS, ...UNSTORABLE_STRINGS];

export const HOSTILE_KEYS: string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a.b',
  'a[0]',
  '$where',
  '$ne',
  '../x',
  'items',
  'verdict',
  'role',
  repeat('k', 10_000),
];

/** Number texts JSON allows but JavaScript cannot hold, and a few JSON does not allow. */
export const RAW_NUMBERS: string[] = [
  '1e309',
  '-1e309',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '1e-400',
  '-0',
  '-0.0',
  '0e0',
  `1${repeat('0', 400)}`,
  '1.7976931348623157e308',
  '5e-324',
  '0.30000000000000004',
  '1E2',
];

/** Number-like texts JSON does not allow: a body holding one must be refused as malformed. */
export const NOT_JSON_NUMBERS: string[] = ['NaN', 'Infinity', '-Infinity', '01', '.5', '+1', '0x10', '1.', '-'];

/** String literals with escapes that decode to lone surrogates and NUL. */
export const RAW_STRINGS: string[] = ['"\\ud800"', '"\\udfff x"', '"\\u0000"', '"a\\u0000b"', '"\\uDEAD\\uBEEF"', '"\\ud83d\\ude00"'];

const deepArray = (n: number) => `${repeat('[', n)}${repeat(']', n)}`;
const deepObject = (n: number) => `${repeat('{"a":', n)}1${repeat('}', n)}`;
/** Nesting built as text: no generator would recurse this deep. */
export const DEEP_TEXTS: string[] = [
  deepArray(64),
  deepArray(1000),
  deepArray(10_000),
  deepObject(1000),
  deepObject(10_000),
  deepArray(100_000),
];

export const JS_NUMBERS: number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 63,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  1e21,
  -1e21,
  1.0000000000000002,
];

/** Bodies that try to write through a prototype. */
export function pollutionPayloads(): Record<string, unknown>[] {
  const viaProto: Record<string, unknown> = {};
  ownKey(viaProto, '__proto__', { polluted: 'yes', isAdmin: true, role: 'admin', project_id: null });
  const viaConstructor = { constructor: { prototype: { polluted: 'yes', isAdmin: true } } };
  const viaPrototype = { prototype: { polluted: 'yes' } };
  const nested: Record<string, unknown> = { a: {} };
  ownKey(nested.a as Record<string, unknown>, '__proto__', { polluted: 'yes' });
  return [viaProto, viaConstructor, viaPrototype, nested];
}

/** UTF-16 code units, lone surrogates included (fast-check's units never produce half pairs). */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_STRINGS) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 8 }) },
);

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...JS_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS.map((t) => new Raw(t))) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** Rare on purpose: each one costs a megabyte. */
export const bigString: fc.Arbitrary<string> = fc.constantFrom(...BIG_STRINGS);

export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 4, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_STRINGS.map((t) => new Raw(t))) },
  { weight: 1, arbitrary: fc.constantFrom(...DEEP_TEXTS.slice(0, 5).map((t) => new Raw(t))) },
  { weight: 1, arbitrary: fc.constantFrom(...pollutionPayloads()) },
);

function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) ownKey(out, k, v);
  return out;
}

/** Ordinary JSON, for free-form fields of a body meant to pass validation. */
export const benignJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** Arbitrary JSON with hostile leaves and keys, a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'hostile-json' },
    { weight: 4, arbitrary: hostileLeaf },
    { weight: 1, arbitrary: fc.array(tie('node'), { maxLength: 4 }) },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(fc.oneof(hostileKey, fc.string({ maxLength: 8 })), tie('node')), { maxLength: 4 }).map(objectOf),
    },
  ),
})).node;

/** Wide rather than deep: 200,001 array elements, 20,000 keys. */
export const WIDE_TEXTS: string[] = [
  `[${repeat('0,', 200_000)}0]`,
  `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
];

/** Bodies that are not (valid) JSON, or JSON whose top level no route takes. */
export const RAW_BODIES: string[] = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '-0',
  '1e309',
  '"a string"',
  '[]',
  '[{}]',
  '{}',
  '{',
  '}',
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  "{'a': 1}",
  '{a: 1}',
  '{"a": undefined}',
  ...NOT_JSON_NUMBERS.map((n) => `{"a": ${n}}`),
  '{"a": "unterminated}',
  '{"a": "\\x41"}',
  '{"a": "\\u12"}',
  '{"a":1,"a":2}',
  '{"__proto__": {"polluted": "yes"}}',
  '{"constructor": {"prototype": {"polluted": "yes"}}}',
  '\ufeff{}',
  '{"a":1}\u0000',
  '/* comment */ {}',
  '<?xml version="1.0"?><a/>',
  'role=admin&name=x',
  ...DEEP_TEXTS,
  ...WIDE_TEXTS,
];

/** Bytes that are not UTF-8: a stray continuation byte, an overlong NUL, an encoded surrogate, a truncated sequence. */
export const INVALID_UTF8: Buffer[] = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]),
  Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
];

export const HOSTILE_CONTENT_TYPES: string[] = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=ebcdic',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/jsonx',
  'application/json;;;',
  'application',
  '*/*',
  ';',
];

/** Hostile query-string values (before encoding). */
export const HOSTILE_QUERY_VALUES: string[] = [
  '',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '9007199254740993',
  '-9007199254740993',
  '-1',
  '-0',
  '0',
  '0x1F',
  '1.5',
  '1,2',
  '1e3',
  ' 5',
  '5 ',
  '[]',
  '{}',
  'null',
  'true',
  'undefined',
  '2026-13-45T99:99:99Z',
  '0000-00-00T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-25T24:00:00Z',
  '9999-12-31T23:59:60Z',
  '275760-09-13T00:00:01Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '2026-11-25T12:00:00+25:00',
  '2026-11-25T12:00:00.123456789012Z',
  '2026-11-25',
  '1969-12-31T23:59:59Z',
  '1e21',
  repeat('9', 400),
];

/** Path segments sent as they are, unencoded: traversal, bad escapes, encoded NUL and surrogates. */
export const RAW_SEGMENTS: string[] = [
  '..',
  '.',
  '%2e%2e',
  '..%2f..%2fkeys',
  '%00',
  'a%00b',
  '%',
  '%zz',
  '%ff',
  '%C0%80',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%E2%82',
  '%25',
  '%2F',
  '%3F',
  '%23',
  ';',
  'a;b=c',
  'x?y=1',
  '*',
  '%20',
  '+',
  repeat('a', 100),
  repeat('a', 101),
  repeat('%41', 101),
  repeat('x', 8000),
];

export interface Mutation {
  at: number;
  /**
   * tweak: a leaf becomes another value of the same JSON type (a hostile string of similar
   * length, an extreme number), so the body often still passes validation and the value
   * reaches the services and the store; replace: any hostile value; delete; add a hostile key.
   */
  op: 'tweak' | 'replace' | 'delete' | 'add';
  key: string;
  value: unknown;
  /** For tweak. */
  text: string;
  number: unknown;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom(
    'tweak' as const,
    'tweak' as const,
    'tweak' as const,
    'replace' as const,
    'replace' as const,
    'delete' as const,
    'add' as const,
  ),
  key: fc.oneof(hostileKey, fc.string({ maxLength: 8 })),
  value: fc.oneof({ weight: 8, arbitrary: hostileJson }, { weight: 1, arbitrary: bigString }),
  text: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...STORABLE_HOSTILE_STRINGS) }, { weight: 1, arbitrary: hostileString }),
  number: fc.oneof(fc.constantFrom(...JS_NUMBERS), fc.constantFrom(...RAW_NUMBERS.map((t) => new Raw(t)))),
});

function tweaked(old: unknown, m: Mutation): unknown {
  if (typeof old === 'string') return m.text;
  if (typeof old === 'number' || old instanceof Raw) return m.number;
  if (typeof old === 'boolean') return !old;
  return cloneValue(m.value);
}

type Slot = { parent: unknown[] | Record<string, unknown>; key: string | number };

function slots(v: unknown, out: Slot[] = [], depth = 0): Slot[] {
  if (depth > 50) return out;
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push({ parent: v, key: i });
      slots(x, out, depth + 1);
    });
  else if (isPlainObject(v))
    for (const k of Object.keys(v)) {
      out.push({ parent: v, key: k });
      slots(v[k], out, depth + 1);
    }
  return out;
}

function containers(v: unknown, out: (unknown[] | Record<string, unknown>)[] = [], depth = 0): (unknown[] | Record<string, unknown>)[] {
  if (depth > 50) return out;
  if (Array.isArray(v)) {
    out.push(v);
    for (const x of v) containers(x, out, depth + 1);
  } else if (isPlainObject(v)) {
    out.push(v);
    for (const k of Object.keys(v)) containers(v[k], out, depth + 1);
  }
  return out;
}

/** Applies mutations to a copy: a value replaced by a hostile one, a key dropped, a hostile key added. */
export function mutate(base: unknown, mutations: Mutation[]): unknown {
  let root = cloneValue(base);
  for (const m of mutations) {
    if (m.op === 'add') {
      const all = containers(root);
      const target = all[m.at % Math.max(all.length, 1)];
      const value = cloneValue(m.value);
      if (target === undefined) root = value;
      else if (Array.isArray(target)) target.push(value);
      else ownKey(target, m.key, value);
      continue;
    }
    const all = slots(root);
    const slot = all[m.at % Math.max(all.length, 1)];
    if (slot === undefined) {
      root = m.op === 'tweak' ? tweaked(root, m) : cloneValue(m.value);
      continue;
    }
    const value = m.op === 'tweak' ? tweaked(slot.parent[slot.key as never], m) : cloneValue(m.value);
    if (m.op === 'replace' || m.op === 'tweak') {
      if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
      else ownKey(slot.parent, slot.key as string, value);
    } else if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key as string];
  }
  return root;
}
