import { InvalidArgumentError } from 'commander';
import type { JsonObject } from '../../core/types.js';

export type Scores = Record<string, boolean | number | string>;

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`,
      );
    }
    return n;
  };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Shell arguments are all strings; rubric scales want numbers and booleans, so those are parsed. */
export function parseScoreValue(raw: string): boolean | number | string {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return NUMBER.test(raw) ? Number(raw) : raw;
}

/** `--score accuracy=4`, repeatable: each flag adds one key to the scores. */
export function collectScore(flag: string, previous: Scores | undefined): Scores {
  const eq = flag.indexOf('=');
  const key = eq < 0 ? '' : flag.slice(0, eq).trim();
  if (key === '') throw new InvalidArgumentError('expected key=value, e.g. accuracy=4');
  return { ...previous, [key]: parseScoreValue(flag.slice(eq + 1)) };
}

export function parseScoresJson(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"accuracy": 4}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"accuracy": 4}\'');
  return value as JsonObject;
}
