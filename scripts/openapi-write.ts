import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../src/http/openapi/openapi-build.js';
import { openApiToMarkdown } from '../src/http/openapi/openapi-markdown.js';
import { generateSdkTypes, SDK_TYPES_FILE } from './sdk-types.js';

/**
 * `npm run openapi`: regenerates docs/openapi.json and docs/api.md, and the SDK's types made from
 * them (packages/sdk/src/generated/openapi.ts); a test fails when any of them is stale.
 */
const doc = await buildOpenApiDocument('current');
await writeFile(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
await writeFile(new URL('../docs/api.md', import.meta.url), openApiToMarkdown(doc));
// Through JSON, as the committed file is read: generated from exactly what was written.
await writeFile(SDK_TYPES_FILE, await generateSdkTypes(JSON.parse(JSON.stringify(doc)) as Parameters<typeof generateSdkTypes>[0]));
process.stdout.write('wrote docs/openapi.json, docs/api.md and packages/sdk/src/generated/openapi.ts\n');
