import { describe, expect, it } from 'vitest';
import { compilePiiScanner } from '../../../src/core/pii/index.js';
import { BASE_PHONE_LOOKUPS } from '../../../src/core/pii/phone.js';

function phones(country?: string): (text: string) => string[] {
  const scanner = compilePiiScanner({ detectors: ['phone'], ...(country === undefined ? {} : { phone_default_country: country }) });
  return (text) => scanner.find(text).map((f) => text.slice(f.start, f.end));
}

describe('phone detector', () => {
  it('finds international numbers without a default country', () => {
    const find = phones();
    expect(find('Call +44 20 7946 0958 or +1 (415) 555-2671.')).toEqual(['+44 20 7946 0958', '+1 (415) 555-2671']);
    expect(find('+49 30 12345678')).toEqual(['+49 30 12345678']);
    expect(find('tel:+33 1 42 68 53 00')).toEqual(['+33 1 42 68 53 00']);
    expect(find('+442079460958')).toEqual(['+442079460958']);
  });

  it('needs a default country for national numbers', () => {
    expect(phones()('Call (415) 555-2671 or 020 7946 0958')).toEqual([]);
    expect(phones('US')('Call (415) 555-2671, 415.555.2671 or 1-800-555-0199')).toEqual([
      '(415) 555-2671',
      '415.555.2671',
      '1-800-555-0199',
    ]);
    expect(phones('GB')('ring 020 7946 0958 or 07911 123456')).toEqual(['020 7946 0958', '07911 123456']);
    expect(phones('DE')('Ruf 030 12345678 oder 0151 23456789 an')).toEqual(['030 12345678', '0151 23456789']);
    expect(phones('FR')('appelez le 01 42 68 53 00')).toEqual(['01 42 68 53 00']);
    expect(phones('IN')('call 9876543210 or 98765 43210')).toEqual(['9876543210', '98765 43210']);
  });

  it('still finds international numbers with a default country', () => {
    expect(phones('US')('UK office: +44 20 7946 0958')).toEqual(['+44 20 7946 0958']);
  });

  it('includes an extension written after the number', () => {
    expect(phones('US')('+1 415 555 2671 ext. 123, thanks')).toEqual(['+1 415 555 2671 ext. 123']);
  });

  it('finds numbers listed side by side', () => {
    expect(phones('US')('(415) 555-2671 or (415) 555-2672')).toEqual(['(415) 555-2671', '(415) 555-2672']);
    expect(phones()('+1 (415) 555-2671/+1 (415) 555-2672')).toEqual(['+1 (415) 555-2671', '+1 (415) 555-2672']);
  });

  it('does not flag order ids, dates, prices, times, versions or plain integers', () => {
    const texts = [
      'Order #123456789 shipped',
      'order 12345 is late',
      'invoice INV-2024-000123',
      'SKU 4155552671-A',
      'on 2024-03-15',
      'on 15.03.2024',
      'on 03/15/2024',
      'at 12:30:45',
      'cost $1,299.99',
      'cost 1299.99 EUR',
      'qty 42 of 1000000',
      'id 1234567',
      'version 1.2.3.4',
      'ip 192.168.1.1',
      'ZIP 94105',
      'ISBN 978-3-16-148410-0',
      'card 4111 1111 1111 1112',
    ];
    for (const country of [undefined, 'US', 'GB', 'DE', 'FR']) {
      const find = phones(country);
      for (const text of texts) expect(find(text), `${country ?? 'none'}: ${text}`).toEqual([]);
    }
  });

  it('keeps UTF-16 offsets right around emoji and accented letters', () => {
    const scanner = compilePiiScanner({ detectors: ['phone'] });
    const text = '😀 Café: +44 20 7946 0958 — merci 😀';
    const start = text.indexOf('+44');
    expect(scanner.find(text)).toEqual([{ detector: 'phone', start, end: start + '+44 20 7946 0958'.length }]);
  });

  it('looks at long runs of figures piece by piece', () => {
    const find = phones('US');
    const row = '4155552671/4155552672/4155552673';
    expect(find(row)).toEqual(['4155552671', '4155552672', '4155552673']);
    // One run of 500,000 single digits: no phone number, and no quadratic work.
    expect(find('1 '.repeat(500_000))).toEqual([]);
  });
});

describe('phone look-up budget', () => {
  it('reports the remaining candidates unverified once a string has used up its look-ups', () => {
    // "0000000000" has a US number's length but is no valid number: while look-ups last it is
    // rejected; past the budget (a dump of figures) it is redacted rather than looked up.
    const scanner = compilePiiScanner({ detectors: ['phone'], phone_default_country: 'US' });
    const item = '0000000000, ';
    const count = 2000;
    const text = item.repeat(count);
    const budget = BASE_PHONE_LOOKUPS + Math.floor(text.length / 250);
    const found = scanner.find(text);
    expect(found).toHaveLength(count - budget);
    expect(found[0]).toEqual({ detector: 'phone', start: budget * item.length, end: budget * item.length + 10 });
    expect(scanner.find(item.repeat(10))).toEqual([]);
  });
});
