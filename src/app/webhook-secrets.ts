import { openOriginal, sealOriginal } from '../core/data-protection/original-cipher.js';
import { TollgateError } from '../core/errors.js';
import type { AppContext } from './context.js';

/**
 * Webhook secrets must be read back to sign, so they cannot be hashed like API keys. When the
 * server has an encryption key (TOLLGATE_PII_ENCRYPTION_KEY), a secret is stored sealed with it
 * (AES-256-GCM, bound to its webhook), so a copy of the database alone cannot forge deliveries —
 * which matters most for hold callbacks, whose receivers act on what they are told. Without a
 * key it is stored as is. Either way it is returned only when created or rotated (and, for the
 * callback secret, to managers who ask), and never logged or audited.
 */
const SEALED = 'sealed:';

export const subscriptionAad = (id: string): string => `tollgate-webhook:${id}`;
export const callbackAad = (projectId: string): string => `tollgate-webhook-callbacks:${projectId}`;

export function storedSecret(ctx: AppContext, aad: string, secret: string): string {
  const key = ctx.originalKey;
  return key === null ? secret : `${SEALED}${key.id}:${sealOriginal(key, aad, secret)}`;
}

export function openSecret(ctx: AppContext, aad: string, stored: string): string {
  if (!stored.startsWith(SEALED)) return stored;
  const rest = stored.slice(SEALED.length);
  const colon = rest.indexOf(':');
  const keyId = rest.slice(0, colon);
  const key = ctx.originalKey;
  if (key === null || key.id !== keyId) {
    throw new TollgateError(
      'TG_ENCRYPTION_UNAVAILABLE',
      `the webhook secret is sealed with encryption key ${keyId}, and this server has ${key === null ? 'no TOLLGATE_PII_ENCRYPTION_KEY' : `key ${key.id}`}`,
    );
  }
  try {
    return openOriginal(key, aad, rest.slice(colon + 1));
  } catch {
    throw new TollgateError('TG_ENCRYPTION_UNAVAILABLE', 'the stored webhook secret failed its integrity check: it was altered or moved');
  }
}

/** The secrets a delivery is signed with: the current one, and the previous one during a rotation's grace. */
export function signingSecrets(
  ctx: AppContext,
  aad: string,
  row: { secret: string; previous_secret: string | null; previous_secret_expires_at: number | null },
  now: number,
): string[] {
  const secrets = [openSecret(ctx, aad, row.secret)];
  if (row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now)
    secrets.push(openSecret(ctx, aad, row.previous_secret));
  return secrets;
}
