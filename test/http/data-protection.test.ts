import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealAll, verifyAudit } from '../../src/app/audit-chain-service.js';
import { applyRetention } from '../../src/app/data-protection-service.js';
import { newOriginalKeyText, parseOriginalKey } from '../../src/core/data-protection/original-cipher.js';
import { testApi, type TestApi } from '../support/http.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const DAY = 86_400_000;
const EMAIL = 'jane.doe@example.com';
const PHONE = '+44 20 7946 0958';
const CARD = '4111 1111 1111 1111';
const IBAN = 'GB82 WEST 1234 5698 7654 32';
const EMPLOYEE = 'EMP-204518';
const SECRETS = [EMAIL, PHONE, CARD, IBAN, EMPLOYEE, '4111111111111111', 'GB82WEST12345698765432'];

const POLICY = {
  rules: [
    { name: 'refunds', when: { 'metadata.kind': { eq: 'refund' } }, action: 'review', priority: 60 },
    { name: 'card-talk', when: { 'output.text': { matches: 'card' } }, action: 'review', priority: 70 },
  ],
};

const REDACTION = {
  detectors: ['email', 'phone', 'payment_card', 'iban'],
  custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }],
  original: 'encrypt',
  original_roles: ['admin'],
};

function piiItem(extra: Record<string, unknown> = {}) {
  return {
    input: [{ role: 'user', content: `Hi, I'm ${EMAIL}, call me on ${PHONE}. Staff ref ${EMPLOYEE}.` }],
    output: `Refund sent to card ${CARD}; backup account ${IBAN}.`,
    metadata: { kind: 'refund', customer: 'c-42' },
    ...extra,
  };
}

/** Every stored text column of every table, as one string: what someone with the database file sees. */
async function dumpStore(t: TestStore): Promise<string> {
  const tables = [
    'items',
    'judgments',
    'tasks',
    'audit_events',
    'item_originals',
    'erasures',
    'projects',
    'calibration_judgments',
    'gold_answers',
  ] as const;
  const parts: string[] = [];
  for (const table of tables) parts.push(JSON.stringify(await t.store.db.selectFrom(table).selectAll().execute()));
  return parts.join('\n');
}

