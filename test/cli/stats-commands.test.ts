import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerStatsCommands } from '../../src/cli/commands/stats-commands.js';
import { runCli, type CliRun } from '../support/cli-run.js';
import { CLI_MAIN, ROOT_DIR } from '../support/server-process.js';

/*
 * The offline statistics commands, in this process for breadth; one run through the real
 * binary proves the exit status and streams a script sees.
 */

function tollgate(args: string[], stdin?: string): Promise<CliRun> {
  return runCli(registerStatsCommands, args, stdin === undefined ? {} : { stdin });
}

const _ = null;
// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: published
// nominal α = 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
const K2011: (number | null)[][] = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];
const K2011_CSV = ['unit,rater,value', ...K2011.flatMap((row, r) => row.map((v, u) => `u${u + 1},${'ABCD'[r]},${v ?? ''}`))].join('\n');

// Cohen's kappa, the 50 grant proposals of the Wikipedia "Cohen's kappa" example: both yes 20,
// A yes / B no 5, A no / B yes 10, both no 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
const COHEN_CSV = [
  'unit,rater,value',
  ...Array.from({ length: 50 }, (_, i) => {
    const [a, b] = i < 20 ? ['yes', 'yes'] : i < 25 ? ['yes', 'no'] : i < 35 ? ['no', 'yes'] : ['no', 'no'];
    return `p${i},A,${a}\np${i},B,${b}`;
  }),
].join('\n');

