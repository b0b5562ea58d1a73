import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { ApiError, TollgateClient } from '../../src/cli/http-client.js';
import { freePort } from '../support/server-process.js';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** A fetch that answers every request with one canned response, and records what was asked. */
function stubFetch(status: number, body: string, calls: Call[] = []): typeof fetch {
  return (input, init) => {
    calls.push({ url: urlOf(input), init });
    return Promise.resolve(new Response(status === 204 ? null : body, { status, headers: { 'content-type': 'application/json' } }));
  };
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

const client = (fetchFn: typeof fetch) => new TollgateClient({ baseUrl: 'http://tg.test/base', key: 'secret' }, fetchFn);

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected the call to fail');
  return err;
}

describe('TollgateClient', () => {
  it('sends JSON with the bearer key, encodes ids and skips unset query fields', async () => {
    const calls: Call[] = [];
    const c = client(stubFetch(200, '{"items": [], "next_cursor": null}', calls));
    await c.listItems('p/1', { action: 'review', limit: 5, model: undefined });
    await c.claimTask('p1', { queue: 'hold' });
    expect(calls[0]?.url).toBe('http://tg.test/base/v1/projects/p%2F1/items?action=review&limit=5');
    expect(calls[0]?.init?.headers).toMatchObject({ authorization: 'Bearer secret' });
    expect(calls[1]?.init).toMatchObject({ method: 'POST', body: '{"queue":"hold"}', headers: { 'content-type': 'application/json' } });
  });

  it('answers null for 204', async () => {
    expect(await client(stubFetch(204, '')).claimTask('p1', {})).toBeNull();
  });

  it("throws the server's code and message, with each field error on its own line", async () => {
    const body = {
      error: {
        code: 'TG_INVALID_POLICY',
        message: 'policy has 2 problems',
        details: {
          errors: [
            { path: 'rules[0].action', message: 'must be pass, review or hold' },
            { path: 'rules[1].name', message: 'is required' },
          ],
        },
      },
    };
    const err = await failure(client(stubFetch(422, JSON.stringify(body))).saveDocument('p1', 'policy', { rules: [] }));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'TG_INVALID_POLICY' });
    expect(err.message).toBe(
      'TG_INVALID_POLICY: policy has 2 problems\n  rules[0].action: must be pass, review or hold\n  rules[1].name: is required',
    );
  });

  it('reports a non-Tollgate error body (a proxy, say) with its status', async () => {
    const err = await failure(client(stubFetch(502, '<html><body>Bad gateway</body></html>')).getItem('i1'));
    expect(err).toBeInstanceOf(CliError);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(err.message).toBe('HTTP 502 from GET /v1/items/i1: <html><body>Bad gateway</body></html>');
  });

  it('names the URL when nothing listens there', async () => {
    const port = await freePort();
    const err = await failure(new TollgateClient({ baseUrl: `http://127.0.0.1:${port}`, key: 'k' }).listProjects());
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toBe(
      `cannot connect to http://127.0.0.1:${port}: connection refused (is the server running? Point the CLI at it with --url or TOLLGATE_URL)`,
    );
  });
});
