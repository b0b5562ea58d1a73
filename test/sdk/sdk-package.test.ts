import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSdkTypes, SDK_TYPES_FILE } from '../../scripts/sdk-types.js';
import type * as Sdk from '../../packages/sdk/src/index.js';

const readJson = async (rel: string) => JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8'));
const distBuilt = existsSync(new URL('../../packages/sdk/dist/index.js', import.meta.url));

describe('the @tollgate/sdk package', () => {
  it('has types generated from the committed OpenAPI document: run `npm run sdk:generate` (or `npm run openapi`) when stale', async () => {
    const committed = await readFile(SDK_TYPES_FILE, 'utf8');
    expect(committed === (await generateSdkTypes()), 'packages/sdk/src/generated/openapi.ts is stale: run `npm run sdk:generate`').toBe(
      true,
    );
  });

  it('is a dependency-free ESM package at the server’s version, wired as a workspace', async () => {
    const sdk = await readJson('../../packages/sdk/package.json');
    const root = await readJson('../../package.json');
    expect(sdk).toMatchObject({
      name: '@tollgate/sdk',
      version: root.version,
      type: 'module',
      types: './dist/index.d.ts',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      files: ['dist', 'README.md'],
    });
    expect(sdk.dependencies).toBeUndefined();
    expect(sdk.peerDependencies).toBeUndefined();
    expect(root.workspaces).toContain('packages/*');
    const lock = await readJson('../../package-lock.json');
    expect(lock.packages['node_modules/@tollgate/sdk']).toEqual({ resolved: 'packages/sdk', link: true });
    expect(lock.packages['packages/sdk'].version).toBe(sdk.version);
  });

  // `npm run build` (CI runs it before the tests) builds the package into packages/sdk/dist.
  it.skipIf(!distBuilt)('imports by its name from the built dist', async () => {
    // A specifier in a variable: the type check must not need the build (`npm test` runs before it locally).
    const name = '@tollgate/sdk';
    const sdk = (await import(name)) as typeof Sdk;
    expect(typeof sdk.Tollgate).toBe('function');
    expect(new sdk.TollgateApiError(409, 'TG_CONFLICT', 'x', null)).toBeInstanceOf(sdk.TollgateError);
    expect(existsSync(new URL('../../packages/sdk/dist/index.d.ts', import.meta.url))).toBe(true);
  });
});
