import { api, query } from '../api/client.js';

interface RateWithInterval {
  rate: number;
  standard_error: number;
  interval: { low: number; high: number; level: number };
}

/** The part of `GET /v1/projects/{id}/stats/error-rate` the headline shows. */
export interface ErrorRateAnswer {
  estimate: {
    defined: boolean;
    covered?: number;
    reviewed?: number;
    naive?: RateWithInterval;
    horvitz_thompson?: RateWithInterval;
    hajek?: RateWithInterval;
    reason?: string;
  };
}

export function loadErrorRate(
  projectId: string,
  range: { since: Date; until: Date; modelVersion: string },
  signal: AbortSignal,
): Promise<ErrorRateAnswer> {
  const q = query({ since: range.since.toISOString(), until: range.until.toISOString(), model_version: range.modelVersion || undefined });
  return api.get<ErrorRateAnswer>(`/v1/projects/${encodeURIComponent(projectId)}/stats/error-rate${q}`, { signal });
}
