import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TollgateError } from '../errors.js';

/**
 * Originals (the payloads before redaction) are sealed with AES-256-GCM: authenticated, so a
 * row edited in the database fails to open rather than decrypting to something else; the item
 * and project ids are bound in as associated data, so a sealed original moved onto another
 * item fails too. A fresh 96-bit nonce per seal, as GCM requires.
 */
export interface OriginalKey {
  readonly key: Buffer;
  /** A fingerprint that names the key in stored rows without revealing it. */
  readonly id: string;
}

const VERSION = 'v1';

/** Reads the key from its environment form: 32 bytes as base64 (44 characters) or hex (64). */
export function parseOriginalKey(text: string): OriginalKey {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString('base64') !== trimmed)) {
    throw new TollgateError(
      'TG_VALIDATION_FAILED',
      'the encryption key must be 32 bytes, given as base64 or 64 hex digits (make one with `tollgate data-protection keygen`)',
    );
  }
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

export function newOriginalKeyText(): string {
  return randomBytes(32).toString('base64');
}

export function sealOriginal(k: OriginalKey, aad: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

export function openOriginal(k: OriginalKey, aad: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
    throw new TollgateError('TG_ENCRYPTION_UNAVAILABLE', 'the stored original is not in a form this server reads');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    // GCM refuses to decrypt on any change to the ciphertext, tag, nonce or associated data.
    throw new TollgateError(
      'TG_ENCRYPTION_UNAVAILABLE',
      'the stored original failed its integrity check: it was altered or sealed for another item',
    );
  }
}
