import { describe, expect, it } from 'vitest';
import { compilePiiScanner, isCardNumberValue, luhnValid } from '../../../src/core/pii/index.js';

// Published test PANs (Stripe, Adyen, Braintree documentation).
const TEST_PANS = [
  '4111111111111111', // Visa
  '4242424242424242', // Visa
  '4012888888881881', // Visa
  '4222222222222', // Visa, 13 digits
  '5555555555554444', // Mastercard
  '5105105105105100', // Mastercard
  '2223003122003222', // Mastercard 2-series
  '378282246310005', // Amex, 15 digits
  '371449635398431', // Amex
  '6011111111111117', // Discover
  '30569309025904', // Diners, 14 digits
  '3530111333300000', // JCB
  '6205500000000000004', // UnionPay, 19 digits
];

const cards = compilePiiScanner({ detectors: ['payment_card'] });
const spans = (text: string): string[] => cards.find(text).map((f) => text.slice(f.start, f.end));

describe('luhnValid', () => {
  it('accepts the published test card numbers', () => {
    for (const pan of TEST_PANS) expect(luhnValid(pan), pan).toBe(true);
  });

  it('rejects numbers with a wrong check digit', () => {
    for (const pan of ['4111111111111112', '4242424242424241', '5555555555554440', '378282246310006', '6011111111111118']) {
      expect(luhnValid(pan), pan).toBe(false);
    }
  });

  it('rejects non-digits and the empty string', () => {
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('411111111111111a')).toBe(false);
    expect(luhnValid('0')).toBe(true);
    expect(luhnValid('18')).toBe(true);
  });
});

describe('payment_card detector', () => {
  it('finds every test PAN written unbroken', () => {
    for (const pan of TEST_PANS) expect(spans(`pay with ${pan} please`), pan).toEqual([pan]);
  });

  it('finds numbers grouped by single spaces or hyphens', () => {
    expect(spans('Card: 4111 1111 1111 1111.')).toEqual(['4111 1111 1111 1111']);
    expect(spans('Card: 5555-5555-5555-4444!')).toEqual(['5555-5555-5555-4444']);
    expect(spans('Amex 3782 822463 10005 exp 12/29')).toEqual(['3782 822463 10005']);
    expect(spans('Visa 4222 2222 2222 2')).toEqual(['4222 2222 2222 2']);
  });

  it('ignores real-looking numbers that fail Luhn', () => {
    expect(spans('Card 4111 1111 1111 1112 declined')).toEqual([]);
    expect(spans('order 1234567890123456 and 2024031512345678')).toEqual([]);
    expect(spans('5555-5555-5555-4440')).toEqual([]);
  });

  it('ignores digit runs of the wrong length or glued to other tokens', () => {
    expect(spans('411111111111')).toEqual([]); // 12 digits
    expect(spans('41111111111111111111')).toEqual([]); // 20 digits: not cut into a card
    expect(spans('sha 9f4111111111111111e2')).toEqual([]);
    expect(spans('pi is 3.4111111111111111')).toEqual([]);
    expect(spans('4111111111111111.25 EUR')).toEqual([]);
  });

  it('does not mix separators or accept digit lists', () => {
    expect(spans('4111-1111 1111-1111')).toEqual([]);
    expect(spans('4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1')).toEqual([]);
    expect(spans('4111  1111  1111  1111')).toEqual([]);
  });

  it('finds two numbers written side by side and numbers at the edges', () => {
    expect(spans('4111 1111 1111 1111 4242 4242 4242 4242')).toEqual(['4111 1111 1111 1111', '4242 4242 4242 4242']);
    const text = '4111111111111111,4242424242424242';
    expect(cards.find(text)).toEqual([
      { detector: 'payment_card', start: 0, end: 16 },
      { detector: 'payment_card', start: 17, end: 33 },
    ]);
  });

  it('finds a card after a token it is separated from by a space', () => {
    expect(spans('ref A1 4111 1111 1111 1111')).toEqual(['4111 1111 1111 1111']);
  });
});

describe('isCardNumberValue', () => {
  it('recognises card numbers sent as JSON numbers', () => {
    expect(isCardNumberValue(4111111111111111)).toBe(true);
    expect(isCardNumberValue(378282246310005)).toBe(true);
    expect(isCardNumberValue(4111111111111112)).toBe(false);
    expect(isCardNumberValue(42)).toBe(false);
    expect(isCardNumberValue(4111111111111111.5)).toBe(false);
    expect(isCardNumberValue(-4111111111111111)).toBe(false);
  });
});
