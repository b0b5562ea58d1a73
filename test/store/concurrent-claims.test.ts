import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureItems, type ItemSubmission } from '../../src/app/ingest-service.js';
import { createKey } from '../../src/app/key-service.js';
import { createProject } from '../../src/app/project-service.js';
import { claimTask, submitJudgment } from '../../src/app/review-service.js';
import type { Principal, Verdict } from '../../src/core/types.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { ROOT } from '../support/http.js';

/**
 * Many reviewers racing over one queue. On PostgreSQL each claimer really runs on its own
 * connection (pool of 25), so the claim statement's locking is what keeps them apart; on
 * SQLite the single writer serializes them. Either way: each task is claimed exactly once,
 * nobody gets two tasks of one item, and every item ends resolved.
 */
const POLICY = {
  rules: [
    { name: 'double', when: { 'metadata.double': { eq: true } }, action: 'hold', priority: 80, overlap: 2 },
    { name: 'single', when: { confidence: { lt: 0.5 } }, action: 'review', priority: 50 },
  ],
};
const VERDICTS: Verdict[] = ['approve', 'reject', 'correct'];

interface Claim {
  reviewer: string;
  task: string;
  item: string;
}

async function reviewers(t: TestStore, projectId: string, n: number): Promise<Principal[]> {
  const out: Principal[] = [];
  for (let i = 0; i < n; i++) {
    const k = await createKey(t.ctx, ROOT, { role: i % 2 ? 'expert' : 'reviewer', project_id: projectId, name: `r${i}` });
    out.push({ key_id: k.id, role: k.role as Principal['role'], project_id: projectId, actor: `key:${k.id}` });
  }
  return out;
}

/** One reviewer session: claim, judge, repeat until the queue has nothing for this reviewer. */
async function work(t: TestStore, who: Principal, projectId: string, claims: Claim[], failures: unknown[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const c = await claimTask(t.ctx, who, projectId, {});
    if (!c) return;
    claims.push({ reviewer: who.actor, task: c.task.id, item: c.item.id });
    // Let the other claimers run between the claim and the judgment.
    await new Promise((r) => setImmediate(r));
    const verdict = VERDICTS[(claims.length + i) % VERDICTS.length] as Verdict;
    try {
      await submitJudgment(t.ctx, who, c.task.id, verdict === 'correct' ? { verdict, correction: `fixed by ${who.actor}` } : { verdict });
    } catch (err) {
      failures.push(err);
    }
  }
  throw new Error(`${who.actor} never ran out of tasks`);
}

describe.each(DIALECTS)('concurrent claims (%s)', (dialect) => {
  let t: TestStore;
  let projectId: string;

  beforeEach(async () => {
    t = await openTestStore(dialect, { poolSize: 25 });
    projectId = (await createProject(t.ctx, ROOT, { name: 'Race', policy: POLICY })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  async function ingest(n: number, isDouble: (i: number) => boolean): Promise<void> {
    const subs: ItemSubmission[] = Array.from({ length: n }, (_, i) => ({
      input: `q${i}`,
      output: `a${i}`,
      confidence: 0.2,
      metadata: { double: isDouble(i) },
      external_id: `e${i}`,
    }));
    const res = await captureItems(t.ctx, ROOT, projectId, subs);
    expect(res.every((r) => r.created)).toBe(true);
  }

  async function expectEverythingResolved(claims: Claim[], expectedTasks: number): Promise<void> {
    const tasks = await t.store.db
      .selectFrom('tasks')
      .select(['id', 'item_id', 'status', 'claim_count', 'lease_owner'])
      .where('project_id', '=', projectId)
      .execute();
    expect(tasks).toHaveLength(expectedTasks);

    // Every task claimed exactly once, by exactly one claimer.
    expect(claims).toHaveLength(expectedTasks);
    expect(new Set(claims.map((c) => c.task)).size).toBe(expectedTasks);
    expect(new Set(claims.map((c) => c.task))).toEqual(new Set(tasks.map((x) => x.id)));
    for (const task of tasks) expect(task, `task ${task.id}`).toMatchObject({ status: 'done', claim_count: 1 });
    const claimedEvents = await t.store.db
      .selectFrom('audit_events')
      .select('subject_id')
      .where('action', '=', 'task.claimed')
      .where('project_id', '=', projectId)
      .execute();
    expect(claimedEvents).toHaveLength(expectedTasks);

    // Nobody held two tasks of one item.
    const pairs = claims.map((c) => `${c.reviewer}|${c.item}`);
    expect(pairs.length - new Set(pairs).size, 'claims by one reviewer on one item').toBe(0);

    // Every item resolved, by as many distinct reviewers as it required.
    const items = await t.store.db
      .selectFrom('items')
      .select(['id', 'required_reviews', 'outcome_status'])
      .where('project_id', '=', projectId)
      .execute();
    const judgments = await t.store.db
      .selectFrom('judgments')
      .select(['item_id', 'reviewer'])
      .where('project_id', '=', projectId)
      .execute();
    expect(judgments).toHaveLength(expectedTasks);
    for (const item of items) {
      expect(item.outcome_status, `item ${item.id}`).not.toBe('pending');
      const by = judgments.filter((j) => j.item_id === item.id).map((j) => j.reviewer);
      expect(new Set(by).size, `distinct reviewers of item ${item.id}`).toBe(item.required_reviews);
    }
  }

  it('24 reviewers over 60 items (20 with overlap 2): each task claimed once, every item resolved', async () => {
    await ingest(60, (i) => i % 3 === 0);
    const who = await reviewers(t, projectId, 24);
    const claims: Claim[] = [];
    const failures: unknown[] = [];
    await Promise.all(who.map((w) => work(t, w, projectId, claims, failures)));

    expect(failures).toEqual([]);
    await expectEverythingResolved(claims, 40 + 20 * 2);
    // The work was actually shared out, not done by one claimer while the rest waited.
    expect(new Set(claims.map((c) => c.reviewer)).size).toBeGreaterThan(dialect === 'postgres' ? 10 : 1);
  });

  it('only overlap-2 items, more reviewers than items: the distinct-reviewer rule holds under contention', async () => {
    await ingest(20, () => true);
    const who = await reviewers(t, projectId, 22);
    const claims: Claim[] = [];
    const failures: unknown[] = [];
    await Promise.all(who.map((w) => work(t, w, projectId, claims, failures)));
    expect(failures).toEqual([]);
    await expectEverythingResolved(claims, 40);
  });

  it('one reviewer working from several sessions at once never gets two tasks of one item', async () => {
    await ingest(12, () => true);
    const who = await reviewers(t, projectId, 4);
    const claims: Claim[] = [];
    const failures: unknown[] = [];
    // Three parallel sessions (browser tabs, workers) per reviewer, same key.
    await Promise.all(who.flatMap((w) => [0, 1, 2].map(() => work(t, w, projectId, claims, failures))));
    expect(failures).toEqual([]);
    await expectEverythingResolved(claims, 24);
  });
});
