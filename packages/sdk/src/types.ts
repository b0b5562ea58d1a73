import type { components, paths } from './generated/openapi.js';

/**
 * The SDK's types are taken from the generated OpenAPI types (src/generated/openapi.ts), so a
 * route or schema change on the server shows up here as a compile error, not at run time.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';
export type Paths = paths;

/** The paths of the document that have an operation for `M`. */
export type PathWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends Record<M, infer Op> ? ([Op] extends [never] ? never : P) : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends HttpMethod> = paths[P] extends Record<M, infer Op> ? Op : never;
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of the response with status `S`. */
export type ResponseBody<P extends keyof paths, M extends HttpMethod, S extends number> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? Json<R[S]> : never) : never;
/** The JSON request body. */
export type RequestBody<P extends keyof paths, M extends HttpMethod> =
  Operation<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
/** The query parameters. */
export type QueryParams<P extends keyof paths, M extends HttpMethod> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** The path parameters. */
export type PathParams<P extends keyof paths, M extends HttpMethod> =
  Operation<P, M> extends { parameters: { path: infer X } } ? X : Record<string, never>;

type Schemas = components['schemas'];

/** One model output to capture. */
export type ItemInput = Schemas['ItemInput'];
/** The output part of an item: text, one chat message, or a tool call / structured JSON object. */
export type ItemOutput = ItemInput['output'];
/** A stored item, with its decision and outcome. */
export type Item = Schemas['Item'];
/** The answer to a capture: the stored item, and `created: false` when its `external_id` was seen before. */
export type CaptureResult = Schemas['CaptureResult'];
/** An item's outcome as embedded in an item. */
export type Outcome = Item['outcome'];
export type OutcomeStatus = Outcome['status'];
/** The routing decision stored on an item. */
export type Decision = Item['decision'];
/** `GET /v1/items/{id}/outcome`: 200, decided. */
export type DecidedOutcome = ResponseBody<'/v1/items/{item_id}/outcome', 'get', 200>;
/** `GET /v1/items/{id}/outcome`: 202, still pending, with the hold's clock. */
export type PendingOutcome = ResponseBody<'/v1/items/{item_id}/outcome', 'get', 202>;
/** An item with its tasks and judgments (what `items.get` returns). */
export type ItemDetail = ResponseBody<'/v1/items/{item_id}', 'get', 200>;
export type ItemListQuery = Omit<QueryParams<'/v1/projects/{project_id}/items', 'get'>, 'cursor'>;
/** One entry of a batch answer (per item: id, external_id, created, decision, outcome). */
export type BatchItemResult = ResponseBody<'/v1/projects/{project_id}/items/batch', 'post', 200>['items'][number];

export type Project = Schemas['Project'];
export type ProjectInput = RequestBody<'/v1/projects', 'post'>;

export type Task = Schemas['Task'];
export type ClaimOptions = RequestBody<'/v1/projects/{project_id}/tasks/claim', 'post'>;
/** A claimed task: the task with its lease, the item, the rubric, guidelines and escalation. */
export type ClaimedTask = ResponseBody<'/v1/projects/{project_id}/tasks/claim', 'post', 200>;
export type JudgmentInput = RequestBody<'/v1/tasks/{task_id}/judgments', 'post'>;
export type Judgment = Schemas['Judgment'];
/** The stored judgment and the item's outcome after it. */
export type JudgmentResult = ResponseBody<'/v1/tasks/{task_id}/judgments', 'post', 201>;

export type AuditEvent = Schemas['AuditEvent'];
export type AuditExportQuery = QueryParams<'/v1/projects/{project_id}/audit/export', 'get'>;

/**
 * `GET /v1/projects/{project_id}/exports/{format}`: typed from the document when it has the route
 * (format names and filters), loosely otherwise.
 */
type ExportOperation = paths extends { '/v1/projects/{project_id}/exports/{format}': { get: infer Op } }
  ? Op
  : { parameters: { path: { format: string }; query?: Record<string, string | number | boolean | undefined> } };
/** What to export: `sft`, `preference`, `eval`, `judgments` (docs/exports.md). */
export type ExportFormat = ExportOperation extends { parameters: { path: { format: infer F } } } ? F : string;
/** The export's filters (`since`, `until`, `verdict`, `min_agreement`, …). */
export type ExportQuery = ExportOperation extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The error body every failing route answers with. */
export type ErrorBody = Schemas['Error'];
