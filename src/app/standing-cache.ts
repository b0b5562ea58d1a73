import type { QualityConfig } from '../core/types.js';
import type { StandingRecord } from '../store/standing-repo.js';

/** How long a server may act on a project's quality rules and a reviewer's standing it last read. */
export const STANDING_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * Keeps the claim path at one statement: a claim needs the project's quality rules and the
 * reviewer's standing, which change rarely. This process forgets an entry the moment it writes
 * it; a change made through another server shows here within STANDING_TTL_MS (so a reviewer
 * suspended there may be served one more live task here in that second).
 */
export class StandingCache {
  readonly #configs = new Map<string, Entry<QualityConfig | undefined>>();
  readonly #standings = new Map<string, Entry<StandingRecord | undefined>>();

  async config(projectId: string, load: () => Promise<QualityConfig | undefined>): Promise<QualityConfig | undefined> {
    return read(this.#configs, projectId, load);
  }

  async standing(
    projectId: string,
    reviewer: string,
    load: () => Promise<StandingRecord | undefined>,
  ): Promise<StandingRecord | undefined> {
    return read(this.#standings, `${projectId}\u0000${reviewer}`, load);
  }

  forgetProject(projectId: string): void {
    this.#configs.delete(projectId);
  }

  forgetStanding(projectId: string, reviewer: string): void {
    this.#standings.delete(`${projectId}\u0000${reviewer}`);
  }
}

async function read<T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const now = Date.now();
  const hit = map.get(key);
  if (hit !== undefined && now - hit.at <= STANDING_TTL_MS) return hit.value;
  const value = await load();
  if (map.size >= MAX_ENTRIES) map.clear();
  map.set(key, { value, at: now });
  return value;
}
