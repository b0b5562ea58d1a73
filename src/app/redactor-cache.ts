import { parseDataProtection, type DataProtectionSettings } from '../core/data-protection/settings.js';
import { compilePiiScanner, type PiiScanner } from '../core/pii/index.js';

export interface ProjectProtection {
  settings: DataProtectionSettings;
  /** Null when the project does not redact at capture. */
  scanner: PiiScanner | null;
}

const NONE: ProjectProtection = { settings: { redaction: null, retention: null }, scanner: null };

/**
 * Checked settings and compiled scanners per project. The capture path reads the project row in
 * its transaction anyway, so the cache is keyed by the settings it read: a change saved on
 * another server is picked up on the next capture, with nothing to invalidate, and an unchanged
 * document is neither re-checked nor re-compiled on the hot path.
 */
export class RedactorCache {
  readonly #byProject = new Map<string, { key: string; value: ProjectProtection }>();

  forProject(projectId: string, stored: unknown): ProjectProtection {
    if (stored === null || stored === undefined) return NONE;
    const key = typeof stored === 'string' ? stored : JSON.stringify(stored);
    const cached = this.#byProject.get(projectId);
    if (cached?.key === key) return cached.value;
    const settings = parseDataProtection(typeof stored === 'string' ? (JSON.parse(stored) as unknown) : stored);
    const value = { settings, scanner: settings.redaction === null ? null : compilePiiScanner(settings.redaction) };
    this.#byProject.set(projectId, { key, value });
    return value;
  }
}
