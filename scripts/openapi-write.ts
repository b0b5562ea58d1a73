import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../src/http/openapi/openapi-build.js';
import { openApiToMarkdown } from '../src/http/openapi/openapi-markdown.js';

/** `npm run openapi`: regenerates docs/openapi.json and docs/api.md; a test fails when they are stale. */
const doc = await buildOpenApiDocument('current');
await writeFile(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
await writeFile(new URL('../docs/api.md', import.meta.url), openApiToMarkdown(doc));
process.stdout.write('wrote docs/openapi.json and docs/api.md\n');
