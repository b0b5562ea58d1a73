import { ensureWebBuild } from '../e2e/browser.js';

/**
 * Vitest global setup: builds the web console once, before any test file runs, when dist/web is
 * missing or older than its sources (CI has just built it). The end-to-end and bundle-budget
 * tests then read the same build; two files building at once would write over each other.
 */
export default async function setup(): Promise<void> {
  await ensureWebBuild();
}