// One scratch folder for every test file this module writes.
let dir: string;
const file = async (name: string, text: string) => {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
};
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-stats-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tollgate agreement', () => {
  it.each([
    ['nominal', 0.743],
    ['ordinal', 0.815],
    ['interval', 0.849],
    ['ratio', 0.797],
  ])('reproduces Krippendorff (2011) at the %s level', async (level, published) => {
    const run = await tollgate(['agreement', await file('k.csv', K2011_CSV), '--metric', 'krippendorff', '--level', level]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ metric: 'krippendorff', level, units: 11, raters: 4, pairable_values: 40 });
    expect(out.value).toBeCloseTo(published, 3);
  });

  it('adds a seeded bootstrap interval: same seed, same interval', async () => {
    const f = await file('k.csv', K2011_CSV);
    const args = ['agreement', f, '--metric', 'krippendorff', '--level', 'interval', '--bootstrap', '500', '--seed', '9'];
    const a = JSON.parse((await tollgate(args)).stdout);
    const b = JSON.parse((await tollgate(args)).stdout);
    expect(a).toEqual(b);
    expect(a.ci_low).toBeLessThan(a.value);
    expect(a.ci_high).toBeGreaterThan(a.value);
    expect(a.ci_high).toBeLessThanOrEqual(1);
    expect(a.bootstrap_samples).toBe(500);
    const other = JSON.parse((await tollgate([...args.slice(0, -1), '10'])).stdout);
    expect(other.ci_low).not.toBe(a.ci_low);
  });

  it('computes Cohen’s kappa, percent agreement and Fleiss’ kappa from the same file format', async () => {
    const f = await file('cohen.csv', COHEN_CSV);
    const cohen = JSON.parse((await tollgate(['agreement', f, '--metric', 'cohen'])).stdout);
    expect(cohen).toMatchObject({ metric: 'cohen', units: 50, raters: 2, rater_ids: ['A', 'B'], weights: 'none' });
    expect(cohen.value).toBeCloseTo(0.4, 10);
    const percent = JSON.parse((await tollgate(['agreement', f, '--metric', 'percent', '--bootstrap', '200'])).stdout);
    // Resamples that happen to hold one rater's units only are skipped, not fatal.
    const sparse = await file('sparse.csv', 'unit,rater,value\nu1,A,y\nu1,B,y\nu2,A,n\nu2,B,y\nu3,A,y\nu4,B,n\nu5,A,n\nu5,B,n\n');
    const boot = await tollgate(['agreement', sparse, '--metric', 'cohen', '--bootstrap', '300']);
    expect(boot.code, boot.stderr).toBe(0);
    expect(JSON.parse(boot.stdout).skipped_samples).toBeGreaterThan(0);
    // The interval does not depend on row order.
    const reversed = await file('rev.csv', ['unit,rater,value', ...COHEN_CSV.split('\n').slice(1).reverse()].join('\n'));
    const a = JSON.parse((await tollgate(['agreement', f, '--metric', 'percent', '--bootstrap', '100'])).stdout);
    const b = JSON.parse((await tollgate(['agreement', reversed, '--metric', 'percent', '--bootstrap', '100'])).stdout);
    expect([b.ci_low, b.ci_high]).toEqual([a.ci_low, a.ci_high]);
    expect(percent.value).toBeCloseTo(0.7, 10);
    expect(percent.ci_low).toBeLessThan(0.7);
    const fleiss = JSON.parse((await tollgate(['agreement', f, '--metric', 'fleiss'])).stdout);
    expect(fleiss).toMatchObject({ metric: 'fleiss', units: 50, raters: 2 });
    expect(fleiss.per_category).toHaveLength(2);
  });

  it('reads the file from stdin with -', async () => {
    const run = await tollgate(['agreement', '-', '--metric', 'cohen'], COHEN_CSV);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).value).toBeCloseTo(0.4, 10);
  });

  it.each([
    ['no header', 'u1,A,1\nu1,B,2\n', ['--metric', 'percent'], /header row must name "unit", "rater", "value"/],
    ['empty file', '', ['--metric', 'percent'], /empty file/],
    ['Cohen with four raters', K2011_CSV, ['--metric', 'cohen'], /exactly two raters/],
    [
      'text at interval level',
      'unit,rater,value\nu1,A,good\nu1,B,bad\nu2,A,good\nu2,B,good\n',
      ['--metric', 'krippendorff', '--level', 'interval'],
      /good/,
    ],
    ['unequal counts for Fleiss', K2011_CSV, ['--metric', 'fleiss'], /u1/],
    ['one category only', 'unit,rater,value\nu1,A,x\nu1,B,x\nu2,A,x\nu2,B,x\n', ['--metric', 'krippendorff'], /variation|undefined/i],
    ['a rater twice on a unit', 'unit,rater,value\nu1,A,1\nu1,A,2\n', ['--metric', 'percent'], /more than once/],
  ])('refuses %s with a message and exit 2', async (_name, text, args, message) => {
    const run = await tollgate(['agreement', await file('bad.csv', text), ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('refuses a missing file with exit 2', async () => {
    const run = await tollgate(['agreement', path.join(dir, 'nope.csv'), '--metric', 'percent']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no such file');
  });

  it('through the real binary: JSON on stdout, exit 0; a bad file exits 2 with the reason on stderr', async () => {
    const good = await file('k.csv', K2011_CSV);
    const bad = await file('bad.csv', 'who,what\n1,2\n');
    const run = (args: string[]) =>
      new Promise<CliRun>((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { cwd: ROOT_DIR }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const [ok, failed] = await Promise.all([
      run(['agreement', good, '--metric', 'krippendorff', '--level', 'ordinal']),
      run(['agreement', bad, '--metric', 'krippendorff']),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).value).toBeCloseTo(0.815, 3);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^tollgate: .*bad\.csv: the header row must name/);
  }, 60_000);
});

describe('tollgate reviewers, aggregate, drift, error-rate', () => {
  const JUDGMENTS = [
    'unit,rater,value',
    'i1,ann,ok',
    'i1,bob,ok',
    'i1,cid,bad',
    'i2,ann,bad',
    'i2,bob,bad',
    'i2,cid,bad',
    'i3,ann,ok',
    'i3,bob,bad',
    'i3,cid,bad',
  ].join('\n');

  it('rates reviewers against their peers and against gold answers', async () => {
    const run = await tollgate([
      'reviewers',
      await file('j.csv', JUDGMENTS),
      '--gold',
      await file('g.csv', 'unit,value\ni1,ok\ni2,bad\ni3,ok\n'),
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    const ann = out.gold.reviewers.find((r: { reviewer: string }) => r.reviewer === 'ann');
    expect(ann).toMatchObject({ correct: 3, total: 3, accuracy: 1 });
    expect(ann.interval.high).toBe(1);
    const cid = out.agreement_with_peers.find((r: { reviewer: string }) => r.reviewer === 'cid');
    // i1: others ok/ok → cid "bad" disagrees; i2: bad/bad → agrees; i3: ok/bad tie → skipped.
    expect(cid).toMatchObject({ agreed: 1, compared: 2, skipped_ties: 1 });
  });

  it('types gold answers together with the judgments', async () => {
    const judgments = await file('jn.csv', 'unit,rater,value\ni1,ann,1\ni2,ann,2\ni3,ann,x\n');
    const out = JSON.parse((await tollgate(['reviewers', judgments, '--gold', await file('gn.csv', 'unit,value\ni1,1\ni2,2\n')])).stdout);
    expect(out.gold.reviewers[0]).toMatchObject({ reviewer: 'ann', correct: 2, total: 2 });
  });

  it('aggregates labels by majority and by Dawid–Skene', async () => {
    const f = await file('j.csv', JUDGMENTS);
    const majority = JSON.parse((await tollgate(['aggregate', f])).stdout);
    expect(majority.items.map((i: { item: string; label: string }) => [i.item, i.label])).toEqual([
      ['i1', 'ok'],
      ['i2', 'bad'],
      ['i3', 'bad'],
    ]);
    const ds = JSON.parse((await tollgate(['aggregate', f, '--method', 'dawid-skene'])).stdout);
    expect(ds.items).toHaveLength(3);
    expect(ds.reviewers.map((r: { reviewer: string }) => r.reviewer)).toEqual(['ann', 'bob', 'cid']);
  });

  it('compares two samples for drift', async () => {
    const ref = await file('ref.csv', ['value', ...Array.from({ length: 200 }, (_, i) => String(i % 50))].join('\n'));
    const same = await file('same.csv', ['value', ...Array.from({ length: 200 }, (_, i) => String((i * 7) % 50))].join('\n'));
    const shifted = await file('shift.csv', ['value', ...Array.from({ length: 200 }, (_, i) => String((i % 50) + 25))].join('\n'));
    const ks = JSON.parse((await tollgate(['drift', ref, shifted, '--metric', 'ks'])).stdout);
    expect(ks.statistic).toBeCloseTo(0.5, 10);
    expect(ks.p_value).toBeLessThan(1e-6);
    const psiSame = JSON.parse((await tollgate(['drift', ref, same, '--metric', 'psi'])).stdout);
    expect(psiSame.value).toBeCloseTo(0, 10);
    const psiShift = JSON.parse((await tollgate(['drift', ref, shifted, '--metric', 'psi', '--bins', '5'])).stdout);
    expect(psiShift.reading).toBe('significant');
    const labels = await file('labels.csv', 'value\na\na\nb\n');
    const js = JSON.parse((await tollgate(['drift', labels, labels, '--metric', 'js'])).stdout);
    expect(js.distance).toBe(0);
    const chi = JSON.parse(
      (await tollgate(['drift', labels, await file('l2.csv', 'value\nb\nb\nb\na\n'), '--metric', 'chi-square'])).stdout,
    );
    expect(chi.df).toBe(1);
    // The two files are typed as one column: "1" is the same category on both sides.
    const mixed = JSON.parse(
      (await tollgate(['drift', await file('n.csv', 'value\n1\n2\n2\n3\n'), await file('x.csv', 'value\n1\n2\n2\nx\n'), '--metric', 'js']))
        .stdout,
    );
    expect(mixed.distance).toBeGreaterThan(0);
    expect(mixed.distance).toBeLessThan(1);
    const bad = await tollgate(['drift', labels, shifted, '--metric', 'ks']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('needs numbers');
  });

  it('estimates the error rate of all items from the reviewed ones', async () => {
    const rows = [
      'review_probability,reviewed,error',
      '1,true,true',
      '1,true,false',
      '0.5,true,false',
      '0.5,true,true',
      '0.5,false,',
      '0.5,false,',
    ];
    const out = JSON.parse((await tollgate(['error-rate', await file('e.csv', rows.join('\n'))])).stdout);
    // HT: (1/1 + 1/0.5) / 6 covered items = 0.5; naive: 2 errors / 4 reviewed.
    expect(out.horvitz_thompson.rate).toBeCloseTo(0.5, 12);
    expect(out.naive.rate).toBeCloseTo(0.5, 12);
    expect(out.population).toBe(6);
    const bad = await tollgate(['error-rate', await file('e2.csv', 'review_probability,reviewed,error\n2,maybe,\n')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/reviewed must be true or false/);
  });
});
