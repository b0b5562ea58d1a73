import { assertCan } from '../core/access/permissions.js';
import { isTollgateError } from '../core/errors.js';
import {
  dawidSkene,
  invalidStatsInput,
  ipwErrorRate,
  krippendorffAlpha,
  krippendorffAlphaBootstrap,
  majorityVote,
  percentAgreement,
  reviewerAgreement,
  routingClasses,
  weightedVote,
  type KrippendorffLevel,
  type LabelJudgment,
  type Rating,
  type RatingValue,
  type TieRule,
} from '../core/stats/index.js';
import type { CriterionScale, Principal, RubricDocument } from '../core/types.js';
import { getVersion } from '../store/project-repo.js';
import { countRoutingGroups, listJudgmentFacts, type JudgmentFact, type TimeWindow } from '../store/stats-repo.js';
import type { AppContext } from './context.js';
import { goldAccuracyByReviewer } from './gold-service.js';
import { requireProject } from './project-service.js';

/** A judged quantity the statistics can read: the verdict, or one rubric criterion's scores. */
export interface Field {
  /** `verdict` or `scores.<criterion key>`. */
  name: string;
  level: KrippendorffLevel;
  /** The rubric's order of the field's categories, for nominal fields (labels are listed in it). */
  categories?: RatingValue[];
  read(j: JudgmentFact): RatingValue | null;
}

const VERDICTS: RatingValue[] = ['approve', 'correct', 'reject'];

/**
 * The level of measurement each rubric scale implies: likert points are ordered but not evenly
 * spaced for people, so ordinal; numeric ranges are interval; booleans, options and single
 * labels are nominal. Multi-label sets and text spans are not one rating per reviewer: null.
 */
export function levelOfScale(scale: CriterionScale): KrippendorffLevel | null {
  switch (scale.type) {
    case 'likert':
      return 'ordinal';
    case 'numeric':
      return 'interval';
    case 'boolean':
    case 'categorical':
      return 'nominal';
    case 'labels':
      return scale.multiple === true ? null : 'nominal';
    case 'spans':
      return null;
  }
}

export function fieldsOf(rubric: RubricDocument | undefined): Field[] {
  const fields: Field[] = [{ name: 'verdict', level: 'nominal', categories: VERDICTS, read: (j) => j.verdict }];
  for (const c of rubric?.criteria ?? []) {
    const level = levelOfScale(c.scale);
    if (level === null) continue;
    const categories: RatingValue[] | undefined =
      c.scale.type === 'categorical'
        ? c.scale.options
        : c.scale.type === 'labels'
          ? c.scale.options.map((o) => o.value)
          : c.scale.type === 'boolean'
            ? [true, false]
            : undefined;
    fields.push({
      name: `scores.${c.key}`,
      level,
      ...(categories === undefined ? {} : { categories }),
      read: (j) => {
        const v = j.scores[c.key];
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
      },
    });
  }
  return fields;
}

export async function currentRubric(ctx: AppContext, projectId: string, version: number): Promise<RubricDocument | undefined> {
  const doc = await ctx.rubrics.get(projectId, version, () => getVersion<RubricDocument>(ctx.store, 'rubric_versions', projectId, version));
  return doc?.document;
}

export interface StatsWindow {
  since?: string;
  until?: string;
}

function toWindow(w: StatsWindow): TimeWindow {
  return {
    ...(w.since === undefined ? {} : { since: Date.parse(w.since) }),
    ...(w.until === undefined ? {} : { until: Date.parse(w.until) }),
  };
}

/** A statistic, or why it has no value here: one undefined criterion must not hide the others. */
export type Measured<T> = ({ defined: true } & T) | { defined: false; reason: string; code: string };

function measure<T extends object>(compute: () => T): Measured<T> {
  try {
    return { defined: true, ...compute() };
  } catch (err) {
    if (isTollgateError(err) && (err.code === 'TG_STATS_UNDEFINED' || err.code === 'TG_STATS_INVALID_INPUT')) {
      return { defined: false, reason: err.message, code: err.code };
    }
    throw err;
  }
}

export interface AgreementQuery extends StatsWindow {
  queue?: string;
  bootstrap?: number;
  seed?: string;
}

export interface FieldAgreement {
  field: string;
  level: KrippendorffLevel;
  /** Items with at least two judgments giving this field a value. */
  units: number;
  krippendorff_alpha: Measured<object>;
  percent_agreement: Measured<object>;
}

