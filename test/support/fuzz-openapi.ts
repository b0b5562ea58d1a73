import fc from 'fast-check';
import {
  bigString,
  cloneValue,
  DEEP_TEXTS,
  hostileJson,
  hostileKey,
  hostileLeaf,
  codeUnit,
  benignJson,
  hostileString,
  HOSTILE_CONTENT_TYPES,
  STORABLE_HOSTILE_STRINGS,
  UNSTORABLE_STRINGS,
  HOSTILE_QUERY_VALUES,
  INVALID_UTF8,
  mutate,
  mutation,
  ownKey,
  pctEncode,
  Raw,
  RAW_BODIES,
  RAW_SEGMENTS,
  toJsonText,
  WIDE_TEXTS,
} from './fuzz-values.js';

/*
 * Requests for the HTTP fuzzer, derived from the OpenAPI document: every documented operation,
 * its path and query parameters and its request body schema. A route added later is fuzzed
 * without touching the fuzzer.
 */

export type Schema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  /** `POST /v1/projects/{project_id}/items`, as the document names it. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  body: Schema | undefined;
  /** The documented example bodies, if any: valid starting points for mutation. */
  bodyExamples: unknown[];
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown; examples?: Record<string, { value?: unknown }> }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export function operationsOf(doc: Record<string, unknown>): Operation[] {
  const d = doc as unknown as OpenApiDoc;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(d.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const json = op.requestBody?.content?.['application/json'];
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: json?.schema,
        bodyExamples: [
          ...(json !== undefined && 'example' in json ? [json.example] : []),
          ...Object.values(json?.examples ?? {}).map((e) => e.value),
        ],
      });
    }
  }
  return ops.sort((a, b) => a.id.localeCompare(b.id));
}

export interface GenContext {
  /** Resolves `#/components/schemas/X`. */
  resolve(ref: string): Schema;
  /** Existing ids for a parameter or field name (`item_id`, `item_ids`, `reviewers`), if any. */
  ids(name: string | undefined): string[] | undefined;
}

export function resolverOf(doc: Record<string, unknown>): GenContext['resolve'] {
  const schemas = (doc as unknown as OpenApiDoc).components?.schemas ?? {};
  return (ref) => {
    const name = ref.replace(/^#\/components\/schemas\//, '');
    const s = schemas[name];
    if (s === undefined) throw new Error(`unresolvable $ref ${ref}`);
    return s;
  };
}

/** A value for a field that takes any JSON: mostly ordinary, sometimes hostile (mutations add more). */
const freeJson = fc.oneof({ weight: 6, arbitrary: benignJson }, { weight: 1, arbitrary: hostileJson });

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function stringFor(s: Schema, ctx: GenContext, name: string | undefined): fc.Arbitrary<unknown> {
  const min = num(s.minLength) ?? 0;
  const max = num(s.maxLength);
  const fits = (x: string) => x.length >= min && (max === undefined || x.length <= max);
  const options: fc.MaybeWeightedArbitrary<unknown>[] = [];
  const ids = ctx.ids(name);
  // Weighted so that a body of a dozen strings still passes validation more often than not:
  // the mutations, and the other kinds of body, bring the invalid ones.
  if (ids !== undefined && ids.length > 0) options.push({ weight: 16, arbitrary: fc.constantFrom(...ids) });
  if (s.format === 'date-time') {
    options.push({
      weight: 16,
      arbitrary: fc
        .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
        .map((d) => d.toISOString()),
    });
  } else if (typeof s.pattern === 'string') {
    options.push({ weight: 16, arbitrary: fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' }).filter(fits) });
  } else {
    const short = { minLength: Math.max(min, 1), maxLength: Math.max(min, 1, Math.min(max ?? 16, 16)) };
    options.push({ weight: 8, arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max ?? 24, 24)) }) });
    // Hostile content of an acceptable length: it gets past validation and into the services and the store.
    const hostile = STORABLE_HOSTILE_STRINGS.filter(fits);
    if (hostile.length > 0) options.push({ weight: 8, arbitrary: fc.constantFrom(...hostile) });
    options.push({ weight: 4, arbitrary: fc.string({ ...short, unit: 'binary' }) });
    options.push({ weight: 1, arbitrary: fc.string({ ...short, unit: codeUnit }) });
    options.push({ weight: 1, arbitrary: fc.constantFrom(...UNSTORABLE_STRINGS) });
  }
  // The boundaries: the longest valid value; one past it and one short of the minimum, rarely.
  if (max !== undefined) options.push({ weight: 2, arbitrary: fc.constant('x'.repeat(max)) });
  const invalid = [...(max === undefined ? [] : ['y'.repeat(max + 1)]), ...(min > 0 ? ['z'.repeat(min - 1)] : [])];
  if (invalid.length > 0) options.push({ weight: 1, arbitrary: fc.constantFrom(...invalid) });
  options.push({ weight: 1, arbitrary: hostileString });
  return fc.oneof(...options);
}

