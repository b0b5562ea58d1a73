import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/http/openapi/openapi-build.js';
import { openApiToMarkdown } from '../../src/http/openapi/openapi-markdown.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { testApi, type TestApi } from '../support/http.js';

describe('OpenAPI document', () => {
  let t: TestStore;
  let api: TestApi;
  beforeAll(async () => {
    t = await openTestStore('sqlite');
    api = await testApi(t.ctx);
  });
  afterAll(async () => {
    await api.app.close();
    await t.close();
  });

  it('is committed and current: run `npm run openapi` after changing a route schema', async () => {
    const doc = await buildOpenApiDocument('current');
    const committed = JSON.parse(await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(doc);
    expect(await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8')).toBe(openApiToMarkdown(doc));
  });

  it('is served at /openapi.json without a key and documents every route with its schemas', async () => {
    const res = await api.call('GET', '/openapi.json', null);
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/projects',
      '/v1/projects/{project_id}/policy',
      '/v1/projects/{project_id}/rubric',
      '/v1/projects/{project_id}/items',
      '/v1/projects/{project_id}/items/batch',
      '/v1/items/{item_id}',
      '/v1/projects/{project_id}/tasks/claim',
      '/v1/tasks/{task_id}/judgments',
      '/v1/tasks/{task_id}/release',
      '/v1/tasks/{task_id}/renew',
      '/v1/keys',
      '/healthz',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const itemBody = doc.paths['/v1/projects/{project_id}/items'].post.requestBody.content['application/json'].schema;
    const resolved = itemBody.$ref ? doc.components.schemas[itemBody.$ref.split('/').at(-1)] : itemBody;
    expect(resolved.properties.confidence).toMatchObject({ minimum: 0, maximum: 1 });
  });

  it('renders the reference at /docs', async () => {
    const res = await api.call('GET', '/docs/', null);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
