import { writeFile } from 'node:fs/promises';
import { generateSdkTypes, SDK_TYPES_FILE } from './sdk-types.js';

/** `npm run sdk:generate` (also run by `npm run openapi`): regenerates the SDK's types from docs/openapi.json. */
await writeFile(SDK_TYPES_FILE, await generateSdkTypes());
process.stdout.write('wrote packages/sdk/src/generated/openapi.ts\n');
