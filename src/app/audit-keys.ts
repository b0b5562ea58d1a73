import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * Ed25519 keys for signed audit checkpoints. A key is given as PEM text, or as base64 of its DER
 * (PKCS#8 for the private key, SubjectPublicKeyInfo for the public one), so it fits in one
 * environment variable.
 */
export function readPrivateKey(text: string, source: string): KeyObject {
  return readEd25519(text, source, 'private');
}

export function readPublicKey(text: string, source: string): KeyObject {
  return readEd25519(text, source, 'public');
}

function readEd25519(text: string, source: string, kind: 'private' | 'public'): KeyObject {
  const der = kind === 'private' ? 'PKCS#8' : 'SPKI';
  try {
    const pem = text.trimStart().startsWith('-----BEGIN');
    const body = pem ? text : Buffer.from(text.trim(), 'base64');
    const key =
      kind === 'private'
        ? createPrivateKey(pem ? text : { key: body as Buffer, format: 'der', type: 'pkcs8' })
        : createPublicKey(pem ? text : { key: body as Buffer, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (err) {
    throw new Error(`${source} must be an Ed25519 ${kind} key (PEM, or base64 ${der} DER): ${(err as Error).message}`);
  }
}

/** A fresh key pair as PEM: the private key for the server, the public one for auditors. */
export function generateSigningKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
