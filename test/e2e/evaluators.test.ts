import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureItems } from '../../src/app/ingest-service.js';
import { createKey } from '../../src/app/key-service.js';
import { createProject } from '../../src/app/project-service.js';
import { claimTask, submitJudgment } from '../../src/app/review-service.js';
import { createUser } from '../../src/app/user-service.js';
import { buildApp } from '../../src/http/app.js';
import { ROOT } from '../support/http.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { launchChromium, seriousA11yViolations, WEB_ROOT } from './browser.js';

/**
 * The evaluators page in a real browser (Debian's headless Chromium against the real server
 * serving the built console): a manager saves a set through the editor, tries it on an item, and
 * reads its agreement with reviewers once people have decided items it scored.
 * TOLLGATE_E2E_SCREENSHOTS=<dir> also writes screenshots there.
 */
const PASSWORD = 'e2e manager password';
const SHOTS = process.env.TOLLGATE_E2E_SCREENSHOTS;

const PII_SET = { evaluators: [{ name: 'pii', check: { type: 'pii', detectors: ['email', 'phone'], target: 'output' } }] };

describe('the evaluators page in Chromium', { timeout: 90_000 }, () => {
  let t: TestStore;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let projectId: string;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    t = await openTestStore('sqlite', { clock: Date.now });
    const project = await createProject(t.ctx, ROOT, {
      name: 'E2E evaluated replies',
      rubric: { criteria: [{ key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true }] },
      policy: {
        default_action: 'review',
        rules: [
          { name: 'pii-found', when: { 'evals.pii.found': { eq: true } }, action: 'review', priority: 80 },
          {
            name: 'clean-auto',
            when: { 'evals.pii.status': { eq: 'pass' } },
            action: 'pass',
            trust: { evaluator: 'pii', min_kappa: 0.6, min_checks: 10, window_days: 30, audit_sample: 0.1 },
          },
        ],
      },
    });
    projectId = project.id;
    await createUser(t.ctx, ROOT, { email: 'e2e-manager@example.com', password: PASSWORD, role: 'manager', project_id: null });

    app = await buildApp({ ctx: t.ctx, version: 'e2e', webRoot: WEB_ROOT, authFailuresPerMinute: 0 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();

    // bypassCSP lets the test inject axe-core; the app itself runs under the server's strict CSP.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill('e2e-manager@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.close();
  });

  const evaluatorVersion = async () =>
    (await t.store.db.selectFrom('projects').select('evaluator_version').where('id', '=', projectId).executeTakeFirstOrThrow())
      .evaluator_version;
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  it('explains evaluators before the first set, refuses a bad set with its problem at its path, and saves a pii check from the editor', async () => {
    await page.goto(`${base}/console/projects/${projectId}`);
    await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Evaluators' }).click();
    await page.getByTestId('evaluators-intro').waitFor();
    expect(await page.getByTestId('evaluators-intro').textContent()).toContain('evals.pii.found');
    expect(await page.getByTestId('agreement-section').textContent()).toContain('has no evaluators');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot('evaluators-empty');

    const editor = page.getByTestId('evaluators-editor');
    await editor.fill(JSON.stringify({ evaluators: [{ name: 'pii', check: { type: 'pii', target: 'everywhere' } }] }, null, 2));
    await page.getByTestId('evaluators-save').click();
    const problems = page.getByTestId('evaluators-errors');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('evaluators[0].check.target');
    expect(await problems.textContent()).toContain('must be "input" or "output"');
    // The problem points at its line in the editor (line 7: the "target" key).
    expect(await problems.getByRole('button', { name: /^Line \d+$/ }).textContent()).toBe('Line 7');
    expect(await evaluatorVersion()).toBe(0);

    await editor.fill(JSON.stringify(PII_SET, null, 2));
    await page.getByTestId('evaluators-save').click();
    await expect.poll(evaluatorVersion).toBe(1);
    // The page reloads the set: version 1, with its defaults filled in, and no intro any more.
    await expect.poll(() => page.getByTestId('evaluators-version').textContent(), { timeout: 10_000 }).toBe('v1');
    await expect.poll(() => editor.inputValue()).toContain('"reference_path": "metadata.reference"');
    expect(await page.getByTestId('evaluators-intro').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('tries the edited, unsaved set on an item: an email in the output fails pii and the policy sends it to review', async () => {
    const editor = page.getByTestId('evaluators-editor');
    const edited = {
      evaluators: [...PII_SET.evaluators, { name: 'short', check: { type: 'length', max: 5, unit: 'words', target: 'output' } }],
    };
    await editor.fill(JSON.stringify(edited, null, 2));
    const form = page.getByTestId('try-form');
    await form.getByLabel('Input', { exact: true }).fill('How do I reach support?');
    await form.getByLabel('Output', { exact: true }).fill('Write to jane.doe@example.com and we will answer within a day.');
    await page.getByTestId('try-run').click();

    const pii = page.getByTestId('try-result-pii');
    await pii.waitFor();
    expect(await pii.textContent()).toMatch(/fail/);
    expect(await pii.textContent()).toMatch(/found/);
    // The unsaved evaluator ran too.
    expect(await page.getByTestId('try-result-short').textContent()).toMatch(/too_long/);
    expect(await page.getByTestId('try-action').textContent()).toBe('review');
    const decision = await page.getByTestId('try-decision').textContent();
    expect(decision).toContain('pii-found');
    expect(decision).toContain('evals.pii.found');
    // A dry run stores nothing.
    expect(await evaluatorVersion()).toBe(1);
    expect((await t.store.db.selectFrom('items').select('id').where('project_id', '=', projectId).execute()).length).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot('evaluators-try');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(errors).toEqual([]);
  });

  it('shows agreement with reviewers, per segment, trust and disagreements once people decide items the evaluator scored', async () => {
    // Twelve outputs, six with an email. People reject five of those and approve the sixth; they
    // approve five clean ones and reject the sixth. Evaluator rows × people columns: pass/approved
    // 5, pass/rejected 1, fail/approved 1, fail/rejected 5. Observed agreement 10/12; both raters
    // say pass half the time, so chance agreement is 0.5 and Cohen's (1960) kappa =
    // (10/12 − 0.5) / (1 − 0.5) = 2/3. Precision and recall at catching rejections: 5/6 = 83%.
    const outputs = [
      { text: 'Mail me at ann@example.com', verdict: 'reject', version: 'v1' },
      { text: 'Reach bob@example.org for help', verdict: 'reject', version: 'v1' },
      { text: 'Write to cy@example.net', verdict: 'reject', version: 'v1' },
      { text: 'Ask dee@example.com directly', verdict: 'reject', version: 'v2' },
      { text: 'Try eve@example.org today', verdict: 'reject', version: 'v2' },
      { text: 'Our desk is desk@example.com', verdict: 'approve', version: 'v2' },
      { text: 'Refunds take five days.', verdict: 'approve', version: 'v1' },
      { text: 'Your parcel ships tomorrow.', verdict: 'approve', version: 'v1' },
      { text: 'Returns are free within 30 days.', verdict: 'approve', version: 'v1' },
      { text: 'Exchanges are free too.', verdict: 'approve', version: 'v2' },
      { text: 'Gift cards never expire.', verdict: 'approve', version: 'v2' },
      { text: 'Refunds are impossible.', verdict: 'reject', version: 'v2' },
    ] as const;
    const captured = await captureItems(
      t.ctx,
      ROOT,
      projectId,
      outputs.map((o) => ({ input: 'Help me', output: o.text, model_version: o.version })),
    );
    const verdictOf = new Map(captured.map((c, i) => [c.item.id, outputs[i]!.verdict]));
    const key = await createKey(t.ctx, ROOT, { role: 'reviewer', project_id: projectId });
    const reviewer = { key_id: key.id, role: 'reviewer' as const, project_id: projectId, actor: `key:${key.id}` };
    for (let judged = 0; judged < outputs.length; judged++) {
      const claimed = await claimTask(t.ctx, reviewer, projectId, {});
      expect(claimed, `task ${judged + 1}`).not.toBeNull();
      const verdict = verdictOf.get(claimed!.item.id)!;
      await submitJudgment(t.ctx, reviewer, claimed!.task.id, { verdict, scores: { accuracy: verdict === 'approve' ? 5 : 2 } });
    }

    // The v1 outputs were decided two days ago, so the kappa trend has two days to draw.
    const v1Items = captured.filter((_c, i) => outputs[i]!.version === 'v1').map((c) => c.item.id);
    await t.store.db
      .updateTable('items')
      .set({ outcome_decided_at: Date.now() - 2 * 86_400_000 })
      .where('id', 'in', v1Items)
      .execute();

    await page.reload();
    const figures = page.getByTestId('agreement-figures-pii');
    await figures.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('kappa-pii').textContent()).toMatch(/^0\.67 substantial/);
    const rows = await page.getByTestId('confusion-pii').locator('tbody tr').allTextContents();
    expect(rows).toEqual(['Evaluator pass51', 'Evaluator fail15']);
    expect(await figures.textContent()).toContain('83%');

    const trend = page.getByTestId('kappa-trend-pii');
    expect(await trend.locator('tbody tr').count()).toBe(2);
    expect(await trend.locator('tbody tr').first().textContent()).toContain('1.00 almost perfect');
    await page.getByTestId('agreement-pii').locator('canvas').first().waitFor({ timeout: 10_000 });

    // Per model version: in v1 people rejected every email and approved every clean output.
    await page.getByTestId('segment-kind').selectOption('model_version');
    await expect.poll(() => figures.locator('tbody tr').count()).toBe(3);
    const v1 = figures.locator('tbody tr').filter({ hasText: 'v1' });
    expect(await v1.textContent()).toMatch(/^v16/);
    expect(await v1.textContent()).toContain('1.00');

    // Trust: not assessed until someone (or the scheduler) reassesses; kappa 0.67 on 12 checks clears 0.6 on 10.
    const trust = page.getByTestId('trust-clean-auto');
    expect(await trust.textContent()).toContain('not trusted');
    expect(await trust.textContent()).toContain('not assessed yet');
    await page.getByTestId('trust-reassess').click();
    await expect.poll(() => trust.textContent()).toMatch(/^clean-autopiitrusted0\.6712/);
    expect(await page.getByTestId('trust-section').getByRole('status').textContent()).toContain('clean-auto is now trusted');

    // The two disagreements, newest first, with what each side said.
    const disagreements = page.getByTestId('disagreements-table');
    await disagreements.waitFor();
    const listed = await disagreements.locator('tbody tr').allTextContents();
    expect(listed).toHaveLength(2);
    expect(listed.some((r) => /fail.*found.*approved/.test(r))).toBe(true);
    expect(listed.some((r) => /pass.*clean.*rejected/.test(r))).toBe(true);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot('evaluators-agreement');
    expect(errors).toEqual([]);
  });
});
