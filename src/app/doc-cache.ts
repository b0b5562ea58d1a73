import type { RubricDocument } from '../core/types.js';
import type { VersionedDoc } from '../store/project-repo.js';

/** Past this many entries a cache starts over: a bound on memory, not an eviction policy. */
const MAX_ENTRIES = 10_000;

/**
 * Rubric versions by project and version. A saved version is never rewritten, so an entry
 * never goes stale and the claim path reads each version from the store once per process.
 * Callers share the cached object and must not mutate it.
 */
export class RubricCache {
  readonly #entries = new Map<string, VersionedDoc<RubricDocument>>();

  async get(
    projectId: string,
    version: number,
    load: () => Promise<VersionedDoc<RubricDocument> | undefined>,
  ): Promise<VersionedDoc<RubricDocument> | undefined> {
    const key = `${projectId}@${version}`;
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const loaded = await load();
    // A miss is not remembered: the caller treats it as an error, and it must not stick.
    if (loaded) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, loaded);
    }
    return loaded;
  }
}

/**
 * Ids of projects this process has seen in the store. Projects are never deleted, so once
 * found a project exists for good; an id not found is not remembered, since it may be created
 * (through another server) a moment later.
 */
export class KnownProjects {
  readonly #ids = new Set<string>();

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    if (this.#ids.size >= MAX_ENTRIES) this.#ids.clear();
    this.#ids.add(id);
  }
}
