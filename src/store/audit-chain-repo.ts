import { sql } from 'kysely';
import type { AuditFacts } from '../core/audit/chain.js';
import type { Executor } from './executor.js';
import type { AuditCheckpointsTable, AuditSealsTable } from './schema.js';

/** Rows as stored: a seal links one event into its chain; a checkpoint signs a chain's head. */
export type SealRecord = AuditSealsTable;
export type CheckpointRecord = AuditCheckpointsTable;

const readEvent = (ex: Executor, r: { before: unknown; after: unknown }) => ({
  before: r.before === null ? null : ex.json.read(r.before),
  after: r.after === null ? null : ex.json.read(r.after),
});

/** Events above the low-water mark that have no seal yet, oldest first. */
export async function listUnsealed(ex: Executor, lowWater: number, limit: number): Promise<AuditFacts[]> {
  const rows = await ex.db
    .selectFrom('audit_events as e')
    .selectAll('e')
    .where('e.seq', '>', lowWater)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('audit_seals as s').select(sql.lit(1).as('one')).whereRef('s.seq', '=', 'e.seq'))))
    .orderBy('e.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), ...readEvent(ex, r) }));
}

/** The last seal of a chain, or undefined for a chain not started. */
export async function chainHead(ex: Executor, chain: string): Promise<SealRecord | undefined> {
  const row = await ex.db
    .selectFrom('audit_seals')
    .selectAll()
    .where('chain', '=', chain)
    .orderBy('pos', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, pos: Number(row.pos), seq: Number(row.seq) };
}

export async function insertSeals(ex: Executor, seals: readonly SealRecord[]): Promise<void> {
  for (let i = 0; i < seals.length; i += 500)
    await ex.db
      .insertInto('audit_seals')
      .values(seals.slice(i, i + 500))
      .execute();
}

export async function getLowWater(ex: Executor): Promise<number> {
  const row = await ex.db.selectFrom('audit_seal_state').select('low_water').where('id', '=', 1).executeTakeFirst();
  return Number(row?.low_water ?? 0);
}

export async function setLowWater(ex: Executor, value: number): Promise<void> {
  await ex.db.updateTable('audit_seal_state').set({ low_water: value }).where('id', '=', 1).execute();
}

/** The highest event number created at or before `before` above `after` (the sealer's next low-water mark). */
export async function lastSeqCreatedBy(ex: Executor, after: number, before: number): Promise<number | null> {
  const row = await ex.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('seq', '>', after)
    .where('created_at', '<=', before)
    .executeTakeFirst();
  return row?.seq === null || row?.seq === undefined ? null : Number(row.seq);
}

/**
 * The chains that can have heads: one per project, and '' for events outside any. Read from the
 * small projects table, so signing checkpoints never scans the trail.
 */
export async function listProjectChains(ex: Executor): Promise<string[]> {
  const rows = await ex.db.selectFrom('projects').select('id').orderBy('id').execute();
  return ['', ...rows.map((r) => r.id)];
}

/** Every chain with a seal or an event (what a verification walks: it reads the whole trail anyway). */
export async function listChains(ex: Executor): Promise<string[]> {
  const sealed = await ex.db.selectFrom('audit_seals').select('chain').distinct().execute();
  const events = await ex.db.selectFrom('audit_events').select('project_id').distinct().execute();
  return [...new Set([...sealed.map((r) => r.chain), ...events.map((r) => r.project_id ?? '')])].sort();
}

export interface SealedRow {
  seal: SealRecord;
  /** undefined when the sealed event is gone. */
  event: AuditFacts | undefined;
}

/** A page of a chain in order: each seal beside the event it covers. */
export async function readChain(ex: Executor, chain: string, afterPos: number, limit: number): Promise<SealedRow[]> {
  const rows = await ex.db
    .selectFrom('audit_seals as s')
    .leftJoin('audit_events as e', 'e.seq', 's.seq')
    .select([
      's.chain',
      's.pos',
      's.seq',
      's.prev_hash',
      's.hash',
      's.sealed_at',
      'e.seq as event_seq',
      'e.project_id',
      'e.actor',
      'e.action',
      'e.subject_type',
      'e.subject_id',
      'e.before',
      'e.after',
      'e.created_at',
    ])
    .where('s.chain', '=', chain)
    .where('s.pos', '>', afterPos)
    .orderBy('s.pos')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seal: { chain: r.chain, pos: Number(r.pos), seq: Number(r.seq), prev_hash: r.prev_hash, hash: r.hash, sealed_at: Number(r.sealed_at) },
    event:
      r.event_seq === null
        ? undefined
        : {
            seq: Number(r.event_seq),
            project_id: r.project_id ?? null,
            actor: r.actor ?? '',
            action: r.action ?? '',
            subject_type: r.subject_type ?? '',
            subject_id: r.subject_id ?? '',
            created_at: Number(r.created_at),
            ...readEvent(ex, { before: r.before ?? null, after: r.after ?? null }),
          },
  }));
}

/** Events of a chain created before `before` that were never sealed: inserted behind the sealer's back, or it is not running. */
export async function listStaleUnsealed(
  ex: Executor,
  chain: string,
  before: number,
  limit: number,
): Promise<{ seq: number; created_at: number }[]> {
  const rows = await ex.db
    .selectFrom('audit_events as e')
    .select(['e.seq', 'e.created_at'])
    .where((eb) => (chain === '' ? eb('e.project_id', 'is', null) : eb('e.project_id', '=', chain)))
    .where('e.created_at', '<', before)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('audit_seals as s').select(sql.lit(1).as('one')).whereRef('s.seq', '=', 'e.seq'))))
    .orderBy('e.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), created_at: Number(r.created_at) }));
}

export async function insertCheckpoint(ex: Executor, c: CheckpointRecord): Promise<void> {
  await ex.db
    .insertInto('audit_checkpoints')
    .values(c)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listCheckpoints(ex: Executor, chain: string): Promise<CheckpointRecord[]> {
  const rows = await ex.db.selectFrom('audit_checkpoints').selectAll().where('chain', '=', chain).orderBy('pos').execute();
  return rows.map((r) => ({ ...r, pos: Number(r.pos), signed_at: Number(r.signed_at) }));
}

export async function lastCheckpoint(ex: Executor, chain: string, keyId: string): Promise<CheckpointRecord | undefined> {
  const row = await ex.db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('chain', '=', chain)
    .where('key_id', '=', keyId)
    .orderBy('pos', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, pos: Number(row.pos), signed_at: Number(row.signed_at) };
}
