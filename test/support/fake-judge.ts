import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small OpenAI-compatible judge for evaluator tests. It answers POST /v1/chat/completions
 * deterministically from markers in the last user message:
 *
 * - `[[slow:N]]`: waits N ms first, then answers as below
 * - `[[fail:CODE]]`: always HTTP CODE with an OpenAI error body
 * - `[[flaky:CODE]]`: HTTP CODE the first time this exact message is seen, an answer afterwards
 * - `[[malformed]]`: 200 with the content `I think it is fine.` (not JSON)
 * - `[[score:V]]`: score V, any JSON value (`[[score:7]]`, `[[score:"5"]]`)
 * - otherwise: score 1 if the text contains `WRONG`, else 5; for a boolean criterion (the
 *   response format asks for a boolean score) false and true.
 *
 * With `requireKey`, a request without `Authorization: Bearer <requireKey>` gets 401.
 */
export interface FakeJudge {
  /** Base URL including `/v1`, as a judge's `endpoint`. */
  url: string;
  /** Every request received, in order. */
  requests: { body: Record<string, unknown> | null; authorization: string | undefined }[];
  /** The most requests that were being answered at the same time. */
  peakInFlight(): number;
  close(): Promise<void>;
}

export const FAKE_JUDGE_MODEL = 'fake-judge-1';
export const FAKE_COMPLETION_TOKENS = 20;

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function messagesOf(body: Json | null): Json[] {
  const messages = body?.['messages'];
  return Array.isArray(messages) ? messages.map(record) : [];
}

function lastUserText(body: Json | null): string {
  const last = messagesOf(body)
    .reverse()
    .find((m) => m['role'] === 'user');
  return typeof last?.['content'] === 'string' ? last['content'] : '';
}

function promptLength(body: Json | null): number {
  return messagesOf(body).reduce((n, m) => n + (typeof m['content'] === 'string' ? m['content'].length : 0), 0);
}

function asksForBoolean(body: Json | null): boolean {
  const schema = record(record(record(body?.['response_format'])['json_schema'])['schema']);
  return record(record(schema['properties'])['score'])['type'] === 'boolean';
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null } });
}

export async function startFakeJudge(opts: { requireKey?: string } = {}): Promise<FakeJudge> {
  const requests: FakeJudge['requests'] = [];
  const flakySeen = new Set<string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let peak = 0;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Json | null = null;
    try {
      body = raw === '' ? null : record(JSON.parse(raw));
    } catch {
      // Kept as null: the client under test must only send JSON, which the tests check.
    }
    requests.push({ body, authorization: req.headers.authorization });

    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return sendError(res, 404, 'no such route');
    if (opts.requireKey !== undefined && req.headers.authorization !== `Bearer ${opts.requireKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.');
    }
    const text = lastUserText(body);
    const slow = /\[\[slow:(\d+)\]\]/.exec(text);
    if (slow) await wait(Number(slow[1]));

    const fail = /\[\[fail:(\d{3})\]\]/.exec(text);
    if (fail) return sendError(res, Number(fail[1]), 'the judge failed on purpose');
    const flaky = /\[\[flaky:(\d{3})\]\]/.exec(text);
    if (flaky && !flakySeen.has(text)) {
      flakySeen.add(text);
      return sendError(res, Number(flaky[1]), 'the judge failed once on purpose');
    }

    let content: string;
    if (text.includes('[[malformed]]')) content = 'I think it is fine.';
    else {
      const forced = /\[\[score:([^\]]+)\]\]/.exec(text);
      const wrong = text.includes('WRONG');
      const score: unknown = forced ? JSON.parse(forced[1] as string) : asksForBoolean(body) ? !wrong : wrong ? 1 : 5;
      content = JSON.stringify({ score, explanation: wrong ? 'The output contains a mistake.' : 'The output meets the criterion.' });
    }
    const promptTokens = Math.round(promptLength(body) / 4);
    sendJson(res, 200, {
      id: `chatcmpl-judge-${requests.length}`,
      object: 'chat.completion',
      created: 1_790_000_000,
      model: typeof body?.['model'] === 'string' ? body['model'] : FAKE_JUDGE_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: FAKE_COMPLETION_TOKENS,
        total_tokens: promptTokens + FAKE_COMPLETION_TOKENS,
      },
    });
  }

  const server = createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on('close', () => inFlight--);
    handle(req, res).catch((err: unknown) => sendError(res, 500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    peakInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Slow answers and idle keep-alive sockets would hold close() open.
        server.closeAllConnections();
      }),
  };
}
