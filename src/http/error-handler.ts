import type { SpaFallback } from './web-console.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError, type ErrorCode } from '../core/errors.js';

interface FieldError {
  path: string;
  message: string;
}

/** Fastify's own request errors, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'TG_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'TG_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'TG_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'TG_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'TG_VALIDATION_FAILED',
};

const STORE_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', 'SQLITE_BUSY']);

/** `/items/3/confidence` → `items[3].confidence`: how people write paths into JSON. */
export function jsonPointerToPath(part: string, pointer: string): string {
  const segs = pointer
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = part === 'body' ? '' : part;
  for (const s of segs) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? part : out;
}

function validationErrors(err: FastifyError): FieldError[] {
  const context = (err as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const params: Record<string, unknown> = v.params;
    let path = jsonPointerToPath(context, v.instancePath);
    if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = path === context && context === 'body' ? params.additionalProperty : `${path}.${params.additionalProperty}`;
      return { path, message: `unknown field "${params.additionalProperty}"` };
    }
    if (v.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = path === context && context === 'body' ? params.missingProperty : `${path}.${params.missingProperty}`;
      return { path, message: 'is required' };
    }
    return { path, message: v.message ?? 'is invalid' };
  });
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details?: unknown): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send({ error: details === undefined ? { code, message } : { code, message, details } });
}

/** Longest path parameter the router accepts: the longest id a schema allows (a reviewer, 200). */
export const MAX_PARAM_LENGTH = 200;

/**
 * Fastify's `frameworkErrors`: the router's own refusals, before any route runs, in the API's
 * error shape (Fastify's default answers `{"error": "Bad Request", "code": "FST_…"}`, and 414
 * for a long path parameter).
 */
export function sendFrameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    void sendError(reply, 400, 'TG_VALIDATION_FAILED', 'the URL path holds a malformed percent-escape');
  } else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendError(reply, 400, 'TG_VALIDATION_FAILED', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
  } else {
    reply.log.error({ err }, 'router error');
    void sendError(reply, 500, 'TG_INTERNAL', 'internal error; the server log has the details');
  }
}

/** A failure as the client is told of it: status, stable code, message and details. */
export interface ErrorParts {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

/**
 * Maps any error a route or hook throws to what the client is told: Tollgate's own errors as
 * they are, validation and Fastify's request errors to stable codes, a store outage to 503, and
 * anything else to 500 (logged). The `/v1` API and the proxy share it and differ only in shape.
 */
export function describeError(err: FastifyError, req: FastifyRequest): ErrorParts {
  if (err instanceof TollgateError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  if (err.validation) {
    // Too many items is a size problem, not a malformed item: clients split and resend.
    const tooMany = err.validation.find((v) => v.keyword === 'maxItems' && v.instancePath === '/items');
    if (tooMany && (err as FastifyError & { validationContext?: string }).validationContext === 'body') {
      return {
        status: 413,
        code: 'TG_BATCH_TOO_LARGE',
        message: `a batch holds at most ${String(tooMany.params.limit)} items; split it`,
        details: { max_items: tooMany.params.limit },
      };
    }
    const errors = validationErrors(err);
    const first = errors[0];
    const itemIndex = first ? /^items\[(\d+)\]/.exec(first.path)?.[1] : undefined;
    const message = first ? `${first.path} ${first.message}` : 'request is invalid';
    const details: Record<string, unknown> = { errors };
    if (itemIndex !== undefined) details.item_index = Number(itemIndex);
    return {
      status: 400,
      code: 'TG_VALIDATION_FAILED',
      message: itemIndex === undefined ? message : `item ${itemIndex} rejected, batch not stored: ${message}`,
      details,
    };
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) {
    const status = mapped === 'TG_PAYLOAD_TOO_LARGE' ? 413 : mapped === 'TG_UNSUPPORTED_MEDIA_TYPE' ? 415 : 400;
    return { status, code: mapped, message: err.message };
  }
  const sysCode = (err as { code?: string }).code;
  if (sysCode !== undefined && STORE_DOWN.has(sysCode)) {
    req.log.error({ err }, 'store unavailable');
    return { status: 503, code: 'TG_STORE_UNAVAILABLE', message: 'the store is not answering; retry shortly' };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, code: 'TG_VALIDATION_FAILED', message: err.message };
  }
  req.log.error({ err }, 'unhandled error');
  return { status: 500, code: 'TG_INTERNAL', message: 'internal error; the server log has the details' };
}

export function installErrorHandlers(app: FastifyInstance, spaFallback?: SpaFallback | null): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = describeError(err, req);
    return sendError(reply, e.status, e.code, e.message, e.details);
  });

  app.setNotFoundHandler(
    (req, reply) =>
      spaFallback?.(req, reply) ?? sendError(reply, 404, 'TG_ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`),
  );
}
