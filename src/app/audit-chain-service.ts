import { sql } from 'kysely';
import type { KeyObject } from 'node:crypto';
import { chainOf, checkpointValid, GENESIS_HASH, keyId, linkHash, publicKeyOf, signCheckpoint } from '../core/audit/chain.js';
import {
  chainHead,
  getLowWater,
  insertCheckpoint,
  insertSeals,
  lastCheckpoint,
  lastSeqCreatedBy,
  listChains,
  listProjectChains,
  listCheckpoints,
  listStaleUnsealed,
  listUnsealed,
  readChain,
  setLowWater,
  type SealRecord,
} from '../store/audit-chain-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import type { Store } from '../store/store.js';

/**
 * How long after its creation an event may still be committing: the sealer's low-water mark
 * stays this far behind, so a transaction that took its event number early and committed late
 * is still sealed (later in its chain than its number says; the chain's order is seal order).
 */
export const SEAL_SAFETY_MS = 60_000;
/** Events older than this and still unsealed are reported by `verify` (the server seals each second). */
export const DEFAULT_SEAL_GRACE_MS = 5 * 60_000;
const SEAL_BATCH = 5000;
const VERIFY_PAGE = 5000;

/**
 * Links unsealed audit events into their chains, in event order, and records them; returns how
 * many. Several servers may run it at once: on PostgreSQL a transaction-scoped advisory lock lets
 * one seal at a time, and SQLite has a single writer.
 */
