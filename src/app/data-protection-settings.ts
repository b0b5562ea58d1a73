import type { DataProtectionSettings } from '../core/data-protection/settings.js';
import { TollgateError } from '../core/errors.js';
import type { ProjectRecord } from '../store/project-repo.js';
import type { AppContext } from './context.js';
import type { ProjectProtection } from './redactor-cache.js';

/** The project's settings (and scanner) as stored; the document was checked when it was saved. */
export function projectProtection(ctx: AppContext, row: ProjectRecord): ProjectProtection {
  return ctx.redactors.forProject(row.id, row.data_protection);
}

/**
 * Keeping originals encrypted needs the key on this server. Refusing the settings here, rather
 * than at the first capture, keeps a misconfigured project from ever accepting an item it could
 * not store as promised.
 */
export function assertUsable(ctx: AppContext, settings: DataProtectionSettings): void {
  if (settings.redaction?.original === 'encrypt' && ctx.originalKey === null) {
    throw new TollgateError(
      'TG_INVALID_DATA_PROTECTION',
      'redaction.original: "encrypt" needs TOLLGATE_PII_ENCRYPTION_KEY set on the server (make one with `tollgate data-protection keygen`)',
      { errors: [{ path: 'redaction.original', message: 'this server has no TOLLGATE_PII_ENCRYPTION_KEY' }] },
    );
  }
}