function numberFor(s: Schema, integer: boolean): fc.Arbitrary<unknown> {
  const lo = num(s.minimum) ?? num(s.exclusiveMinimum);
  const hi = num(s.maximum) ?? num(s.exclusiveMaximum);
  const inner = integer
    ? fc.integer({ min: Math.ceil(lo ?? -1_000_000), max: Math.floor(hi ?? 1_000_000) })
    : fc.double({ min: lo ?? -1e6, max: hi ?? 1e6, noNaN: true, noDefaultInfinity: true });
  const edges: number[] = [];
  for (const b of [lo, hi])
    if (b !== undefined) edges.push(b, b - 1, b + 1, b - 0.5, b + 0.5, b - Number.EPSILON * Math.max(1, Math.abs(b)));
  return fc.oneof({ weight: 8, arbitrary: inner }, { weight: 1, arbitrary: edges.length > 0 ? fc.constantFrom(...edges) : inner });
}

/**
 * Values shaped by a JSON schema: right keys, mostly right types, boundary sizes. The mutations
 * applied on top (requestArbitrary) turn them into near misses.
 */
export function fromSchema(schema: Schema, ctx: GenContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 8) return hostileLeaf;
  if (typeof schema.$ref === 'string') return fromSchema(ctx.resolve(schema.$ref), ctx, name, depth + 1);
  const variants: fc.Arbitrary<unknown>[] = [];
  const examples = [...(Array.isArray(schema.examples) ? schema.examples : []), ...('example' in schema ? [schema.example] : [])];
  if (Array.isArray(schema.enum)) {
    const values = schema.enum as unknown[];
    return fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: hostileString });
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const subs = schema[key];
    if (Array.isArray(subs)) return fc.oneof(...(subs as Schema[]).map((sub) => fromSchema(sub, ctx, name, depth + 1)));
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of schema.allOf as Schema[]) {
      const p = typeof part.$ref === 'string' ? ctx.resolve(part.$ref) : part;
      Object.assign(merged.properties as Schema, p.properties ?? {});
      (merged.required as string[]).push(...((p.required as string[] | undefined) ?? []));
    }
    return fromSchema(merged, ctx, name, depth + 1);
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  if (schema.nullable === true) variants.push(fc.constant(null));
  for (const type of types) {
    switch (type) {
      case 'string':
        variants.push(stringFor(schema, ctx, name));
        break;
      case 'integer':
      case 'number':
        variants.push(numberFor(schema, type === 'integer'));
        break;
      case 'boolean':
        variants.push(fc.boolean());
        break;
      case 'null':
        variants.push(fc.constant(null));
        break;
      case 'array':
        variants.push(arrayFor(schema, ctx, name, depth));
        break;
      case 'object':
        variants.push(objectFor(schema, ctx, depth));
        break;
    }
  }
  if (types.length === 0) variants.push(freeJson);
  const generated = variants.length === 1 ? variants[0]! : fc.oneof(...variants);
  if (examples.length === 0) return generated;
  return fc.oneof({ weight: 1, arbitrary: generated }, { weight: 1, arbitrary: fc.constantFrom(...examples).map(cloneValue) });
}

function arrayFor(s: Schema, ctx: GenContext, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  // `item_ids` holds item ids, `reviewers` reviewers.
  const itemName = name?.replace(/s$/, '');
  const items = s.items === undefined ? hostileJson : fromSchema(s.items as Schema, ctx, itemName, depth + 1);
  const min = num(s.minItems) ?? 0;
  const max = num(s.maxItems);
  const usual = fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(max ?? 4, 4)) });
  const edges: fc.Arbitrary<unknown>[] = [];
  // One past maxItems, of small elements: a thousand copies of a large one would be gigabytes.
  if (max !== undefined)
    edges.push(items.filter((x) => toJsonText(x).length <= 400).map((x) => Array.from({ length: max + 1 }, () => cloneValue(x))));
  if (min > 0) edges.push(fc.array(items, { minLength: min - 1, maxLength: min - 1 }));
  return edges.length === 0 ? usual : fc.oneof({ weight: 10, arbitrary: usual }, { weight: 1, arbitrary: fc.oneof(...edges) });
}

