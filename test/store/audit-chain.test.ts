import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealAll, verifyAudit, writeCheckpoints } from '../../src/app/audit-chain-service.js';
import { linkHash, GENESIS_HASH } from '../../src/core/audit/chain.js';
import { appendAudit } from '../../src/store/audit-repo.js';
import { inTransaction } from '../../src/store/executor.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

const POLICY = { rules: [{ name: 'all', when: { confidence: { gte: 0 } }, action: 'review', priority: 50 }] };

describe.each(DIALECTS)('tamper-evident audit trail (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let projectId: string;
  let admin: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    projectId = (await api.call('POST', '/v1/projects', admin, { name: 'Audited', policy: POLICY })).json().id;
    const reviewer = await api.key('reviewer', projectId);
    for (let i = 0; i < 5; i++)
      await api.call('POST', `/v1/projects/${projectId}/items`, admin, { input: `q${i}`, output: 'a', confidence: 0.5 });
    for (let i = 0; i < 3; i++) {
      const c = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
      await api.call('POST', `/v1/tasks/${c.task.id}/judgments`, reviewer, { verdict: i === 0 ? 'reject' : 'approve' });
    }
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  // Defined only on PostgreSQL (not skipped on SQLite): these are about the server's own guarantees.
  const pgOnly = (name: string, fn: () => Promise<void>) => {
    if (dialect === 'postgres') it(name, fn);
  };
  const now = () => t.clock();
  const verify = (opts: Parameters<typeof verifyAudit>[1] = { now: now() }) => verifyAudit(t.store, opts);
  const projectEvents = async () =>
    (await t.store.db.selectFrom('audit_events').select('seq').where('project_id', '=', projectId).orderBy('seq').execute()).map((r) =>
      Number(r.seq),
    );
  /** Writes past the append-only triggers, as an owner who drops them would. */
  const tamper = async (statement: ReturnType<typeof sql>) => {
    if (dialect === 'postgres') {
      await inTransaction(t.store, async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx.db);
        await statement.execute(tx.db);
      });
    } else await statement.execute(t.store.db);
  };

  it('seals every event of every chain, and a verification walks them all', async () => {
    const total = (
      await t.store.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(await sealAll(t.store, now())).toBe(Number(total));
    expect(await sealAll(t.store, now())).toBe(0);
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.events_checked).toBe(Number(total));
    const chain = report.chains.find((c) => c.chain === projectId)!;
    expect(chain.sealed).toBe((await projectEvents()).length);
    // The global chain holds the key events, outside any project.
    expect(report.chains.find((c) => c.chain === '')?.sealed).toBeGreaterThan(0);

    // The links are what the documented formula gives: checked from the first event by hand.
    const [firstSeq] = await projectEvents();
    const event = await t.store.db.selectFrom('audit_events').selectAll().where('seq', '=', firstSeq!).executeTakeFirstOrThrow();
    const seal = await t.store.db.selectFrom('audit_seals').selectAll().where('seq', '=', firstSeq!).executeTakeFirstOrThrow();
    expect(Number(seal.pos)).toBe(1);
    expect(seal.prev_hash).toBe(GENESIS_HASH);
    const facts = {
      ...event,
      seq: Number(event.seq),
      created_at: Number(event.created_at),
      before: event.before === null ? null : t.store.json.read(event.before),
      after: event.after === null ? null : t.store.json.read(event.after),
    };
    expect(linkHash(GENESIS_HASH, projectId, 1, facts)).toBe(seal.hash);
  });

  it('names the first broken link when an event is altered, deleted, or inserted behind the sealer', async () => {
    await sealAll(t.store, now());
    const seqs = await projectEvents();
    const third = seqs[2]!;
    await tamper(sql`update audit_events set actor = 'key:someone-else' where seq = ${third}`);
    const report = await verify({ chain: projectId, now: now() });
    expect(report.ok).toBe(false);
    expect(report.chains[0]!.problem).toEqual({
      pos: 3,
      seq: third,
      message: `position 3: event ${third} was altered after it was sealed`,
    });
    // Only the first broken link is named: later ones are not trusted.
    expect(report.chains[0]!.sealed).toBe(2);
  });

  it('detects a deleted event, a deleted seal and a forged insertion', async () => {
    await sealAll(t.store, now());
    const seqs = await projectEvents();
    await tamper(sql`delete from audit_events where seq = ${seqs[4]!}`);
    expect((await verify({ chain: projectId, now: now() })).chains[0]!.problem?.message).toBe(`position 5: event ${seqs[4]} was deleted`);
    await tamper(sql`delete from audit_seals where seq = ${seqs[4]!}`);
    expect((await verify({ chain: projectId, now: now() })).chains[0]!.problem?.message).toBe(
      'position 5 is missing: a seal was deleted (the chain jumps to 6)',
    );
  });

  it('detects an event inserted behind the sealer once it is older than the grace period', async () => {
    await sealAll(t.store, now());
    await tamper(
      sql`insert into audit_events (project_id, actor, action, subject_type, subject_id, created_at) values (${projectId}, 'key:forger', 'item.resolved', 'item', 'x', ${now() - 600_000})`,
    );
    const report = await verify({ chain: projectId, now: now() });
    expect(report.chains[0]!.problem?.message).toMatch(/^event \d+ \(created .*\) was never sealed: inserted behind the sealer's back/);
    // A fresh event the sealer has not reached yet is not an error.
    await appendAudit(t.store, [
      { project_id: projectId, actor: 'a', action: 'x', subject_type: 'item', subject_id: 'i', created_at: now() },
    ]);
    await tamper(sql`delete from audit_events where actor = 'key:forger'`);
    expect((await verify({ chain: projectId, now: now() })).ok).toBe(true);
  });

  it('exposes a chain rewritten from the start with the signed checkpoints, and only with them', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await sealAll(t.store, now());
    expect(await writeCheckpoints(t.store, privateKey, now())).toBeGreaterThanOrEqual(2);
    expect(await writeCheckpoints(t.store, privateKey, now())).toBe(0); // nothing moved
    const good = await verify({ chain: projectId, publicKey, now: now() });
    expect(good.ok).toBe(true);
    expect(good.chains[0]!.checkpoints).toEqual({ checked: 1, valid: 1, last_valid_pos: good.chains[0]!.head!.pos });

    // Someone with write access edits the first event and recomputes every seal after it.
    const seqs = await projectEvents();
    await tamper(sql`update audit_events set actor = 'key:someone-else' where seq = ${seqs[0]!}`);
    let prev = GENESIS_HASH;
    const rows = await t.store.db.selectFrom('audit_events').selectAll().where('project_id', '=', projectId).orderBy('seq').execute();
    for (const [i, e] of rows.entries()) {
      const facts = {
        ...e,
        seq: Number(e.seq),
        created_at: Number(e.created_at),
        before: e.before === null ? null : t.store.json.read(e.before),
        after: e.after === null ? null : t.store.json.read(e.after),
      };
      const hash = linkHash(prev, projectId, i + 1, facts);
      await tamper(sql`update audit_seals set prev_hash = ${prev}, hash = ${hash} where chain = ${projectId} and pos = ${i + 1}`);
      prev = hash;
    }
    // The chain is consistent again, so without the key nothing shows…
    expect((await verify({ chain: projectId, now: now() })).ok).toBe(true);
    // …but the signed head no longer matches.
    const caught = await verify({ chain: projectId, publicKey, now: now() });
    expect(caught.ok).toBe(false);
    expect(caught.chains[0]!.problem?.message).toMatch(
      /^checkpoint at position \d+: the signed head differs from the chain \(rewritten\)$/,
    );
    // A checkpoint signed by another key proves nothing and is not counted.
    const other = generateKeyPairSync('ed25519').publicKey;
    expect((await verify({ chain: projectId, publicKey: other, now: now() })).chains[0]!.checkpoints).toEqual({
      checked: 0,
      valid: 0,
      last_valid_pos: null,
    });
  });

  pgOnly('refuses UPDATE, DELETE and TRUNCATE on the trail in the database itself', async () => {
    await sealAll(t.store, now());
    await writeCheckpoints(t.store, generateKeyPairSync('ed25519').privateKey, now());
    for (const statement of [
      sql`update audit_events set actor = 'x'`,
      sql`delete from audit_events`,
      sql`truncate audit_events`,
      sql`update audit_seals set hash = 'x'`,
      sql`delete from audit_checkpoints`,
      sql`truncate audit_seals`,
    ]) {
      await expect(statement.execute(t.store.db)).rejects.toThrow(/append-only/);
    }
    expect((await verify()).ok).toBe(true);
  });

  pgOnly('seals an event whose transaction committed after later ones were sealed', async () => {
    await sealAll(t.store, now());
    // A transaction takes its event number, and commits only after a later event was sealed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const started = new Promise<void>((r) => (inserted = r));
    const slow = inTransaction(t.store, async (tx) => {
      await appendAudit(tx, [
        { project_id: projectId, actor: 'slow', action: 'x', subject_type: 'item', subject_id: 'i', created_at: now() },
      ]);
      inserted();
      await held;
    });
    await started;
    await appendAudit(t.store, [
      { project_id: projectId, actor: 'fast', action: 'x', subject_type: 'item', subject_id: 'i', created_at: now() },
    ]);
    expect(await sealAll(t.store, now())).toBe(1);
    release();
    await slow;
    expect(await sealAll(t.store, now())).toBe(1);
    const report = await verify({ chain: projectId, now: now() + 3_600_000 });
    expect(report.ok).toBe(true);
    const order = await t.store.db
      .selectFrom('audit_seals as s')
      .innerJoin('audit_events as e', 'e.seq', 's.seq')
      .select(['e.actor', 's.pos'])
      .where('s.chain', '=', projectId)
      .orderBy('s.pos', 'desc')
      .limit(2)
      .execute();
    expect(order.map((r) => r.actor)).toEqual(['slow', 'fast']);
  });
});