describe.each(DIALECTS)('data protection (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let admin: string;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect, { originalKey: parseOriginalKey(newOriginalKeyText()) });
    api = await testApi(t.ctx);
    admin = await api.key('admin');
    const created = await api.call('POST', '/v1/projects', admin, {
      name: 'Support',
      policy: POLICY,
      data_protection: { redaction: REDACTION },
    });
    expect(created.statusCode, created.body).toBe(201);
    projectId = created.json().id;
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  const capture = async (body: unknown) => {
    const res = await api.call('POST', `/v1/projects/${projectId}/items`, admin, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  describe('redaction at capture', () => {
    it('stores and shows only redacted text, routes on it, and counts what it replaced', async () => {
      const item = await capture(piiItem());
      expect(item.input[0].content).toBe("Hi, I'm [REDACTED:email], call me on [REDACTED:phone]. Staff ref [REDACTED:employee_id].");
      expect(item.output).toBe('Refund sent to card [REDACTED:payment_card]; backup account [REDACTED:iban].');
      expect(item.redactions).toEqual({ email: 1, phone: 1, employee_id: 1, payment_card: 1, iban: 1 });
      expect(item.metadata).toEqual({ kind: 'refund', customer: 'c-42' });
      // Routing saw the redacted output: the trace quotes it, not the card number.
      const cardTalk = item.decision.matched_rules.find((r: { name: string }) => r.name === 'card-talk');
      expect(cardTalk.conditions[0].actual).toContain('[REDACTED:payment_card]');

      const reviewer = await api.key('reviewer', projectId);
      const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
      expect(claim.item.output).toBe(item.output);
      expect(JSON.stringify(claim)).not.toContain('4111');

      // Nothing in the database holds the personal data in clear: the original is sealed.
      const dump = await dumpStore(t);
      for (const secret of SECRETS) expect(dump).not.toContain(secret);
      expect(await t.store.db.selectFrom('item_originals').select('key_id').execute()).toEqual([{ key_id: t.ctx.originalKey!.id }]);
    });

    it('gives the original to the roles the project allows, and audits every read', async () => {
      const item = await capture(piiItem());
      const original = await api.call('GET', `/v1/items/${item.id}/original`, admin);
      expect(original.statusCode).toBe(200);
      expect(original.json()).toEqual({ item_id: item.id, ...piiItem(), redactions: item.redactions });

      const manager = await api.key('manager', projectId);
      const refused = await api.call('GET', `/v1/items/${item.id}/original`, manager);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('TG_FORBIDDEN');
      // A reviewer who never worked on the item cannot even learn it exists.
      expect((await api.call('GET', `/v1/items/${item.id}/original`, await api.key('reviewer', projectId))).statusCode).toBe(404);

      const events = (await api.call('GET', `/v1/projects/${projectId}/audit?action=item.original_read`, admin)).json().events;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ subject_id: item.id, actor: expect.stringMatching(/^key:/) });
      const captured = (await api.call('GET', `/v1/projects/${projectId}/audit?action=item.captured`, admin)).json().events;
      expect(captured[0].after.redactions).toEqual(item.redactions);

      // Allowing managers is a settings change, audited like any other.
      const changed = await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, {
        redaction: { ...REDACTION, original_roles: ['admin', 'manager'] },
      });
      expect(changed.statusCode).toBe(200);
      expect((await api.call('GET', `/v1/items/${item.id}/original`, manager)).statusCode).toBe(200);
    });

    it('refuses an original that was tampered with or moved to another item', async () => {
      const a = await capture(piiItem({ external_id: 'a' }));
      const b = await capture(piiItem({ external_id: 'b' }));
      const rowA = await t.store.db.selectFrom('item_originals').selectAll().where('item_id', '=', a.id).executeTakeFirstOrThrow();
      await t.store.db.updateTable('item_originals').set({ ciphertext: rowA.ciphertext }).where('item_id', '=', b.id).execute();
      const moved = await api.call('GET', `/v1/items/${b.id}/original`, admin);
      expect(moved.statusCode).toBe(503);
      expect(moved.json().error.code).toBe('TG_ENCRYPTION_UNAVAILABLE');
      expect((await api.call('GET', `/v1/items/${a.id}/original`, admin)).statusCode).toBe(200);
    });

    it('drops the original when the project says so, and leaves clean items alone', async () => {
      await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, { redaction: { detectors: ['email'] } });
      const item = await capture(piiItem());
      expect(item.redactions).toEqual({ email: 1 });
      expect(item.output).toContain(CARD);
      const res = await api.call('GET', `/v1/items/${item.id}/original`, admin);
      expect(res.statusCode).toBe(404);
      expect(await t.store.db.selectFrom('item_originals').selectAll().execute()).toEqual([]);
      const clean = await capture({ input: 'What are your opening hours?', output: 'Nine to five.' });
      expect(clean.redactions).toBeNull();
    });

    it('redacts metadata only when asked, and inline comparison candidates too', async () => {
      await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, {
        redaction: { detectors: ['email'], fields: ['input', 'output', 'metadata'] },
      });
      const item = await capture({ input: 'x', output: 'y', metadata: { contact: EMAIL, tier: 'gold' } });
      expect(item.metadata).toEqual({ contact: '[REDACTED:email]', tier: 'gold' });
      const pair = await api.call('POST', `/v1/projects/${projectId}/comparisons`, admin, {
        input: `Write to ${EMAIL}`,
        candidates: [{ output: `Sure, ${EMAIL}` }, { output: 'No' }],
      });
      expect(pair.statusCode).toBe(201);
      expect(JSON.stringify(pair.json())).not.toContain(EMAIL);
    });

    it('refuses bad settings with every problem and its path, changing nothing', async () => {
      const res = await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, {
        redaction: { detectors: ['email', 'ssn'], custom: [{ name: 'bad', pattern: '(\\d+)\\1' }], original: 'keep' },
        retention: { days: 0 },
      });
      expect(res.statusCode).toBe(422);
      const body = res.json().error;
      expect(body.code).toBe('TG_INVALID_DATA_PROTECTION');
      const paths = body.details.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining(['redaction.detectors[1]', 'redaction.custom[0].pattern', 'redaction.original', 'retention.days']),
      );
      const project = (await api.call('GET', `/v1/projects/${projectId}`, admin)).json();
      expect(project.data_protection.redaction.original).toBe('encrypt');
      expect(project.data_protection.retention).toBeNull();
    });

    it('refuses to keep originals on a server without the key', async () => {
      const bare = await openTestStore(dialect);
      const bareApi = await testApi(bare.ctx);
      try {
        const key = await bareApi.key('admin');
        const res = await bareApi.call('POST', '/v1/projects', key, { name: 'X', data_protection: { redaction: REDACTION } });
        expect(res.statusCode).toBe(422);
        expect(res.json().error.message).toContain('TOLLGATE_PII_ENCRYPTION_KEY');
        expect((await bareApi.call('GET', '/v1/projects', key)).json().projects).toEqual([]);
      } finally {
        await bareApi.app.close();
        await bare.close();
      }
    });

    it('lets only managers and admins change the settings', async () => {
      for (const role of ['reviewer', 'viewer', 'ingest', 'expert'] as const) {
        const res = await api.call('PUT', `/v1/projects/${projectId}/data-protection`, await api.key(role, projectId), {
          retention: { days: 30 },
        });
        expect(res.statusCode).toBe(403);
      }
      const manager = await api.key('manager', projectId);
      expect((await api.call('PUT', `/v1/projects/${projectId}/data-protection`, manager, { retention: { days: 30 } })).statusCode).toBe(
        200,
      );
    });
  });

  describe('retention', () => {
    async function settle(itemId: string, verdict: 'approve' | 'correct', correction?: string) {
      const reviewer = await api.key('reviewer', projectId);
      const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
      expect(claim.item.id).toBe(itemId);
      const res = await api.call('POST', `/v1/tasks/${claim.task.id}/judgments`, reviewer, {
        verdict,
        comment: `checked with ${EMAIL}`,
        ...(correction === undefined ? {} : { correction }),
      });
      expect(res.statusCode).toBe(201);
    }

    it('empties decided items past their days, everywhere, and keeps decisions and figures', async () => {
      await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, {
        redaction: null,
        retention: { days: 30, action: 'delete' },
      });
      const old = await capture(piiItem({ external_id: 'old' }));
      await settle(old.id, 'correct', `Refund to ${CARD} instead`);
      const pending = await capture(piiItem({ external_id: 'pending' }));
      const passed = await capture({ input: `mail ${EMAIL}`, output: 'ok', metadata: { kind: 'chat' } });
      t.clock.advance(29 * DAY);
      expect((await applyRetention(t.ctx)).items).toBe(0);
      const recent = await capture(piiItem({ external_id: 'recent', metadata: { kind: 'chat' }, output: 'fine' }));
      t.clock.advance(2 * DAY);
      const before = (await api.call('GET', `/v1/projects/${projectId}/stats/error-rate`, admin)).json();
      expect((await applyRetention(t.ctx)).items).toBe(2);

      const gone = (await api.call('GET', `/v1/items/${old.id}`, admin)).json();
      expect(gone).toMatchObject({ input: '', output: '', external_id: 'old', metadata: { kind: 'refund', customer: 'c-42' } });
      expect(gone.purged).toEqual({ at: new Date(t.clock()).toISOString(), reason: 'retention', action: 'delete' });
      expect(gone.outcome).toMatchObject({ status: 'corrected', output: '' });
      expect(gone.decision.matched_rules.map((r: { name: string }) => r.name)).toEqual(['refunds', 'card-talk']);
      expect(JSON.stringify(gone.decision)).not.toContain('Refund sent');
      const judgments = await t.store.db
        .selectFrom('judgments')
        .select(['correction', 'comment', 'verdict'])
        .where('item_id', '=', old.id)
        .execute();
      expect(judgments).toEqual([{ correction: null, comment: null, verdict: 'correct' }]);
      expect((await api.call('GET', `/v1/items/${passed.id}`, admin)).json().input).toBe('');

      // Still awaiting a person, or not yet due: untouched.
      expect((await api.call('GET', `/v1/items/${pending.id}`, admin)).json()).toMatchObject({ purged: null, output: piiItem().output });
      expect((await api.call('GET', `/v1/items/${recent.id}`, admin)).json().purged).toBeNull();
      // The figures are made of decisions, not content: unchanged.
      expect((await api.call('GET', `/v1/projects/${projectId}/stats/error-rate`, admin)).json()).toEqual(before);

      const events = (await api.call('GET', `/v1/projects/${projectId}/audit?action=retention.applied`, admin)).json().events;
      expect(events).toHaveLength(1);
      expect(events[0].after).toMatchObject({ action: 'delete', days: 30, items: 2 });
      expect(new Set(events[0].after.item_ids)).toEqual(new Set([old.id, passed.id]));
      // A second pass finds nothing more to do; the trail still verifies.
      expect((await applyRetention(t.ctx)).items).toBe(0);
      await sealAll(t.store, t.clock() + 120_000);
      expect((await verifyAudit(t.store, { now: t.clock() + 120_000 })).ok).toBe(true);
    });

    it('redacts instead of deleting when asked, with every built-in detector when the project has no redaction', async () => {
      await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, {
        redaction: null,
        retention: { days: 7, action: 'redact' },
      });
      const item = await capture(piiItem({ metadata: { kind: 'chat' }, output: `Your card ${CARD} is fine` }));
      await settle(item.id, 'correct', `Card ${CARD} replaced`);
      t.clock.advance(8 * DAY);
      expect((await applyRetention(t.ctx)).items).toBe(1);
      const after = (await api.call('GET', `/v1/items/${item.id}`, admin)).json();
      expect(after.output).toBe('Your card [REDACTED:payment_card] is fine');
      expect(after.input[0].content).toBe("Hi, I'm [REDACTED:email], call me on [REDACTED:phone]. Staff ref EMP-204518.");
      expect(after.outcome.output).toBe('Card [REDACTED:payment_card] replaced');
      expect(after.purged).toMatchObject({ reason: 'retention', action: 'redact' });
      const dump = await dumpStore(t);
      for (const secret of [EMAIL, PHONE, CARD]) expect(dump).not.toContain(secret);
    });

    it('leaves gold items alone', async () => {
      await api.call('PUT', `/v1/projects/${projectId}/data-protection`, admin, { redaction: null, retention: { days: 1 } });
      const gold = await api.call('POST', `/v1/projects/${projectId}/gold`, admin, { item: piiItem(), verdict: 'approve' });
      expect(gold.statusCode).toBe(201);
      t.clock.advance(3 * DAY);
      await applyRetention(t.ctx);
      expect((await api.call('GET', `/v1/items/${gold.json().item.id}`, admin)).json().purged).toBeNull();
    });
  });

  describe('data-subject erasure', () => {
    it('erases a subject by external id everywhere, audits it by digest, and is idempotent', async () => {
      const item = await capture(piiItem({ external_id: 'customer-jane-7' }));
      const other = await capture(piiItem({ external_id: 'customer-bob-8' }));
      const manager = await api.key('manager', projectId);
      const dry = await api.call('POST', `/v1/projects/${projectId}/erasures`, manager, { external_id: 'customer-jane-7', dry_run: true });
      expect(dry.statusCode).toBe(200);
      expect(dry.json()).toMatchObject({ id: null, dry_run: true, items: 1, item_ids: [item.id] });
      expect((await api.call('GET', `/v1/items/${item.id}`, admin)).json().purged).toBeNull();

      const res = await api.call('POST', `/v1/projects/${projectId}/erasures`, manager, { external_id: 'customer-jane-7' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ dry_run: false, items: 1, item_ids: [item.id], selector_digest: dry.json().selector_digest });
      const erased = (await api.call('GET', `/v1/items/${item.id}`, admin)).json();
      expect(erased).toMatchObject({
        input: '',
        output: '',
        metadata: {},
        external_id: null,
        purged: { reason: 'erasure', action: 'delete' },
      });
      // Still pending review when erased: withdrawn, its task cancelled, nothing left to review.
      expect(erased.outcome).toMatchObject({ status: 'withdrawn', output: null, decided_by: expect.stringMatching(/^key:/) });
      const tasks = await t.store.db.selectFrom('tasks').select('status').where('item_id', '=', item.id).execute();
      expect(tasks.every((x) => x.status === 'cancelled')).toBe(true);
      expect((await api.call('GET', `/v1/items/${item.id}/original`, admin)).statusCode).toBe(404);
      expect((await api.call('GET', `/v1/items/${other.id}`, admin)).json().purged).toBeNull();

      // The record of the erasure keeps neither the identifier nor the content.
      const events = (await api.call('GET', `/v1/projects/${projectId}/audit?action=subject.erased`, admin)).json().events;
      expect(events).toHaveLength(1);
      expect(JSON.stringify(events)).not.toContain('customer-jane-7');
      const list = (await api.call('GET', `/v1/projects/${projectId}/erasures`, manager)).json().erasures;
      expect(list).toEqual([
        expect.objectContaining({ selector_kind: 'external_id', items_erased: 1, selector_digest: res.json().selector_digest }),
      ]);

      const again = await api.call('POST', `/v1/projects/${projectId}/erasures`, manager, { external_id: 'customer-jane-7' });
      expect(again.json().items).toBe(0);
      // The same external id may be captured afresh afterwards: it is a new item.
      const fresh = await capture(piiItem({ external_id: 'customer-jane-7' }));
      expect(fresh.id).not.toBe(item.id);
    });

    it('matches metadata by exact value and type, and reaches judgments and escalations', async () => {
      const a = await capture(piiItem({ metadata: { kind: 'refund', customer: 42, vip: true } }));
      const b = await capture(piiItem({ metadata: { kind: 'refund', customer: '42' } }));
      const reviewer = await api.key('reviewer', projectId);
      const claim = (await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer)).json();
      expect(claim.item.id).toBe(a.id);
      const escalated = await api.call('POST', `/v1/tasks/${claim.task.id}/escalate`, reviewer, {
        reason: 'unsure',
        comment: `customer says call ${PHONE}`,
      });
      expect(escalated.statusCode).toBe(200);

      const res = await api.call('POST', `/v1/projects/${projectId}/erasures`, admin, { metadata: { customer: 42, vip: true } });
      expect(res.json().item_ids).toEqual([a.id]);
      const escalations = await t.store.db
        .selectFrom('tasks')
        .select('escalation')
        .where('item_id', '=', a.id)
        .where('escalation', 'is not', null)
        .execute();
      expect(JSON.stringify(escalations)).not.toContain('7946');
      expect((await api.call('GET', `/v1/items/${b.id}`, admin)).json().purged).toBeNull();
      const dump = await dumpStore(t);
      expect(dump).not.toContain('7946 0958');
    });

    it('refuses a selector that is ambiguous or too wide, and roles that may not erase', async () => {
      const bad = [{}, { external_id: 'x', metadata: { a: 1 } }, { metadata: {} }, { metadata: { a: { b: 1 } } }, { metadata: { a: '' } }];
      for (const body of bad) {
        const res = await api.call('POST', `/v1/projects/${projectId}/erasures`, admin, body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('TG_VALIDATION_FAILED');
      }
      for (const role of ['reviewer', 'viewer', 'ingest', 'expert'] as const) {
        const res = await api.call('POST', `/v1/projects/${projectId}/erasures`, await api.key(role, projectId), { external_id: 'x' });
        expect(res.statusCode).toBe(403);
      }
    });
  });
});
