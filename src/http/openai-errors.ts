import type { FastifyReply } from 'fastify';
import { isRecord } from '../core/json.js';
import type { ErrorParts } from './error-handler.js';

/** An error as the OpenAI API shapes it, which every OpenAI client library reads. */
export interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The `type` OpenAI clients expect for each status. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 502 || status === 504) return 'upstream_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * Whether an OpenAI client should retry. Said explicitly (the openai packages obey
 * `x-should-retry`), because by default they retry every 5xx, 408 and 409, and a retry of a
 * proxied call calls the model again: only a rate limit and an unavailable store or upstream
 * are worth another try.
 */
function retryable(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

export function sendOpenAiError(
  reply: FastifyReply,
  status: number,
  error: Omit<OpenAiError, 'type'> & { type?: string },
  headers: Record<string, string> = {},
): FastifyReply {
  const body: { error: OpenAiError } = {
    error: { message: error.message, type: error.type ?? errorType(status), param: error.param, code: error.code },
  };
  return reply
    .code(status)
    .headers({ ...headers, 'x-should-retry': String(retryable(status)) })
    .type('application/json')
    .send(body);
}

/**
 * Tollgate's own errors on the proxy (authentication, scope, validation, configuration), in
 * OpenAI's shape with Tollgate's code kept in `code` (`TG_UNAUTHENTICATED`, …), so a caller can
 * tell Tollgate's refusals from the model server's. `param` names the first failing field.
 */
export function sendTollgateErrorAsOpenAi(reply: FastifyReply, e: ErrorParts): FastifyReply {
  const errors = isRecord(e.details) && Array.isArray(e.details['errors']) ? e.details['errors'] : [];
  const first: unknown = errors[0];
  const param = isRecord(first) && typeof first['path'] === 'string' ? first['path'] : null;
  return sendOpenAiError(reply, e.status, { message: e.message, param, code: e.code });
}
