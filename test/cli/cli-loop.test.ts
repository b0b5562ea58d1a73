import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { EXAMPLE_RUBRIC } from '../support/examples.js';
import { CLI_MAIN, freePort, ROOT_DIR } from '../support/server-process.js';

/*
 * The whole review loop from a terminal: a real server in this process, the CLI as real child
 * processes. Spawning costs seconds, so independent runs go in parallel and the walk is one
 * shared sequence of steps.
 */

const ADMIN_KEY = 'test-admin-key-0123456789';
const SLOW = 60_000;

const POLICY = {
  rules: [
    { name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 },
    {
      name: 'large-refund',
      when: { all: [{ 'metadata.intent': { eq: 'refund' } }, { 'metadata.amount': { gt: 500 } }] },
      action: 'hold',
      priority: 90,
    },
  ],
};
const ITEMS = [
  { input: 'Where is my order?', output: 'It ships tomorrow.', model: 'bot', confidence: 0.3, external_id: 'req-1' },
  {
    input: [{ role: 'user', content: 'Refund me' }],
    output: { role: 'assistant', content: 'Refunded $800' },
    model: 'bot',
    confidence: 0.9,
    metadata: { intent: 'refund', amount: 800 },
    external_id: 'req-2',
  },
  { input: 'hi', output: 'hello', model: 'bot', confidence: 0.95, external_id: 'req-3' },
  // A retry of the first: the server answers with the stored item.
  { input: 'Where is my order?', output: 'It ships tomorrow.', model: 'bot', confidence: 0.3, external_id: 'req-1' },
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Nothing from the developer's shell may leak into the CLI's configuration. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));

