import { isRecord } from '../json.js';
import { checkCustomPattern } from './custom-pattern.js';
import { isPhoneCountry } from './phone.js';
import {
  BUILTIN_PII_DETECTORS,
  type BuiltinPiiDetector,
  type CustomPiiPattern,
  type PiiDetectionConfig,
  type PiiProblem,
} from './types.js';

/** Each custom pattern is one more pass over every string of every payload. */
export const MAX_CUSTOM_PATTERNS = 20;
const CUSTOM_NAME = /^[a-z][a-z0-9_]{0,39}$/;
// Names end up as keys of count records; this is the one a lowercase name could collide with.
const RESERVED_NAMES: ReadonlySet<string> = new Set(['constructor']);
const CONFIG_KEYS: ReadonlySet<string> = new Set(['detectors', 'custom', 'phone_default_country']);
const CUSTOM_KEYS: ReadonlySet<string> = new Set(['name', 'pattern', 'flags']);
const DETECTOR_LIST = BUILTIN_PII_DETECTORS.map((d) => `"${d}"`).join(', ');

function isBuiltin(value: unknown): value is BuiltinPiiDetector {
  return typeof value === 'string' && (BUILTIN_PII_DETECTORS as readonly string[]).includes(value);
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

class Problems {
  readonly list: PiiProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, at: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.add(join(at, key), 'unknown field');
    }
  }
}

function readDetectors(raw: unknown, at: string, problems: Problems): BuiltinPiiDetector[] {
  const out: BuiltinPiiDetector[] = [];
  if (!Array.isArray(raw)) {
    problems.add(at, `must be an array of detector names (${DETECTOR_LIST})`);
    return out;
  }
  const seen = new Map<string, number>();
  raw.forEach((name: unknown, i) => {
    const here = `${at}[${i}]`;
    if (!isBuiltin(name)) {
      problems.add(here, `unknown detector ${JSON.stringify(name)}: use one of ${DETECTOR_LIST}`);
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.add(here, `duplicate detector "${name}" (first at ${at}[${first}])`);
      return;
    }
    seen.set(name, i);
    out.push(name);
  });
  return out;
}

function readCustomPattern(raw: unknown, at: string, names: Map<string, string>, problems: Problems): CustomPiiPattern | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'must be an object with "name" and "pattern"');
    return undefined;
  }
  const before = problems.list.length;
  problems.unknownKeys(raw, CUSTOM_KEYS, at);

  const name = raw['name'];
  if (typeof name !== 'string' || !CUSTOM_NAME.test(name)) {
    problems.add(`${at}.name`, 'must be 1-40 characters of a-z, 0-9 and "_", starting with a letter');
  } else if (isBuiltin(name)) {
    problems.add(`${at}.name`, `"${name}" is a built-in detector: enable it under "detectors" or choose another name`);
  } else if (RESERVED_NAMES.has(name)) {
    problems.add(`${at}.name`, `"${name}" is reserved`);
  } else {
    const first = names.get(name);
    if (first !== undefined) problems.add(`${at}.name`, `duplicate pattern name "${name}" (first used at ${first})`);
    else names.set(name, at);
  }

  const flags = raw['flags'];
  if (flags !== undefined && typeof flags !== 'string') problems.add(`${at}.flags`, 'must be a string');
  const pattern = raw['pattern'];
  if (typeof pattern !== 'string') {
    problems.add(`${at}.pattern`, 'must be a non-empty string');
  } else {
    const check = checkCustomPattern(pattern, typeof flags === 'string' ? flags : '');
    if (!check.ok) problems.add(`${at}.${check.field}`, check.message);
  }

  if (problems.list.length > before || typeof name !== 'string' || typeof pattern !== 'string') return undefined;
  const out: CustomPiiPattern = { name, pattern };
  if (typeof flags === 'string' && flags !== '') out.flags = flags;
  return out;
}

/**
 * Validates a PII detection configuration as written by a person (JSON), reporting every
 * problem at once with its path under `path`, e.g. `redaction.custom[1].pattern`. The config
 * is returned only when there are no problems; it is a fresh object, so later changes to `raw`
 * cannot reach it.
 */
export function readPiiDetectionConfig(raw: unknown, path: string): { config?: PiiDetectionConfig; problems: PiiProblem[] } {
  const problems = new Problems();
  if (!isRecord(raw)) {
    problems.add(path, 'must be an object with a "detectors" array');
    return { problems: problems.list };
  }
  problems.unknownKeys(raw, CONFIG_KEYS, path);

  const detectors = readDetectors(raw['detectors'], join(path, 'detectors'), problems);

  const config: PiiDetectionConfig = { detectors };
  const rawCustom = raw['custom'];
  if (rawCustom !== undefined) {
    const at = join(path, 'custom');
    if (!Array.isArray(rawCustom)) {
      problems.add(at, 'must be an array of custom patterns');
    } else {
      if (rawCustom.length > MAX_CUSTOM_PATTERNS)
        problems.add(at, `must have at most ${MAX_CUSTOM_PATTERNS} patterns, got ${rawCustom.length}`);
      const names = new Map<string, string>();
      const custom: CustomPiiPattern[] = [];
      rawCustom.forEach((item: unknown, i) => {
        const pattern = readCustomPattern(item, `${at}[${i}]`, names, problems);
        if (pattern !== undefined) custom.push(pattern);
      });
      config.custom = custom;
    }
  }

  const country = raw['phone_default_country'];
  if (country !== undefined) {
    const at = join(path, 'phone_default_country');
    if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) {
      problems.add(at, 'must be an ISO 3166 alpha-2 country code in capitals, such as "US" or "DE"');
    } else if (!isPhoneCountry(country)) {
      problems.add(at, `"${country}" has no phone numbering plan`);
    } else if (!detectors.includes('phone')) {
      // Without the phone detector it would silently do nothing.
      problems.add(at, 'only allowed when "detectors" includes "phone"');
    } else {
      config.phone_default_country = country;
    }
  }

  if (problems.list.length > 0) return { problems: problems.list };
  return { config, problems: [] };
}
