import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readNdjson, Tollgate, TollgateApiError, TollgateConnectionError, TollgateError } from '../../packages/sdk/src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in for the export route on a local port: the test decides what the body's chunks are. */
async function serve(handler: Handler): Promise<{ server: Server; url: string; closed: Promise<void> }> {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = createServer((req, res) => {
    res.on('close', markClosed);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

describe('JSON Lines exports', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  });

  it('parses records split across chunks mid-line and mid-character, yielding each before the rest has arrived', async () => {
    const records = [
      { id: 1, text: 'héllo wörld' },
      { id: 2, text: '€ and 😀' },
      { id: 3, text: 'last, without a final newline' },
    ];
    const body = Buffer.from(records.map((r) => JSON.stringify(r)).join('\r\n\n'));
    const euro = body.indexOf(Buffer.from('€'));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const seen: { url?: string; auth?: string } = {};
    const s = await serve((req, res) => {
      seen.url = req.url;
      seen.auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      // Chunk 1 ends inside record 2, right inside the 3-byte "€"; the rest waits until the test has record 1.
      res.write(body.subarray(0, euro + 1));
      void released.then(() => {
        res.write(body.subarray(euro + 1, euro + 2));
        setTimeout(() => res.end(body.subarray(euro + 2)), 20);
      });
    });
    server = s.server;
    const client = new Tollgate({ baseUrl: s.url, apiKey: 'tg_test' });
    const got: unknown[] = [];
    for await (const record of client.exports.stream('p-1', 'eval', {
      since: '2026-11-01T00:00:00Z',
      verdict: 'reject',
      min_agreement: 0.5,
      queue: undefined,
    })) {
      got.push(record);
      if (got.length === 1) release(); // the first record came before the server sent more
    }
    expect(got).toEqual(records);
    expect(seen).toEqual({
      url: '/v1/projects/p-1/exports/eval?since=2026-11-01T00%3A00%3A00Z&verdict=reject&min_agreement=0.5',
      auth: 'Bearer tg_test',
    });
  });

  it('stops reading and closes the connection when the loop breaks', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"n":1}\n{"n":2}\n');
      // …and never ends: only the client's cancel can close it.
    });
    server = s.server;
    const client = new Tollgate({ baseUrl: s.url, apiKey: 'tg_test' });
    for await (const record of client.exports.stream('p', 'sft')) {
      expect(record).toEqual({ n: 1 });
      break;
    }
    await s.closed;
  });

  it('fails on a line that is not JSON, and surfaces an error answer as TollgateApiError', async () => {
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/v1/projects/missing/')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'TG_ROUTE_NOT_FOUND', message: 'no such export', details: { project_id: 'missing' } } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end('{"ok":true}\n{oops\n');
    });
    server = s.server;
    const client = new Tollgate({ baseUrl: s.url, apiKey: 'tg_test' });
    const got: unknown[] = [];
    const err = await (async () => {
      for await (const r of client.exports.stream('p', 'sft')) got.push(r);
    })().catch((e: unknown) => e);
    expect(got).toEqual([{ ok: true }]);
    expect(err).toBeInstanceOf(TollgateError);
    expect((err as Error).message).toContain('line 2 is not JSON');

    const missing = await client.exports
      .stream('missing', 'sft')
      .next()
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TollgateApiError);
    expect(missing).toMatchObject({ status: 404, code: 'TG_ROUTE_NOT_FOUND', details: { project_id: 'missing' } });
  });

  it('times only the server’s silences: a slow consumer is fine, a stalled stream fails', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"n":1}\n');
      if (req.url?.includes('/stall/')) return; // sends nothing more, and never ends
      setTimeout(() => res.end('{"n":2}\n{"n":3}\n'), 20);
    });
    server = s.server;
    const client = new Tollgate({ baseUrl: s.url, apiKey: 'tg_test', timeoutMs: 150 });
    const got: unknown[] = [];
    for await (const record of client.exports.stream('p', 'sft')) {
      got.push(record);
      await new Promise((resolve) => setTimeout(resolve, 300)); // twice the timeout, handling each record
    }
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);

    const stalled: unknown[] = [];
    const err = await (async () => {
      for await (const record of client.exports.stream('stall', 'sft')) stalled.push(record);
    })().catch((e: unknown) => e);
    expect(stalled).toEqual([{ n: 1 }]);
    expect(err).toBeInstanceOf(TollgateConnectionError);
    expect((err as Error).message).toContain('no answer within 150 ms');
  });

  it('reads a body handed over whole, for fetch implementations without a stream', async () => {
    const res = new Response('{"a":1}\n\n{"a":2}');
    Object.defineProperty(res, 'body', { value: null });
    const got = [];
    for await (const r of readNdjson(res)) got.push(r);
    expect(got).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