function fieldAgreement(facts: readonly JudgmentFact[], field: Field, q: AgreementQuery): FieldAgreement {
  const ratings: Rating[] = [];
  for (const j of facts) ratings.push({ unit: j.item_id, rater: j.reviewer, value: field.read(j) });
  // Nominal alpha does not depend on category order, and a list would refuse labels an older
  // rubric version allowed; likert values are numbers and rank themselves.
  const options = { level: field.level };
  const alpha = measure(() => {
    if (q.bootstrap === undefined) return krippendorffAlpha(ratings, options);
    // Named as the CLI names it: `samples` alone would read as a count of items.
    const { samples, ...rest } = krippendorffAlphaBootstrap(ratings, options, { samples: q.bootstrap, seed: q.seed ?? '1' });
    return { ...rest, bootstrapSamples: samples };
  });
  const percent = measure(() => percentAgreement(ratings));
  return {
    field: field.name,
    level: field.level,
    units: percent.defined ? (percent as { units: number }).units : 0,
    krippendorff_alpha: alpha,
    percent_agreement: percent,
  };
}

export interface AgreementReport {
  judgments: number;
  /** Items with two or more judgments: the units agreement is measured on. */
  multiply_judged_items: number;
  fields: FieldAgreement[];
  by_queue: { queue: string; judgments: number; fields: FieldAgreement[] }[];
}

const MAX_BOOTSTRAP = 5000;

/**
 * Agreement between reviewers on the project's judgments in a window (by judgment time):
 * Krippendorff's alpha, which takes any number of reviewers per item and missing scores, at the
 * level each rubric scale implies, with percent agreement beside it; overall and per queue.
 */
export async function projectAgreement(ctx: AppContext, who: Principal, projectId: string, q: AgreementQuery): Promise<AgreementReport> {
  assertCan(who, 'stats:read');
  if (q.bootstrap !== undefined && (q.bootstrap < 1 || q.bootstrap > MAX_BOOTSTRAP)) {
    throw invalidStatsInput(`bootstrap must be from 1 to ${MAX_BOOTSTRAP} resamples`);
  }
  const project = await requireProject(ctx.store, who, projectId);
  const facts = await listJudgmentFacts(ctx.store, projectId, { ...toWindow(q), ...(q.queue === undefined ? {} : { queue: q.queue }) });
  const fields = fieldsOf(await currentRubric(ctx, projectId, project.rubric_version));

  const perItem = new Map<string, number>();
  for (const j of facts) perItem.set(j.item_id, (perItem.get(j.item_id) ?? 0) + 1);
  const byQueue = new Map<string, JudgmentFact[]>();
  for (const j of facts) {
    const list = byQueue.get(j.queue);
    if (list === undefined) byQueue.set(j.queue, [j]);
    else list.push(j);
  }
  return {
    judgments: facts.length,
    multiply_judged_items: [...perItem.values()].filter((n) => n >= 2).length,
    fields: fields.map((f) => fieldAgreement(facts, f, q)),
    by_queue: [...byQueue.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([queue, list]) => ({ queue, judgments: list.length, fields: fields.map((f) => fieldAgreement(list, f, q)) })),
  };
}

function resolveField(fields: Field[], name: string): Field {
  const field = fields.find((f) => f.name === name);
  if (field === undefined) {
    throw invalidStatsInput(`unknown field "${name}": use one of ${fields.map((f) => f.name).join(', ')}`, { field: name });
  }
  return field;
}

export interface ReviewerQuery extends StatsWindow {
  field?: string;
}

/**
 * Each reviewer's agreement with the consensus (majority) of the other reviewers of the same
 * items, with a Wilson interval. Managers only: peers must not rank each other.
 */
