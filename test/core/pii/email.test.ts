import { describe, expect, it } from 'vitest';
import { compilePiiScanner } from '../../../src/core/pii/index.js';

const emails = compilePiiScanner({ detectors: ['email'] });
const spans = (text: string): string[] => emails.find(text).map((f) => text.slice(f.start, f.end));

describe('email detector', () => {
  it('finds ordinary addresses', () => {
    expect(spans('write to bob@example.com today')).toEqual(['bob@example.com']);
    expect(spans('first.last+tag@mail.sub.example.co.uk')).toEqual(['first.last+tag@mail.sub.example.co.uk']);
    expect(spans('x_y-z%w@ex-ample.io')).toEqual(['x_y-z%w@ex-ample.io']);
    expect(spans('SHOUT@EXAMPLE.COM')).toEqual(['SHOUT@EXAMPLE.COM']);
    expect(spans('user@xn--bcher-kva.example')).toEqual(['user@xn--bcher-kva.example']);
  });

  it('finds internationalized addresses', () => {
    expect(spans('josé@exämple.de')).toEqual(['josé@exämple.de']);
    expect(spans('邮件: 用户@例子.中国')).toEqual(['用户@例子.中国']);
  });

  it('stops at surrounding punctuation', () => {
    expect(spans('<bob@example.com>')).toEqual(['bob@example.com']);
    expect(spans('(mailto:bob@example.com)')).toEqual(['bob@example.com']);
    expect(spans('Mail bob@example.com.')).toEqual(['bob@example.com']);
    expect(spans('"bob@example.com",')).toEqual(['bob@example.com']);
    expect(spans('…and..bob@example.com...')).toEqual(['bob@example.com']);
  });

  it('does not flag things that are not addresses', () => {
    for (const text of [
      'a@b',
      '@handle',
      'follow @tollgate',
      'user@localhost',
      'bob@example',
      'x@1.2.3.4',
      'foo@bar.c',
      'bob@-example.com',
      'bob@@example.com',
      'price: 5 @ 3.50',
    ]) {
      expect(spans(text), text).toEqual([]);
    }
    expect(spans(`${'a'.repeat(65)}@example.com`)).toEqual([]);
  });

  it('finds addresses at the start and end of a string, several in one, with exact offsets', () => {
    const text = 'a@example.com,b@example.org c@example.net';
    expect(emails.find(text)).toEqual([
      { detector: 'email', start: 0, end: 13 },
      { detector: 'email', start: 14, end: 27 },
      { detector: 'email', start: 28, end: 41 },
    ]);
  });

  it('keeps UTF-16 offsets right next to emoji', () => {
    const text = '😀bob@example.com😀';
    expect(emails.find(text)).toEqual([{ detector: 'email', start: 2, end: 17 }]);
  });

  it('handles long runs without an address', () => {
    const text = `${'a'.repeat(200_000)}@${'b'.repeat(200_000)} ${'@'.repeat(10_000)} x@example.com`;
    expect(spans(text)).toEqual(['x@example.com']);
  });
});
