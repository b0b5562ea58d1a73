import { InvalidArgumentError, Option, type Command } from 'commander';
import { isTollgateError } from '../../core/errors.js';
import { snakeCaseKeys } from '../../core/json.js';
import {
  bootstrapByUnits,
  chiSquareHomogeneity,
  cohenKappa,
  dawidSkene,
  fleissKappa,
  ipwErrorRate,
  jensenShannonFromLabels,
  krippendorffAlpha,
  krippendorffAlphaBootstrap,
  ksTwoSample,
  majorityVote,
  percentAgreement,
  psi,
  psiFromCounts,
  reviewerAccuracy,
  reviewerAgreement,
  weightedVote,
  type KappaWeights,
  type KrippendorffLevel,
  type LabelJudgment,
  type Rating,
  type RatingValue,
  type RoutedItem,
  type TieRule,
} from '../../core/stats/index.js';
import { CliError } from '../cli-error.js';
import { readText } from '../input-files.js';
import { badInput, parseCsvTable, ratingRowsFromCsv, ratingsFromCsv, typedTogether, typedValues } from '../csv-tables.js';
import { processIo, type CliIo } from './client-options.js';
import { intArg } from './option-parsers.js';

type Metric = 'percent' | 'cohen' | 'fleiss' | 'krippendorff';

interface AgreementOptions {
  metric: Metric;
  level: KrippendorffLevel;
  weights?: KappaWeights;
  categories?: RatingValue[];
  bootstrap?: number;
  seed: string;
  ciLevel: number;
}

function levelArg(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number strictly between 0 and 1, e.g. 0.95');
  return n;
}

/** `--categories low,mid,high`: the order of ordinal categories; numbers stay numbers, as in the file. */
function categoriesArg(value: string): RatingValue[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new InvalidArgumentError('expected a comma-separated list such as low,mid,high');
  return typedValues(parts).map((v) => v ?? '');
}

/** Statistics errors on the user's data are input errors: exit 2 with the module's own message. */
function asInputError(err: unknown, source: string): unknown {
  if (isTollgateError(err) && (err.code === 'TG_STATS_INVALID_INPUT' || err.code === 'TG_STATS_UNDEFINED')) {
    return badInput(`${source}: ${err.message}`);
  }
  return err;
}

function agreementReport(ratings: Rating[], o: AgreementOptions): Record<string, unknown> {
  const boot = o.bootstrap === undefined ? undefined : { samples: o.bootstrap, seed: o.seed, level: o.ciLevel };
  const interval = (statistic: (r: Rating[]) => number): Record<string, unknown> => {
    if (boot === undefined) return {};
    const ci = bootstrapByUnits(ratings, statistic, boot);
    return { ...ci, bootstrapSamples: ci.samples, samples: undefined };
  };
  switch (o.metric) {
    case 'percent': {
      const r = percentAgreement(ratings);
      return { metric: 'percent', ...r, ...interval((s) => percentAgreement(s).value) };
    }
    case 'cohen': {
      const options = {
        ...(o.weights === undefined ? {} : { weights: o.weights }),
        ...(o.categories === undefined ? {} : { categories: o.categories }),
      };
      const r = cohenKappa(ratings, options);
      return {
        metric: 'cohen',
        ...r,
        weights: o.weights ?? 'none',
        raters: 2,
        raterIds: r.raters,
        ...interval((s) => cohenKappa(s, options).value),
      };
    }
    case 'fleiss': {
      const r = fleissKappa(ratings);
      return { metric: 'fleiss', ...r, ...interval((s) => fleissKappa(s).value) };
    }
    case 'krippendorff': {
      const options = { level: o.level, ...(o.categories === undefined ? {} : { categories: o.categories }) };
      if (boot === undefined) return { metric: 'krippendorff', ...krippendorffAlpha(ratings, options) };
      const r = krippendorffAlphaBootstrap(ratings, options, boot);
      return { metric: 'krippendorff', ...r, samples: undefined, bootstrapSamples: r.samples };
    }
  }
}

/** One JSON object on stdout, keys in snake_case like the HTTP API. */
const printJson = (io: CliIo, value: unknown): void => io.out(`${JSON.stringify(snakeCaseKeys(value), null, 2)}\n`);

interface JudgmentsAndGold {
  judgments: LabelJudgment[];
  gold: Map<string, RatingValue> | undefined;
}

