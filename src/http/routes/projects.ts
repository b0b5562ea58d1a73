import type { TypedApp } from '../typed-app.js';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import {
  createProject,
  getProject,
  listDocumentVersions,
  listProjects,
  saveDocument,
  type ProjectView,
} from '../../app/project-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams } from '../schemas/common.js';
import {
  CreateProjectBody,
  PolicyDocumentSchema,
  ProjectList,
  RubricDocumentSchema,
  SavedDocument,
  VersionedDocument,
} from '../schemas/project.js';
import { iso, presentVersioned } from '../present.js';

const present = (p: ProjectView) => ({
  ...p,
  policy: presentVersioned(p.policy),
  rubric: presentVersioned(p.rubric),
  created_at: iso(p.created_at),
  updated_at: iso(p.updated_at),
});

export function registerProjectRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Create a project with an optional rubric and policy',
        body: CreateProjectBody,
        response: { 201: Type.Ref('Project'), ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(present(await createProject(ctx, principalOf(req), req.body))),
  );
  app.get(
    '/v1/projects',
    { schema: { tags: ['projects'], summary: 'List projects visible to the key', response: { 200: ProjectList, ...errorResponses } } },
    async (req) => ({
      projects: (await listProjects(ctx, principalOf(req))).map(present),
    }),
  );
  app.get(
    '/v1/projects/:project_id',
    {
      schema: {
        tags: ['projects'],
        summary: 'A project with its current policy and rubric',
        params: ProjectParams,
        response: { 200: Type.Ref('Project'), ...errorResponses },
      },
    },
    async (req) => present(await getProject(ctx, principalOf(req), req.params.project_id)),
  );
  for (const kind of ['policy', 'rubric'] as const) {
    const doc = kind === 'policy' ? PolicyDocumentSchema : RubricDocumentSchema;
    app.put(
      `/v1/projects/:project_id/${kind}`,
      {
        schema: {
          tags: ['projects'],
          summary: `Save a new ${kind} version (old versions are kept)`,
          params: ProjectParams,
          body: doc,
          response: { 200: SavedDocument(doc), ...errorResponses },
        },
      },
      async (req) => {
        const saved = await saveDocument(ctx, principalOf(req), req.params.project_id, kind, req.body);
        return { ...presentVersioned(saved), warnings: saved.warnings };
      },
    );
    app.get(
      `/v1/projects/:project_id/${kind}/versions`,
      {
        schema: {
          tags: ['projects'],
          summary: `Every ${kind} version, newest first`,
          params: ProjectParams,
          response: { 200: Type.Object({ versions: Type.Array(VersionedDocument(doc)) }), ...errorResponses },
        },
      },
      async (req) => ({ versions: (await listDocumentVersions(ctx, principalOf(req), req.params.project_id, kind)).map(presentVersioned) }),
    );
  }
}
