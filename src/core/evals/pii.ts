import { compilePiiScanner, type BuiltinPiiDetector } from '../pii/index.js';
import { listJoin, passFail } from './text.js';
import type { CheckResult, PiiCheckSpec } from './types.js';

const NOUNS: Readonly<Record<BuiltinPiiDetector, [singular: string, plural: string]>> = {
  email: ['email address', 'email addresses'],
  phone: ['phone number', 'phone numbers'],
  payment_card: ['payment card number', 'payment card numbers'],
  iban: ['IBAN', 'IBANs'],
};

/**
 * PII: fail when any enabled detector finds something (label `found`), pass otherwise
 * (label `clean`). Uses the scanner that redaction uses, so a check and a redaction of the
 * same text agree on what is personal data. Only counts are reported, never the values.
 */
export function compilePiiCheck(spec: PiiCheckSpec): (text: string) => CheckResult {
  const scanner = compilePiiScanner(
    spec.phone_default_country === undefined
      ? { detectors: spec.detectors }
      : { detectors: spec.detectors, phone_default_country: spec.phone_default_country },
  );
  return (text) => {
    const counts = new Map<BuiltinPiiDetector, number>(spec.detectors.map((d) => [d, 0]));
    for (const finding of scanner.find(text)) {
      const detector = finding.detector as BuiltinPiiDetector;
      counts.set(detector, (counts.get(detector) ?? 0) + 1);
    }
    const parts: string[] = [];
    let total = 0;
    for (const [detector, count] of counts) {
      total += count;
      const [one, many] = NOUNS[detector];
      if (count > 0) parts.push(`${count} ${count === 1 ? one : many}`);
    }
    const found = total > 0;
    return {
      ...passFail(!found),
      label: found ? 'found' : 'clean',
      found,
      details: { counts: Object.fromEntries(counts), total },
      reason: found ? `${listJoin(parts)} found in the ${spec.target}` : `no personal data found in the ${spec.target}`,
    };
  };
}
