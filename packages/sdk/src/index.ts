export { Tollgate, Projects, Items, Outcomes, Tasks, Exports, Audit, MAX_BATCH, MAX_WAIT_SECONDS } from './client.js';
export type { TollgateOptions, RequestOptions, WaitOptions, GuardResult, TaskRef } from './client.js';
export { TollgateError, TollgateApiError, TollgateConnectionError, TollgateRejectedError, TollgateTimeoutError } from './errors.js';
export type { ApiErrorExtra } from './errors.js';
export { readNdjson } from './ndjson.js';
export type { ReadHooks } from './ndjson.js';
export type { FetchLike, RetryOptions, RetryPolicy } from './transport.js';
export type * from './types.js';
export type { paths, components } from './generated/openapi.js';
