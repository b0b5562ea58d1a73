import type { JsonObject, JsonValue } from '../types.js';
import type { OtlpAnyValue, OtlpKeyValue } from './otlp-types.js';

/**
 * Deeper attribute values than this are treated as absent. Far beyond what instrumentations
 * record (a chat transcript with tool arguments is under ten levels), and bounded so that
 * converting a hostile value cannot exhaust the stack.
 */
export const MAX_ATTRIBUTE_DEPTH = 128;

/**
 * An own, enumerable property even for a key like `__proto__`, which a plain assignment
 * would turn into a prototype change.
 */
export function defineKey(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An OTLP AnyValue as JSON, or undefined when it nests deeper than `depth` allows. */
export function anyValueToJson(value: OtlpAnyValue | undefined, depth = MAX_ATTRIBUTE_DEPTH): JsonValue | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    // Past 2^53 a JSON number would silently change the value; the decimal text keeps it.
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  // NaN and the infinities are valid doubles but not JSON.
  if (typeof value.doubleValue === 'number') return Number.isFinite(value.doubleValue) ? value.doubleValue : null;
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  if (value.arrayValue !== undefined) {
    if (depth <= 0) return undefined;
    const out: JsonValue[] = [];
    for (const v of value.arrayValue.values ?? []) {
      const converted = anyValueToJson(v, depth - 1);
      if (converted === undefined) return undefined;
      out.push(converted);
    }
    return out;
  }
  if (value.kvlistValue !== undefined) {
    if (depth <= 0) return undefined;
    const out: JsonObject = {};
    for (const kv of value.kvlistValue.values ?? []) {
      if (typeof kv.key !== 'string') continue;
      const converted = anyValueToJson(kv.value, depth - 1);
      if (converted === undefined) return undefined;
      defineKey(out, kv.key, converted);
    }
    return out;
  }
  return null;
}

/** A span's, event's or resource's attributes, converted to JSON only when read. */
export class Attributes {
  readonly #raw = new Map<string, OtlpAnyValue | undefined>();
  readonly #converted = new Map<string, JsonValue | undefined>();

  constructor(keyValues: readonly OtlpKeyValue[] | undefined) {
    // Keys are unique by the specification; should one repeat, the last one wins, as in the SDKs.
    for (const kv of keyValues ?? []) if (typeof kv.key === 'string') this.#raw.set(kv.key, kv.value);
  }

  has(key: string): boolean {
    return this.#raw.has(key);
  }

  keys(): string[] {
    return [...this.#raw.keys()];
  }

  value(key: string): JsonValue | undefined {
    if (!this.#raw.has(key)) return undefined;
    if (!this.#converted.has(key)) this.#converted.set(key, anyValueToJson(this.#raw.get(key)));
    return this.#converted.get(key);
  }

  /** A non-empty string value. */
  string(key: string): string | undefined {
    const v = this.value(key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  number(key: string): number | undefined {
    const v = this.value(key);
    return typeof v === 'number' ? v : undefined;
  }

  /** A string array, or a single string as a one-element array (some SDKs flatten one-element arrays). */
  strings(key: string): string[] | undefined {
    const v = this.value(key);
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v)) return undefined;
    const out = v.filter((s): s is string => typeof s === 'string');
    return out.length > 0 ? out : undefined;
  }
}
