import { compilePolicy, type CompiledPolicy } from '../core/policy/index.js';
import type { PolicyDocument } from '../core/types.js';

/**
 * Compiled policies by project and version. Versions are immutable, so an entry never goes
 * stale; the caller reads the project's current version from the store on every ingest, so
 * a policy saved through another server takes effect on the next item.
 */
export class PolicyCache {
  readonly #entries = new Map<string, CompiledPolicy>();

  get(projectId: string, version: number, load: () => PolicyDocument): CompiledPolicy;
  get(projectId: string, version: number): CompiledPolicy | undefined;
  get(projectId: string, version: number, load?: () => PolicyDocument): CompiledPolicy | undefined {
    const key = `${projectId}@${version}`;
    const hit = this.#entries.get(key);
    if (hit || !load) return hit;
    const compiled = compilePolicy(load(), version);
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(key, compiled);
    return compiled;
  }
}
