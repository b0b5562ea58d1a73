import { assertCan } from '../core/access/permissions.js';
import { buildTimeseries, timeseriesGrid, type TimeseriesBucketSize, type TimeseriesSeries } from '../core/stats/timeseries.js';
import type { Principal } from '../core/types.js';
import { listJudgmentFacts } from '../store/stats-repo.js';
import {
  countCapturesByBucket,
  countDecisionsByBucket,
  countRuleMatchesByBucket,
  countTaskSpans,
  listModelVersions,
  type SeriesRange,
} from '../store/timeseries-repo.js';
import type { AppContext } from './context.js';
import { requireProject } from './project-service.js';
import { currentRubric, fieldsOf } from './stats-service.js';

export interface TimeseriesQuery {
  since?: string;
  until?: string;
  bucket?: TimeseriesBucketSize;
  model_version?: string;
}

export interface TimeseriesReport extends TimeseriesSeries {
  project_id: string;
  since: string;
  until: string;
  bucket: TimeseriesBucketSize;
  model_version: string | null;
  model_versions: string[];
}

/**
 * The project's production over time, one bucket per UTC hour or day: capture and routing,
 * decisions, review throughput and time, backlog, agreement and model quality. The range widens
 * to whole buckets (`since` and `until` in the answer say which). Counting is done by the store
 * per bucket; the statistics are the module's (Krippendorff's alpha at each rubric scale's level,
 * type 7 quantiles, the Hájek error rate with non-response adjusted as errorRate does).
 */
export async function projectTimeseries(ctx: AppContext, who: Principal, projectId: string, q: TimeseriesQuery): Promise<TimeseriesReport> {
  assertCan(who, 'stats:read');
  const project = await requireProject(ctx.store, who, projectId);
  const now = ctx.clock();
  const grid = timeseriesGrid(q, now);
  const range: SeriesRange = {
    since: grid.since,
    until: grid.until,
    width: grid.width,
    ...(q.model_version === undefined ? {} : { model_version: q.model_version }),
  };
  const ex = ctx.store;
  const fields = fieldsOf(await currentRubric(ctx, projectId, project.rubric_version));
  const facts = await listJudgmentFacts(ex, projectId, {
    since: grid.since,
    until: grid.until,
    ...(q.model_version === undefined ? {} : { model_version: q.model_version }),
  });
  const series = buildTimeseries(
    grid,
    {
      captures: await countCapturesByBucket(ex, projectId, range),
      rules: await countRuleMatchesByBucket(ex, projectId, range),
      decisions: await countDecisionsByBucket(ex, projectId, range),
      tasks: await countTaskSpans(ex, projectId, range),
      judgments: facts.map((j) => ({
        at: j.created_at,
        item: j.item_id,
        reviewer: j.reviewer,
        time_spent_ms: j.time_spent_ms,
        values: Object.fromEntries(fields.map((f) => [f.name, f.read(j)])),
      })),
      fields: fields.map((f) => ({ name: f.name, level: f.level })),
    },
    now,
  );
  return {
    project_id: projectId,
    since: new Date(grid.since).toISOString(),
    until: new Date(grid.until).toISOString(),
    bucket: grid.bucket,
    model_version: q.model_version ?? null,
    model_versions: await listModelVersions(ex, projectId),
    ...series,
  };
}
