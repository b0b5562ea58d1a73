import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComparison } from '../../src/app/comparison-service.js';
import { captureItems } from '../../src/app/ingest-service.js';
import { createProject } from '../../src/app/project-service.js';
import { createUser } from '../../src/app/user-service.js';
import { createKey } from '../../src/app/key-service.js';
import { claimTask, submitJudgment } from '../../src/app/review-service.js';
import { DEMO_PASSWORD, loadDemo } from '../../src/cli/commands/demo.js';
import { buildApp } from '../../src/http/app.js';
import { ROOT } from '../support/http.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { launchChromium, REPO, seriousA11yViolations, WEB_ROOT } from './browser.js';

/**
 * The console in a real browser: Debian's headless Chromium against the real server serving
 * the built app, on a store holding the demo (two weeks of history) and a small project whose
 * tasks the tests know. Screenshots for the docs are written to docs/screenshots.
 */
const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
const PASSWORD = 'e2e reviewer password';
const ORIGINAL = 'Your refund of $40 is on its way.';

describe('the web console in Chromium', { timeout: 60_000 }, () => {
  let t: TestStore;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let projectId: string;
  let demoProjectId: string;

  beforeAll(async () => {
    // The browser runs on real time: leases and hold clocks must be on it too.
    t = await openTestStore('sqlite', { clock: Date.now });
    const summary = await loadDemo(t.ctx, ROOT, { people: true, historyDays: 14 });
    demoProjectId = /Demo project (\S+)/.exec(summary)![1]!;
    const project = await createProject(t.ctx, ROOT, {
      name: 'E2E support replies',
      rubric: {
        criteria: [
          { key: 'accuracy', label: 'Accuracy', scale: { type: 'likert', min: 1, max: 5 }, required: true },
          { key: 'polite', label: 'Polite', scale: { type: 'boolean' } },
          { key: 'topic', label: 'Topic', scale: { type: 'labels', options: ['billing', 'shipping', 'returns'] } },
        ],
      },
      policy: { rules: [{ name: 'everything', when: { 'metadata.e2e': { eq: true } }, action: 'review', priority: 50 }] },
    });
    projectId = project.id;
    await captureItems(t.ctx, ROOT, projectId, [
      {
        input: [{ role: 'user', content: 'Where is my refund for order 1234?' }],
        output: { role: 'assistant', content: ORIGINAL },
        model: 'support-bot',
        model_version: 'v7',
        confidence: 0.42,
        metadata: { e2e: true },
      },
    ]);
    await createComparison(t.ctx, ROOT, projectId, {
      input: 'Explain the refund window in one sentence.',
      candidates: [{ output: 'Refunds are possible.' }, { output: 'You can ask for a refund within 30 days of delivery.' }],
    });
    await createComparison(t.ctx, ROOT, projectId, {
      kind: 'rank',
      input: 'Which reply is best?',
      candidates: [
        { output: 'Okay.' },
        { output: 'Your parcel ships tomorrow.' },
        { output: 'It ships tomorrow; tracking follows by email.' },
      ],
    });
    await createUser(t.ctx, ROOT, { email: 'e2e-reviewer@example.com', password: PASSWORD, role: 'reviewer', project_id: projectId });

    app = await buildApp({ ctx: t.ctx, version: 'e2e', webRoot: WEB_ROOT, authFailuresPerMinute: 0 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.close();
  });

  async function signIn(email: string, password: string): Promise<Page> {
    // bypassCSP lets the test inject axe-core; the app itself runs under the server's strict CSP.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  }

  const pageErrors = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

  it('a reviewer signs in, claims, scores and labels with the keyboard, corrects the output and submits; then compares a pair and ranks three', async () => {
    const page = await signIn('e2e-reviewer@example.com', PASSWORD);
    // A reviewer is offered the workspace, not the console or the dashboards.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['Review']);

    await page.getByTestId('start-reviewing').click();
    const task = page.getByTestId('task-view');
    await task.waitFor();
    await expect.poll(() => task.textContent()).toContain(ORIGINAL);
    const firstTask = await task.getAttribute('data-task-id');
    // Set on the page: if the next task came with a page load, it would be gone.
    await page.evaluate(() => ((globalThis as unknown as { e2eMarker: number }).e2eMarker = 42));
    expect(await page.getByTestId('lease-timer').isVisible()).toBe(true);

    expect(await seriousA11yViolations(page)).toEqual([]);

    // The shortcut sheet opens on "?" and closes on Escape.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    await page.getByTestId('shortcut-sheet').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcut-sheet').waitFor({ state: 'hidden' });

    // Accuracy 4 (the first criterion is current), then down to "Polite" and its first option.
    await page.keyboard.press('4');
    await expect.poll(() => page.getByTestId('criterion-accuracy').getByRole('button', { pressed: true }).count()).toBe(1);
    await page.keyboard.press('j');
    await expect.poll(() => page.getByTestId('criterion-polite').getAttribute('data-active')).toBe('true');
    await page.keyboard.press('1');
    // Down again to the topic labels; 2 picks the second one.
    await page.keyboard.press('j');
    await page.keyboard.press('2');
    // "e": correct, with the cursor in the editor; the diff shows what changed.
    await page.keyboard.press('e');
    const editor = page.getByTestId('correction-editor');
    await expect
      .poll(() =>
        editor.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement),
      )
      .toBe(true);
    await page.keyboard.type(' It arrives within 5 days.');
    await expect.poll(() => page.getByTestId('correction-diff').locator('ins').allTextContents()).toContain(' It arrives within 5 days.');
    await page.screenshot({ path: join(SCREENSHOTS, 'workspace.png') });
    await page.keyboard.press('Control+Enter');

    // The next task (the comparison) arrives without a page load.
    await expect.poll(() => task.getAttribute('data-task-id'), { timeout: 10_000 }).not.toBe(firstTask);
    expect(await page.evaluate(() => (globalThis as unknown as { e2eMarker?: number }).e2eMarker)).toBe(42);
    const judged = await t.store.db.selectFrom('judgments').selectAll().where('task_id', '=', firstTask!).executeTakeFirstOrThrow();
    expect(judged.verdict).toBe('correct');
    expect(JSON.parse(String(judged.scores))).toEqual({ accuracy: 4, polite: true, topic: 'shipping' });
    expect(String(judged.correction)).toContain('Your refund of $40 is on its way. It arrives within 5 days.');

    // The comparison: B is better, clearly; submitted from the keyboard.
    await page.getByTestId('compare-view').waitFor();
    const compareTask = await task.getAttribute('data-task-id');
    expect(await page.getByTestId('candidate-b').textContent()).toContain('within 30 days');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.keyboard.press('3');
    await page.keyboard.press('w');
    await expect.poll(() => page.getByTestId('prefer-b').getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png') });
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('rank-view').waitFor();
    const preference = await t.store.db.selectFrom('judgments').selectAll().where('task_id', '=', compareTask!).executeTakeFirstOrThrow();
    expect(JSON.parse(String(preference.answer))).toMatchObject({ winner: 'b', strength: 'clear' });

    // The ranking: candidate c to the top from the keyboard, then a dragged below b.
    const rankTask = await task.getAttribute('data-task-id');
    const order = () => page.locator('[data-testid^="rank-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-rank-id')));
    expect(await order()).toEqual(['a', 'b', 'c']);
    await page.getByTestId('rank-item-c').focus();
    await page.keyboard.press('Alt+ArrowUp');
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(order).toEqual(['c', 'a', 'b']);
    await page.getByTestId('rank-item-a').dragTo(page.getByTestId('rank-item-b'));
    await expect.poll(order).toEqual(['c', 'b', 'a']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('queue-empty').waitFor();
    const ranking = await t.store.db.selectFrom('judgments').selectAll().where('task_id', '=', rankTask!).executeTakeFirstOrThrow();
    expect(JSON.parse(String(ranking.answer))).toMatchObject({ order: ['c', 'b', 'a'] });
    expect(pageErrors(page)).toEqual([]);
  });

  it('a manager edits the policy, sees the backtest before saving, and a refused policy names its problem', async () => {
    const page = await signIn('manager@example.com', DEMO_PASSWORD);
    await page.goto(`${base}/console/projects/${projectId}/policy`);
    const editor = page.getByTestId('policy-editor');
    await editor.waitFor();
    const candidate = {
      rules: [
        { name: 'everything', when: { 'metadata.e2e': { eq: true } }, action: 'review', priority: 50 },
        {
          name: 'low-confidence',
          when: { confidence: { lt: 0.5 } },
          action: 'hold',
          priority: 80,
          timeout_seconds: 600,
          on_timeout: 'reject',
        },
      ],
    };
    await editor.fill(JSON.stringify(candidate, null, 2));
    await page.getByTestId('policy-backtest').click();
    const result = page.getByTestId('backtest-result');
    await result.waitFor();
    await expect.poll(() => result.textContent()).toContain('low-confidence');
    await page.screenshot({ path: join(SCREENSHOTS, 'policy-backtest.png'), fullPage: true });
    await page.getByTestId('policy-save').click();
    await expect
      .poll(
        async () =>
          (await t.store.db.selectFrom('projects').select('policy_version').where('id', '=', projectId).executeTakeFirstOrThrow())
            .policy_version,
      )
      .toBe(2);

    // Once the page shows version 2 as saved (it reloads the project after a save), a rule with
    // an action that does not exist: the server's problem is listed, nothing saved.
    await expect.poll(() => page.getByTestId('policy-save').textContent(), { timeout: 10_000 }).toBe('Save as version 3');
    await editor.fill(JSON.stringify({ rules: [{ name: 'bad', when: { confidence: { lt: 0.5 } }, action: 'explode' }] }, null, 2));
    await page.getByTestId('policy-save').click();
    const problems = page.getByTestId('policy-errors');
    await problems.waitFor();
    expect(await problems.textContent()).toMatch(/action/);
    const version = await t.store.db.selectFrom('projects').select('policy_version').where('id', '=', projectId).executeTakeFirstOrThrow();
    expect(version.policy_version).toBe(2);
    expect(pageErrors(page)).toEqual([]);
  });

  it('the dashboard draws its charts from the demo history, passes axe, and filters by model version', async () => {
    const page = await signIn('manager@example.com', DEMO_PASSWORD);
    await page.goto(`${base}/dashboards/${demoProjectId}`);
    await page.getByTestId('dashboard').waitFor();
    for (const chart of ['captured', 'decisions', 'throughput', 'backlog', 'agreement', 'quality']) {
      await page.getByTestId(`chart-${chart}`).locator('canvas').first().waitFor({ timeout: 15_000 });
    }
    expect(Number((await page.getByTestId('headline-captured').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(100);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    const filter = page.getByTestId('model-version-filter');
    await filter.selectOption('2026-11-15');
    await expect.poll(() => page.url()).toContain('model_version=2026-11-15');
    await page.getByTestId('chart-captured').locator('canvas').first().waitFor();
    expect(pageErrors(page)).toEqual([]);
  });

  it('the demo reviewer from the README signs in and gets a task at once', async () => {
    const page = await signIn('reviewer@example.com', DEMO_PASSWORD);
    await page.getByTestId('start-reviewing').click();
    await page.getByTestId('task-view').waitFor();
    expect(pageErrors(page)).toEqual([]);
  });

  it('an expert adjudicates a split decision with both judgments side by side', async () => {
    const project = await createProject(t.ctx, ROOT, {
      name: 'E2E adjudication',
      policy: {
        consensus: { rule: 'unanimous' },
        rules: [{ name: 'pair', when: { 'metadata.e2e': { eq: true } }, action: 'review', priority: 50, overlap: 2 }],
      },
    });
    const [captured] = await captureItems(t.ctx, ROOT, project.id, [
      { input: 'Can I return opened headphones?', output: 'No, never.', metadata: { e2e: true } },
    ]);
    for (const verdict of ['approve', 'reject'] as const) {
      const key = await createKey(t.ctx, ROOT, { role: 'reviewer', project_id: project.id });
      const who = { key_id: key.id, role: 'reviewer' as const, project_id: project.id, actor: `key:${key.id}` };
      const claimed = await claimTask(t.ctx, who, project.id, {});
      await submitJudgment(t.ctx, who, claimed!.task.id, { verdict, comment: `${verdict} by a reviewer` });
    }
    await createUser(t.ctx, ROOT, { email: 'e2e-expert@example.com', password: PASSWORD, role: 'expert', project_id: project.id });

    const page = await signIn('e2e-expert@example.com', PASSWORD);
    await page.getByTestId('start-reviewing').click();
    await page.getByTestId('task-view').waitFor();
    const prior = page.getByRole('region', { name: /Prior judgments/ });
    await expect.poll(() => prior.textContent()).toMatch(/approve[\s\S]*reject|reject[\s\S]*approve/);
    expect(await prior.textContent()).toContain('reject by a reviewer');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('r');
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('queue-empty').waitFor();
    const item = await t.store.db
      .selectFrom('items')
      .select(['outcome_status', 'outcome_decided_by'])
      .where('id', '=', captured!.item.id)
      .executeTakeFirstOrThrow();
    expect(item).toEqual({ outcome_status: 'rejected', outcome_decided_by: 'user:e2e-expert@example.com' });
    expect(pageErrors(page)).toEqual([]);
  });

  it('a wrong password is refused on the sign-in page', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/review`);
    await page.getByLabel('Email').fill('manager@example.com');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong email or password');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
