import { Ajv } from 'ajv';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import type { ItemSubmission } from '../../app/ingest-service.js';
import { captureTraceItems, checkTraceIntake, type ProjectItems } from '../../app/otlp-intake-service.js';
import { TollgateError } from '../../core/errors.js';
import { mayBeGenAiSpan, type CapturedItem } from '../../core/otlp/genai-span.js';
import { PROJECT_HEADER, planTraceCapture, rejectionMessage, type SpanRejection } from '../../core/otlp/trace-plan.js';
import { principalOf } from '../auth.js';
import type { BodyLimits } from '../body-limits.js';
import { jsonPointerToPath } from '../error-handler.js';
import { findInputProblem } from '../input-guard.js';
import {
  CONTENT_TYPES,
  declaredCharsetProblem,
  decodeTraceRequest,
  encodeStatus,
  encodeTraceResponse,
  encodingOf,
  inflate,
} from '../otlp/otlp-codec.js';
import { CreateItemBody } from '../schemas/item.js';
import { OtlpBinary, OtlpJsonRequest, OtlpJsonResponse } from '../schemas/otlp.js';
import type { TypedApp } from '../typed-app.js';
import { createValidatorCompiler } from '../validator.js';

/** Spans become items only if they would pass the item route's own validation. */
const checkItem = new Ajv({ allErrors: false, strict: false }).compile(CreateItemBody);

function itemProblem(item: CapturedItem): string | undefined {
  const stored = findInputProblem(item);
  if (stored !== undefined) return `${stored.path} ${stored.message}`;
  if (checkItem(item)) return undefined;
  const first = checkItem.errors?.[0];
  return first === undefined ? 'is not a valid item' : `${jsonPointerToPath('body', first.instancePath)} ${first.message ?? 'is invalid'}`;
}

/** gRPC codes for OTLP's Status.code; the specification leaves it informative, the HTTP status decides. */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

/**
 * A protobuf client is answered in protobuf even when the request fails: the error the API
 * writes as JSON becomes a google.rpc.Status with the same code and message.
 */
function statusForProtobufClients(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  if (reply.statusCode < 400 || encodingOf(req.headers['content-type']) !== 'protobuf') return done(null, payload);
  let text = 'request failed';
  try {
    const body = JSON.parse(typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '{}') as {
      error?: { code?: string; message?: string };
    };
    if (body.error?.code !== undefined) text = `${body.error.code}: ${body.error.message ?? ''}`;
  } catch {
    // Not the API's error shape: the generic message stands.
  }
  void reply.type(CONTENT_TYPES.protobuf);
  done(null, encodeStatus(GRPC_CODES[reply.statusCode] ?? 2, text));
}

/**
 * `POST /otlp/v1/traces`: OTLP/HTTP trace export, so an application already instrumented with
 * OpenTelemetry sends its model calls here by pointing its exporter at `/otlp`. GenAI spans with
 * content become items, captured and routed like any other; all other spans are accepted and
 * dropped. The body is decoded here rather than by Fastify's JSON parser: it may be protobuf or
 * gzip, and one odd span (a NUL in some unrelated attribute) must not sink the whole batch, so
 * items are checked one by one after mapping.
 */
