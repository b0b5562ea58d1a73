import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  received: ReceivedRequest[];
  /** The statuses to answer the next requests with, in order; 200 once they run out. */
  plan(statuses: number[]): void;
  /** Answer every request with this status from now on (null: back to the plan, then 200). */
  always(status: number | null): void;
  /** Resolves once `n` requests in all have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP endpoint on the loopback address that records what it is sent and answers as told. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  let planned: number[] = [];
  let fixed: number | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = fixed ?? planned.shift() ?? 200;
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : `no: ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    plan: (statuses) => void (planned = [...statuses]),
    always: (status) => void (fixed = status),
    async waitFor(n, ms = 5000) {
      const until = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} webhook requests, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * Verifies a request with the `standardwebhooks` package (the specification's reference
 * implementation, independent of the server's signing code) as if it arrived at `nowMs`: the
 * package refuses timestamps more than five minutes from its clock, and the tests move theirs.
 */
export function verifyWith(secret: string, r: ReceivedRequest, nowMs: number): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(nowMs);
    return new Webhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    });
  } finally {
    vi.useRealTimers();
  }
}