export async function reviewerStats(ctx: AppContext, who: Principal, projectId: string, q: ReviewerQuery) {
  assertCan(who, 'reviewers:assess');
  const project = await requireProject(ctx.store, who, projectId);
  const field = resolveField(fieldsOf(await currentRubric(ctx, projectId, project.rubric_version)), q.field ?? 'verdict');
  const facts = await listJudgmentFacts(ctx.store, projectId, toWindow(q));
  const judged = new Map<string, { judgments: number }>();
  const values = [];
  for (const j of facts) {
    const entry = judged.get(j.reviewer) ?? { judgments: 0 };
    entry.judgments += 1;
    judged.set(j.reviewer, entry);
    const value = field.read(j);
    if (value !== null) values.push({ reviewer: j.reviewer, item: j.item_id, value });
  }
  const agreement = values.length === 0 ? [] : reviewerAgreement(values);
  const byReviewer = new Map(agreement.map((a) => [a.reviewer, a]));
  const gold = await goldAccuracyByReviewer(ctx, projectId, toWindow(q));
  // A reviewer whose only work in the window was gold served to them is listed too, with no judgments of production.
  for (const reviewer of gold.keys()) if (!judged.has(reviewer)) judged.set(reviewer, { judgments: 0 });
  return {
    field: field.name,
    reviewers: [...judged.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([reviewer, e]) => ({
        reviewer,
        judgments: e.judgments,
        agreement_with_peers: byReviewer.get(reviewer) ?? null,
        gold: gold.get(reviewer) ?? null,
      })),
  };
}

export type LabelMethod = 'majority' | 'weighted' | 'dawid-skene';

export interface LabelQuery extends StatsWindow {
  method?: LabelMethod;
  field?: string;
  ties?: TieRule;
}

/**
 * One label per item from its judgments: majority vote, a vote weighted by each reviewer's
 * agreement with peers, or Dawid–Skene, which also estimates each reviewer's confusion matrix.
 * Only nominal fields (the verdict, boolean and categorical criteria) have labels to aggregate.
 */
export async function aggregatedLabels(ctx: AppContext, who: Principal, projectId: string, q: LabelQuery) {
  assertCan(who, 'stats:read');
  const project = await requireProject(ctx.store, who, projectId);
  const field = resolveField(fieldsOf(await currentRubric(ctx, projectId, project.rubric_version)), q.field ?? 'verdict');
  if (field.level !== 'nominal') {
    throw invalidStatsInput(
      `field "${field.name}" is ${field.level}; labels are aggregated for nominal fields (verdict, boolean, categorical)`,
    );
  }
  const facts = await listJudgmentFacts(ctx.store, projectId, toWindow(q));
  const judgments: LabelJudgment[] = [];
  for (const j of facts) {
    const label = field.read(j);
    if (label !== null) judgments.push({ item: j.item_id, reviewer: j.reviewer, label });
  }
  const method = q.method ?? 'majority';
  const ties = q.ties ?? 'none';
  // The rubric's order first, then labels that only an older rubric version offered.
  const known = new Set(field.categories ?? []);
  const extra = [...new Set(judgments.map((j) => j.label))].filter((l) => !known.has(l));
  const categories = field.categories === undefined ? {} : { categories: [...field.categories, ...extra] };
  if (judgments.length === 0) return { method, field: field.name, items: [] };
  switch (method) {
    case 'majority':
      return { method, field: field.name, items: majorityVote(judgments, { ties, ...categories }) };
    case 'weighted':
      return { method, field: field.name, ...weightedVote(judgments, { ties, ...categories }) };
    case 'dawid-skene':
      return { method, field: field.name, ...dawidSkene(judgments, categories) };
  }
}

export interface ErrorRateQuery extends StatsWindow {
  model?: string;
  model_version?: string;
  level?: number;
}

/**
 * The model's error rate on all production in a window (by capture time), where an error is a
 * human verdict of reject or correct. People see a biased sample (the policy sends risky items),
 * so beside the naive reviewed-only rate come the Horvitz–Thompson and Hájek estimates, which
 * weigh each reviewed item by 1 / its recorded review probability π.
 *
 * Items sent to people that have no human verdict yet are non-response, adjusted for within
 * each class of equal π (see routingClasses). Items stored before π was recorded are left out
 * and counted.
 */
export async function errorRate(ctx: AppContext, who: Principal, projectId: string, q: ErrorRateQuery) {
  assertCan(who, 'stats:read');
  await requireProject(ctx.store, who, projectId);
  const groups = await countRoutingGroups(ctx.store, projectId, {
    ...toWindow(q),
    ...(q.model === undefined ? {} : { model: q.model }),
    ...(q.model_version === undefined ? {} : { model_version: q.model_version }),
  });
  const { routed, pendingReviews, timedOut, unknownProbability } = routingClasses(groups);
  const estimate = measure(() => ipwErrorRate(routed, q.level === undefined ? {} : { level: q.level }));
  return { pending_reviews: pendingReviews, timed_out: timedOut, unknown_probability: unknownProbability, estimate };
}
