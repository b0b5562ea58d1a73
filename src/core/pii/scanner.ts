import type { JsonValue } from '../types.js';
import { checkCustomPattern, findCustom } from './custom-pattern.js';
import { findEmails } from './email.js';
import { findIbans } from './iban.js';
import { findPaymentCards, isCardNumberValue } from './payment-card.js';
import { phoneFinder } from './phone.js';
import {
  redactionMarker,
  type BuiltinPiiDetector,
  type PiiCandidate,
  type PiiDetectionConfig,
  type PiiFinding,
  type PiiScanner,
} from './types.js';

/**
 * Which detector names a finding when candidates of the same length overlap: checksummed
 * detectors first (a passing Luhn or mod-97 check is strong evidence), then email, phone, and
 * custom patterns in the order they are configured.
 */
export const DETECTOR_PRECEDENCE: readonly BuiltinPiiDetector[] = ['payment_card', 'iban', 'email', 'phone'];

interface Detector {
  name: string;
  /** `claimed`: what the checksummed detectors found so far, merged and sorted. */
  find(text: string, claimed: readonly PiiCandidate[]): PiiCandidate[];
  /** Its findings are certain enough that later detectors may skip what they cover. */
  checksummed?: boolean;
}

/** Sorted, non-overlapping spans covering the same characters as `spans`. */
function mergeSpans(spans: PiiCandidate[]): PiiCandidate[] {
  spans.sort((a, b) => a.start - b.start);
  const out: PiiCandidate[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

interface Ranked extends PiiCandidate {
  rank: number;
}

function builtinDetector(name: BuiltinPiiDetector, config: PiiDetectionConfig): Detector {
  switch (name) {
    case 'email':
      return { name, find: findEmails };
    case 'phone':
      return { name, find: phoneFinder(config.phone_default_country) };
    case 'payment_card':
      return { name, find: findPaymentCards, checksummed: true };
    case 'iban':
      return { name, find: findIbans, checksummed: true };
  }
}

/**
 * Overlapping candidates become one finding spanning all of them, named after the longest
 * (ties: the detector ranked first, then the earliest). When one candidate contains the other,
 * as when a card-like digit run sits inside an IBAN, that is simply the longer one. When they
 * only partly overlap, dropping the shorter would leave part of it in the clear (half a card
 * number), so the span covers both.
 */
function resolve(candidates: Ranked[], names: readonly string[]): PiiFinding[] {
  candidates.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const out: PiiFinding[] = [];
  let i = 0;
  while (i < candidates.length) {
    const first = candidates[i];
    if (first === undefined) break;
    let best = first;
    let end = first.end;
    i++;
    for (let c = candidates[i]; c !== undefined && c.start < end; c = candidates[++i]) {
      const length = c.end - c.start;
      const bestLength = best.end - best.start;
      if (length > bestLength || (length === bestLength && c.rank < best.rank)) best = c;
      if (c.end > end) end = c.end;
    }
    out.push({ detector: names[best.rank] ?? 'unknown', start: first.start, end });
  }
  return out;
}

/**
 * A scanner for one project's configuration. Compiling once matters: custom patterns and the
 * phone metadata are prepared here, not per string. Assumes a configuration that passed
 * `readPiiDetectionConfig`; an invalid custom pattern throws.
 */
export function compilePiiScanner(config: PiiDetectionConfig): PiiScanner {
  const detectors: Detector[] = [];
  for (const name of DETECTOR_PRECEDENCE) {
    if (config.detectors.includes(name)) detectors.push(builtinDetector(name, config));
  }
  for (const custom of config.custom ?? []) {
    const check = checkCustomPattern(custom.pattern, custom.flags ?? '');
    if (!check.ok) throw new Error(`custom PII pattern "${custom.name}" ${check.field}: ${check.message}`);
    const regex = check.regex;
    detectors.push({ name: custom.name, find: (text) => findCustom(regex, text) });
  }
  const names = detectors.map((d) => d.name);
  const cardsInNumbers = config.detectors.includes('payment_card');
  const cardMarker = redactionMarker('payment_card');

  function find(text: string): PiiFinding[] {
    if (text.length === 0 || detectors.length === 0) return [];
    const candidates: Ranked[] = [];
    let claimed: PiiCandidate[] = [];
    detectors.forEach((detector, rank) => {
      const found = detector.find(text, claimed);
      for (const c of found) candidates.push({ start: c.start, end: c.end, rank });
      if (detector.checksummed === true && found.length > 0) claimed = mergeSpans([...claimed, ...found]);
    });
    return resolve(candidates, names);
  }

  function redactText(text: string): { text: string; findings: PiiFinding[] } {
    const findings = find(text);
    if (findings.length === 0) return { text, findings };
    const parts: string[] = [];
    let at = 0;
    for (const f of findings) {
      parts.push(text.slice(at, f.start), redactionMarker(f.detector));
      at = f.end;
    }
    parts.push(text.slice(at));
    return { text: parts.join(''), findings };
  }

  function redactJson(value: JsonValue): { value: JsonValue; counts: Record<string, number> } {
    // A Map, not an object: a custom pattern name must never meet a prototype property.
    const counts = new Map<string, number>();
    const count = (detector: string): void => {
      counts.set(detector, (counts.get(detector) ?? 0) + 1);
    };
    const walk = (v: JsonValue): JsonValue => {
      if (typeof v === 'string') {
        const result = redactText(v);
        for (const f of result.findings) count(f.detector);
        return result.text;
      }
      if (typeof v === 'number') {
        if (cardsInNumbers && isCardNumberValue(v)) {
          count('payment_card');
          return cardMarker;
        }
        return v;
      }
      if (v === null || typeof v === 'boolean') return v;
      if (Array.isArray(v)) return v.map(walk);
      // Object.fromEntries defines own data properties, so a "__proto__" key from JSON.parse
      // stays a plain key instead of replacing the copy's prototype.
      return Object.fromEntries<JsonValue>(Object.entries(v).map(([key, item]) => [key, walk(item)]));
    };
    const redacted = walk(value);
    return { value: redacted, counts: Object.fromEntries(counts) };
  }

  return { find, redactText, redactJson };
}
