import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure, parseMonitorSetFile, registerMonitoringCommands } from '../../src/cli/commands/monitoring-commands.js';
import { TollgateClient } from '../../src/cli/http-client.js';
import { createRandom } from '../../src/core/stats/random.js';
import type { RunningServer } from '../../src/server.js';
import { runCli, startLocalServer, type CliRun, type LocalServer } from '../support/cli-run.js';

const ERRORS = { name: 'errors', kind: 'error_rate', detector: 'cusum', baseline_rate: 0.05, detect_rate: 0.1 };
const TOPICS = { name: 'topic-mix', kind: 'drift', field: 'metadata.topic', test: 'chi_square', segment: { field: 'model', value: 'm2' } };

/** Splits a table the CLI printed into its cells (columns are two or more spaces apart). */
const cells = (text: string): string[][] =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));

describe('monitor set files', () => {
  it('takes {"monitors": [...]} or a bare array, and names what else it got', () => {
    expect(parseMonitorSetFile('[{"name": "a"}]', 'f.json')).toEqual({ monitors: [{ name: 'a' }] });
    expect(parseMonitorSetFile('{"monitors": []}', 'f.json')).toEqual({ monitors: [] });
    expect(() => parseMonitorSetFile('{"evaluators": []}', 'f.json')).toThrow(
      'f.json: expected {"monitors": [...]} or an array of monitors',
    );
    expect(() => parseMonitorSetFile('{', 'f.json')).toThrow(/^f\.json: not valid JSON/);
  });

  it('prints statistics with four significant digits, tiny ones in exponent form', () => {
    expect(figure(0.5)).toBe('0.5');
    expect(figure(2.773456)).toBe('2.773');
    expect(figure(3.2e-9)).toBe('3.20e-9');
    expect(figure(0)).toBe('0');
    expect(figure(null)).toBe('-');
  });
});

