import { describe, expect, it } from 'vitest';
import { compilePiiScanner, IBAN_LENGTHS, ibanValid } from '../../../src/core/pii/index.js';

// Published examples (SWIFT IBAN registry and national bank documentation).
const EXAMPLES = [
  'GB82 WEST 1234 5698 7654 32',
  'DE89 3704 0044 0532 0130 00',
  'FR14 2004 1010 0505 0001 3M02 606',
  'NL91ABNA0417164300',
  'GB29 NWBK 6016 1331 9268 19',
  'BE68 5390 0754 7034',
  'CH93 0076 2011 6238 5295 7',
  'NO93 8601 1117 947', // shortest: 15
  'LC55 HEMM 0001 0001 0012 0012 0002 3015', // longest: 32
  'MT84 MALT 0110 0001 2345 MTLC AST0 01S',
];

const ibans = compilePiiScanner({ detectors: ['iban'] });
const spans = (text: string): string[] => ibans.find(text).map((f) => text.slice(f.start, f.end));

describe('ibanValid', () => {
  it('accepts published examples, with or without spaces', () => {
    for (const iban of EXAMPLES) {
      expect(ibanValid(iban), iban).toBe(true);
      expect(ibanValid(iban.replace(/ /g, '')), iban).toBe(true);
    }
  });

  it('accepts lower case, as people type it', () => {
    expect(ibanValid('gb82 west 1234 5698 7654 32')).toBe(true);
  });

  it('rejects altered check digits and altered account numbers', () => {
    expect(ibanValid('GB83 WEST 1234 5698 7654 32')).toBe(false);
    expect(ibanValid('DE88 3704 0044 0532 0130 00')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(ibanValid('NL91ABNA0417164301')).toBe(false);
    expect(ibanValid('FR14 2004 1010 0505 0001 3M02 607')).toBe(false);
  });

  it('rejects wrong lengths and unknown countries', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 3')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 000')).toBe(false);
    expect(ibanValid('ZZ82 WEST 1234 5698 7654 32')).toBe(false);
    expect(ibanValid('')).toBe(false);
    expect(ibanValid('GB82')).toBe(false);
  });

  it('has a plausible length for every country', () => {
    for (const [country, length] of Object.entries(IBAN_LENGTHS)) {
      expect(country).toMatch(/^[A-Z]{2}$/);
      expect(length).toBeGreaterThanOrEqual(15);
      expect(length).toBeLessThanOrEqual(34);
    }
    expect(IBAN_LENGTHS['DE']).toBe(22);
    expect(IBAN_LENGTHS['FR']).toBe(27);
  });
});

describe('iban detector', () => {
  it('finds every example in running text', () => {
    for (const iban of EXAMPLES) expect(spans(`Pay to ${iban}, thanks.`), iban).toEqual([iban]);
  });

  it('finds IBANs at the start and the end of a string and several in one', () => {
    const text = 'DE89370400440532013000 or GB82 WEST 1234 5698 7654 32';
    expect(ibans.find(text)).toEqual([
      { detector: 'iban', start: 0, end: 22 },
      { detector: 'iban', start: 26, end: text.length },
    ]);
  });

  it('ignores altered check digits', () => {
    expect(spans('Pay to GB83 WEST 1234 5698 7654 32 now')).toEqual([]);
  });

  it('needs the exact country length and a token boundary', () => {
    expect(spans('GB82 WEST 1234 5698 7654 3210')).toEqual([]);
    expect(spans('XGB82WEST12345698765432')).toEqual([]);
    expect(spans('GB82WEST12345698765432X')).toEqual([]);
    // Spaces only in groups of four.
    expect(spans('GB82 WEST 12 3456 9876 5432')).toEqual([]);
  });
});
