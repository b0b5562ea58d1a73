import { getProjectRow } from '../store/project-repo.js';
import type { AppContext } from './context.js';

/** How long a server may use the versions it last read before capture asks the store again. */
const TTL_MS = 1000;

export interface CurrentVersions {
  policy_version: number;
  evaluator_version: number;
}

const cache = new WeakMap<AppContext, Map<string, CurrentVersions & { at: number }>>();

/**
 * A project's current policy and evaluator set versions, for the work capture does before its
 * transaction (sync judges, novelty). Remembered for a second: the transaction reads the
 * versions again and routes with those, so this only decides what is prepared beforehand.
 * Null for a project that does not exist.
 */
export async function currentVersions(ctx: AppContext, projectId: string): Promise<CurrentVersions | null> {
  let map = cache.get(ctx);
  if (map === undefined) {
    map = new Map();
    cache.set(ctx, map);
  }
  const now = Date.now();
  const hit = map.get(projectId);
  if (hit !== undefined && now - hit.at <= TTL_MS) return hit;
  const project = await getProjectRow(ctx.store, projectId);
  if (!project) return null;
  const entry = { policy_version: project.policy_version, evaluator_version: project.evaluator_version, at: now };
  if (map.size > 10_000) map.clear();
  map.set(projectId, entry);
  return entry;
}

/** After a save on this server: the next capture reads the new versions at once. */
export function forgetCurrentVersions(ctx: AppContext, projectId: string): void {
  cache.get(ctx)?.delete(projectId);
}