function tollgate(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', CLI_MAIN, ...args],
      { cwd: ROOT_DIR, env: { ...cleanEnv, ...env }, timeout: SLOW },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('tollgate CLI: the review loop over HTTP', () => {
  let dir: string;
  let server: RunningServer;
  let admin: Record<string, string>;
  let reviewer: Record<string, string>;
  let projectId: string;
  let ids: string[];
  let taskId: string;

  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-'));
    const database = file('tollgate.sqlite');
    const config = loadConfig(
      {
        TOLLGATE_DATABASE_URL: database,
        TOLLGATE_PORT: '0',
        TOLLGATE_HOST: '127.0.0.1',
        TOLLGATE_ADMIN_KEY: ADMIN_KEY,
        TOLLGATE_LOG_LEVEL: 'silent',
      },
      dir,
    );
    server = await startServer(config);
    admin = { TOLLGATE_URL: server.url, TOLLGATE_KEY: ADMIN_KEY };
    await writeFile(file('policy.json'), JSON.stringify(POLICY, null, 2));
    await writeFile(file('items.jsonl'), ITEMS.map((i) => JSON.stringify(i)).join('\n') + '\n');

    // Keys are minted against the store directly, as an operator would on the server host.
    const minted = await tollgate(['keys', 'create', '--role', 'reviewer', '--json'], { TOLLGATE_DATABASE_URL: database });
    expect(minted.stderr).toBe('');
    reviewer = { TOLLGATE_URL: server.url, TOLLGATE_KEY: (JSON.parse(minted.stdout) as { key: string }).key };
  }, SLOW);

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'creates a project from a policy file and a rubric on stdin',
    async () => {
      const run = await tollgate(
        ['projects', 'create', '--name', 'Support bot', '--policy', file('policy.json'), '--rubric', '-'],
        admin,
        JSON.stringify(EXAMPLE_RUBRIC),
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const project = JSON.parse(run.stdout);
      expect(project).toMatchObject({
        name: 'Support bot',
        policy: { version: 1, document: { rules: [{ name: 'low-confidence' }, { name: 'large-refund' }] } },
        rubric: { version: 1 },
      });
      expect(project.rubric.document.criteria.map((c: { key: string }) => c.key)).toEqual(['accuracy', 'policy_compliant']);
      projectId = project.id;
    },
    SLOW,
  );

  it(
    'sends a JSONL file and prints how each item was routed',
    async () => {
      const run = await tollgate(['items', 'send', projectId, file('items.jsonl')], admin);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      ids = lines.map((l) => l.split('  ')[0] ?? '');
      expect(lines.map((l) => l.split('  ').slice(1))).toEqual([
        ['review', 'low-confidence', '(new)'],
        ['hold', 'large-refund', '(new)'],
        ['pass', '-', '(new)'],
        ['review', 'low-confidence', '(existing)'],
      ]);
      expect(ids[3]).toBe(ids[0]);
      expect(run.stderr).toBe('sent 4 item(s): 3 new, 1 existing\n');
    },
    SLOW,
  );

  it(
    'lists routed items as a table, and every page as JSONL',
    async () => {
      const [table, jsonl] = await Promise.all([
        tollgate(['items', 'list', projectId, '--action', 'review'], admin),
        tollgate(['items', 'list', projectId, '--json', '--all', '--limit', '1'], admin),
      ]);
      expect(table.code).toBe(0);
      const [header, ...rows] = table.stdout.trimEnd().split('\n');
      expect(header?.split(/\s+/)).toEqual(['ID', 'CREATED', 'ACTION', 'OUTCOME', 'MODEL', 'CONF', 'RULES']);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.split(/\s+/)).toEqual([
        ids[0],
        expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:]+Z$/),
        'review',
        'pending',
        'bot',
        '0.3',
        'low-confidence',
      ]);

      expect(jsonl).toMatchObject({ code: 0, stderr: '' });
      const listed = jsonl.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string });
      expect(listed.map((i) => i.id).sort()).toEqual(ids.slice(0, 3).sort());
    },
    SLOW,
  );

  it(
    'lets a reviewer claim the most urgent task and judge it with --score flags',
    async () => {
      const claim = await tollgate(['tasks', 'claim', projectId], reviewer);
      expect(claim.code).toBe(0);
      taskId = /^task\s+(\S+)$/m.exec(claim.stdout)?.[1] ?? '';
      expect(claim.stdout).toContain(`item    ${ids[1]}  (model bot, confidence 0.9)`);
      expect(claim.stdout).toMatch(/^why {5}large-refund \(.*refund.*\)$/m);
      expect(claim.stdout).toContain('input\n  user: Refund me\noutput\n  assistant: Refunded $800\n');
      expect(claim.stdout).toMatch(/^ {2}accuracy {10}Accuracy: likert 1-5 \(required\)$/m);
      expect(claim.stderr).toContain(`tollgate tasks judge ${taskId} --verdict`);

      const judge = await tollgate(
        [
          'tasks',
          'judge',
          taskId,
          '--verdict',
          'correct',
          '--score',
          'accuracy=2',
          '--score',
          'policy_compliant=false',
          '--correction',
          'Refunded $90 (policy cap)',
          '--comment',
          'over the cap',
          '--time-spent-ms',
          '4200',
        ],
        reviewer,
      );
      expect(judge).toMatchObject({ code: 0, stderr: '' });
      expect(judge.stdout).toMatch(
        new RegExp(`^task ${taskId}: correct recorded \\(judgment \\S+\\)\\nitem ${ids[1]} outcome: corrected \\(.+\\)\\n$`),
      );
    },
    SLOW,
  );

  it(
    'shows the outcome and the judgment that decided it; an empty queue is not an error',
    async () => {
      const [outcome, detail, empty, emptyJson] = await Promise.all([
        tollgate(['outcome', ids[1] ?? ''], reviewer),
        tollgate(['items', 'show', ids[1] ?? ''], admin),
        tollgate(['tasks', 'claim', projectId, '--queue', 'nowhere'], reviewer),
        tollgate(['tasks', 'claim', projectId, '--queue', 'nowhere', '--json'], reviewer),
      ]);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toMatch(
        /^status {6}corrected\ndecided_by {2}key:\S+\ndecided_at {2}\S+Z\nreason {6}.+\noutput {6}Refunded \$90 \(policy cap\)\n$/,
      );

      expect(detail.code).toBe(0);
      const item = JSON.parse(detail.stdout);
      expect(item.outcome).toMatchObject({ status: 'corrected', output: 'Refunded $90 (policy cap)' });
      expect(item.decision.matched_rules[0]).toMatchObject({ name: 'large-refund', reason: expect.stringContaining('800') });
      expect(item.tasks).toMatchObject([{ id: taskId, status: 'done' }]);
      expect(item.judgments).toMatchObject([
        { verdict: 'correct', scores: { accuracy: 2, policy_compliant: false }, comment: 'over the cap', time_spent_ms: 4200 },
      ]);

      expect(empty).toEqual({ code: 0, stdout: 'no task available\n', stderr: '' });
      expect(emptyJson).toEqual({ code: 0, stdout: '', stderr: '' });
    },
    SLOW,
  );

  it(
    'reports failures on stderr with the code and a non-zero exit',
    async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const [badVerdict, unknownProject, noKey, noServer] = await Promise.all([
        tollgate(['tasks', 'judge', taskId, '--verdict', 'maybe'], reviewer),
        tollgate(['projects', 'show', 'no-such-project'], admin),
        tollgate(['projects', 'list'], { TOLLGATE_URL: server.url }),
        tollgate(['projects', 'list', '--url', closed], admin),
      ]);
      expect(badVerdict).toMatchObject({ code: 1, stdout: '' });
      expect(badVerdict.stderr).toMatch(/^tollgate: TG_VALIDATION_FAILED: verdict .+\n {2}verdict: .+\n$/);
      expect(unknownProject).toEqual({
        code: 1,
        stdout: '',
        stderr: 'tollgate: TG_PROJECT_NOT_FOUND: project no-such-project not found\n',
      });
      expect(noKey).toMatchObject({ code: 1, stdout: '' });
      expect(noKey.stderr).toMatch(/^tollgate: no API key: pass --key <key> or set TOLLGATE_KEY/);
      expect(noServer).toMatchObject({ code: 1, stdout: '' });
      expect(noServer.stderr).toContain(`tollgate: cannot connect to ${closed}: connection refused`);
    },
    SLOW,
  );
});
