import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import protojson from 'protobufjs/ext/protojson.js';
import { TollgateError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { OtlpTraceRequest } from '../../core/otlp/otlp-types.js';
import { OTLP_DESCRIPTOR } from './otlp-descriptor.js';

/** OTLP/HTTP's two encodings of the same protobuf messages, told apart by the Content-Type. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);
const ExportRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const RpcStatus = root.lookupType('google.rpc.Status');

/** The plain shape the GenAI mapping reads (OTLP/JSON's): defaults omitted, 64-bit integers as text, bytes as base64. */
const PLAIN: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false };

const gunzipAsync = promisify(gunzip);

/** The encoding named by a Content-Type header; undefined for any other media type. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  return media === CONTENT_TYPES.protobuf ? 'protobuf' : media === CONTENT_TYPES.json ? 'json' : undefined;
}

/** OTLP/JSON is UTF-8; a declared charset that is not is refused rather than misread. */
export function declaredCharsetProblem(contentType: string | undefined): string | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8'
    ? undefined
    : `charset ${charset} is not supported: OTLP/JSON is UTF-8`;
}

/**
 * The request body as sent before compression. Exporters gzip when configured to
 * (`OTEL_EXPORTER_OTLP_COMPRESSION=gzip`); the inflated size is bounded like the sent one, so a
 * small bomb cannot expand into memory.
 */
export async function inflate(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const coding = contentEncoding?.trim().toLowerCase() ?? '';
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw new TollgateError('TG_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${coding} is not supported: send gzip or no encoding`);
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TollgateError('TG_PAYLOAD_TOO_LARGE', `the request inflates to more than ${limit} bytes`, { limit_bytes: limit });
    }
    throw new TollgateError('TG_VALIDATION_FAILED', 'the body is not valid gzip, as its Content-Encoding says');
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const ID_FIELDS = ['traceId', 'spanId', 'parentSpanId'] as const;

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/**
 * OTLP/JSON writes trace and span ids in hex where the protobuf JSON mapping, which the
 * parser follows, expects base64: they are converted in place before parsing.
 */
function hexIdsToBase64(json: unknown): void {
  if (!isRecord(json)) return;
  records(json['resourceSpans']).forEach((rs, r) =>
    records(rs['scopeSpans']).forEach((ss, s) =>
      records(ss['spans']).forEach((span, i) => {
        for (const holder of [span, ...records(span['links'])]) {
          for (const field of ID_FIELDS) {
            const id = holder[field];
            if (typeof id !== 'string') continue;
            if (!HEX.test(id)) {
              throw new TollgateError(
                'TG_VALIDATION_FAILED',
                `resourceSpans[${r}].scopeSpans[${s}].spans[${i}].${field} must be hex, as OTLP/JSON writes ids`,
              );
            }
            holder[field] = Buffer.from(id, 'hex').toString('base64');
          }
        }
      }),
    ),
  );
}

/** Whether to convert a span, from its attribute keys; the others are counted but never read. */
export type SpanFilter = (attributeKeys: unknown[]) => boolean;

interface SpanHolder {
  spans?: unknown;
}

/** Replaces, in each scope's span list, the spans `keep` refuses. Lists that are not arrays are left for the decoder to refuse. */
function skipSpans(
  resourceSpans: unknown,
  keep: SpanFilter,
  attributeKeys: (span: Record<string, unknown>) => unknown[] | undefined,
): void {
  for (const rs of records(resourceSpans)) {
    for (const ss of records(rs['scopeSpans']) as SpanHolder[]) {
      if (!Array.isArray(ss.spans)) continue;
      ss.spans = ss.spans.map((span: unknown) => {
        const keys = isRecord(span) ? attributeKeys(span) : undefined;
        // An empty span in its place: counted, never converted.
        return keys === undefined || keep(keys) ? span : {};
      });
    }
  }
}

const jsonKeys = (span: Record<string, unknown>) =>
  Array.isArray(span['attributes']) ? span['attributes'].map((a: unknown) => (isRecord(a) ? a['key'] : undefined)) : undefined;
const messageKeys = (span: Record<string, unknown>) => (span['attributes'] as { key: string }[]).map((a) => a.key);

const base64ToHex = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('hex'));

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new TollgateError('TG_MALFORMED_JSON', 'the body is not UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TollgateError('TG_MALFORMED_JSON', `the body is not JSON: ${(err as Error).message}`);
  }
}

/**
 * An ExportTraceServiceRequest in either encoding, as plain data with hex ids. Anything that
 * does not decode is refused whole (400): the specification's answer to bad data, which the
 * exporter does not retry. Unknown fields are skipped, so newer exporters are understood.
 * Spans `keep` refuses are left empty rather than converted (in JSON, not even checked):
 * converting every attribute of every HTTP span cost more than all the rest.
 */
export function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding, keep: SpanFilter = () => true): OtlpTraceRequest {
  let message: protobuf.Message;
  if (encoding === 'json') {
    const json = parseJson(body);
    if (isRecord(json)) skipSpans(json['resourceSpans'], keep, jsonKeys);
    hexIdsToBase64(json);
    try {
      message = protojson.fromJson(ExportRequest, json, { ignoreUnknownFields: true });
    } catch (err) {
      throw new TollgateError('TG_VALIDATION_FAILED', `the body is not an OTLP/JSON ExportTraceServiceRequest: ${(err as Error).message}`);
    }
  } else {
    try {
      message = ExportRequest.decode(body);
    } catch (err) {
      throw new TollgateError('TG_VALIDATION_FAILED', `the body is not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
    }
    skipSpans((message as unknown as { resourceSpans: unknown }).resourceSpans, keep, messageKeys);
  }
  const plain = ExportRequest.toObject(message, PLAIN) as OtlpTraceRequest;
  for (const rs of plain.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        span.traceId = base64ToHex(span.traceId);
        span.spanId = base64ToHex(span.spanId);
        span.parentSpanId = base64ToHex(span.parentSpanId);
      }
  return plain;
}

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/**
 * An ExportTraceServiceResponse in the request's encoding: empty on full success, with
 * `partial_success` when spans were rejected (or, with none rejected, to pass on a warning).
 */
export function encodeTraceResponse(encoding: OtlpEncoding, partial: PartialSuccess | undefined): Buffer | string {
  const message = ExportResponse.fromObject(partial === undefined ? {} : { partialSuccess: partial });
  if (encoding === 'json') return JSON.stringify(protojson.toJson(ExportResponse, message));
  return Buffer.from(ExportResponse.encode(message).finish());
}

/** A google.rpc.Status, which OTLP/HTTP puts in the body of every 4xx and 5xx answer to a protobuf request. */
export function encodeStatus(code: number, message: string): Buffer {
  return Buffer.from(RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish());
}