export function registerOtlpRoutes(app: TypedApp, ctx: AppContext, limits: BodyLimits): void {
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // Every media type is read as bytes, so the handler can name the two it takes when refusing another.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, next) => next(null, body));
    // The body schemas document the two encodings; the route decodes and checks the body itself.
    const validators = createValidatorCompiler([]);
    scope.setValidatorCompiler((route) => (route.httpPart === 'body' ? () => true : validators(route)));
    scope.addHook('onSend', statusForProtobufClients);

    scope.post(
      '/otlp/v1/traces',
      {
        bodyLimit: limits.batch,
        schema: {
          tags: ['otlp'],
          summary: 'OpenTelemetry trace intake (OTLP/HTTP): GenAI spans become items',
          description:
            'Point an OpenTelemetry exporter at `/otlp` (`OTEL_EXPORTER_OTLP_ENDPOINT=http://HOST:PORT/otlp`, ' +
            '`OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<ingest key>`). Takes `application/x-protobuf` or ' +
            '`application/json`, optionally gzipped. Spans following the GenAI semantic conventions (chat, text_completion, ' +
            'generate_content) with their output recorded become items, idempotent by `otlp:<trace_id>:<span_id>`, in the ' +
            "project of the resource's `tollgate.project_id` attribute, else the `x-tollgate-project` header, else the key's " +
            'project; other spans are accepted and ignored. Answers in the encoding of the request: 200 with an ' +
            'ExportTraceServiceResponse whose `partialSuccess` counts the GenAI spans that could not become items and says ' +
            'why; errors to protobuf requests are a google.rpc.Status.',
          headers: Type.Object({
            [PROJECT_HEADER]: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description:
                  "Project id for the spans of every resource that names none with tollgate.project_id; default: the key's project",
              }),
            ),
          }),
          body: {
            content: {
              [CONTENT_TYPES.protobuf]: { schema: OtlpBinary },
              [CONTENT_TYPES.json]: { schema: OtlpJsonRequest },
            },
          },
          response: {
            200: {
              description: 'Accepted; partialSuccess says which GenAI spans became no item, and why',
              content: {
                [CONTENT_TYPES.protobuf]: { schema: OtlpBinary },
                [CONTENT_TYPES.json]: { schema: OtlpJsonResponse },
              },
            },
            400: Type.Ref('Error'),
            401: Type.Ref('Error'),
            403: Type.Ref('Error'),
            404: Type.Ref('Error'),
            413: Type.Ref('Error'),
            415: Type.Ref('Error'),
            429: Type.Ref('Error'),
          },
        },
      },
      async (req, reply) => {
        const who = principalOf(req);
        const contentType = req.headers['content-type'];
        const encoding = encodingOf(contentType);
        const charset = declaredCharsetProblem(contentType);
        if (encoding === undefined || (encoding === 'json' && charset !== undefined)) {
          throw new TollgateError(
            'TG_UNSUPPORTED_MEDIA_TYPE',
            charset ?? `send ${CONTENT_TYPES.protobuf} or ${CONTENT_TYPES.json}, the two encodings of OTLP/HTTP`,
          );
        }
        const headerProject = req.headers[PROJECT_HEADER] as string | undefined;
        await checkTraceIntake(ctx, who, headerProject);

        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const request = decodeTraceRequest(await inflate(body, req.headers['content-encoding'], limits.batch), encoding, mayBeGenAiSpan);
        const plan = planTraceCapture(request, { headerProject, keyProject: who.project_id });
        const rejected: SpanRejection[] = [...plan.rejected];
        const groups: ProjectItems[] = [];
        for (const [projectId, entries] of plan.byProject) {
          const items: ItemSubmission[] = [];
          for (const { item, span } of entries) {
            const problem = itemProblem(item);
            if (problem === undefined) items.push(item);
            else rejected.push({ problem: `the item would be invalid: ${problem}`, span });
          }
          if (items.length > 0) groups.push({ projectId, items });
        }
        const result = await captureTraceItems(ctx, who, groups);
        for (const { projectId, spans } of result.unknownProjects) {
          const span = plan.byProject.get(projectId)?.[0]?.span;
          for (let i = 0; i < spans; i++)
            rejected.push({ problem: `project ${projectId} does not exist, or this key cannot see it`, span });
        }
        req.log.debug(
          { spans: plan.spans, created: result.created, repeated: result.repeated, rejected: rejected.length },
          'otlp traces received',
        );
        const partial =
          rejected.length > 0 || plan.withoutContent > 0
            ? { rejectedSpans: rejected.length, errorMessage: rejectionMessage(rejected, plan.withoutContent) }
            : undefined;
        return reply.code(200).type(CONTENT_TYPES[encoding]).send(encodeTraceResponse(encoding, partial));
      },
    );
    done();
  });
}
