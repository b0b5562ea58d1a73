import type { JsonValue } from './types.js';

/** A plain object: arrays and null are excluded because callers read named fields from it. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON copy of `value`, or undefined when it is not JSON or nests deeper than `maxDepth`.
 * The depth bound lets callers refuse input that would exhaust the stack in later recursion.
 */
export function toJsonValue(value: unknown, maxDepth: number): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (maxDepth <= 0) return undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const copy = toJsonValue(item, maxDepth - 1);
      if (copy === undefined) return undefined;
      out.push(copy);
    }
    return out;
  }
  if (!isRecord(value)) return undefined;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value)) {
    const copy = toJsonValue(item, maxDepth - 1);
    if (copy === undefined) return undefined;
    out[key] = copy;
  }
  return out;
}

/** Structural JSON equality: key order does not matter, array order does. */
/** A value as text, for comparing with a configured string or putting in a prompt: strings as they are, other JSON as JSON, null when absent. */
export function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (x === undefined || y === undefined || !jsonEqual(x, y)) return false;
    }
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined || !Object.hasOwn(b, key) || !jsonEqual(x, y)) return false;
  }
  return true;
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The statistics return camelCase TypeScript objects; the API and CLI speak snake_case JSON.
 * Converts object keys at every depth (arrays and typed arrays become plain arrays); values
 * are left alone, so labels and ids keep their spelling.
 */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), snakeCaseKeys(v)]));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeCaseKeys(v)]));
  return value;
}
