import { describe, expect, it } from 'vitest';
import { MAX_CUSTOM_PATTERNS, readPiiDetectionConfig } from '../../../src/core/pii/index.js';

const read = (raw: unknown, path = 'redaction') => readPiiDetectionConfig(raw, path);
const paths = (raw: unknown, path = 'redaction') => read(raw, path).problems.map((p) => `${p.path}: ${p.message}`);

describe('readPiiDetectionConfig', () => {
  it('returns a valid config as a fresh copy', () => {
    const raw = {
      detectors: ['email', 'phone', 'payment_card', 'iban'],
      phone_default_country: 'GB',
      custom: [
        { name: 'employee_id', pattern: 'EMP-\\d{6}' },
        { name: 'ticket', pattern: 'tkt-\\d+', flags: 'i' },
      ],
    };
    const { config, problems } = read(raw);
    expect(problems).toEqual([]);
    expect(config).toEqual(raw);
    raw.detectors.push('bogus');
    raw.custom[0]!.pattern = '(';
    expect(config?.detectors).toEqual(['email', 'phone', 'payment_card', 'iban']);
    expect(config?.custom?.[0]?.pattern).toBe('EMP-\\d{6}');
  });

  it('accepts an empty detector list and drops empty flags', () => {
    expect(read({ detectors: [] })).toEqual({ config: { detectors: [] }, problems: [] });
    expect(read({ detectors: [], custom: [{ name: 'x', pattern: 'x', flags: '' }] }).config).toEqual({
      detectors: [],
      custom: [{ name: 'x', pattern: 'x' }],
    });
  });

  it('rejects a non-object', () => {
    for (const raw of [null, [], 'email', 3]) {
      expect(paths(raw)).toEqual(['redaction: must be an object with a "detectors" array']);
    }
  });

  it('reports unknown keys, at the top and in custom patterns', () => {
    expect(paths({ detectors: [], detector: ['email'], custom: [{ name: 'a', pattern: 'a', flag: 'i' }] })).toEqual([
      'redaction.detector: unknown field',
      'redaction.custom[0].flag: unknown field',
    ]);
  });

  it('uses bare paths when the config is the document', () => {
    expect(paths({ detectors: 'email', extra: 1 }, '')).toEqual([
      'extra: unknown field',
      'detectors: must be an array of detector names ("email", "phone", "payment_card", "iban")',
    ]);
  });

  it('reports unknown and duplicate detectors', () => {
    expect(paths({ detectors: ['email', 'ssn', 'email', 3] })).toEqual([
      'redaction.detectors[1]: unknown detector "ssn": use one of "email", "phone", "payment_card", "iban"',
      'redaction.detectors[2]: duplicate detector "email" (first at redaction.detectors[0])',
      'redaction.detectors[3]: unknown detector 3: use one of "email", "phone", "payment_card", "iban"',
    ]);
    expect(paths({})).toEqual(['redaction.detectors: must be an array of detector names ("email", "phone", "payment_card", "iban")']);
  });

  it('reports bad custom patterns with their paths', () => {
    expect(
      paths({
        detectors: ['email'],
        custom: [
          { name: 'ok', pattern: 'x\\d' },
          { name: 'broken', pattern: '(' },
          { name: 'empty', pattern: 'a*' },
          { name: 'look', pattern: '(?<=a)b' },
          { name: 'badflags', pattern: 'x', flags: 'gi' },
          { name: 'numflags', pattern: 'x', flags: 1 },
          { name: 'nopattern' },
          'str',
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^redaction\.custom\[1\]\.pattern: does not compile: Invalid regular expression/),
      'redaction.custom[2].pattern: can match the empty string',
      expect.stringMatching(/^redaction\.custom\[3\]\.pattern: is not supported by the linear-time matcher/),
      'redaction.custom[4].flags: unknown flag "g": use only "i", "m", "s", "u"',
      'redaction.custom[5].flags: must be a string',
      'redaction.custom[6].pattern: must be a non-empty string',
      'redaction.custom[7]: must be an object with "name" and "pattern"',
    ]);
  });

  it('checks custom pattern names', () => {
    expect(
      paths({
        detectors: [],
        custom: [
          { name: 'Employee', pattern: 'a' },
          { name: '1st', pattern: 'a' },
          { name: 'x'.repeat(41), pattern: 'a' },
          { name: 'email', pattern: 'a' },
          { name: 'constructor', pattern: 'a' },
          { name: 'dup', pattern: 'a' },
          { name: 'dup', pattern: 'b' },
          { pattern: 'c' },
        ],
      }),
    ).toEqual([
      'redaction.custom[0].name: must be 1-40 characters of a-z, 0-9 and "_", starting with a letter',
      'redaction.custom[1].name: must be 1-40 characters of a-z, 0-9 and "_", starting with a letter',
      'redaction.custom[2].name: must be 1-40 characters of a-z, 0-9 and "_", starting with a letter',
      'redaction.custom[3].name: "email" is a built-in detector: enable it under "detectors" or choose another name',
      'redaction.custom[4].name: "constructor" is reserved',
      'redaction.custom[6].name: duplicate pattern name "dup" (first used at redaction.custom[5])',
      'redaction.custom[7].name: must be 1-40 characters of a-z, 0-9 and "_", starting with a letter',
    ]);
  });

  it('limits the number of custom patterns', () => {
    const custom = Array.from({ length: MAX_CUSTOM_PATTERNS + 1 }, (_, i) => ({ name: `p${i}`, pattern: `p${i}` }));
    expect(paths({ detectors: [], custom })).toEqual([
      `redaction.custom: must have at most ${MAX_CUSTOM_PATTERNS} patterns, got ${MAX_CUSTOM_PATTERNS + 1}`,
    ]);
    expect(paths({ detectors: [], custom: {} })).toEqual(['redaction.custom: must be an array of custom patterns']);
  });

  it('checks the phone default country', () => {
    expect(read({ detectors: ['phone'], phone_default_country: 'DE' }).problems).toEqual([]);
    expect(paths({ detectors: ['phone'], phone_default_country: 'de' })).toEqual([
      'redaction.phone_default_country: must be an ISO 3166 alpha-2 country code in capitals, such as "US" or "DE"',
    ]);
    expect(paths({ detectors: ['phone'], phone_default_country: 'USA' })).toHaveLength(1);
    expect(paths({ detectors: ['phone'], phone_default_country: 'XX' })).toEqual([
      'redaction.phone_default_country: "XX" has no phone numbering plan',
    ]);
    expect(paths({ detectors: ['email'], phone_default_country: 'US' })).toEqual([
      'redaction.phone_default_country: only allowed when "detectors" includes "phone"',
    ]);
  });

  it('returns no config when anything is wrong', () => {
    expect(read({ detectors: ['email', 'nope'] }).config).toBeUndefined();
  });
});
