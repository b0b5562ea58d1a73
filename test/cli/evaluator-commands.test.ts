import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/app/key-service.js';
import { registerEvaluatorCommands } from '../../src/cli/commands/evaluator-commands.js';
import { exportQuery } from '../../src/cli/commands/export-commands.js';
import { TollgateClient } from '../../src/cli/http-client.js';
import type { Role } from '../../src/core/types.js';
import type { RunningServer } from '../../src/server.js';
import { runCli, startLocalServer, type CliRun, type LocalServer } from '../support/cli-run.js';
import { ROOT } from '../support/http.js';

const RUBRIC = { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 } }] };
const PII = { name: 'pii', check: { type: 'pii', detectors: ['email'], target: 'output' } };
const LENGTH = { name: 'short', check: { type: 'length', max: 200, unit: 'chars', target: 'output' } };

/** Splits a table the CLI printed into its cells (columns are two or more spaces apart). */
const cells = (text: string): string[][] =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));

describe('export options for a judge-evaluation set', () => {
  it('sends --evaluator and --disagreements-only as the route names them', () => {
    const q = (o: object) => exportQuery('eval', { project: 'p', ...o }).toString();
    expect(q({ evaluator: 'judge_accuracy', disagreementsOnly: true })).toBe('evaluator=judge_accuracy&disagreements_only=true');
    expect(q({ evaluator: 'pii' })).toBe('evaluator=pii');
  });
});

