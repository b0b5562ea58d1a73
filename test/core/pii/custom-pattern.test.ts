import { describe, expect, it } from 'vitest';
import { checkCustomPattern, compilePiiScanner, MAX_CUSTOM_PATTERN_LENGTH } from '../../../src/core/pii/index.js';

function problem(pattern: string, flags = ''): string | undefined {
  const check = checkCustomPattern(pattern, flags);
  return check.ok ? undefined : `${check.field}: ${check.message}`;
}

describe('checkCustomPattern', () => {
  it('accepts ordinary patterns and flags', () => {
    expect(problem('EMP-\\d{6}')).toBeUndefined();
    expect(problem('\\bemp-\\d{6}\\b', 'i')).toBeUndefined();
    expect(problem('^secret:.+$', 'ms')).toBeUndefined();
    expect(problem('\\p{Lu}{2}\\d{6}', 'u')).toBeUndefined();
    expect(problem('(?<year>\\d{4})-\\d{4}')).toBeUndefined();
    expect(problem('\\u00e9\\d{3}')).toBeUndefined();
  });

  it('rejects patterns that do not compile', () => {
    expect(problem('(')).toMatch(/^pattern: does not compile: /);
    expect(problem('[a-')).toMatch(/^pattern: does not compile: /);
    expect(problem('a{2,1}')).toMatch(/^pattern: does not compile: /);
  });

  it('rejects patterns that can match the empty string', () => {
    for (const pattern of ['a*', 'x?', '(?:)', '\\b', '^', '$', 'a|', '(?:abc)*', '\\B']) {
      expect(problem(pattern), pattern).toBe('pattern: can match the empty string');
    }
    expect(problem('^$', 'm')).toBe('pattern: can match the empty string');
  });

  it('rejects lookaround and backreferences, which need a backtracking engine', () => {
    for (const pattern of ['(?=x)x', '(?<=id:)\\d+', '(?<!x)\\d+', '(a)\\1']) {
      expect(problem(pattern), pattern).toMatch(/^pattern: is not supported by the linear-time matcher/);
    }
  });

  it('rejects patterns too costly to run', () => {
    expect(problem('\\w{1000}\\w{1000}\\w{1000}')).toMatch(/^pattern: is too complex/);
    expect(problem('(a{100}){100}')).toMatch(/^pattern: is not supported/);
  });

  it('rejects bad flags and over-long patterns', () => {
    expect(problem('x', 'g')).toBe('flags: unknown flag "g": use only "i", "m", "s", "u"');
    expect(problem('x', 'y')).toMatch(/^flags: unknown flag "y"/);
    expect(problem('x', 'ii')).toBe('flags: flag "i" is repeated');
    expect(problem('x'.repeat(MAX_CUSTOM_PATTERN_LENGTH + 1))).toBe(`pattern: must be at most ${MAX_CUSTOM_PATTERN_LENGTH} characters`);
    expect(problem('')).toBe('pattern: must be a non-empty string');
  });
});

describe('custom patterns in a scanner', () => {
  it('finds matches with the configured flags', () => {
    const scanner = compilePiiScanner({ detectors: [], custom: [{ name: 'employee_id', pattern: '\\bemp-\\d{6}\\b', flags: 'i' }] });
    expect(scanner.redactText('Ask EMP-123456 or emp-654321, not EMP-1234567.').text).toBe(
      'Ask [REDACTED:employee_id] or [REDACTED:employee_id], not EMP-1234567.',
    );
  });

  it('keeps UTF-16 offsets across emoji and letters outside the BMP', () => {
    const scanner = compilePiiScanner({ detectors: [], custom: [{ name: 'ticket', pattern: 'T-\\d{4}' }] });
    const text = '👩‍💻 𝒳 é T-1234 😀';
    const start = text.indexOf('T-1234');
    expect(scanner.find(text)).toEqual([{ detector: 'ticket', start, end: start + 6 }]);
  });

  it('runs patterns that backtrack catastrophically in V8 in linear time', () => {
    // In a backtracking engine each of these takes exponential or quadratic time on its input;
    // this test would not finish.
    const scanner = compilePiiScanner({
      detectors: [],
      custom: [
        { name: 'nested', pattern: '(a+)+$' },
        { name: 'overlap', pattern: '(a|aa)+b' },
        { name: 'corp', pattern: '[a-z]+@corp\\.example' },
      ],
    });
    expect(scanner.find(`${'a'.repeat(100_000)}!`)).toEqual([]);
    expect(scanner.find('a'.repeat(200_000))).toEqual([{ detector: 'nested', start: 0, end: 200_000 }]);
  });
});