/** Judgments (`unit,rater,value`) and optional gold answers (`unit,value`), their values typed together. */
function judgmentsAndGold(text: string, source: string, gold?: { text: string; source: string }): JudgmentsAndGold {
  const rows = ratingRowsFromCsv(text, source);
  const goldRows = gold === undefined ? [] : parseCsvTable(gold.text, gold.source, ['unit', 'value']);
  const [values = [], goldValues = []] = typedTogether([rows.map((r) => r.raw), goldRows.map((r) => r.cells.value ?? '')]);
  const judgments = rows.flatMap((r, i) => {
    const label = values[i];
    return label === null || label === undefined ? [] : [{ item: r.unit, reviewer: r.rater, label }];
  });
  if (gold === undefined) return { judgments, gold: undefined };
  const answers = new Map<string, RatingValue>();
  goldRows.forEach((r, i) => {
    const value = goldValues[i];
    const unit = r.cells.unit ?? '';
    if (value === null || value === undefined) throw badInput(`${gold.source}:${r.line}: empty gold value for unit "${unit}"`);
    if (answers.has(unit)) throw badInput(`${gold.source}:${r.line}: unit "${unit}" has two gold answers`);
    answers.set(unit, value);
  });
  return { judgments, gold: answers };
}

/** A file the statistics cannot read is bad input like any other: exit 2, as documented. */
async function readInput(file: string, io: CliIo): Promise<string> {
  try {
    return await readText(file, io.stdin);
  } catch (err) {
    if (err instanceof CliError) throw badInput(err.message);
    throw err;
  }
}

/** Two one-column samples (header `value`) typed together; empty cells are skipped as missing. */
function samplesFromCsv(files: { text: string; source: string }[]): RatingValue[][] {
  const raw = files.map((f) => parseCsvTable(f.text, f.source, ['value']).map((r) => r.cells.value ?? ''));
  return typedTogether(raw).map((column) => column.filter((v): v is RatingValue => v !== null));
}

function numbersOnly(sample: RatingValue[], source: string, metric: string): number[] {
  const bad = sample.find((v) => typeof v !== 'number');
  if (bad !== undefined) throw badInput(`${source}: --metric ${metric} needs numbers, got "${String(bad)}"`);
  return sample as number[];
}

function labelCounts(sample: readonly RatingValue[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of sample) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}

type DriftMetric = 'psi' | 'ks' | 'js' | 'chi-square';

function driftReport(metric: DriftMetric, ref: RatingValue[], cur: RatingValue[], files: [string, string], bins: number | undefined) {
  const numeric = ref.every((v) => typeof v === 'number') && cur.every((v) => typeof v === 'number');
  switch (metric) {
    case 'psi':
      // Numbers are binned by the reference's quantiles; labels are their own bins.
      return numeric ? psi(ref, cur, bins === undefined ? {} : { bins }) : psiFromCounts(labelCounts(ref), labelCounts(cur));
    case 'ks':
      return ksTwoSample(numbersOnly(ref, files[0], 'ks'), numbersOnly(cur, files[1], 'ks'));
    case 'js':
      return jensenShannonFromLabels(ref, cur);
    case 'chi-square':
      return chiSquareHomogeneity(labelCounts(ref), labelCounts(cur));
  }
}

const BOOLEAN: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** Items for the error-rate estimate: `review_probability,reviewed,error`, one item a row. */
function routedItemsFromCsv(text: string, source: string): RoutedItem[] {
  return parseCsvTable(text, source, ['review_probability', 'reviewed', 'error']).map(({ line, cells }) => {
    const p = Number(cells.review_probability);
    if (cells.review_probability === '' || !Number.isFinite(p))
      throw badInput(`${source}:${line}: review_probability must be a number in [0, 1]`);
    const reviewed = BOOLEAN[(cells.reviewed ?? '').toLowerCase()];
    if (reviewed === undefined) throw badInput(`${source}:${line}: reviewed must be true or false`);
    const errorCell = (cells.error ?? '').toLowerCase();
    const error = errorCell === '' ? undefined : BOOLEAN[errorCell];
    if (errorCell !== '' && error === undefined) throw badInput(`${source}:${line}: error must be true, false or empty`);
    return { reviewProbability: p, reviewed, ...(error === undefined ? {} : { error }) };
  });
}

