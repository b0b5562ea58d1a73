import { describe, expect, it } from 'vitest';
import { loadOtlpProtos } from '../../scripts/otlp-protos.js';
import { decodeTraceRequest, declaredCharsetProblem, encodeTraceResponse, encodingOf, inflate } from '../../src/http/otlp/otlp-codec.js';
import { OTLP_DESCRIPTOR } from '../../src/http/otlp/otlp-descriptor.js';
import { mayBeGenAiSpan } from '../../src/core/otlp/genai-span.js';
import { OTLP_EXAMPLE } from '../../src/http/schemas/otlp.js';

const protos = loadOtlpProtos();
const Request = protos.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const Response = protos.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

/** OTLP/JSON → protobuf bytes, through the .proto files (ids from hex to bytes, as the encodings differ only there). */
function toProtobuf(json: typeof OTLP_EXAMPLE): Buffer {
  const copy = structuredClone(json) as unknown as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  for (const rs of copy.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) for (const k of ['traceId', 'spanId']) span[k] = Buffer.from(span[k] as string, 'hex');
  return Buffer.from(Request.encode(Request.fromObject(copy)).finish());
}

describe('the OTLP codec', () => {
  it('loads the schema from a descriptor generated from the vendored .proto files (npx tsx scripts/otlp-descriptor.ts)', () => {
    expect(OTLP_DESCRIPTOR).toEqual(protos.toJSON());
  });

  it('decodes the same request from protobuf and from OTLP/JSON into the same data, ids in lower-case hex', () => {
    const fromProtobuf = decodeTraceRequest(toProtobuf(OTLP_EXAMPLE), 'protobuf');
    const upper = JSON.stringify(OTLP_EXAMPLE).replace(
      /"(traceId|spanId)":"([0-9a-f]+)"/g,
      (_, k: string, v: string) => `"${k}":"${v.toUpperCase()}"`,
    );
    const fromJson = decodeTraceRequest(Buffer.from(upper), 'json');
    expect(fromJson).toEqual(fromProtobuf);
    const span = fromJson.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0];
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      kind: 3,
      startTimeUnixNano: '1764072000000000000',
    });
    expect(span?.attributes?.find((a) => a.key === 'gen_ai.usage.input_tokens')?.value).toEqual({ intValue: '42' });
  });

  it('skips fields it does not know, in both encodings, so newer exporters are understood', () => {
    const json = JSON.parse(JSON.stringify(OTLP_EXAMPLE)) as Record<string, unknown> & typeof OTLP_EXAMPLE;
    json['somethingNew'] = { x: 1 };
    (json.resourceSpans[0]!.scopeSpans[0]!.spans[0] as Record<string, unknown>)['futureField'] = [1, 2];
    expect(decodeTraceRequest(Buffer.from(JSON.stringify(json)), 'json')).toEqual(
      decodeTraceRequest(Buffer.from(JSON.stringify(OTLP_EXAMPLE)), 'json'),
    );
    // Field 99, a varint: unknown to the schema.
    const extended = Buffer.concat([toProtobuf(OTLP_EXAMPLE), Buffer.from([0x98, 0x06, 0x01])]);
    expect(decodeTraceRequest(extended, 'protobuf')).toEqual(decodeTraceRequest(toProtobuf(OTLP_EXAMPLE), 'protobuf'));
  });

  it('leaves out the spans the filter refuses, in JSON without checking them', () => {
    const json = structuredClone(OTLP_EXAMPLE) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    const spans = json.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans.push({
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      name: 5,
      attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
    });
    const decoded = decodeTraceRequest(Buffer.from(JSON.stringify(json)), 'json', mayBeGenAiSpan);
    expect(decoded.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.map((s) => s.name)).toEqual(['chat gpt-4o', undefined]);
    expect(() => decodeTraceRequest(Buffer.from(JSON.stringify(json)), 'json')).toThrow(
      expect.objectContaining({ code: 'TG_VALIDATION_FAILED' }),
    );
    const protobuf = decodeTraceRequest(toProtobuf(OTLP_EXAMPLE), 'protobuf', () => false);
    expect(protobuf.resourceSpans?.[0]?.scopeSpans?.[0]?.spans).toEqual([{}]);
  });

  it('refuses a body nested past the protobuf recursion limit with 400 rather than exhausting the stack', () => {
    let value: unknown = { stringValue: 'x' };
    for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
    const deep = {
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), attributes: [{ key: 'k', value }] }] }] },
      ],
    };
    expect(() => decodeTraceRequest(Buffer.from(JSON.stringify(deep)), 'json')).toThrow(
      expect.objectContaining({ code: 'TG_VALIDATION_FAILED' }),
    );
  });

  it('answers in the encoding of the request, leaving partial_success unset on full success', () => {
    expect(encodeTraceResponse('json', undefined)).toBe('{}');
    expect(encodeTraceResponse('protobuf', undefined)).toEqual(Buffer.alloc(0));
    const partial = { rejectedSpans: 3, errorMessage: 'why' };
    expect(JSON.parse(encodeTraceResponse('json', partial) as string)).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'why' },
    });
    const decoded = Response.toObject(Response.decode(encodeTraceResponse('protobuf', partial) as Buffer), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: partial });
  });

  it('tells the encodings apart by media type, and takes OTLP/JSON only as UTF-8', () => {
    expect(encodingOf('application/x-protobuf')).toBe('protobuf');
    expect(encodingOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(encodingOf('application/jsonx')).toBeUndefined();
    expect(encodingOf(undefined)).toBeUndefined();
    expect(declaredCharsetProblem('application/json; charset="UTF-8"')).toBeUndefined();
    expect(declaredCharsetProblem('application/json; charset=latin1')).toContain('latin1');
  });

  it('inflates gzip within a bound, and refuses other codings', async () => {
    const { gzipSync } = await import('node:zlib');
    expect((await inflate(gzipSync('hello'), 'gzip', 100)).toString()).toBe('hello');
    expect((await inflate(Buffer.from('plain'), undefined, 100)).toString()).toBe('plain');
    await expect(inflate(gzipSync('x'.repeat(1000)), 'gzip', 100)).rejects.toMatchObject({ code: 'TG_PAYLOAD_TOO_LARGE' });
    await expect(inflate(Buffer.from('x'), 'deflate', 100)).rejects.toMatchObject({ code: 'TG_UNSUPPORTED_MEDIA_TYPE' });
  });
});
