import type { Schemas } from '../api/client.js';

/**
 * `GET /v1/projects/{project_id}/stats/timeseries` (permission `stats:read`), which the
 * dashboards draw: the types are generated from the same schemas that validate the server's
 * answer (docs/statistics.md describes the fields).
 */
export type Timeseries = Schemas['TimeseriesReport'];
export type TimeseriesBucket = Schemas['TimeseriesBucket'];
