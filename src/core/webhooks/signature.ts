import { createHmac, randomBytes } from 'node:crypto';

/**
 * Signing by the Standard Webhooks specification (https://www.standardwebhooks.com): the secret
 * is `whsec_` and base64 key bytes; each delivery carries `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature`, which lists `v1,<base64 HMAC-SHA256>` of
 * `"<id>.<timestamp>.<body>"` once per secret in force, space-separated, so a receiver holding
 * either the old or the new secret accepts deliveries made during a rotation.
 */
export const SECRET_PREFIX = 'whsec_';

/** 256 bits: the top of what the specification's reference libraries expect (24 to 64 bytes). */
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a webhook secret');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** The `webhook-signature` header for a body, with one signature per secret. */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(content, 'utf8').digest('base64')}`).join(' ');
}