describe('evaluator commands against a running server', () => {
  let local: LocalServer;
  let dir: string;
  let server: RunningServer;
  let admin: string;

  const key = async (role: Role, projectId?: string) =>
    (await createKey(server.ctx, ROOT, { role, ...(projectId === undefined ? {} : { project_id: projectId }) })).key;
  const client = (k: string) => new TollgateClient({ baseUrl: server.url, key: k });
  const tollgate = (args: string[], opts: { stdin?: string } = {}): Promise<CliRun> =>
    runCli(registerEvaluatorCommands, args, { url: server.url, key: admin, ...opts });
  const file = async (name: string, value: unknown) => {
    const p = path.join(dir, name);
    await writeFile(p, typeof value === 'string' ? value : JSON.stringify(value));
    return p;
  };
  const newProject = async (policy: object = { rules: [] }) =>
    (await client(admin).createProject({ name: 'evaluated', policy: policy as never, rubric: RUBRIC })).id;

  beforeAll(async () => {
    // The scheduler's first pass runs at start; an hour between passes keeps it from judging trust
    // behind the test's back, so `trust --reassess` is what makes the switch.
    local = await startLocalServer({ TOLLGATE_SWEEP_INTERVAL_MS: '3600000' });
    ({ dir, server, admin } = local);
  });
  afterAll(async () => {
    await local?.close();
  });

  it('saves a set as a new version, then reports the same set as unchanged, and lists the versions', async () => {
    const id = await newProject();
    const set = await file('set.json', { evaluators: [PII] });
    const first = await tollgate(['evaluators', 'set', id, '--file', set]);
    expect(first).toEqual({ code: 0, stdout: `project ${id}: evaluators version 1 saved, new (pii)\n`, stderr: '' });
    const again = await tollgate(['evaluators', 'set', id, '--file', set]);
    expect(again).toEqual({ code: 0, stdout: `project ${id}: evaluators unchanged, still version 1 (pii)\n`, stderr: '' });

    // A bare array is a set too, here from stdin.
    const bare = await tollgate(['evaluators', 'set', id, '--file', '-', '--json'], { stdin: JSON.stringify([PII, LENGTH]) });
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ version: 2, created: true, evaluators: [{ name: 'pii' }, { name: 'short' }] });

    const versions = await tollgate(['evaluators', 'versions', id]);
    expect(cells(versions.stdout)).toEqual([
      ['VERSION', 'CREATED', 'BY', 'EVALUATORS'],
      ['2', expect.stringMatching(/Z$/), expect.stringMatching(/^key:/), 'pii, short'],
      ['1', expect.stringMatching(/Z$/), expect.stringMatching(/^key:/), 'pii'],
    ]);
    const jsonl = await tollgate(['evaluators', 'versions', id, '--json']);
    expect(
      jsonl.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { version: number }).version),
    ).toEqual([2, 1]);
  });

  it('prints every problem of a set the server refuses as path: message, and exits non-zero', async () => {
    const id = await newProject();
    const bad = await file('bad.json', {
      evaluators: [
        { name: 'PII', check: { type: 'pii', target: 'output' } },
        { name: 'len', check: { type: 'length', unit: 'chars' }, latency_budget_ms: 50 },
      ],
    });
    const run = await tollgate(['evaluators', 'set', id, '--file', bad]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const [first, ...problems] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^tollgate: TG_INVALID_EVALUATORS: /);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    for (const line of problems) expect(line).toMatch(/^ {2}evaluators\[[01]\]\S*: \S/);
    expect(problems.some((l) => l.startsWith('  evaluators[0].name: '))).toBe(true);
    expect(problems.some((l) => l.startsWith('  evaluators[1].latency_budget_ms: '))).toBe(true);
    // Nothing was saved.
    expect((await tollgate(['evaluators', 'show', id])).stdout).toBe(`project ${id} has no evaluators yet\n`);

    const notASet = await tollgate(['evaluators', 'set', id, '--file', await file('not-a-set.json', { rules: [] })]);
    expect(notASet.code).toBe(1);
    expect(notASet.stderr).toContain('expected {"evaluators": [...]} or an array of evaluators');
    const notJson = await tollgate(['evaluators', 'set', id, '--file', await file('broken.json', '{"evaluators": [')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/broken\.json: not valid JSON/);
  });

  it('shows a set: name, mode, kind and budget, an older version, or the raw JSON', async () => {
    const id = await newProject();
    const judge = {
      name: 'judge_accuracy',
      mode: 'sync',
      latency_budget_ms: 1500,
      // Never called: the set is only saved and shown.
      judge: {
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'judge-model',
        criterion: 'accuracy',
        price: { input_per_million: 1, output_per_million: 2 },
        daily_budget: 5,
      },
    };
    await tollgate(['evaluators', 'set', id, '--file', await file('v1.json', [PII])]);
    await tollgate(['evaluators', 'set', id, '--file', await file('v2.json', [PII, LENGTH, judge])]);

    const shown = await tollgate(['evaluators', 'show', id]);
    expect(shown.code).toBe(0);
    const [title, ...table] = shown.stdout.split('\n');
    expect(title).toMatch(/^# version 2, \S+Z by key:/);
    expect(cells(table.join('\n'))).toEqual([
      ['NAME', 'MODE', 'KIND', 'BUDGET'],
      ['pii', 'sync', 'pii', '-'],
      ['short', 'sync', 'length', '-'],
      ['judge_accuracy', 'sync', 'judge judge-model (accuracy)', '1500 ms, 5/day'],
    ]);
    const old = await tollgate(['evaluators', 'show', id, '--version', '1']);
    expect(cells(old.stdout.split('\n').slice(1).join('\n'))).toEqual([
      ['NAME', 'MODE', 'KIND', 'BUDGET'],
      ['pii', 'sync', 'pii', '-'],
    ]);
    const raw = JSON.parse((await tollgate(['evaluators', 'show', id, '--json'])).stdout) as { evaluators: unknown[] };
    // Every default filled in, as the server stores it.
    expect(raw.evaluators[0]).toMatchObject({ name: 'pii', reference_path: 'metadata.reference', judge: null });
    const missing = await tollgate(['evaluators', 'show', id, '--version', '9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tollgate: TG_\w+: /);
  });

  it('tests an item with an email against the saved pii check, and against a set from a file', async () => {
    const id = await newProject({
      rules: [{ name: 'pii-found', when: { 'evals.pii.found': { eq: true } }, action: 'review', priority: 80 }],
    });
    await tollgate(['evaluators', 'set', id, '--file', await file('pii.json', [PII])]);
    const item = await file('item.json', { input: 'Who do I write to?', output: 'Write to jane.doe@example.com for refunds.' });

    const run = await tollgate(['evaluators', 'test', id, '--item', item]);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rest] = run.stdout.trimEnd().split('\n');
    expect(header).toBe('evaluators version 1');
    const decision = rest.pop();
    const table = cells(rest.join('\n'));
    expect(table[0]).toEqual(['EVALUATOR', 'STATUS', 'SCORE', 'LABEL', 'LATENCY', 'EXPLANATION']);
    expect(table.slice(1).map((r) => r.slice(0, 4))).toEqual([['pii', 'fail', '0', 'found']]);
    expect(decision).toBe('decision: review to queue default, priority 80; rules: pii-found');

    // The same item against a set that is only sent, not saved: no pii check, so it passes.
    const sent = await tollgate(['evaluators', 'test', id, '--item', item, '--file', await file('short.json', [LENGTH])]);
    const lines = sent.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^evaluators from .*short\.json \(not saved\)$/);
    expect(cells(lines.slice(1, -1).join('\n'))[1]?.slice(0, 4)).toEqual(['short', 'pass', '1', 'within']);
    expect(lines.at(-1)).toBe('decision: pass, priority 0; no rule matched');

    const json = JSON.parse((await tollgate(['evaluators', 'test', id, '--item', item, '--json'])).stdout);
    expect(json).toMatchObject({
      version: 1,
      results: [{ evaluator: 'pii', status: 'fail', found: true }],
      decision: { action: 'review' },
    });
    // Nothing was stored by the test runs.
    expect((await client(admin).listItems(id, {})).items).toEqual([]);
  });

  describe('measured against people', () => {
    let id: string;

    beforeAll(async () => {
      id = await newProject({
        default_action: 'review',
        rules: [
          {
            name: 'pii-clean',
            when: { 'evals.pii.status': { eq: 'pass' } },
            action: 'pass',
            trust: { evaluator: 'pii', min_kappa: 0.5, min_checks: 10 },
          },
        ],
      });
      await tollgate(['evaluators', 'set', id, '--file', await file('trust.json', [PII])]);
      const manager = client(admin);
      const reviewer = client(await key('reviewer', id));
      // The pii check fails outputs with an email. People approve or reject as `people` says:
      //                 people pass  people fail
      //   check pass         5            1
      //   check fail         1            3
      const cases: [boolean, 'approve' | 'reject', string][] = [
        ...Array.from({ length: 5 }, (_, i): [boolean, 'approve', string] => [false, 'approve', i % 2 === 0 ? 'chat' : 'mail']),
        [false, 'reject', 'chat'],
        [true, 'approve', 'mail'],
        ...Array.from({ length: 3 }, (): [boolean, 'reject', string] => [true, 'reject', 'mail']),
      ];
      for (const [i, [email, people, channel]] of cases.entries()) {
        const captured = await manager.captureItem(id, {
          input: `question ${i}`,
          output: email ? `Write to person${i}@example.com` : `The answer is ${i}.`,
          metadata: { channel, people },
        });
        // Untrusted, the trust rule resolves nothing: every item goes to people.
        expect(captured.decision.action).toBe('review');
      }
      for (;;) {
        const claimed = await reviewer.claimTask(id, {});
        if (claimed === null) break;
        await reviewer.submitJudgment(claimed.task.id, { verdict: claimed.item.metadata.people as string });
      }
    });

    it('prints the agreement figures, and per segment', async () => {
      const json = await tollgate(['evaluators', 'agreement', id, 'pii', '--json']);
      const report = (JSON.parse(json.stdout) as { report: Record<string, { value: number; low: number; high: number }> }).report;
      const interval = (e: { value: number; low: number; high: number }) =>
        `${e.value.toFixed(3)} [${e.low.toFixed(3)}, ${e.high.toFixed(3)}]`;

      const run = await tollgate(['evaluators', 'agreement', id, 'pii']);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^evaluator pii \(pii check\), outcomes decided \S+Z to \S+Z$/);
      const figure = (label: string) => lines.find((l) => l.startsWith(`${label} `))?.slice(13);
      expect(figure('n')).toBe('10 (unknown 0)');
      // Cohen's kappa by hand: p_o = 8/10, p_e = 0.6·0.6 + 0.4·0.4 = 0.52, kappa = (0.8 − 0.52)/(1 − 0.52) = 0.5833.
      expect(figure('kappa')).toMatch(/^0\.583 \[/);
      expect(figure('kappa')).toBe(interval(report.kappa!));
      // Agreement 8/10; its Wilson 95% interval from the score formula (Wilson 1927): [0.490, 0.943].
      expect(figure('agreement')).toBe('0.800 [0.490, 0.943]');
      // Of 4 outputs the check failed people failed 3; of 4 people failed the check caught 3.
      expect(figure('precision')).toBe(interval(report.precision!));
      expect(figure('precision')).toMatch(/^0\.750 /);
      expect(figure('recall')).toMatch(/^0\.750 /);
      expect(figure('scores alpha')).toBe('-');
      const matrix = lines.slice(lines.findIndex((l) => l.startsWith('EVALUATOR \\ PEOPLE')));
      expect(cells(matrix.slice(0, 3).join('\n'))).toEqual([
        ['EVALUATOR \\ PEOPLE', 'PASS', 'FAIL'],
        ['pass', '5', '1'],
        ['fail', '1', '3'],
      ]);

      const bySegment = await tollgate(['evaluators', 'agreement', id, 'pii', '--segment', 'metadata.channel']);
      const out = bySegment.stdout.split('\n');
      const from = out.indexOf('by metadata.channel:');
      expect(from).toBeGreaterThan(0);
      const rows = cells(out.slice(from + 1).join('\n'));
      expect(rows[0]).toEqual(['SEGMENT', 'N', 'UNKNOWN', 'KAPPA', 'AGREEMENT', 'PRECISION', 'RECALL']);
      // chat: 3 approved passes and 1 rejected pass; mail: 2 approved passes, 1 approved fail, 3 rejected fails.
      expect(
        rows
          .slice(1)
          .map((r) => [r[0], r[1]])
          .sort(),
      ).toEqual([
        ['chat', '4'],
        ['mail', '6'],
      ]);

      const since = await tollgate(['evaluators', 'agreement', id, 'pii', '--since', '2000-01-01T00:00:00Z']);
      expect(since.code).toBe(1);
      expect(since.stderr).toMatch(/^tollgate: TG_VALIDATION_FAILED: .*366 days/);
      const unknown = await tollgate(['evaluators', 'agreement', id, 'nope']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^tollgate: TG_NOT_FOUND: /);
    });

    it('lists the disagreements', async () => {
      const run = await tollgate(['evaluators', 'disagreements', id, 'pii']);
      const rows = cells(run.stdout);
      expect(rows[0]).toEqual(['ITEM', 'DECIDED', 'EVALUATOR', 'SCORE', 'PEOPLE', 'EXPLANATION']);
      expect(
        rows
          .slice(1)
          .map((r) => [r[2], r[4]])
          .sort(),
      ).toEqual([
        ['fail (found)', 'pass (approved)'],
        ['pass (clean)', 'fail (rejected)'],
      ]);
      const one = await tollgate(['evaluators', 'disagreements', id, 'pii', '--limit', '1', '--json']);
      expect(one.stdout.trimEnd().split('\n')).toHaveLength(1);
      const bad = await tollgate(['evaluators', 'disagreements', id, 'pii', '--limit', '0']);
      expect(bad.code).not.toBe(0);
    });

    it('lists trust rules, and reassesses them on request', async () => {
      const before = await tollgate(['evaluators', 'trust', id]);
      expect(cells(before.stdout).slice(0, 2)).toEqual([
        ['RULE', 'EVALUATOR', 'TRUSTED', 'KAPPA', 'CHECKS', 'EVALUATED', 'REASON'],
        ['pii-clean', 'pii', 'no', '-', '0', '-', 'not assessed yet'],
      ]);
      const reassessed = await tollgate(['evaluators', 'trust', id, '--reassess']);
      expect(reassessed.code, reassessed.stderr).toBe(0);
      const lines = reassessed.stdout.split('\n');
      expect(lines[0]).toMatch(/^reassessed: rule pii-clean \(pii\) is now trusted: /);
      const table = cells(lines.slice(2).join('\n'));
      expect(table[1]?.slice(0, 5)).toEqual(['pii-clean', 'pii', 'yes', '0.583', '10']);
      expect(table.at(-1)).toEqual(['1 rule trusted']);
      const json = JSON.parse((await tollgate(['evaluators', 'trust', id, '--reassess', '--json'])).stdout);
      expect(json).toMatchObject({ changes: [], rules: [{ rule: 'pii-clean', trusted: true, checks: 10, current: true }] });
      expect((await tollgate(['evaluators', 'trust', await newProject()])).stdout).toBe('the current policy has no trust rules\n');
    });
  });
});
