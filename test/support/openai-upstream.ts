import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small OpenAI-compatible server for proxy tests: deterministic answers chosen by the last
 * user message, plain and streamed, with what it received kept for inspection.
 *
 * - "hello …": a text answer; streamed as a role chunk, three content pieces and a finish chunk
 * - "refund …": a tool call, issue_refund {"order":"A-1","amount":240}
 * - "gated": streams its first piece, then waits for `release()` before the rest
 * - "drip": five pieces 40 ms apart, each stamped with when it was written (`sentAt`)
 * - "boom": 500 with an OpenAI error object; "teapot": 418 with a plain-text body
 * - "slow": answers after 1.5 s
 * - "break": streams two pieces, then drops the connection
 */
export const MODEL = 'fake-model-2026-01';
export const FINGERPRINT = 'fp_test';
export const CREATED = 1_790_000_000;
export const HELLO = 'Hello! How can I help you today?';
export const REFUND_ARGS = '{"order":"A-1","amount":240}';

export interface ReceivedCall {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
}

export interface FakeUpstream {
  url: string;
  calls: ReceivedCall[];
  /** Lets a "gated" stream finish. */
  release(): void;
  /** Whether the "gated" stream has written its last event. */
  gatedFinished(): boolean;
  /** When each "drip" piece was written (performance.now()). */
  sentAt: number[];
  /** Answers whose connection closed before they were finished (the caller of the upstream gave up). */
  closedEarly(): number;
  close(): Promise<void>;
}

const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };

function completion(message: Record<string, unknown>, finish: string) {
  return {
    id: 'chatcmpl-fake-1',
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage,
  };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null) {
  return {
    id: 'chatcmpl-fake-1',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lastUserText(body: Record<string, unknown> | null): string {
  const messages = Array.isArray(body?.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

function textPieces(text: string): string[] {
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const calls: ReceivedCall[] = [];
  let open: (() => void) | undefined;
  let gate = new Promise<void>((r) => (open = r));
  let gatedDone = false;
  const sentAt: number[] = [];
  let cut = 0;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw === '' ? null : (JSON.parse(raw) as Record<string, unknown>);
    calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.on('close', () => {
      if (!res.writableFinished) cut++;
    });

    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-models' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', created: CREATED, owned_by: 'test' }] }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'no such route', type: 'invalid_request_error', param: null, code: null } }));
      return;
    }
    const text = lastUserText(body);
    const stream = body?.stream === true;
    const withUsage = (body?.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (text.startsWith('boom')) {
      res.writeHead(500, { 'content-type': 'application/json', 'x-request-id': 'req-boom' });
      res.end(JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error', param: null, code: 'upstream_boom' } }));
      return;
    }
    if (text.startsWith('teapot')) {
      res.writeHead(418, { 'content-type': 'text/plain' });
      res.end('I am a teapot');
      return;
    }
    if (text.startsWith('slow')) await sleep(1500);

    const refund = text.startsWith('refund');
    const message = refund
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: REFUND_ARGS } }],
        }
      : { role: 'assistant', content: HELLO, refusal: null };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-plain', 'x-ratelimit-remaining-requests': '99' });
      res.end(JSON.stringify(completion(message, refund ? 'tool_calls' : 'stop')));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-stream' });
    const write = (data: unknown) => res.write(sse(data));
    if (text.startsWith('break')) {
      write(chunk({ role: 'assistant', content: '' }));
      write(chunk({ content: 'Partial ' }));
      write(chunk({ content: 'answer' }));
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (refund) {
      write(
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'issue_refund', arguments: '' } }],
        }),
      );
      for (const piece of ['{"order":', '"A-1","amount"', ':240}'])
        write(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      write(chunk({}, 'tool_calls'));
    } else if (text.startsWith('drip')) {
      write(chunk({ role: 'assistant', content: '' }));
      for (let i = 0; i < 5; i++) {
        await sleep(40);
        sentAt.push(performance.now());
        write(chunk({ content: `piece ${i}. ` }));
      }
      write(chunk({}, 'stop'));
    } else {
      const pieces = textPieces(HELLO);
      write(chunk({ role: 'assistant', content: '' }));
      write(chunk({ content: pieces[0] }));
      if (text.startsWith('gated')) {
        gatedDone = false;
        await gate;
        gatedDone = true;
      }
      write(chunk({ content: pieces[1] }));
      write(chunk({ content: pieces[2] }));
      write(chunk({}, 'stop'));
    }
    if (withUsage) write({ ...chunk({}), choices: [], usage });
    res.end(sse('[DONE]'));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    sentAt,
    release() {
      open?.();
      gate = new Promise<void>((r) => (open = r));
    },
    gatedFinished: () => gatedDone,
    closedEarly: () => cut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