/** Offline statistics over CSV files: no server, no store. */
export function registerStatsCommands(program: Command, io: CliIo = processIo): void {
  program
    .command('agreement <file>')
    .description('Inter-rater agreement of a CSV file with the header unit,rater,value (one rating a row; an empty value is missing)')
    .addOption(
      new Option('--metric <metric>', 'agreement measure').choices(['percent', 'cohen', 'fleiss', 'krippendorff']).makeOptionMandatory(),
    )
    .addOption(
      new Option('--level <level>', 'Krippendorff: level of measurement')
        .choices(['nominal', 'ordinal', 'interval', 'ratio'])
        .default('nominal'),
    )
    .addOption(new Option('--weights <weights>', 'Cohen: weighted kappa for ordered categories').choices(['linear', 'quadratic']))
    .option('--categories <list>', 'category order for ordinal data or weighted kappa with text values, e.g. low,mid,high', categoriesArg)
    .option('--bootstrap <n>', 'add a percentile bootstrap interval from N resamples of units (ci_low, ci_high)', intArg(1, 20_000))
    .option('--seed <seed>', 'bootstrap seed; the same seed gives the same interval', '1')
    .option('--ci-level <p>', 'bootstrap confidence level', levelArg, 0.95)
    .action(async (file: string, opts: AgreementOptions) => {
      const ratings = ratingsFromCsv(await readInput(file, io), file);
      try {
        printJson(io, agreementReport(ratings, opts));
      } catch (err) {
        throw asInputError(err, file);
      }
    });

  program
    .command('reviewers <file>')
    .description('Each reviewer against the consensus of the others, and against gold answers with --gold (CSV unit,rater,value)')
    .option('--gold <file>', 'gold answers, CSV with the header unit,value')
    .option('--ci-level <p>', 'Wilson interval confidence level', levelArg, 0.95)
    .action(async (file: string, opts: { gold?: string; ciLevel: number }) => {
      const text = await readInput(file, io);
      const goldFile = opts.gold === undefined ? undefined : { text: await readInput(opts.gold, io), source: opts.gold };
      const read = judgmentsAndGold(text, file, goldFile);
      const judgments = read.judgments.map((j) => ({ reviewer: j.reviewer, item: j.item, value: j.label }));
      const gold = read.gold;
      try {
        printJson(io, {
          agreementWithPeers: reviewerAgreement(judgments, { level: opts.ciLevel }),
          ...(gold === undefined ? {} : { gold: reviewerAccuracy(judgments, gold, { level: opts.ciLevel }) }),
        });
      } catch (err) {
        throw asInputError(err, file);
      }
    });

  program
    .command('aggregate <file>')
    .description('One label per unit from several reviewers (CSV unit,rater,value): majority, accuracy-weighted vote or Dawid-Skene')
    .addOption(new Option('--method <method>', 'aggregation method').choices(['majority', 'weighted', 'dawid-skene']).default('majority'))
    .addOption(new Option('--ties <rule>', 'majority and weighted: none, lowest or all').choices(['none', 'lowest', 'all']).default('none'))
    .option('--gold <file>', 'weighted: weigh reviewers by their accuracy on these gold answers (CSV unit,value)')
    .action(async (file: string, opts: { method: 'majority' | 'weighted' | 'dawid-skene'; ties: TieRule; gold?: string }) => {
      const text = await readInput(file, io);
      const goldFile = opts.gold === undefined ? undefined : { text: await readInput(opts.gold, io), source: opts.gold };
      const { judgments, gold } = judgmentsAndGold(text, file, goldFile);
      try {
        if (opts.method === 'majority') printJson(io, { method: 'majority', items: majorityVote(judgments, { ties: opts.ties }) });
        else if (opts.method === 'weighted') {
          const accuracy =
            gold === undefined
              ? undefined
              : reviewerAccuracy(
                  judgments.map((j) => ({ reviewer: j.reviewer, item: j.item, value: j.label })),
                  gold,
                ).reviewers.map((r) => ({ reviewer: r.reviewer, correct: r.correct, total: r.total }));
          printJson(io, {
            method: 'weighted',
            ...weightedVote(judgments, { ties: opts.ties, ...(accuracy === undefined ? {} : { accuracy }) }),
          });
        } else printJson(io, { method: 'dawid-skene', ...dawidSkene(judgments) });
      } catch (err) {
        throw asInputError(err, file);
      }
    });

  program
    .command('drift <reference> <current>')
    .description('Compare two samples (CSV files with the header value): PSI, Kolmogorov-Smirnov, Jensen-Shannon distance or chi-square')
    .addOption(new Option('--metric <metric>', 'drift measure').choices(['psi', 'ks', 'js', 'chi-square']).makeOptionMandatory())
    .option('--bins <n>', 'PSI on numbers: bins cut at the reference quantiles (default 10)', intArg(2, 1000))
    .action(async (reference: string, current: string, opts: { metric: DriftMetric; bins?: number }) => {
      const [ref = [], cur = []] = samplesFromCsv([
        { text: await readInput(reference, io), source: reference },
        { text: await readInput(current, io), source: current },
      ]);
      try {
        printJson(io, { metric: opts.metric, ...driftReport(opts.metric, ref, cur, [reference, current], opts.bins) });
      } catch (err) {
        throw asInputError(err, `${reference} vs ${current}`);
      }
    });

  program
    .command('error-rate <file>')
    .description(
      'Error rate of all items when only some were reviewed (CSV review_probability,reviewed,error): naive, Horvitz-Thompson, Hajek',
    )
    .option('--ci-level <p>', 'confidence level of the intervals', levelArg, 0.95)
    .action(async (file: string, opts: { ciLevel: number }) => {
      const items = routedItemsFromCsv(await readInput(file, io), file);
      try {
        printJson(io, ipwErrorRate(items, { level: opts.ciLevel }));
      } catch (err) {
        throw asInputError(err, file);
      }
    });
}
