import { Type } from 'typebox';

/*
 * OTLP's messages as OpenAPI documents them. The route decodes its body itself (protobuf or
 * JSON, possibly gzipped) with the OTLP schema, so these describe the request; they validate
 * nothing.
 */

const Attributes = Type.Array(
  Type.Object(
    {
      key: Type.String(),
      value: Type.Object(
        {
          stringValue: Type.Optional(Type.String()),
          boolValue: Type.Optional(Type.Boolean()),
          intValue: Type.Optional(Type.Union([Type.String({ pattern: '^-?[0-9]{1,19}$' }), Type.Integer()])),
          doubleValue: Type.Optional(Type.Number()),
          arrayValue: Type.Optional(Type.Object({ values: Type.Array(Type.Object({}, { additionalProperties: true })) })),
          kvlistValue: Type.Optional(Type.Object({ values: Type.Array(Type.Object({}, { additionalProperties: true })) })),
          bytesValue: Type.Optional(Type.String({ description: 'base64' })),
        },
        { description: 'An AnyValue: one of the fields' },
      ),
    },
    { additionalProperties: true },
  ),
);

const Nanos = (description: string) =>
  Type.Union([Type.String({ pattern: '^[0-9]{1,20}$' }), Type.Integer({ minimum: 0 })], { description });

const Span = Type.Object(
  {
    traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: '16 bytes in hex' }),
    spanId: Type.String({ pattern: '^[0-9a-fA-F]{16}$', description: '8 bytes in hex' }),
    parentSpanId: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{16})?$' })),
    name: Type.String(),
    kind: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: '3 for CLIENT, as GenAI client spans are' })),
    startTimeUnixNano: Nanos('Start, nanoseconds since the UNIX epoch'),
    endTimeUnixNano: Nanos('End, nanoseconds since the UNIX epoch'),
    attributes: Type.Optional(Attributes),
    events: Type.Optional(
      Type.Array(
        Type.Object(
          { timeUnixNano: Type.Optional(Nanos('When')), name: Type.String(), attributes: Type.Optional(Attributes) },
          { additionalProperties: true },
        ),
      ),
    ),
    status: Type.Optional(
      Type.Object({ code: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })), message: Type.Optional(Type.String()) }),
    ),
  },
  { additionalProperties: true },
);

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** A chat call as the OpenTelemetry GenAI instrumentations record it with content capture on. */
export const OTLP_EXAMPLE = {
  resourceSpans: [
    {
      resource: { attributes: [str('service.name', 'support-bot')] },
      scopeSpans: [
        {
          scope: { name: 'opentelemetry.instrumentation.openai_v2', version: '2.1b0' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: '1764072000000000000',
              endTimeUnixNano: '1764072001250000000',
              attributes: [
                str('gen_ai.operation.name', 'chat'),
                str('gen_ai.provider.name', 'openai'),
                str('gen_ai.request.model', 'gpt-4o'),
                str('gen_ai.response.model', 'gpt-4o-2024-08-06'),
                int('gen_ai.usage.input_tokens', 42),
                int('gen_ai.usage.output_tokens', 17),
                str(
                  'gen_ai.input.messages',
                  JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'My blender arrived broken, refund please' }] }]),
                ),
                str(
                  'gen_ai.output.messages',
                  JSON.stringify([
                    { role: 'assistant', parts: [{ type: 'text', content: 'Done: I refunded $820 to your card.' }], finish_reason: 'stop' },
                  ]),
                ),
                str('tollgate.metadata.intent', 'refund'),
                int('tollgate.metadata.amount', 820),
              ],
            },
          ],
        },
      ],
    },
  ],
};

export const OtlpJsonRequest = Type.Object(
  {
    resourceSpans: Type.Array(
      Type.Object(
        {
          resource: Type.Optional(Type.Object({ attributes: Type.Optional(Attributes) }, { additionalProperties: true })),
          scopeSpans: Type.Array(
            Type.Object(
              {
                scope: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), version: Type.Optional(Type.String()) })),
                spans: Type.Array(Span),
              },
              { additionalProperties: true },
            ),
          ),
        },
        { additionalProperties: true },
      ),
    ),
  },
  {
    additionalProperties: true,
    description:
      'An ExportTraceServiceRequest in OTLP/JSON: lowerCamelCase keys, ids in hex, 64-bit integers as decimal strings, enums as numbers',
    examples: [OTLP_EXAMPLE],
  },
);

export const OtlpBinary = Type.String({
  format: 'binary',
  description: 'A protobuf-encoded message (opentelemetry.proto.collector.trace.v1 or, for errors, google.rpc.Status)',
});

export const OtlpJsonResponse = Type.Object(
  {
    partialSuccess: Type.Optional(
      Type.Object(
        {
          rejectedSpans: Type.String({ description: 'How many spans were rejected (an int64, as decimal text); 0 with a warning' }),
          errorMessage: Type.String({ description: 'Why, and what to change' }),
        },
        { description: 'Set only when spans were rejected, or to pass on a warning' },
      ),
    ),
  },
  { description: 'An ExportTraceServiceResponse in OTLP/JSON' },
);
