import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT } from '../e2e/browser.js';

/**
 * The console's JavaScript budget: what a browser must download before the first page works.
 * Sizes are gzip level 9 of the built files, as a server or CDN would send them.
 */
const BUDGET_GZIP_BYTES = 300 * 1024;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  src?: string;
}
type Manifest = Record<string, ManifestChunk>;

function staticClosure(manifest: Manifest, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key]?.imports ?? []) staticClosure(manifest, dep, seen);
  return seen;
}

const gz = (file: string) => gzipSync(readFileSync(join(WEB_ROOT, file)), { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

describe('web console bundle budget', () => {
  let manifest: Manifest;
  beforeAll(() => {
    // Built by the global setup (test/support/web-build-setup.ts).
    manifest = JSON.parse(readFileSync(join(WEB_ROOT, '.vite', 'manifest.json'), 'utf8')) as Manifest;
  });

  const bytes = (keys: Iterable<string>) => [...keys].reduce((sum, k) => sum + gz(manifest[k]!.file), 0);

  it('loads under 300 KB of gzipped JavaScript before the first page, and each area on top of it stays lazy', () => {
    const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
    expect(entry).toBeDefined();
    const initial = staticClosure(manifest, entry!);
    const initialBytes = bytes(initial);
    const report = [`initial (sign-in and shell): ${kb(initialBytes)}`];
    // Each area, as a person first opening it downloads it: the entry plus the area's own chunks.
    for (const area of ['workspace', 'console', 'dashboards']) {
      const key = Object.keys(manifest).find((k) => k === `src/${area}/index.tsx`);
      expect(key, area).toBeDefined();
      const closure = staticClosure(manifest, key!, new Set(initial));
      const total = bytes(closure);
      report.push(`${area}: ${kb(total)} in all`);
      expect(total, area).toBeLessThan(BUDGET_GZIP_BYTES);
      // The area is not in the initial load.
      expect(initial.has(key!)).toBe(false);
    }
    console.log(`console JavaScript, gzipped: ${report.join('; ')}`);
    expect(initialBytes).toBeLessThan(BUDGET_GZIP_BYTES);
  });
});
