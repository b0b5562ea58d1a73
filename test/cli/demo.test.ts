import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectAgreement } from '../../src/app/stats-service.js';
import { loadDemo } from '../../src/cli/commands/demo.js';
import { listReviewerStandings } from '../../src/app/quality-service.js';
import { claimTask } from '../../src/app/review-service.js';
import { countRows, DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { ROOT } from '../support/http.js';

describe.each(DIALECTS)('tollgate demo (%s)', (dialect) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('loads a project that shows routing, holds, guidelines, consensus and agreement at once', async () => {
    const summary = await loadDemo(t.ctx, ROOT);
    const projectId = /Demo project (\S+)/.exec(summary)?.[1];
    expect(projectId).toBeDefined();
    const [passed, reviewed, held] = /(\d+) passed, (\d+) routed to review, (\d+) held/.exec(summary)!.slice(1).map(Number);
    expect(passed! + reviewed! + held!).toBe(60);
    expect(held).toBeGreaterThan(0);
    const judged = Number(/(\d+) judgments by three simulated reviewers/.exec(summary)?.[1]);
    expect(judged).toBeGreaterThanOrEqual(20);

    const agreement = await projectAgreement(t.ctx, ROOT, projectId!, {});
    expect(agreement.judgments).toBe(judged);
    // Held items need two reviewers, so some items carry two judgments to agree on.
    expect(agreement.multiply_judged_items).toBeGreaterThan(0);
    const guideline = await t.store.db.selectFrom('judgments').select('guideline_version').distinct().execute();
    expect(guideline).toEqual([{ guideline_version: 1 }]);

    // Gold items, a finished calibration session that led to guidelines version 2, and every task type.
    expect(await countRows(t.store, 'gold_answers')).toBe(6);
    const sessions = await t.store.db.selectFrom('calibration_sessions').select(['id', 'status']).execute();
    expect(sessions).toEqual([{ id: expect.any(String), status: 'closed' }]);
    expect(await countRows(t.store, 'calibration_judgments')).toBe(12);
    const project = await t.store.db.selectFrom('projects').select('guideline_version').executeTakeFirstOrThrow();
    expect(project.guideline_version).toBe(2);
    const kinds = await t.store.db.selectFrom('items').select('kind').distinct().orderBy('kind').execute();
    expect(kinds.map((k) => k.kind)).toEqual(['compare', 'output', 'rank']);

    // Quality control: the team and the expert are active, the printed reviewer key qualifies first.
    const standings = await listReviewerStandings(t.ctx, ROOT, projectId!);
    expect(standings.map((s) => s.status)).toEqual(['active', 'active', 'active', 'active']);
    const reviewerKey = /reviewer key: (\S+)/.exec(summary)?.[1];
    const keyRow = await t.store.db.selectFrom('api_keys').select('id').where('name', '=', 'demo reviewer').executeTakeFirstOrThrow();
    expect(reviewerKey).toMatch(/^tg_/);
    const newcomer = { key_id: keyRow.id, role: 'reviewer' as const, project_id: projectId!, actor: `key:${keyRow.id}` };
    const first = await claimTask(t.ctx, newcomer, projectId!, {});
    expect(first?.assignment).toEqual({ purpose: 'qualification', position: 1, total: 3 });
  });
});
