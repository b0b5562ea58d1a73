import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * End-to-end support: the built console, and Debian's Chromium driven by playwright-core.
 * `.ci/run` installs the `chromium` package; elsewhere set TOLLGATE_E2E_CHROMIUM to a binary.
 */
export const CHROMIUM = process.env.TOLLGATE_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const REPO = join(import.meta.dirname, '..', '..');
export const WEB_ROOT = join(REPO, 'dist', 'web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the console when dist/web is missing or older than its sources (CI builds it before the tests). */
export async function ensureWebBuild(): Promise<void> {
  const index = join(WEB_ROOT, 'index.html');
  const sources = Math.max(newestMtime(join(REPO, 'web', 'src')), newestMtime(join(REPO, 'src', 'core')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'web', 'vite.config.ts'), logLevel: 'warn' });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium and chromium-driver packages (bash .ci/run does), or set TOLLGATE_E2E_CHROMIUM`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container Chromium needs --no-sandbox; background networking would try to
    // reach the internet, which this machine refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const require = createRequire(import.meta.url);

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/** Runs axe-core in the page; returns the serious and critical violations, described. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    // Runs in the page (the test's own TypeScript has no DOM types).
    const page = globalThis as unknown as { axe: { run: (ctx: unknown, opts: object) => Promise<AxeResult> }; document: unknown };
    return page.axe.run(page.document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}
