import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/commands/client-options.js';
import { exportQuery, recordCounter, registerExportCommands } from '../../src/cli/commands/export-commands.js';
import { runCli, startLocalServer, type LocalServer } from '../support/cli-run.js';
import { openAiChatProblems } from '../support/training-formats.js';

/* `tollgate export` as a client of a real server, run in this process. */

describe('tollgate export against a running server', () => {
  let local: LocalServer;
  let projectId: string;
  const run = (args: string[], opts: { key?: string; io?: Partial<CliIo> & { stderrIsTTY?: boolean }; fetch?: typeof fetch } = {}) =>
    runCli(registerExportCommands, args, {
      url: local.server.url,
      key: opts.key ?? local.admin,
      ...(opts.io === undefined ? {} : { io: opts.io }),
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    });

  async function call<T>(method: string, route: string, body?: unknown, key = local.admin): Promise<T> {
    const res = await fetch(`${local.server.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok, await res.clone().text()).toBe(true);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    local = await startLocalServer();
    projectId = (
      await call<{ id: string }>('POST', '/v1/projects', {
        name: 'CLI exports',
        rubric: { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] },
        policy: { rules: [{ name: 'all', when: { confidence: { lt: 1 } }, action: 'review', priority: 50 }] },
      })
    ).id;
    const reviewer = (await call<{ key: string }>('POST', '/v1/keys', { role: 'reviewer', project_id: projectId })).key;
    const answers = [
      { verdict: 'approve', scores: { accuracy: 5 } },
      { verdict: 'correct', correction: 'Fixed answer, "quoted"\nover two lines', scores: { accuracy: 2 }, comment: 'needs care' },
      { verdict: 'reject', scores: { accuracy: 1 } },
    ];
    for (const [i, answer] of answers.entries()) {
      await call('POST', `/v1/projects/${projectId}/items`, { input: `question ${i}`, output: `answer ${i}`, confidence: 0.1 });
      const claim = await call<{ task: { id: string } }>('POST', `/v1/projects/${projectId}/tasks/claim`, {}, reviewer);
      await call('POST', `/v1/tasks/${claim.task.id}/judgments`, answer, reviewer);
    }
  });
  afterAll(async () => {
    await local?.close();
  });

  it('streams SFT examples to a file and says how many it wrote', async () => {
    const file = path.join(local.dir, 'sft.jsonl');
    const res = await run(['export', 'sft', '--project', projectId, '-o', file]);
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 2 records \\(sft, \\d+\\.\\d KiB\\)\\n$`));
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        messages: [
          { role: 'user', content: 'question 0' },
          { role: 'assistant', content: 'answer 0' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'question 1' },
          { role: 'assistant', content: 'Fixed answer, "quoted"\nover two lines' },
        ],
      },
    ]);
    expect(lines.flatMap((l) => openAiChatProblems(l))).toEqual([]);
  });

  it('writes judgments as CSV when the file is .csv, counting rows with newlines inside quotes right', async () => {
    const file = path.join(local.dir, 'judgments.csv');
    const res = await run(['export', 'judgments', '--project', projectId, '--out', file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(': 3 records (judgments, CSV, ');
    const rows = parse<Record<string, string>>(await readFile(file, 'utf8'), { columns: true });
    expect(rows.map((r) => [r.verdict, r['scores.accuracy']])).toEqual([
      ['approve', '5'],
      ['correct', '2'],
      ['reject', '1'],
    ]);
    expect(rows[1]).toMatchObject({ correction: 'Fixed answer, "quoted"\nover two lines', comment: 'needs care' });
  });

  it('writes to stdout without -o (or with -o -), passing the filters to the server', async () => {
    const res = await run(['export', 'eval', '--project', projectId, '--verdict', 'reject', '--min-agreement', '0']);
    expect(res.code, res.stderr).toBe(0);
    // One reviewer per item: agreement is unmeasured, so min_agreement keeps nothing.
    expect(res.stdout).toBe('');
    const dash = await run(['export', 'eval', '--project', projectId, '--verdict', 'reject', '-o', '-']);
    expect(
      dash.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { verdict: string; reference_output: unknown }),
    ).toEqual([expect.objectContaining({ verdict: 'reject', reference_output: null })]);
  });

  it('shows a running count on a terminal', async () => {
    const file = path.join(local.dir, 'tty.jsonl');
    const res = await run(['export', 'preference', '--project', projectId, '-o', file], { io: { stderrIsTTY: true } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/\r1 records, [\d.]+ KiB.*\n$/);
    expect(res.stdout).toBe('');
  });

  it('reports refusals with the server’s code, and checks its own flags', async () => {
    const viewer = (await call<{ key: string }>('POST', '/v1/keys', { role: 'viewer' })).key;
    const refused = await run(['export', 'sft', '--project', projectId], { key: viewer });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TG_FORBIDDEN');
    const invalid = await run(['export', 'sft', '--project', projectId, '--verdict', 'reject']);
    expect(invalid.stderr).toContain('TG_VALIDATION_FAILED');
    expect(invalid.stderr).toContain('querystring.verdict');
    const share = await run(['export', 'sft', '--project', projectId, '--min-agreement', '2']);
    expect(share.code).not.toBe(0);
    expect(share.stderr).toContain('must be a number from 0 to 1');
    const format = await run(['export', 'everything', '--project', projectId]);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toContain('sft, preference, eval, judgments');
  });

  it('removes a partial file when the stream breaks off, and says how far it got', async () => {
    const file = path.join(local.dir, 'broken.jsonl');
    const brokenFetch: typeof fetch = () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!sent) controller.enqueue(new TextEncoder().encode('{"messages":[]}\n'));
          else {
            // The connection drops a moment after the first line went through.
            await new Promise((resolve) => setTimeout(resolve, 50));
            controller.error(new Error('socket hang up'));
          }
          sent = true;
        },
      });
      return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson' } }));
    };
    const res = await run(['export', 'sft', '--project', projectId, '-o', file], { fetch: brokenFetch });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`export interrupted after 1 records: socket hang up; ${file} removed`);
    expect(existsSync(file)).toBe(false);
  });
});

describe('export command helpers', () => {
  it('names the query parameters as the route does, choosing CSV for judgments written to .csv', () => {
    const q = (format: string, o: object) => exportQuery(format, { project: 'p', ...o }).toString();
    expect(q('sft', { since: '2026-11-01T00:00:00Z', modelVersion: 'v2', includeUnreviewed: true, guidelineVersion: 3 })).toBe(
      'since=2026-11-01T00%3A00%3A00Z&model_version=v2&guideline_version=3&include_unreviewed=true',
    );
    expect(q('judgments', { out: 'all.CSV' })).toBe('as=csv');
    expect(q('judgments', { out: 'all.csv', as: 'jsonl' })).toBe('as=jsonl');
    expect(q('sft', { out: 'all.csv' })).toBe('');
  });

  it('counts JSON Lines records by newline and CSV rows by newline outside quotes, header excluded', async () => {
    const count = async (csv: boolean, chunks: string[]) => {
      const c = recordCounter(csv);
      const done = new Promise((resolve) => c.transform.on('finish', resolve));
      c.transform.resume();
      for (const chunk of chunks) c.transform.write(Buffer.from(chunk));
      c.transform.end();
      await done;
      return c.records();
    };
    expect(await count(false, ['{"a":"x\\ny"}\n{"a"', ':1}\n'])).toBe(2);
    expect(await count(true, ['id,comment\n1,"two\nli', 'nes ""quoted"""\n2,plain\n'])).toBe(2);
  });
});