export async function sealAudit(store: Store, now: number, limit = SEAL_BATCH): Promise<number> {
  return inTransaction(store, async (tx) => {
    if (tx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('tollgate.audit.sealer'))`.execute(tx.db);
    const low = await getLowWater(tx);
    const events = await listUnsealed(tx, low, limit);
    const heads = new Map<string, { pos: number; hash: string }>();
    const seals: SealRecord[] = [];
    for (const e of events) {
      const chain = chainOf(e.project_id);
      let head = heads.get(chain);
      if (head === undefined) {
        const h = await chainHead(tx, chain);
        head = h === undefined ? { pos: 0, hash: GENESIS_HASH } : { pos: h.pos, hash: h.hash };
      }
      const pos = head.pos + 1;
      const hash = linkHash(head.hash, chain, pos, e);
      seals.push({ chain, pos, seq: e.seq, prev_hash: head.hash, hash, sealed_at: now });
      heads.set(chain, { pos, hash });
    }
    await insertSeals(tx, seals);
    // Every visible event above the mark is sealed now, up to the batch's last one (all of them
    // when the batch was not full); events old enough that no transaction can still be writing
    // them are behind us for good, so the mark moves up to the older of the two.
    const settled = await lastSeqCreatedBy(tx, low, now - SEAL_SAFETY_MS);
    if (settled !== null) {
      const mark = events.length < limit ? settled : Math.min(settled, events.at(-1)!.seq);
      if (mark > low) await setLowWater(tx, mark);
    }
    return seals.length;
  });
}

/** Seals until nothing is left (a backlog after downtime, or before a verification). */
export async function sealAll(store: Store, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sealAudit(store, now);
    total += n;
    if (n < SEAL_BATCH) return total;
  }
}

// ---- Signed checkpoints -------------------------------------------------------------------

/** Signs the head of every chain that moved since this key last signed it; returns how many. */
export async function writeCheckpoints(store: Store, privateKey: KeyObject, now: number): Promise<number> {
  const id = keyId(publicKeyOf(privateKey));
  let written = 0;
  for (const chain of await listProjectChains(store)) {
    const head = await chainHead(store, chain);
    if (head === undefined) continue;
    const last = await lastCheckpoint(store, chain, id);
    if (last !== undefined && last.pos >= head.pos) continue;
    const c = { chain, pos: head.pos, hash: head.hash, signed_at: now };
    await insertCheckpoint(store, { ...c, key_id: id, signature: signCheckpoint(privateKey, c) });
    written++;
  }
  return written;
}

// ---- Verification -------------------------------------------------------------------------

export interface ChainVerification {
  chain: string;
  /** Events linked and checked. */
  sealed: number;
  head: { pos: number; hash: string } | null;
  /** Checkpoints signed by the given key, and how many of them held. */
  checkpoints: { checked: number; valid: number; last_valid_pos: number | null } | null;
  /** The first broken link, in words, or null when the chain holds. */
  problem: { pos: number | null; seq: number | null; message: string } | null;
}

export interface AuditVerification {
  ok: boolean;
  chains: ChainVerification[];
  events_checked: number;
  elapsed_ms: number;
}

/**
 * Walks each chain from its start and recomputes every link. Names the first broken link of
 * each chain: an altered event (its content no longer gives its hash), a deleted event or seal
 * (a missing position, or a seal whose event is gone), a reordered or forged seal (a link that
 * does not point at its predecessor), or an event never sealed though older than `graceMs`
 * (inserted behind the sealer's back). With a public key, every checkpoint it signed must carry
 * a valid signature and match the chain at its position, which also exposes a chain rewritten
 * from the start by someone able to write to the database.
 */
export async function verifyAudit(
  ex: Executor,
  opts: { chain?: string; publicKey?: KeyObject; now: number; graceMs?: number },
): Promise<AuditVerification> {
  const started = Date.now();
  const chains = opts.chain === undefined ? await listChains(ex) : [opts.chain];
  const out: ChainVerification[] = [];
  let checked = 0;
  for (const chain of chains) {
    const v = await verifyChain(ex, chain, opts);
    checked += v.sealed;
    out.push(v);
  }
  return { ok: out.every((c) => c.problem === null), chains: out, events_checked: checked, elapsed_ms: Date.now() - started };
}

async function verifyChain(
  ex: Executor,
  chain: string,
  opts: { publicKey?: KeyObject; now: number; graceMs?: number },
): Promise<ChainVerification> {
  const id = opts.publicKey === undefined ? undefined : keyId(opts.publicKey);
  const checkpoints = id === undefined ? [] : (await listCheckpoints(ex, chain)).filter((c) => c.key_id === id);
  const byPos = new Map<number, typeof checkpoints>();
  for (const c of checkpoints) byPos.set(c.pos, [...(byPos.get(c.pos) ?? []), c]);
  let valid = 0;
  let lastValid: number | null = null;
  let problem: ChainVerification['problem'] = null;
  const fail = (pos: number | null, seq: number | null, message: string) => {
    problem ??= { pos, seq, message };
  };

  let prev = GENESIS_HASH;
  let pos = 0;
  let sealed = 0;
  walk: for (;;) {
    const page = await readChain(ex, chain, pos, VERIFY_PAGE);
    for (const { seal, event } of page) {
      const expected = pos + 1;
      if (seal.pos !== expected) {
        fail(expected, null, `position ${expected} is missing: a seal was deleted (the chain jumps to ${seal.pos})`);
        break walk;
      }
      if (event === undefined) {
        fail(seal.pos, seal.seq, `position ${seal.pos}: event ${seal.seq} was deleted`);
        break walk;
      }
      if (seal.prev_hash !== prev) {
        fail(seal.pos, seal.seq, `position ${seal.pos}: the seal does not link to position ${seal.pos - 1} (reordered or forged)`);
        break walk;
      }
      if (linkHash(prev, chain, seal.pos, event) !== seal.hash) {
        fail(seal.pos, seal.seq, `position ${seal.pos}: event ${seal.seq} was altered after it was sealed`);
        break walk;
      }
      for (const c of byPos.get(seal.pos) ?? []) {
        if (!checkpointValid(opts.publicKey!, c))
          fail(seal.pos, seal.seq, `checkpoint at position ${seal.pos}: the signature does not verify`);
        else if (c.hash !== seal.hash)
          fail(seal.pos, seal.seq, `checkpoint at position ${seal.pos}: the signed head differs from the chain (rewritten)`);
        else {
          valid++;
          lastValid = seal.pos;
        }
      }
      if (problem !== null) break walk;
      prev = seal.hash;
      pos = seal.pos;
      sealed++;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  if (problem === null) {
    const beyond = checkpoints.find((c) => c.pos > pos);
    if (beyond) fail(beyond.pos, null, `checkpoint at position ${beyond.pos} is past the end of the chain (${pos}): seals were removed`);
  }
  if (problem === null) {
    const [stale] = await listStaleUnsealed(ex, chain, opts.now - (opts.graceMs ?? DEFAULT_SEAL_GRACE_MS), 1);
    if (stale)
      fail(
        null,
        stale.seq,
        `event ${stale.seq} (created ${new Date(stale.created_at).toISOString()}) was never sealed: inserted behind the sealer's back, or no server has sealed the trail since (run \`tollgate audit seal\`)`,
      );
  }
  return {
    chain,
    sealed,
    head: pos === 0 ? null : { pos, hash: prev },
    checkpoints: id === undefined ? null : { checked: checkpoints.length, valid, last_valid_pos: lastValid },
    problem,
  };
}