function objectFor(s: Schema, ctx: GenContext, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const names = Object.keys(props);
  if (names.length === 0) {
    // A free-form object (policy rules, metadata, scores): mostly ordinary entries, some hostile.
    const key = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: hostileKey });
    return fc.array(fc.tuple(key, freeJson), { maxLength: 4 }).map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) ownKey(out, k, v);
      return out;
    });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const n of names) model[n] = fromSchema(props[n]!, ctx, n, depth + 1);
  return fc.record(model, { requiredKeys: names.filter((n) => required.has(n)) }).map((r) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(r)) ownKey(out, k, r[k]);
    return out;
  });
}

// ---- Whole requests ----------------------------------------------------------------------

export type Principal = 'admin' | 'reviewer' | 'viewer' | 'ingest' | 'anonymous' | 'garbage';

export interface FuzzRequest {
  principal: Principal;
  /** For `garbage`: what the Authorization header says. */
  authorization?: string;
  method: Operation['method'];
  url: string;
  contentType: string | undefined;
  payload: string | Buffer | undefined;
  /** How the body was made, for the report. */
  bodyKind: string;
}

type Body = { kind: string; payload: string | Buffer | undefined };

const GARBAGE_AUTH = [
  'Bearer',
  'Bearer ',
  'Basic dGVzdDp0ZXN0',
  'Bearer tg_',
  "Bearer ' or 1=1 --",
  `Bearer ${'a'.repeat(20_000)}`,
  'Bearer a b',
  'bearer\tx',
  'Token x',
  'Bearer %00',
  'Bearer ../../',
];

function bodyArbitrary(op: Operation, ctx: GenContext): fc.Arbitrary<Body> {
  const json = (kind: string) => (v: unknown) => ({ kind, payload: toJsonText(v) });
  const raw = fc.constantFrom(...RAW_BODIES).map((payload) => ({ kind: 'raw', payload }));
  const bytes = fc.constantFrom(...INVALID_UTF8).map((payload) => ({ kind: 'invalid-utf8', payload }));
  const none = fc.constant<Body>({ kind: 'none', payload: undefined });
  const arbitrary = hostileJson.map(json('arbitrary-json'));
  if (op.body === undefined) {
    return fc.oneof({ weight: 8, arbitrary: none }, { weight: 1, arbitrary }, { weight: 1, arbitrary: raw });
  }
  const generated = fromSchema(op.body, ctx);
  const shaped = op.bodyExamples.length === 0 ? generated : fc.oneof(generated, fc.constantFrom(...op.bodyExamples).map(cloneValue));
  // A deep or huge value spliced into a schema-shaped body, where a field takes any JSON.
  const spliced = fc.tuple(
    shaped,
    fc.array(mutation, { minLength: 1, maxLength: 3 }),
    fc.oneof(
      bigString.map((s) => s as unknown),
      fc.constantFrom(...[...DEEP_TEXTS, ...WIDE_TEXTS].map((t) => new Raw(t))),
    ),
  );
  return fc.oneof(
    { weight: 10, arbitrary: shaped.map(json('shaped')) },
    {
      weight: 8,
      arbitrary: fc.tuple(shaped, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, m]) => json('mutated')(mutate(v, m))),
    },
    {
      weight: 1,
      arbitrary: spliced.map(([v, m, big]) =>
        json('spliced')(mutate(v, [...m.slice(0, -1), { ...m.at(-1)!, op: 'replace' as const, value: big }])),
      ),
    },
    { weight: 1, arbitrary },
    { weight: 1, arbitrary: raw },
    { weight: 1, arbitrary: bytes },
    { weight: 1, arbitrary: none },
  );
}

/** The values a path parameter's schema names (an enum, examples), if it names any. */
export function schemaValues(p: Parameter): string[] {
  const s = p.schema ?? {};
  const values = [
    ...(Array.isArray(s.enum) ? s.enum : []),
    ...(Array.isArray(s.examples) ? s.examples : []),
    ...('example' in s ? [s.example] : []),
  ];
  return values.filter((v): v is string => typeof v === 'string');
}

