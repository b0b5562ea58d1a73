import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { resolveClientConfig } from '../../src/cli/commands/client-options.js';
import { collectScore, intArg, parseScoresJson, parseScoreValue } from '../../src/cli/commands/option-parsers.js';
import { formatContent, formatTable } from '../../src/cli/output-format.js';

describe('scores from the command line', () => {
  it('parses numbers and booleans, and keeps anything else as text', () => {
    expect(parseScoreValue('4')).toBe(4);
    expect(parseScoreValue('-0.5')).toBe(-0.5);
    expect(parseScoreValue('1e3')).toBe(1000);
    expect(parseScoreValue('true')).toBe(true);
    expect(parseScoreValue('false')).toBe(false);
    expect(parseScoreValue('warm')).toBe('warm');
    expect(parseScoreValue('True')).toBe('True');
    expect(parseScoreValue('0x10')).toBe('0x10');
    expect(parseScoreValue(' 4')).toBe(' 4');
    expect(parseScoreValue('')).toBe('');
  });

  it('collects repeated --score flags, splitting at the first "="', () => {
    let scores = collectScore('accuracy=4', undefined);
    scores = collectScore('policy_compliant=true', scores);
    scores = collectScore('note=a=b', scores);
    expect(scores).toEqual({ accuracy: 4, policy_compliant: true, note: 'a=b' });
    expect(() => collectScore('accuracy', undefined)).toThrow(InvalidArgumentError);
    expect(() => collectScore('=4', undefined)).toThrow('expected key=value');
  });

  it('takes --scores as one JSON object', () => {
    expect(parseScoresJson('{"accuracy": 4, "tone": "warm"}')).toEqual({ accuracy: 4, tone: 'warm' });
    expect(() => parseScoresJson('[4]')).toThrow(InvalidArgumentError);
    expect(() => parseScoresJson('{accuracy: 4}')).toThrow('must be a JSON object');
  });

  it('checks integer options', () => {
    const lease = intArg(10, 3600);
    expect(lease('60')).toBe(60);
    expect(() => lease('5')).toThrow('must be an integer from 10 to 3600');
    expect(() => lease('1.5')).toThrow(InvalidArgumentError);
    expect(() => intArg(0)('')).toThrow('must be an integer of at least 0');
  });
});

describe('resolveClientConfig', () => {
  it('prefers flags, then TOLLGATE_URL, then the default port', () => {
    expect(resolveClientConfig({ url: 'http://h:1/', key: 'k' }, { TOLLGATE_URL: 'http://other:2' })).toEqual({
      baseUrl: 'http://h:1',
      key: 'k',
    });
    expect(resolveClientConfig({}, { TOLLGATE_URL: 'https://tg.example.com/api/', TOLLGATE_KEY: 'k' }).baseUrl).toBe(
      'https://tg.example.com/api',
    );
    expect(resolveClientConfig({}, { TOLLGATE_PORT: '9999', TOLLGATE_KEY: 'k' }).baseUrl).toBe('http://127.0.0.1:9999');
    expect(resolveClientConfig({}, { TOLLGATE_KEY: 'k' }).baseUrl).toBe('http://127.0.0.1:8080');
    expect(resolveClientConfig({ key: 'flag' }, { TOLLGATE_KEY: 'env' }).key).toBe('flag');
  });

  it('says how to get a key when there is none, and rejects URLs that are not http', () => {
    expect(() => resolveClientConfig({}, {})).toThrow(/no API key: pass --key <key> or set TOLLGATE_KEY/);
    expect(() => resolveClientConfig({}, { TOLLGATE_KEY: '  ' })).toThrow(/no API key/);
    expect(() => resolveClientConfig({ url: 'localhost:8080', key: 'k' }, {})).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
    expect(() => resolveClientConfig({ url: 'not a url', key: 'k' }, {})).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('output formatting', () => {
  it('shows text as text, chat as role lines, and structured output as JSON', () => {
    expect(formatContent('hello')).toBe('hello');
    expect(formatContent(null)).toBe('(none)');
    expect(
      formatContent([
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'hi' },
      ]),
    ).toBe('system: be nice\nuser: hi');
    expect(formatContent({ role: 'assistant', content: 'ok' })).toBe('assistant: ok');
    expect(formatContent({ role: 'assistant', content: null, tool_calls: [] })).toBe(
      JSON.stringify({ role: 'assistant', content: null, tool_calls: [] }, null, 2),
    );
  });

  it('pads table columns to the widest cell', () => {
    expect(
      formatTable(
        ['ID', 'NAME'],
        [
          ['a', 'x'],
          ['abcd', 'y'],
        ],
      ),
    ).toBe('ID    NAME\na     x\nabcd  y\n');
  });
});
