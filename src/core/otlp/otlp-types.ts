/**
 * An OTLP trace export request as plain data, in the shape of OTLP/JSON: lowerCamelCase keys,
 * trace and span ids in hex, 64-bit integers as decimal strings (or numbers), enums as numbers.
 * The HTTP adapter decodes both encodings (protobuf and JSON) into this one shape, so the
 * mapping below never knows which one was sent. Every field is optional: proto3 omits defaults.
 */
export interface OtlpTraceRequest {
  resourceSpans?: OtlpResourceSpans[];
}

export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: OtlpScopeSpans[];
}

export interface OtlpScopeSpans {
  scope?: { name?: string; version?: string };
  spans?: OtlpSpan[];
}

export interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  events?: OtlpEvent[];
  status?: { message?: string; code?: number };
}

export interface OtlpEvent {
  timeUnixNano?: string | number;
  name?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}

/** One of the fields is set; none set is the empty value. `bytesValue` is base64. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

/** OTLP Status.code of a span that failed. */
export const SPAN_STATUS_ERROR = 2;
