import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../core/errors.js';

/**
 * How deep a JSON body may nest. Generous for real traffic (chat transcripts, tool calls,
 * metadata, policies whose conditions nest at most 20 levels) and far below what recursive code
 * downstream survives: JSON.parse takes any depth, but JSON.stringify, when the body is stored,
 * overflowed the stack on a free-form field (`output`, `metadata`) 10,000 levels deep.
 */
export const MAX_JSON_DEPTH = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface InputProblem {
  path: string;
  message: string;
}

function problemWithString(s: string): string | undefined {
  // PostgreSQL holds no NUL in text or jsonb (an error there), and stores a lone surrogate in
  // text as U+FFFD (a silent change) or refuses it in jsonb: both are refused on every store.
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'is not well-formed Unicode (a lone UTF-16 surrogate)';
  return undefined;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

function pathOf(frame: Frame, root: string): string {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.unshift(f.key);
  let out = root;
  // A path 256 levels deep says no more than its first few.
  for (const k of keys.slice(0, 8)) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  if (keys.length > 8) out += '…';
  return out === '' ? 'body' : out;
}

/**
 * The first part of a request value the store cannot keep as sent: nesting deeper than
 * MAX_JSON_DEPTH, a string or key with NUL or a lone surrogate, or a number JSON.parse turned
 * into Infinity (1e309), which would be stored as null. Iterative, so any depth is safe.
 */
export function findInputProblem(value: unknown, root = ''): InputProblem | undefined {
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const message = problemWithString(v);
      if (message !== undefined) return { path: pathOf(frame, root), message };
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: pathOf(frame, root), message: 'is a number too large to represent' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (frame.depth >= MAX_JSON_DEPTH) return { path: pathOf(frame, root), message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: frame.depth + 1, parent: frame, key: i });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const message = problemWithString(key);
      if (message !== undefined) return { path: pathOf(frame, root), message: `has a key that ${message}` };
      stack.push({ value: (v as Record<string, unknown>)[key], depth: frame.depth + 1, parent: frame, key });
    }
  }
  return undefined;
}

/**
 * Refuses, on every route and before schema validation, path parameters, query strings and
 * bodies the store cannot keep as sent (400 TG_VALIDATION_FAILED, with the path like any
 * validation error).
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (req, _reply, done) => {
    // A body left as bytes (OTLP) is not JSON yet: its route decodes it and checks what it keeps.
    const body: unknown = Buffer.isBuffer(req.body) ? undefined : req.body;
    const problem = findInputProblem(req.params, 'params') ?? findInputProblem(req.query, 'querystring') ?? findInputProblem(body);
    if (problem === undefined) return done();
    done(new TollgateError('TG_VALIDATION_FAILED', `${problem.path} ${problem.message}`, { errors: [problem] }));
  });
}