function pathArbitrary(op: Operation, ctx: GenContext): fc.Arbitrary<string> {
  const segments = op.pathParams.map((p) => {
    // An id parameter gets existing ids; one with named values (`{format}`) gets those; either
    // way also values of its schema, hostile strings, and raw traversal and escapes.
    const known = ctx.ids(p.name) ?? (schemaValues(p).length > 0 ? schemaValues(p) : (ctx.ids(undefined) ?? []));
    const typed = fromSchema(p.schema ?? { type: 'string' }, ctx, p.name).map((v) => pctEncode(typeof v === 'string' ? v : toJsonText(v)));
    return fc.oneof(
      ...(known.length > 0 ? [{ weight: 10, arbitrary: fc.constantFrom(...known.map(pctEncode)) }] : []),
      { weight: 2, arbitrary: typed },
      { weight: 3, arbitrary: hostileString.map(pctEncode) },
      { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    );
  });
  return fc.tuple(...segments).map((values) => {
    let i = 0;
    return op.path.replace(/\{[^}]+\}/g, () => values[i++]!);
  });
}

function queryArbitrary(op: Operation, ctx: GenContext): fc.Arbitrary<string> {
  const named = op.queryParams.map((p) =>
    fromSchema(p.schema ?? {}, ctx, p.name).map(
      (v) => [p.name, v instanceof Raw ? v.text : typeof v === 'string' ? v : toJsonText(v)] as const,
    ),
  );
  const hostileValue = fc.oneof(fc.constantFrom(...HOSTILE_QUERY_VALUES), hostileString);
  const names = op.queryParams.map((p) => p.name);
  const oddKeys = [
    ...names.flatMap((n) => [`${n}[]`, `${n}[0]`, `${n}[__proto__]`, `${n}.x`]),
    '__proto__',
    'constructor',
    '__proto__[polluted]',
    '',
  ];
  const pair = fc.oneof(
    ...(named.length > 0 ? [{ weight: 6, arbitrary: fc.oneof(...named) }] : []),
    ...(names.length > 0 ? [{ weight: 3, arbitrary: fc.tuple(fc.constantFrom(...names), hostileValue) }] : []),
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...oddKeys), hostileKey), hostileValue) },
  );
  const encoded = fc.tuple(pair, fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'bare')).map(([[k, v], how]) => {
    if (how === 'bare') return pctEncode(k);
    if (how === 'raw') return `${k}=${v}`.replace(/[#\s]/g, '+');
    return `${pctEncode(k)}=${pctEncode(v)}`;
  });
  const ratio = op.queryParams.length > 0 ? 4 : 1;
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: ratio, arbitrary: fc.array(encoded, { minLength: 1, maxLength: 6 }).map((pairs) => `?${pairs.join('&')}`) },
  );
}

export function requestArbitrary(op: Operation, ctx: GenContext): fc.Arbitrary<FuzzRequest> {
  const principal = fc.oneof(
    { weight: 14, arbitrary: fc.constant<Principal>('admin') },
    { weight: 3, arbitrary: fc.constant<Principal>('reviewer') },
    { weight: 1, arbitrary: fc.constant<Principal>('viewer') },
    { weight: 1, arbitrary: fc.constant<Principal>('ingest') },
    { weight: 1, arbitrary: fc.constant<Principal>('anonymous') },
    { weight: 1, arbitrary: fc.constant<Principal>('garbage') },
  );
  const contentType = fc.oneof(
    { weight: 20, arbitrary: fc.constant<string | undefined>('application/json') },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(...HOSTILE_CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
  );
  return fc
    .record({
      principal,
      garbage: fc.constantFrom(...GARBAGE_AUTH),
      path: pathArbitrary(op, ctx),
      query: queryArbitrary(op, ctx),
      body: bodyArbitrary(op, ctx),
      contentType,
    })
    .map(({ principal: who, garbage, path, query, body, contentType: type }) => {
      const req: FuzzRequest = {
        principal: who,
        ...(who === 'garbage' ? { authorization: garbage } : {}),
        method: op.method,
        url: `${path}${query}`,
        contentType: body.payload === undefined ? undefined : type,
        payload: body.payload,
        bodyKind: body.kind,
      };
      Object.defineProperty(req, fc.toStringMethod, { value: () => describeRequest(req), enumerable: false });
      return req;
    });
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** A request as a counterexample report shows it: long parts clipped, escapes visible. */
export function describeRequest(r: FuzzRequest): string {
  const payload =
    r.payload === undefined
      ? '(none)'
      : Buffer.isBuffer(r.payload)
        ? `bytes ${r.payload.toString('hex')}`
        : JSON.stringify(clip(r.payload));
  return `${r.principal}${r.authorization === undefined ? '' : ` [${clip(r.authorization, 40)}]`} ${r.method} ${clip(r.url)} content-type=${String(r.contentType)} body(${r.bodyKind})=${payload}`;
}
