import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';
import { summarizeProblems } from '../policy/policy-validate.js';
import { readPiiDetectionConfig, type PiiDetectionConfig } from '../pii/index.js';
import { ROLES, type Role } from '../types.js';

export const REDACTABLE_FIELDS = ['input', 'output', 'metadata'] as const;
export type RedactableField = (typeof REDACTABLE_FIELDS)[number];
export const ORIGINAL_POLICIES = ['drop', 'encrypt'] as const;
export type OriginalPolicy = (typeof ORIGINAL_POLICIES)[number];
export const RETENTION_ACTIONS = ['delete', 'redact'] as const;
export type RetentionAction = (typeof RETENTION_ACTIONS)[number];

/** A hundred years: a bound that catches a typo (days given as seconds) without limiting anyone. */
export const MAX_RETENTION_DAYS = 36_500;

export interface RedactionSettings extends PiiDetectionConfig {
  /** Which parts of an item are scanned; metadata is opt-in because policies often route on it. */
  fields: RedactableField[];
  /** What happens to the text before redaction: dropped, or kept sealed for `original_roles`. */
  original: OriginalPolicy;
  original_roles: Role[];
}

export interface RetentionSettings {
  days: number;
  /** `delete` empties the payloads; `redact` runs the detectors over them and keeps the rest. */
  action: RetentionAction;
}

export interface DataProtectionSettings {
  redaction: RedactionSettings | null;
  retention: RetentionSettings | null;
}

export const NO_DATA_PROTECTION: DataProtectionSettings = { redaction: null, retention: null };

interface Problem {
  path: string;
  message: string;
}

const DOCUMENT_KEYS = new Set(['redaction', 'retention']);
const REDACTION_OWN_KEYS = new Set(['fields', 'original', 'original_roles']);
const RETENTION_KEYS = new Set(['days', 'action']);

/**
 * Reads a project's `data_protection` document, reporting every problem with its path, the way
 * policies are checked, so a manager fixes a whole document in one round trip.
 */
export function readDataProtection(raw: unknown): { settings?: DataProtectionSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  if (raw === null || raw === undefined) return { settings: NO_DATA_PROTECTION, problems };
  if (!isRecord(raw)) return { problems: [{ path: '', message: 'must be an object' }] };
  for (const key of Object.keys(raw)) if (!DOCUMENT_KEYS.has(key)) problems.push({ path: key, message: 'unknown field' });
  const redaction = raw['redaction'] === undefined || raw['redaction'] === null ? null : readRedaction(raw['redaction'], problems);
  const retention = raw['retention'] === undefined || raw['retention'] === null ? null : readRetention(raw['retention'], problems);
  if (problems.length > 0 || redaction === undefined || retention === undefined) return { problems };
  return { settings: { redaction, retention }, problems };
}

/** As `readDataProtection`, throwing the stable error a client switches on. */
export function parseDataProtection(raw: unknown): DataProtectionSettings {
  const { settings, problems } = readDataProtection(raw);
  if (settings === undefined || problems.length > 0) {
    throw new TollgateError('TG_INVALID_DATA_PROTECTION', `invalid data_protection: ${summarizeProblems(problems)}`, { errors: problems });
  }
  return settings;
}

function readRedaction(raw: unknown, problems: Problem[]): RedactionSettings | undefined {
  const at = 'redaction';
  if (!isRecord(raw)) {
    problems.push({ path: at, message: 'must be an object' });
    return undefined;
  }
  const before = problems.length;
  const detection: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!REDACTION_OWN_KEYS.has(key)) detection[key] = value;
  const read = readPiiDetectionConfig(detection, at);
  problems.push(...read.problems);

  const fields = readEnumList(raw['fields'], REDACTABLE_FIELDS, `${at}.fields`, problems) ?? ['input', 'output'];
  if (raw['fields'] !== undefined && fields.length === 0) problems.push({ path: `${at}.fields`, message: 'must name at least one field' });
  const original = raw['original'] ?? 'drop';
  if (!(ORIGINAL_POLICIES as readonly unknown[]).includes(original)) {
    problems.push({ path: `${at}.original`, message: `must be one of ${ORIGINAL_POLICIES.map((p) => `"${p}"`).join(', ')}` });
  }
  const roles = readEnumList(raw['original_roles'], ROLES, `${at}.original_roles`, problems) ?? ['admin'];
  if (problems.length > before || read.config === undefined) return undefined;
  return { ...read.config, fields, original: original as OriginalPolicy, original_roles: roles };
}

function readRetention(raw: unknown, problems: Problem[]): RetentionSettings | undefined {
  const at = 'retention';
  if (!isRecord(raw)) {
    problems.push({ path: at, message: 'must be an object' });
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(raw)) if (!RETENTION_KEYS.has(key)) problems.push({ path: `${at}.${key}`, message: 'unknown field' });
  const days = raw['days'];
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
    problems.push({ path: `${at}.days`, message: `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}` });
  }
  const action = raw['action'] ?? 'delete';
  if (!(RETENTION_ACTIONS as readonly unknown[]).includes(action)) {
    problems.push({ path: `${at}.action`, message: `must be one of ${RETENTION_ACTIONS.map((a) => `"${a}"`).join(', ')}` });
  }
  if (problems.length > before) return undefined;
  return { days: days as number, action: action as RetentionAction };
}

function readEnumList<T extends string>(raw: unknown, allowed: readonly T[], at: string, problems: Problem[]): T[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ path: at, message: 'must be an array' });
    return undefined;
  }
  const out: T[] = [];
  raw.forEach((value, i) => {
    if (!(allowed as readonly unknown[]).includes(value)) {
      problems.push({ path: `${at}[${i}]`, message: `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}` });
    } else if (out.includes(value as T)) {
      problems.push({ path: `${at}[${i}]`, message: `"${String(value)}" is listed twice` });
    } else {
      out.push(value as T);
    }
  });
  return out;
}

export function hasDataProtection(s: DataProtectionSettings): boolean {
  return s.redaction !== null || s.retention !== null;
}