describe('monitoring commands against a running server', () => {
  let local: LocalServer;
  let dir: string;
  let server: RunningServer;
  let admin: string;

  const client = () => new TollgateClient({ baseUrl: server.url, key: admin });
  const tollgate = (args: string[], opts: { stdin?: string } = {}): Promise<CliRun> =>
    runCli(registerMonitoringCommands, args, { url: server.url, key: admin, ...opts });
  const file = async (name: string, value: unknown) => {
    const p = path.join(dir, name);
    await writeFile(p, typeof value === 'string' ? value : JSON.stringify(value));
    return p;
  };
  const newProject = async () => (await client().createProject({ name: 'monitored', policy: { rules: [] } })).id;

  beforeAll(async () => {
    // The scheduler's first pass runs at start, before any monitor exists; an hour between passes
    // keeps it from running monitors behind the test's back, so `monitors run` is what acts.
    local = await startLocalServer({ TOLLGATE_SWEEP_INTERVAL_MS: '3600000' });
    ({ dir, server, admin } = local);
  });
  afterAll(async () => {
    await local?.close();
  });

  it('saves a set as a new version, then reports the same set as unchanged', async () => {
    const id = await newProject();
    const set = await file('set.json', { monitors: [ERRORS] });
    const first = await tollgate(['monitors', 'set', id, '--file', set]);
    expect(first).toEqual({ code: 0, stdout: `project ${id}: monitors version 1 saved, new (errors)\n`, stderr: '' });
    const again = await tollgate(['monitors', 'set', id, '--file', set]);
    expect(again).toEqual({ code: 0, stdout: `project ${id}: monitors unchanged, still version 1 (errors)\n`, stderr: '' });

    // A bare array is a set too, here from stdin.
    const bare = await tollgate(['monitors', 'set', id, '--file', '-', '--json'], { stdin: JSON.stringify([ERRORS, TOPICS]) });
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ version: 2, created: true, monitors: [{ name: 'errors' }, { name: 'topic-mix' }] });
  });

  it('prints every problem of a set the server refuses as path: message, and exits non-zero', async () => {
    const id = await newProject();
    const bad = await file('bad.json', {
      monitors: [
        { name: 'Bad', kind: 'drift', field: 'confidence', test: 'chi_square' },
        { name: 'errors', kind: 'error_rate', baseline_rate: 0.2, detect_rate: 0.1 },
      ],
    });
    const run = await tollgate(['monitors', 'set', id, '--file', bad]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const [first, ...problems] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^tollgate: TG_INVALID_MONITORS: /);
    for (const line of problems) expect(line).toMatch(/^ {2}monitors\[[01]\]\.\S+: \S/);
    expect(problems.some((l) => l.startsWith('  monitors[0].name: '))).toBe(true);
    expect(problems.some((l) => l.startsWith('  monitors[0].test: '))).toBe(true);
    expect(problems).toContain('  monitors[1].detect_rate: must be above baseline_rate');
    // Nothing was saved.
    expect((await tollgate(['monitors', 'show', id])).stdout).toBe(`project ${id} has no monitors yet\n`);

    const notASet = await tollgate(['monitors', 'set', id, '--file', await file('not-a-set.json', { rules: [] })]);
    expect(notASet.code).toBe(1);
    expect(notASet.stderr).toContain('expected {"monitors": [...]} or an array of monitors');
  });

  it('shows a set: every monitor with its defaults filled in', async () => {
    const id = await newProject();
    const shift = {
      name: 'confidence-de',
      kind: 'drift',
      field: 'confidence',
      test: 'ks',
      reference: { type: 'rolling', days: 7, gap_days: 2 },
      segment: { field: 'metadata.locale', value: 'de' },
      boost: { sample_rate: 0.2, hours: 12 },
    };
    const fixed = {
      name: 'length',
      kind: 'drift',
      field: 'output.length',
      reference: { type: 'fixed', since: '2025-01-01T00:00:00Z', until: '2025-01-08T00:00:00+00:00' },
      current_hours: 6,
    };
    await tollgate(['monitors', 'set', id, '--file', await file('show.json', [shift, fixed, ERRORS])]);

    const shown = await tollgate(['monitors', 'show', id]);
    expect(shown.code, shown.stderr).toBe(0);
    const [title, ...table] = shown.stdout.split('\n');
    expect(title).toMatch(/^# version 1, \S+Z by key:/);
    expect(cells(table.join('\n'))).toEqual([
      ['NAME', 'KIND', 'FIELD/DETECTOR', 'TEST', 'THRESHOLD', 'WINDOWS', 'SEGMENT', 'BOOST'],
      ['confidence-de', 'drift', 'confidence', 'ks', '0.01', 'last 24h vs 7d before (gap 2d)', 'metadata.locale=de', '0.2 for 12h'],
      ['length', 'drift', 'output.length', 'psi', '0.25', 'last 6h vs 2025-01-01T00:00:00Z to 2025-01-08T00:00:00Z', '-', '-'],
      // The server fills in the CUSUM threshold: h = 2.77 for p0 = 0.05, p1 = 0.10 (docs/monitoring.md).
      ['errors', 'error_rate', 'cusum (0.05 to 0.1)', '-', expect.stringMatching(/^2\.77/), '-', '-', '-'],
    ]);
    const raw = JSON.parse((await tollgate(['monitors', 'show', id, '--json'])).stdout) as { monitors: Record<string, unknown>[] };
    expect(raw.monitors[1]).toMatchObject({ value_type: 'numeric', min_samples: 100, threshold: 0.25 });
    const missing = await tollgate(['monitors', 'show', 'no-such-project']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tollgate: TG_\w+: /);
  });

  describe('a drift the monitors catch', () => {
    let id: string;
    let runs: CliRun;

    beforeAll(async () => {
      id = await newProject();
      const rng = createRandom('monitoring-cli');
      const confidences = (low: number) => Array.from({ length: 60 }, () => low + 0.3 * rng.nextFloat());
      const capture = (values: number[]) =>
        client().captureBatch(
          id,
          values.map((confidence, i) => ({ input: `question ${i}`, output: `answer ${i}`, confidence, model: 'm1' })),
        );
      // The server's clock is real: the reference window is fixed around the first batch, and the
      // current window (the last hour) holds both batches.
      const start = new Date(Date.now() - 1000).toISOString();
      await capture(confidences(0.2));
      await sleep(20);
      const middle = new Date().toISOString();
      await sleep(20);
      await capture(confidences(0.6));
      const drift = (name: string) => ({
        name,
        kind: 'drift',
        field: 'confidence',
        test: 'ks',
        min_samples: 50,
        reference: { type: 'fixed', since: start, until: middle },
        current_hours: 1,
      });
      const set = [
        drift('confidence'),
        { ...drift('confidence-boosted'), boost: { sample_rate: 0.5, hours: 2 } },
        // No item has this model: too few values for a verdict.
        { ...drift('confidence-m2'), segment: { field: 'model', value: 'm2' } },
        ERRORS,
      ];
      const saved = await tollgate(['monitors', 'set', id, '--file', await file('drift.json', set)]);
      expect(saved.code, saved.stderr).toBe(0);
      runs = await tollgate(['monitors', 'run', id]);
    });

    const alertIdOf = async (monitor: string): Promise<string> => {
      const listed = await tollgate(['alerts', 'list', id, '--json']);
      const alert = listed.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; monitor: string })
        .find((a) => a.monitor === monitor);
      if (alert === undefined) throw new Error(`no alert for ${monitor}`);
      return alert.id;
    };

    it('runs the monitors: one line each, with the alert it opened and the evidence', async () => {
      expect(runs.code, runs.stderr).toBe(0);
      const rows = cells(runs.stdout);
      expect(rows[0]).toEqual(['MONITOR', 'STATUS', 'ALERT', 'EVIDENCE']);
      const [confidence, boosted, m2, errors] = rows.slice(1);
      expect(confidence?.slice(0, 2)).toEqual(['confidence', 'drift']);
      expect(confidence?.[2]).toMatch(/^\S+ \(opened\)$/);
      // Every reference value is below 0.5 and half the current window's are above 0.6, so the
      // largest gap between the two empirical CDFs is at 0.5: 60/60 − 60/120 = 0.5.
      expect(confidence?.[3]).toMatch(/^ks statistic 0\.5, p-value \S+, threshold 0\.01 \(n 60 vs 120\)$/);
      expect(boosted?.slice(0, 2)).toEqual(['confidence-boosted', 'drift']);
      expect(m2?.slice(0, 3)).toEqual(['confidence-m2', 'insufficient', '-']);
      expect(m2?.[3]).toBe('reference has 0 values and current 0; at least 50 in each are needed for a verdict');
      // A new error-rate monitor watches outcomes decided from now on: none yet.
      expect(errors?.slice(0, 3)).toEqual(['errors', 'ok', '-']);
      expect(errors?.[3]).toMatch(/^statistic 0, threshold 2\.77\d*, error rate this pass - \(0 read\)$/);

      // The p-value printed is the server's, in four significant digits.
      const json = (await tollgate(['monitors', 'run', id, '--json'])).stdout.trimEnd().split('\n');
      const first = JSON.parse(json[0]!) as { opened: boolean; alert_id: string; evidence: { p_value: number; statistic: number } };
      expect(first.evidence.statistic).toBe(0.5);
      expect(first.evidence.p_value).toBeLessThan(0.01);
      expect(confidence?.[3]).toContain(`p-value ${figure(first.evidence.p_value)},`);
      // The second run adds to the same alert instead of opening another.
      expect(first.opened).toBe(false);
      expect(confidence?.[2]).toBe(`${first.alert_id} (opened)`);
      const again = cells((await tollgate(['monitors', 'run', id])).stdout);
      expect(again[1]?.[2]).toBe(`${first.alert_id} (updated)`);
    });

    it('lists the open alerts, and takes one through acknowledged to resolved', async () => {
      const listed = await tollgate(['alerts', 'list', id, '--status', 'open']);
      expect(listed.code, listed.stderr).toBe(0);
      const rows = cells(listed.stdout);
      expect(rows[0]).toEqual(['ID', 'MONITOR', 'KIND', 'STATUS', 'OPENED', 'LAST SEEN', 'OCCURRENCES']);
      expect(rows.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual(
        expect.arrayContaining([
          ['confidence', 'drift', 'open'],
          ['confidence-boosted', 'drift', 'open'],
        ]),
      );
      expect(rows).toHaveLength(3);
      expect(rows.slice(1).every((r) => /Z$/.test(r[4] ?? '') && /Z$/.test(r[5] ?? '') && Number(r[6]) >= 1)).toBe(true);
      expect((await tollgate(['alerts', 'list', id, '--limit', '1', '--json'])).stdout.trimEnd().split('\n')).toHaveLength(1);

      const alertId = await alertIdOf('confidence');
      const acked = await tollgate(['alerts', 'ack', alertId, '--note', 'looking']);
      expect(acked).toEqual({ code: 0, stdout: `alert ${alertId} (confidence) acknowledged: looking\n`, stderr: '' });
      expect(cells((await tollgate(['alerts', 'list', id, '--status', 'acknowledged'])).stdout).slice(1)).toEqual([
        [alertId, 'confidence', 'drift', 'acknowledged', expect.any(String), expect.any(String), expect.any(String)],
      ]);

      const resolved = await tollgate(['alerts', 'resolve', alertId, '--note', 'new model', '--json']);
      expect(resolved.code, resolved.stderr).toBe(0);
      expect(JSON.parse(resolved.stdout)).toMatchObject({ id: alertId, status: 'resolved', note: 'new model' });
      expect((await tollgate(['alerts', 'list', id, '--status', 'resolved'])).stdout).toContain(alertId);

      const twice = await tollgate(['alerts', 'resolve', alertId]);
      expect(twice.code).not.toBe(0);
      expect(twice.stdout).toBe('');
      expect(twice.stderr).toBe(`tollgate: TG_CONFLICT: alert ${alertId} is already resolved\n`);
      const badStatus = await tollgate(['alerts', 'list', id, '--status', 'closed']);
      expect(badStatus.code).not.toBe(0);
    });

    it('shows an alert with its evidence and boosts, and ends the boost by hand', async () => {
      const alertId = await alertIdOf('confidence-boosted');
      const shown = await tollgate(['alerts', 'show', alertId]);
      expect(shown.code, shown.stderr).toBe(0);
      const lines = shown.stdout.split('\n');
      expect(lines.slice(0, 4)).toEqual([
        `alert        ${alertId}`,
        `project      ${id}`,
        'monitor      confidence-boosted (drift)',
        'status       open',
      ]);
      // The evidence pretty-printed, two spaces in.
      const evidence = shown.stdout.slice(shown.stdout.indexOf('evidence:\n') + 10, shown.stdout.indexOf('\n\nboosts:'));
      expect(JSON.parse(evidence)).toMatchObject({ field: 'confidence', test: 'ks', statistic: 0.5, reference_n: 60, current_n: 120 });
      expect(evidence).toMatch(/^ {2}\{\n {4}"field": "confidence",/);
      const boostRows = cells(shown.stdout.slice(shown.stdout.indexOf('boosts:\n') + 8));
      expect(boostRows[0]).toEqual(['ID', 'MONITOR', 'SEGMENT', 'RATE', 'STARTS', 'ENDS', 'ALERT', 'STATE']);
      expect(boostRows).toHaveLength(2);
      const boostId = boostRows[1]![0]!;
      expect(boostRows[1]?.slice(1, 4)).toEqual(['confidence-boosted', '-', '0.5']);
      expect(boostRows[1]?.slice(6)).toEqual([alertId, 'in force']);

      const listed = cells((await tollgate(['boosts', 'list', id])).stdout);
      expect(listed.slice(1).map((r) => [r[0], r[1], r[7]])).toEqual([[boostId, 'confidence-boosted', 'in force']]);

      const ended = await tollgate(['boosts', 'end', boostId]);
      expect(ended).toEqual({ code: 0, stdout: `boost ${boostId} (confidence-boosted) ended\n`, stderr: '' });
      const after = cells((await tollgate(['boosts', 'list', id])).stdout);
      expect(after[1]?.[7]).toMatch(/^ended \S+Z by key:/);
      const again = await tollgate(['boosts', 'end', boostId]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/^tollgate: TG_CONFLICT: /);
      // Ending the boost leaves its alert open.
      expect(
        (JSON.parse((await tollgate(['alerts', 'show', alertId, '--json'])).stdout) as { alert: { status: string } }).alert.status,
      ).toBe('open');
    });
  });

  it('says so when there is nothing to list', async () => {
    const id = await newProject();
    expect((await tollgate(['alerts', 'list', id])).stdout).toBe('no alerts\n');
    expect((await tollgate(['boosts', 'list', id])).stdout).toBe('no boosts\n');
    expect((await tollgate(['monitors', 'run', id])).stdout).toBe(`project ${id} has no monitors to run\n`);
  });
});
