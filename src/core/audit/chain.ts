import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The audit hash chain. Each sealed event's hash covers the previous hash and the event's
 * canonical serialisation (RFC 8785, JSON Canonicalization Scheme, so it does not depend on key
 * order or number formatting), together with its chain and position: editing an event, removing
 * one, inserting one or reordering two changes every hash from there on.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** An audit event as the chain covers it. */
export interface AuditFacts {
  seq: number;
  project_id: string | null;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: unknown;
  after: unknown;
  created_at: number;
}

/** The chain an event belongs to: its project's, or '' for events outside any project. */
export function chainOf(projectId: string | null): string {
  return projectId ?? '';
}

export function canonicalEvent(chain: string, pos: number, e: AuditFacts): string {
  const text = canonicalize({
    chain,
    pos,
    seq: e.seq,
    project_id: e.project_id,
    actor: e.actor,
    action: e.action,
    subject_type: e.subject_type,
    subject_id: e.subject_id,
    before: e.before ?? null,
    after: e.after ?? null,
    created_at: e.created_at,
  });
  if (text === undefined) throw new Error(`audit event ${e.seq} cannot be serialised`);
  return text;
}

/** SHA-256, hex, of the previous hash, a newline, and the event's canonical form. */
export function linkHash(prevHash: string, chain: string, pos: number, e: AuditFacts): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalEvent(chain, pos, e))
    .digest('hex');
}

// ---- Signed checkpoints -------------------------------------------------------------------

/** What a checkpoint signs: a chain's head at a position, at a time. */
export function checkpointMessage(c: { chain: string; pos: number; hash: string; signed_at: number }): Buffer {
  return Buffer.from(`tollgate-audit-checkpoint\n${c.chain}\n${c.pos}\n${c.hash}\n${c.signed_at}`, 'utf8');
}

/** Which key: SHA-256 (hex) of the public key's DER (SubjectPublicKeyInfo). */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signCheckpoint(privateKey: KeyObject, c: { chain: string; pos: number; hash: string; signed_at: number }): string {
  return sign(null, checkpointMessage(c), privateKey).toString('base64');
}

export function checkpointValid(
  publicKey: KeyObject,
  c: { chain: string; pos: number; hash: string; signed_at: number; signature: string },
): boolean {
  return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
