import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/app/key-service.js';
import { registerReportCommands, type ReportIo } from '../../src/cli/commands/report-commands.js';
import type { RunningServer } from '../../src/server.js';
import { runCli, startLocalServer, type CliRun, type LocalServer } from '../support/cli-run.js';
import { ROOT } from '../support/http.js';

/* `tollgate report oversight` as a client of a real server, run in this process. */

interface Run extends CliRun {
  bytes: Uint8Array[];
}

describe('tollgate report oversight against a running server', () => {
  let local: LocalServer;
  let dir: string;
  let server: RunningServer;
  let projectId: string;
  const admin = 'test-admin-key-0123456789';

  async function tollgate(args: string[], opts: { key?: string; tty?: boolean } = {}): Promise<Run> {
    const bytes: Uint8Array[] = [];
    const run = await runCli<ReportIo>(registerReportCommands, args, {
      url: server.url,
      key: opts.key ?? admin,
      io: { stdoutIsTTY: opts.tty ?? false, writeBytes: (b) => bytes.push(b), writeFile: (file, data) => writeFile(file, data) },
    });
    return { ...run, bytes };
  }

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok, await res.clone().text()).toBe(true);
    return res.json() as Promise<{ id: string; task: { id: string } }>;
  };

  beforeAll(async () => {
    local = await startLocalServer();
    ({ dir, server } = local);
    const policy = { rules: [{ name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 }] };
    projectId = (await call('POST', '/v1/projects', { name: 'Reported', policy })).id;
    for (const confidence of [0.9, 0.2, 0.3])
      await call('POST', `/v1/projects/${projectId}/items`, { input: 'q', output: 'a', confidence });
    const claimed = await call('POST', `/v1/projects/${projectId}/tasks/claim`, {});
    await call('POST', `/v1/tasks/${claimed.task.id}/judgments`, { verdict: 'correct', correction: 'b' });
  });
  afterAll(async () => {
    await local?.close();
  });

  it('prints the figures as JSON, and Markdown by default', async () => {
    const json = await tollgate(['report', 'oversight', '--project', projectId, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.routing).toMatchObject({ captured: 3, passed: 1, reviewed: 2, held: 0 });
    expect(report.human_decisions).toMatchObject({ decided_by_people: 1, correction_rate: 1, override_rate: 1 });

    const md = await tollgate(['report', 'oversight', '--project', projectId]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Oversight report: Reported/);
    expect(md.stdout).toContain('Art. 14(4)(d)');
    expect(md.stdout).toContain('Not legal advice');
  });

  it('writes HTML and PDF files, the format taken from the extension', async () => {
    const html = path.join(dir, 'report.html');
    const a = await tollgate([
      'report',
      'oversight',
      '--project',
      projectId,
      '-o',
      html,
      '--since',
      '2020-01-01T00:00:00Z',
      '--until',
      '2020-12-01T00:00:00Z',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(
      new RegExp(`^${html.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: oversight report \\(html, \\d+ characters\\)\n$`),
    );
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('2020-01-01T00:00:00Z to 2020-12-01T00:00:00Z');

    const pdfFile = path.join(dir, 'report.pdf');
    const b = await tollgate(['report', 'oversight', '--project', projectId, '--out', pdfFile], { tty: true });
    expect(b.code, b.stderr).toBe(0);
    const bytes = await readFile(pdfFile);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThanOrEqual(1);
  });

  it('writes a PDF to a pipe but refuses a terminal without -o', async () => {
    const refused = await tollgate(['report', 'oversight', '--project', projectId, '--format', 'pdf'], { tty: true });
    expect(refused).toMatchObject({ code: 1, stdout: '', bytes: [] });
    expect(refused.stderr).toContain('refusing to write a PDF to the terminal');

    const piped = await tollgate(['report', 'oversight', '--project', projectId, '--format', 'pdf']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(Buffer.from(piped.bytes[0]!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('reports the server’s refusals with their codes', async () => {
    const reviewer = (await createKey(server.ctx, ROOT, { role: 'reviewer' })).key;
    const forbidden = await tollgate(['report', 'oversight', '--project', projectId], { key: reviewer });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('TG_FORBIDDEN');

    const window = await tollgate([
      'report',
      'oversight',
      '--project',
      projectId,
      '--since',
      '2026-01-02T00:00:00Z',
      '--until',
      '2026-01-01T00:00:00Z',
    ]);
    expect(window.stderr).toContain('TG_VALIDATION_FAILED');
    const unknown = await tollgate(['report', 'oversight', '--project', 'nope']);
    expect(unknown.stderr).toContain('TG_PROJECT_NOT_FOUND');
    const format = await tollgate(['report', 'oversight', '--project', projectId, '--format', 'docx']);
    expect(format).toMatchObject({ code: 1, stderr: expect.stringContaining('--format must be one of html, md, pdf, json') });
  });
});
