import { describe, expect, it } from 'vitest';
import { newOriginalKeyText, openOriginal, parseOriginalKey, sealOriginal } from '../../../src/core/data-protection/original-cipher.js';
import { emptiedOutput, scrubTraces } from '../../../src/core/data-protection/purge.js';
import { redactPayload } from '../../../src/core/data-protection/redact-item.js';
import { readDataProtection } from '../../../src/core/data-protection/settings.js';
import { compilePiiScanner } from '../../../src/core/pii/index.js';
import type { MatchedRule } from '../../../src/core/types.js';
import { loadConfig } from '../../../src/config.js';

describe('original cipher (AES-256-GCM)', () => {
  const key = parseOriginalKey(newOriginalKeyText());

  it('round-trips, with a fresh nonce each time', () => {
    const a = sealOriginal(key, 'item-1', '{"input":"jane@example.com"}');
    const b = sealOriginal(key, 'item-1', '{"input":"jane@example.com"}');
    expect(a).not.toBe(b);
    expect(a).not.toContain('jane');
    expect(openOriginal(key, 'item-1', a)).toBe('{"input":"jane@example.com"}');
  });

  it('refuses another key, other associated data, and any changed byte', () => {
    const sealed = sealOriginal(key, 'item-1', 'secret');
    expect(() => openOriginal(parseOriginalKey(newOriginalKeyText()), 'item-1', sealed)).toThrow(/integrity/);
    expect(() => openOriginal(key, 'item-2', sealed)).toThrow(/integrity/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0] = body[0]! ^ 1;
    expect(() => openOriginal(key, 'item-1', [parts[0], parts[1], parts[2], body.toString('base64')].join('.'))).toThrow(/integrity/);
    expect(() => openOriginal(key, 'item-1', 'v0.x.y.z')).toThrow(/form/);
  });

  it('reads keys as base64 or hex, names them by fingerprint, and refuses the wrong size', () => {
    const hex = 'ab'.repeat(32);
    expect(parseOriginalKey(hex).key).toEqual(Buffer.from(hex, 'hex'));
    expect(parseOriginalKey(hex).id).toMatch(/^[0-9a-f]{16}$/);
    expect(parseOriginalKey(Buffer.from(hex, 'hex').toString('base64')).id).toBe(parseOriginalKey(hex).id);
    expect(() => parseOriginalKey('too-short')).toThrow(/32 bytes/);
    expect(() => parseOriginalKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('fails the server start on a bad TOLLGATE_PII_ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ TOLLGATE_PII_ENCRYPTION_KEY: 'nope' }, '/tmp')).toThrow(/TOLLGATE_PII_ENCRYPTION_KEY/);
    expect(loadConfig({}, '/tmp').piiEncryptionKey).toBeUndefined();
  });
});

describe('data protection settings', () => {
  it('writes the defaults out', () => {
    expect(readDataProtection({ redaction: { detectors: ['email'] }, retention: { days: 10 } }).settings).toEqual({
      redaction: { detectors: ['email'], fields: ['input', 'output'], original: 'drop', original_roles: ['admin'] },
      retention: { days: 10, action: 'delete' },
    });
    expect(readDataProtection(null).settings).toEqual({ redaction: null, retention: null });
  });

  it('reports every problem with its path', () => {
    const { settings, problems } = readDataProtection({
      extra: 1,
      redaction: { detectors: ['email'], fields: ['input', 'input', 'body'], original_roles: ['root'] },
      retention: { days: 1.5, action: 'shred', also: true },
    });
    expect(settings).toBeUndefined();
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'extra',
        'redaction.fields[1]',
        'redaction.fields[2]',
        'redaction.original_roles[0]',
        'retention.action',
        'retention.also',
        'retention.days',
      ].sort(),
    );
  });
});

describe('purging and redacting items', () => {
  it('keeps a comparison’s candidate ids and drops their outputs', () => {
    const output = {
      candidates: [
        { id: 'a', output: 'x', model: null },
        { id: 'b', output: { text: 'y' }, model: 'm' },
      ],
    } as never;
    expect(emptiedOutput('compare', output)).toEqual({
      candidates: [
        { id: 'a', output: '', model: null },
        { id: 'b', output: '', model: 'm' },
      ],
    });
    expect(emptiedOutput('output', 'text')).toBe('');
  });

  it('drops the values a routing trace quoted from purged parts, and only those', () => {
    const rule: MatchedRule = {
      name: 'r',
      action: 'review',
      priority: 50,
      queue: 'default',
      overlap: 1,
      reason: 'output.text "call 555" matches /call/ and confidence 0.2 lt 0.5',
      conditions: [
        { path: 'output.text', operator: 'matches', expected: 'call', actual: 'call 555', result: true },
        { path: 'confidence', operator: 'lt', expected: 0.5, actual: 0.2, result: true },
      ],
      sampled: false,
    };
    const [scrubbed] = scrubTraces([rule], new Set(['input', 'output']));
    expect(scrubbed!.conditions.map((c) => c.actual)).toEqual([null, 0.2]);
    expect(scrubbed!.reason).toBe('matched on output.text (values purged)');
    expect(JSON.stringify(scrubbed)).not.toContain('555');
    const untouched = { ...rule, conditions: [rule.conditions[1]!], reason: 'confidence 0.2 lt 0.5' };
    expect(scrubTraces([untouched], new Set(['output']))[0]).toBe(untouched);
  });

  it('redacts only the chosen fields and counts per detector', () => {
    const scanner = compilePiiScanner({ detectors: ['email'] });
    const payload = { input: [{ role: 'user', content: 'a@b.co and c@d.io' }], output: 'e@f.org', metadata: { who: 'g@h.net' } };
    const r = redactPayload(scanner, ['input'], payload);
    expect(r.counts).toEqual({ email: 2 });
    expect(r.payload.output).toBe('e@f.org');
    expect(r.payload.metadata).toEqual({ who: 'g@h.net' });
    expect(payload.input[0]!.content).toBe('a@b.co and c@d.io');
  });
});
