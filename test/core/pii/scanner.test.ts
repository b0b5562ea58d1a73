import { describe, expect, it } from 'vitest';
import { compilePiiScanner, type PiiDetectionConfig } from '../../../src/core/pii/index.js';
import type { JsonValue } from '../../../src/core/types.js';

const ALL: PiiDetectionConfig = { detectors: ['email', 'phone', 'payment_card', 'iban'], phone_default_country: 'US' };
const all = compilePiiScanner(ALL);

/** A valid IBAN for `country` and `bban`: the ISO 13616 check digits, computed. */
function iban(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`].map((c) => parseInt(c, 36)).join('');
  const check = 98n - (BigInt(numeric) % 97n);
  return `${country}${check.toString().padStart(2, '0')}${bban}`;
}

describe('find', () => {
  it('returns nothing for empty text or no detectors', () => {
    expect(all.find('')).toEqual([]);
    expect(compilePiiScanner({ detectors: [] }).find('bob@example.com 4111111111111111')).toEqual([]);
  });

  it('returns findings of several detectors sorted by start', () => {
    const text = 'bob@example.com paid with 4111 1111 1111 1111 from GB82 WEST 1234 5698 7654 32, call (415) 555-2671';
    expect(all.find(text).map((f) => [f.detector, text.slice(f.start, f.end)])).toEqual([
      ['email', 'bob@example.com'],
      ['payment_card', '4111 1111 1111 1111'],
      ['iban', 'GB82 WEST 1234 5698 7654 32'],
      ['phone', '(415) 555-2671'],
    ]);
  });

  it('only runs the configured detectors', () => {
    const emailOnly = compilePiiScanner({ detectors: ['email'] });
    expect(emailOnly.find('bob@example.com 4111111111111111 +44 20 7946 0958').map((f) => f.detector)).toEqual(['email']);
  });

  it('keeps the longer candidate when a card number sits inside an IBAN', () => {
    const withCard = iban('DE', '411111111111111100');
    const grouped = withCard.replace(/(.{4})/g, '$1 ').trim();
    expect(grouped).toMatch(/^DE\d\d 4111 1111 1111 1111 00$/);
    // The card detector alone sees a card number in there.
    const cards = compilePiiScanner({ detectors: ['payment_card'] }).find(grouped);
    expect(cards).toEqual([{ detector: 'payment_card', start: 5, end: expect.any(Number) as number }]);
    expect(cards[0]!.end).toBeLessThanOrEqual(grouped.length);
    expect(all.find(`IBAN ${grouped}.`)).toEqual([{ detector: 'iban', start: 5, end: 5 + grouped.length }]);
  });

  it('reports the card when the IBAN around it has a wrong check digit', () => {
    const broken = iban('DE', '411111111111111100').replace(/^DE(\d\d)/, (_, d: string) => `DE${(Number(d) + 1) % 100}`.padEnd(4, '0'));
    const grouped = broken.replace(/(.{4})/g, '$1 ').trim();
    expect(all.find(grouped).map((f) => f.detector)).toEqual(['payment_card']);
  });

  it('merges partly overlapping candidates into one finding named after the longer', () => {
    const scanner = compilePiiScanner({
      detectors: ['email'],
      custom: [
        { name: 'handle', pattern: '[a-z]+\\.[a-z]+@' },
        { name: 'tail', pattern: '@example\\.com extra' },
      ],
    });
    const text = 'x john.smith@example.com extra y';
    const start = text.indexOf('john');
    expect(scanner.find(text)).toEqual([{ detector: 'email', start, end: text.indexOf(' y') }]);
  });

  it('names a finding after the checksummed detector when a custom pattern matches the same span', () => {
    const scanner = compilePiiScanner({ detectors: ['payment_card'], custom: [{ name: 'sixteen_digits', pattern: '\\d{16}' }] });
    expect(scanner.find('4242424242424242')).toEqual([{ detector: 'payment_card', start: 0, end: 16 }]);
    expect(scanner.find('1234567812345678')).toEqual([{ detector: 'sixteen_digits', start: 0, end: 16 }]);
  });

  it('prefers the first configured custom pattern on a tie', () => {
    const scanner = compilePiiScanner({
      detectors: [],
      custom: [
        { name: 'first', pattern: 'ab\\d' },
        { name: 'second', pattern: '[a-z]{2}\\d' },
      ],
    });
    expect(scanner.find('xx ab1')).toEqual([{ detector: 'first', start: 3, end: 6 }]);
  });

  it('keeps offsets right in text with emoji, combining marks and astral letters', () => {
    const text = '👨‍👩‍👧 Zoë (e\u0301) 𝔘𝔫𝔦: ana@exämple.de, 😀+44 20 7946 0958😀 4111111111111111🎉';
    const found = all.find(text);
    expect(found.map((f) => [f.detector, text.slice(f.start, f.end)])).toEqual([
      ['email', 'ana@exämple.de'],
      ['phone', '+44 20 7946 0958'],
      ['payment_card', '4111111111111111'],
    ]);
  });
});

describe('redactText', () => {
  it('replaces each finding with a marker and returns the findings', () => {
    const text = 'bob@example.com: card 4242-4242-4242-4242, iban NL91ABNA0417164300';
    const result = all.redactText(text);
    expect(result.text).toBe('[REDACTED:email]: card [REDACTED:payment_card], iban [REDACTED:iban]');
    expect(result.findings).toEqual([
      { detector: 'email', start: 0, end: 15 },
      { detector: 'payment_card', start: 22, end: 41 },
      { detector: 'iban', start: 48, end: 66 },
    ]);
  });

  it('returns the same text when nothing is found', () => {
    expect(all.redactText('nothing to see: 42, 2024-03-15, $12.50')).toEqual({
      text: 'nothing to see: 42, 2024-03-15, $12.50',
      findings: [],
    });
  });

  it('handles findings that are the whole string', () => {
    expect(all.redactText('+44 20 7946 0958').text).toBe('[REDACTED:phone]');
  });

  it('redacts a large mixed text completely and exactly', () => {
    const pii = ['bob.smith@example.com', '+44 20 7946 0958', '4111 1111 1111 1111', 'GB82 WEST 1234 5698 7654 32', '(415) 555-2671'];
    const markers = ['[REDACTED:email]', '[REDACTED:phone]', '[REDACTED:payment_card]', '[REDACTED:iban]', '[REDACTED:phone]'];
    const filler = ' Lorem ipsum dolor sit amet, café naïve 😀 order 12345 on 2024-03-15 for $12.50; ';
    const input: string[] = [];
    const expected: string[] = [];
    let length = 0;
    let i = 0;
    while (length < 1_000_000) {
      const item = pii[i % pii.length]!;
      input.push(filler, item);
      expected.push(filler, markers[i % markers.length]!);
      length += filler.length + item.length;
      i++;
    }
    const result = all.redactText(input.join(''));
    expect(result.findings).toHaveLength(i);
    expect(result.text === expected.join('')).toBe(true);
  });
});

describe('redactJson', () => {
  it('redacts string values at any depth, never keys, and counts per detector', () => {
    const chat: JsonValue = {
      model: 'gpt',
      'bob@example.com': 'a key is not redacted',
      messages: [
        { role: 'user', content: 'I am bob@example.com, card 4111 1111 1111 1111' },
        { role: 'assistant', content: ['Noted.', { text: 'Call +44 20 7946 0958 or mail alice@example.org' }] },
      ],
      score: 0.5,
      flagged: false,
      note: null,
    };
    const { value, counts } = all.redactJson(chat);
    expect(value).toEqual({
      model: 'gpt',
      'bob@example.com': 'a key is not redacted',
      messages: [
        { role: 'user', content: 'I am [REDACTED:email], card [REDACTED:payment_card]' },
        { role: 'assistant', content: ['Noted.', { text: 'Call [REDACTED:phone] or mail [REDACTED:email]' }] },
      ],
      score: 0.5,
      flagged: false,
      note: null,
    });
    expect(counts).toEqual({ email: 2, payment_card: 1, phone: 1 });
  });

  it('leaves the input untouched', () => {
    const input: JsonValue = { a: ['bob@example.com', { b: 'x@example.com' }], n: 4111111111111111 };
    const before = JSON.stringify(input);
    const { value } = all.redactJson(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(value).not.toBe(input);
  });

  it('redacts card numbers sent as JSON numbers when payment_card is on', () => {
    const input: JsonValue = { pan: 4111111111111111, amount: 1299.99, qty: 42, id: 1234567890123456, list: [378282246310005] };
    expect(all.redactJson(input)).toEqual({
      value: { pan: '[REDACTED:payment_card]', amount: 1299.99, qty: 42, id: 1234567890123456, list: ['[REDACTED:payment_card]'] },
      counts: { payment_card: 2 },
    });
    const noCards = compilePiiScanner({ detectors: ['email'] });
    expect(noCards.redactJson(input)).toEqual({ value: input, counts: {} });
  });

  it('redacts scalars at the top level', () => {
    expect(all.redactJson('bob@example.com')).toEqual({ value: '[REDACTED:email]', counts: { email: 1 } });
    expect(all.redactJson(4242424242424242)).toEqual({ value: '[REDACTED:payment_card]', counts: { payment_card: 1 } });
    expect(all.redactJson(null)).toEqual({ value: null, counts: {} });
    expect(all.redactJson(true)).toEqual({ value: true, counts: {} });
  });

  it('keeps "__proto__" and "constructor" keys as plain data without touching prototypes', () => {
    const input = JSON.parse(
      '{"__proto__": {"polluted": "bob@example.com"}, "constructor": {"prototype": "x@example.com"}, "list": [{"__proto__": []}]}',
    ) as JsonValue;
    const { value, counts } = all.redactJson(input);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'constructor', 'list']);
    expect(JSON.stringify(value)).toBe(
      '{"__proto__":{"polluted":"[REDACTED:email]"},"constructor":{"prototype":"[REDACTED:email]"},"list":[{"__proto__":[]}]}',
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(counts).toEqual({ email: 2 });
  });

  it('counts custom pattern findings under their names', () => {
    const scanner = compilePiiScanner({ detectors: ['email'], custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }] });
    expect(scanner.redactJson(['EMP-123456 and EMP-654321', { k: 'EMP-111111 bob@example.com' }]).counts).toEqual({
      employee_id: 3,
      email: 1,
    });
  });
});

describe('compilePiiScanner', () => {
  it('refuses a custom pattern that validation would have refused', () => {
    expect(() => compilePiiScanner({ detectors: [], custom: [{ name: 'bad', pattern: '(' }] })).toThrow(
      /custom PII pattern "bad" pattern: does not compile/,
    );
  });
});
