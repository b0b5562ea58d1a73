import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKey } from '../../src/app/key-service.js';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';
import type { Role } from '../../src/core/types.js';
import type { RunningServer } from '../../src/server.js';
import { runCli, startLocalServer, type CliRun, type LocalServer } from '../support/cli-run.js';
import { ROOT } from '../support/http.js';

/*
 * The client commands run in this process against a real server, so every command and
 * option can be covered cheaply; cli-loop.test.ts proves the same through the real binary.
 */

const POLICY = { rules: [{ name: 'low-confidence', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 }] };
const RUBRIC = {
  criteria: [
    { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
    { key: 'tone', label: 'Tone', scale: { type: 'categorical', options: ['warm', 'neutral', 'curt'] } },
  ],
};

describe('client commands against a running server', () => {
  let local: LocalServer;
  let dir: string;
  let server: RunningServer;
  let admin: string;
  let requests: string[];

  const key = async (role: Role) => (await createKey(server.ctx, ROOT, { role })).key;

  /** Runs one command line the way main.ts does, recording the requests it makes. */
  function tollgate(args: string[], opts: { key?: string; stdin?: string } = {}): Promise<CliRun> {
    const recordingFetch: typeof fetch = (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      return fetch(input, init);
    };
    return runCli(registerClientCommands, args, {
      url: server.url,
      key: opts.key ?? admin,
      fetch: recordingFetch,
      ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    });
  }

  async function newProject(): Promise<string> {
    const run = await tollgate(['projects', 'create', '--name', 'p', '--policy', '-', '--quiet'], { stdin: JSON.stringify(POLICY) });
    expect(run.code).toBe(0);
    return run.stdout.trim();
  }

  beforeAll(async () => {
    local = await startLocalServer();
    ({ dir, server, admin } = local);
    await writeFile(path.join(dir, 'rubric.json'), JSON.stringify(RUBRIC));
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(() => {
    requests = [];
  });

  it('creates projects, versions policies and rubrics, and lists both', async () => {
    const id = await newProject();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const setRubric = await tollgate(['rubric', 'set', id, path.join(dir, 'rubric.json')]);
    expect(setRubric).toEqual({ code: 0, stdout: `project ${id}: rubric version 2 saved (2 criteria: accuracy, tone)\n`, stderr: '' });
    const setPolicy = await tollgate(['policy', 'set', id, '-', '--json'], { stdin: JSON.stringify({ rules: [] }) });
    expect(JSON.parse(setPolicy.stdout)).toMatchObject({ version: 2, document: { rules: [] } });

    const versions = await tollgate(['policy', 'versions', id]);
    expect(
      versions.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/ {2,}/)),
    ).toEqual([
      ['VERSION', 'CREATED', 'BY', 'CONTENT'],
      ['2', expect.stringMatching(/Z$/), expect.stringMatching(/^key:/), 'no rules'],
      ['1', expect.stringMatching(/Z$/), expect.stringMatching(/^key:/), '1 rule: low-confidence'],
    ]);
    const rubrics = await tollgate(['rubric', 'versions', id, '--json']);
    expect(
      rubrics.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).version),
    ).toEqual([2, 1]);

    const list = await tollgate(['projects', 'list']);
    const row = list.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row?.split(/ {2,}/)).toEqual([id, 'p', 'v2 (no rules)', 'v2 (2 criteria)', expect.stringMatching(/Z$/)]);
    const shown = JSON.parse((await tollgate(['projects', 'show', id])).stdout);
    expect(shown).toMatchObject({ id, policy: { version: 2 }, rubric: { version: 2 } });
  });

  it('prints every field error of a document the server rejects', async () => {
    const id = await newProject();
    const run = await tollgate(['policy', 'set', id, '-'], {
      stdin: JSON.stringify({ rules: [{ name: 'x', action: 'escalate', priority: 500 }] }),
    });
    expect(run.code).toBe(1);
    const [first, ...fields] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^tollgate: TG_INVALID_POLICY: /);
    expect(fields.length).toBeGreaterThanOrEqual(2);
    expect(fields.every((l) => /^ {2}rules\[0\]\S*: /.test(l))).toBe(true);
    expect(fields).toContain('  rules[0].priority: must be an integer from 0 to 100');
  });

  it('sends several items in batches and says which were stored when a later batch fails', async () => {
    const id = await newProject();
    requests = [];
    const items = [0.1, 0.9, 0.2, 0.95, 0.3].map((confidence, i) => ({ input: `q${i}`, output: 'a', confidence }));
    const sent = await tollgate(['items', 'send', id, '--batch-size', '2'], { stdin: JSON.stringify(items) });
    expect(sent.code).toBe(0);
    expect(
      sent.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ').slice(1).join(' ')),
    ).toEqual([
      'review low-confidence (new)',
      'pass - (new)',
      'review low-confidence (new)',
      'pass - (new)',
      'review low-confidence (new)',
    ]);
    expect(requests).toEqual(Array(3).fill(`POST /v1/projects/${id}/items/batch`));

    requests = [];
    const one = await tollgate(['items', 'send', id, '--json'], { stdin: JSON.stringify({ input: 'q', output: 'a', confidence: 0.1 }) });
    expect(requests).toEqual([`POST /v1/projects/${id}/items`]);
    expect(JSON.parse(one.stdout)).toMatchObject({ created: true, decision: { action: 'review' } });
    expect(one.stderr).toBe('');

    const bad = await tollgate(['items', 'send', id, '--batch-size', '2'], {
      stdin: JSON.stringify([...items.slice(0, 3), { input: 'q', output: 'a', confidence: 7 }]),
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(bad.stderr).toMatch(/^tollgate: TG_VALIDATION_FAILED: item 1 rejected, batch not stored: items\[1\]\.confidence /);
    expect(bad.stderr).toContain('\n  note: items 0-1 were stored; item numbers in this error count from item 2 of the input\n');
  });

  it('lists items page by page, or all pages with --all', async () => {
    const id = await newProject();
    const items = Array.from({ length: 5 }, (_, i) => ({ input: `q${i}`, output: 'a', model: i % 2 ? 'odd' : 'even', confidence: 0.1 }));
    await tollgate(['items', 'send', id], { stdin: items.map((i) => JSON.stringify(i)).join('\n') });

    const page = await tollgate(['items', 'list', id, '--limit', '2']);
    expect(page.stdout.trimEnd().split('\n')).toHaveLength(3);
    const cursor = /--cursor (\S+)/.exec(page.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = await tollgate(['items', 'list', id, '--limit', '2', '--cursor', cursor ?? '', '--all']);
    expect(rest.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(rest.stderr).toBe('');
    expect(requests.filter((r) => r.startsWith('GET'))).toHaveLength(3);

    const odd = await tollgate(['items', 'list', id, '--model', 'odd', '--json']);
    expect(
      odd.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).model),
    ).toEqual(['odd', 'odd']);
    const none = await tollgate(['items', 'list', id, '--outcome', 'approved']);
    expect(none.stdout).toBe('no items\n');

    const badLimit = await tollgate(['items', 'list', id, '--limit', '0']);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain("option '--limit <n>' argument '0' is invalid. must be an integer from 1 to 500");
  });

  it('claims, renews, releases and judges with --scores, --score and a correction file', async () => {
    const id = await newProject();
    await tollgate(['rubric', 'set', id, path.join(dir, 'rubric.json')]);
    const item = JSON.parse(
      (
        await tollgate(['items', 'send', id, '--json'], {
          stdin: JSON.stringify({ input: 'q', output: { role: 'assistant', content: 'a' }, confidence: 0.1 }),
        })
      ).stdout,
    );
    const reviewer = await key('reviewer');

    const claimed = JSON.parse((await tollgate(['tasks', 'claim', id, '--json', '--lease-seconds', '60'], { key: reviewer })).stdout);
    expect(claimed).toMatchObject({ item: { id: item.id }, rubric: { version: 2 } });
    const taskId: string = claimed.task.id;

    const renewed = await tollgate(['tasks', 'renew', taskId, '--lease-seconds', '900'], { key: reviewer });
    expect(renewed.stdout).toMatch(new RegExp(`^task ${taskId} leased until \\S+Z\\n$`));
    const released = await tollgate(['tasks', 'release', taskId], { key: reviewer });
    expect(released.stdout).toBe(`task ${taskId} released: pending in queue default\n`);

    const again = await tollgate(['tasks', 'claim', id], { key: reviewer });
    expect(again.stdout).toContain(`task    ${taskId}\n`);
    expect(again.stdout).toContain('  tone      Tone: one of warm|neutral|curt\n');

    await writeFile(path.join(dir, 'fix.json'), JSON.stringify({ role: 'assistant', content: 'better' }));
    const judged = await tollgate(
      [
        'tasks',
        'judge',
        taskId,
        '--verdict',
        'correct',
        '--scores',
        '{"accuracy": 5, "tone": "curt"}',
        '--score',
        'accuracy=3',
        '--correction',
        `@${path.join(dir, 'fix.json')}`,
        '--json',
      ],
      { key: reviewer },
    );
    expect(judged.code).toBe(0);
    expect(JSON.parse(judged.stdout)).toMatchObject({
      judgment: { verdict: 'correct', scores: { accuracy: 3, tone: 'curt' }, correction: { role: 'assistant', content: 'better' } },
      outcome: { status: 'corrected', output: { role: 'assistant', content: 'better' } },
    });

    const outcome = await tollgate(['outcome', item.id], { key: reviewer });
    expect(outcome.stdout).toMatch(/^status {6}corrected\n(.+\n){3}output {6}assistant: better\n$/);
    const twice = await tollgate(['tasks', 'judge', taskId, '--verdict', 'approve', '--score', 'accuracy=5'], { key: reviewer });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^tollgate: TG_TASK_\w+: /);
  });

  it('backtests a candidate policy against stored items with policy backtest', async () => {
    const id = await newProject();
    await tollgate(['items', 'send', id], {
      stdin: [0.2, 0.6, 0.9].map((c, i) => JSON.stringify({ input: `q${i}`, output: 'a', confidence: c })).join('\n'),
    });
    const candidate = { rules: [{ name: 'unsure', when: { confidence: { lt: 0.7 } }, action: 'review', priority: 60 }] };
    await writeFile(path.join(dir, 'candidate.json'), JSON.stringify(candidate));
    const text = await tollgate(['policy', 'backtest', path.join(dir, 'candidate.json'), '--project', id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^3 item\(s\) from /);
    expect(text.stdout).toMatch(/candidate +2 +66\.7%/);
    expect(text.stdout).toMatch(/current +1 +33\.3%/);
    const json = JSON.parse(
      (await tollgate(['policy', 'backtest', '-', '--project', id, '--json'], { stdin: JSON.stringify(candidate) })).stdout,
    );
    expect(json.overall.candidate.routed).toBe(2);
    const bad = await tollgate(['policy', 'backtest', '-', '--project', id], { stdin: '{"rules": [{"name": "x", "action": "nope"}]}' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TG_INVALID_POLICY');
  });

  it('escalates a task to the experts, who see why', async () => {
    const id = await newProject();
    await tollgate(['items', 'send', id], { stdin: JSON.stringify({ input: 'dose?', output: '20 mg', confidence: 0.1 }) });
    const reviewer = await key('reviewer');
    const claimed = JSON.parse((await tollgate(['tasks', 'claim', id, '--json'], { key: reviewer })).stdout);
    const escalated = await tollgate(
      [
        'tasks',
        'escalate',
        claimed.task.id,
        '--reason',
        'policy_question',
        '--comment',
        'paediatric?',
        '--verdict',
        'correct',
        '--score',
        'accuracy=2',
      ],
      { key: reviewer },
    );
    expect(escalated.code, escalated.stderr).toBe(0);
    expect(escalated.stdout).toMatch(/^task \S+ escalated \(policy_question\); expert task \S+ in queue expert\n$/);
    const expert = await key('expert');
    const shown = await tollgate(['tasks', 'claim', id], { key: expert });
    expect(shown.stdout).toMatch(
      /escalated by key:\S+ \(policy_question\): paediatric\?\n {2}so far: \{"verdict":"correct","scores":\{"accuracy":2\}\}\n/,
    );
    const bad = await tollgate(['tasks', 'escalate', claimed.task.id, '--reason', 'bored'], { key: reviewer });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TG_VALIDATION_FAILED');
  });

  it('reports the backlog per queue with queues', async () => {
    const policy = {
      rules: [{ name: 'low', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 60 }],
      queues: { default: { sla: [{ seconds: 600 }], on_breach: 'raise_priority' } },
    };
    const id = (
      await tollgate(['projects', 'create', '--name', 'q', '--policy', '-', '--quiet'], { stdin: JSON.stringify(policy) })
    ).stdout.trim();
    await tollgate(['items', 'send', id], { stdin: JSON.stringify({ input: 'q', output: 'a', confidence: 0.2 }) });
    const text = await tollgate(['queues', id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^QUEUE +PENDING +CLAIMED +OLDEST +OVERDUE +BREACHED 24H +SLA\ndefault +1 +0 +\d+s +0 +0 +p>=0: 600s → raise_priority\n$/,
    );
  });

  it('publishes, shows and lists guideline versions', async () => {
    const id = await newProject();
    await writeFile(path.join(dir, 'guide.md'), '# Refunds\nApprove up to 100.\n');
    const first = await tollgate(['guidelines', 'publish', id, path.join(dir, 'guide.md'), '--note', 'first']);
    expect(first.stdout).toBe(`project ${id}: guidelines version 1 published\n`);
    const second = await tollgate(['guidelines', 'publish', id, '-', '--note', 'lower limit', '--requires-recalibration'], {
      stdin: '# Refunds\nApprove up to 50.\n',
    });
    expect(second.code, second.stderr).toBe(0);
    const shown = await tollgate(['guidelines', 'show', id]);
    expect(shown.stdout).toMatch(/^# version 2, \S+ by key:\S+: lower limit\n\n# Refunds\nApprove up to 50\.\n$/);
    const old = await tollgate(['guidelines', 'show', id, '--version', '1']);
    expect(old.stdout).toContain('Approve up to 100.');
    const versions = await tollgate(['guidelines', 'versions', id]);
    expect(versions.stdout).toMatch(/^VERSION +PUBLISHED +BY +RECALIBRATE +NOTE\n2 .* yes +lower limit\n1 .* no +first\n$/);
    const none = await tollgate(['guidelines', 'show', await newProject()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no guidelines yet');
  });

  it('lists reviewer standings, shows your own, and lets a manager override one', async () => {
    const id = await newProject();
    expect((await tollgate(['items', 'send', id], { stdin: JSON.stringify({ input: 'q', output: 'a', confidence: 0.1 }) })).code).toBe(0);
    const reviewer = await key('reviewer');
    const claimed = await tollgate(['tasks', 'claim', id, '--json'], { key: reviewer });
    expect(claimed.code, claimed.stderr).toBe(0);
    const taskId = JSON.parse(claimed.stdout).task.id as string;
    expect((await tollgate(['tasks', 'judge', taskId, '--verdict', 'approve'], { key: reviewer })).code).toBe(0);

    const mine = await tollgate(['standings', 'mine', id], { key: reviewer });
    expect(mine.stdout).toBe('active: no quality rule applies yet\n');
    const list = await tollgate(['standings', 'list', id]);
    expect(list.stdout).toMatch(
      /^REVIEWER +STATUS +SET +ROLLING GOLD +UNSEEN GOLD +REASON\nkey:\S+ +active +- +- of 0 +0 +no quality rule applies yet\n$/,
    );
    const who = JSON.parse((await tollgate(['standings', 'list', id, '--json'])).stdout).reviewer as string;

    const set = await tollgate(['standings', 'set', id, who, '--status', 'suspended', '--reason', 'left the team']);
    expect(set.stdout).toBe(`${who}: suspended\n`);
    const refused = await tollgate(['tasks', 'claim', id], { key: reviewer });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TG_REVIEWER_SUSPENDED');
    const bad = await tollgate(['standings', 'set', id, who, '--status', 'gone', '--reason', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--status must be one of');
    const forbidden = await tollgate(['standings', 'list', id], { key: reviewer });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('TG_FORBIDDEN');
  });

  it('waits for the outcome of a held item with outcome --wait', async () => {
    const policy = { rules: [{ name: 'hold-all', when: { confidence: { gte: 0 } }, action: 'hold', timeout_seconds: 600 }] };
    const run = await tollgate(['projects', 'create', '--name', 'held', '--policy', '-', '--quiet'], { stdin: JSON.stringify(policy) });
    const id = run.stdout.trim();
    const item = JSON.parse(
      (await tollgate(['items', 'send', id, '--json'], { stdin: JSON.stringify({ input: 'q', output: 'a', confidence: 0.5 }) })).stdout,
    );
    const ingest = await key('ingest');

    const pending = await tollgate(['outcome', item.id, '--wait', '1', '--json'], { key: ingest });
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout)).toMatchObject({ item_id: item.id, status: 'pending' });

    const reviewer = await key('reviewer');
    const waiting = tollgate(['outcome', item.id, '--wait', '30'], { key: ingest });
    const claimed = JSON.parse((await tollgate(['tasks', 'claim', id, '--json'], { key: reviewer })).stdout);
    await tollgate(['tasks', 'judge', claimed.task.id, '--verdict', 'reject'], { key: reviewer });
    const decided = await waiting;
    expect(decided.code).toBe(0);
    expect(decided.stdout).toMatch(/^status {6}rejected\n/);
  });
});
